//! The operator, estimator, exact and training parts of the C API, from C: the test
//! programs tests/c/test_operators.c, tests/c/test_training.c and
//! tests/c/test_host_energies.c, compiled with strict
//! warnings against the built shared library and run.

mod foreign;
use foreign::*;

/// The number N of "NAME: N checks passed", the last line of a test program's output.
fn checks_passed(name: &str, out: &str) -> usize {
    out.lines()
        .last()
        .and_then(|line| line.strip_prefix(&format!("{name}: ")))
        .and_then(|rest| rest.strip_suffix(" checks passed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output of {name}:\n{out}"))
}

#[test]
fn c_operator_test_program_passes() {
    let exe = build_c_program(
        "test_operators",
        &[&crate_root().join("tests/c/test_operators.c")],
    );
    let out = run(&exe, &[]);
    let passed = checks_passed("test_operators", &out);
    assert!(passed > 300, "only {passed} checks ran:\n{out}");
}

#[test]
fn c_training_test_program_passes() {
    let exe = build_c_program(
        "test_training",
        &[&crate_root().join("tests/c/test_training.c")],
    );
    let scratch = scratch_dir("test_training");
    // Unoptimised builds train for minutes: there the program trains briefly and checks
    // only that the energy falls. `cargo test --release` runs the full check.
    let mut args = vec![scratch.as_os_str()];
    if cfg!(debug_assertions) {
        args.push(std::ffi::OsStr::new("quick"));
    }
    let out = run(&exe, &args);
    let passed = checks_passed("test_training", &out);
    assert!(passed > 300, "only {passed} checks ran:\n{out}");
    // The training runs report how close they came; the program has checked the bounds.
    assert!(out.contains("Adam: relative error"), "{out}");
    assert!(out.contains("SR:   relative error"), "{out}");
    assert_eq!(out.contains("quick run"), cfg!(debug_assertions), "{out}");
}

#[test]
fn c_host_energies_test_program_passes() {
    let exe = build_c_program(
        "test_host_energies",
        &[&crate_root().join("tests/c/test_host_energies.c")],
    );
    let out = run(&exe, &[]);
    let passed = checks_passed("test_host_energies", &out);
    assert!(passed > 300, "only {passed} checks ran:\n{out}");
}
