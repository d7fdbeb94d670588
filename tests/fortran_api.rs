//! The Fortran 2008 module (bindings/fortran: generated rnnwf_capi.f90 + rnnwf.f90): its test
//! program (also under valgrind), the stop-on-error path, and the example, all built with
//! gfortran -std=f2008 -Wall -Wextra -Werror.

mod foreign;
use foreign::*;
use std::ffi::OsStr;

fn test_program() -> Option<std::path::PathBuf> {
    build_fortran_program(
        "test_model_f90",
        &[&crate_root().join("tests/fortran/test_model.f90")],
    )
}

#[test]
fn fortran_test_program_passes() {
    let Some(exe) = test_program() else { return };
    let scratch = scratch_dir("test_model_f90");
    let out = run(&exe, &[scratch.as_os_str()]);
    assert_checks_passed(&out, "test_model_f90", 60);
}

#[test]
fn fortran_test_program_passes_under_valgrind() {
    let Some(exe) = build_fortran_program(
        "test_model_f90_valgrind",
        &[&crate_root().join("tests/fortran/test_model.f90")],
    ) else {
        return;
    };
    let scratch = scratch_dir("test_model_f90_valgrind");
    if let Some(out) = run_under_valgrind(&exe, &[scratch.as_os_str()]) {
        assert_checks_passed(&out, "test_model_f90", 60);
    }
}

/// Operators, estimators, exact tools and training (tests/fortran/test_training.f90).
/// Unoptimised builds train briefly and check only that the energy falls.
#[test]
fn fortran_training_program_passes() {
    let Some(exe) = build_fortran_program(
        "test_training_f90",
        &[&crate_root().join("tests/fortran/test_training.f90")],
    ) else {
        return;
    };
    let scratch = scratch_dir("test_training_f90");
    let mode = if cfg!(debug_assertions) {
        "quick"
    } else {
        "full"
    };
    let out = run(&exe, &[scratch.as_os_str(), OsStr::new(mode)]);
    // About 320 checks in a full run, 190 in a quick one.
    assert_checks_passed(&out, "test_training_f90", 170);
    assert!(out.contains("SR: relative error"), "{out}");
    assert!(out.contains(&format!(") {mode}")), "{out}");
}

/// The same under valgrind, with a 3-step training run and a tenth of the samples: about
/// 15 s against the release library, but minutes against the unoptimised one, so only in
/// release builds (`cargo test --release`); the wrapper code checked is the same.
#[test]
fn fortran_training_program_passes_under_valgrind() {
    if cfg!(debug_assertions) {
        eprintln!("skipped in unoptimised builds: run `cargo test --release --test fortran_api`");
        return;
    }
    let Some(exe) = build_fortran_program(
        "test_training_f90_valgrind",
        &[&crate_root().join("tests/fortran/test_training.f90")],
    ) else {
        return;
    };
    let scratch = scratch_dir("test_training_f90_valgrind");
    if let Some(out) = run_under_valgrind(&exe, &[scratch.as_os_str(), OsStr::new("short")]) {
        assert_checks_passed(&out, "test_training_f90", 170);
    }
}

/// Without stat=, a failed call prints the library's message and stops with error stop.
#[test]
fn fortran_failure_without_stat_stops_with_the_message() {
    let Some(exe) = build_fortran_program(
        "test_model_f90_fail",
        &[&crate_root().join("tests/fortran/test_model.f90")],
    ) else {
        return;
    };
    let (code, stdout, stderr) = run_expecting_failure(&exe, &[OsStr::new("--fail")]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stdout.contains("not reached"), "{stdout}");
    assert!(
        stderr.contains("rnnwf: RNNWF_ERR_INVALID_ARGUMENT: rnnwf_model_new: hidden"),
        "{stderr}"
    );
    assert!(stderr.contains("ERROR STOP"), "{stderr}");
}

#[test]
fn fortran_example_runs_and_agrees_with_cpp() {
    let Some(exe) = build_fortran_program(
        "sample_f90",
        &[&crate_root().join("examples/fortran/sample.f90")],
    ) else {
        return;
    };
    // Unoptimised builds train 10x shorter and check only that the energy fell.
    let steps = if cfg!(debug_assertions) { "20" } else { "200" };
    let out = run(&exe, &[OsStr::new(steps)]);
    assert!(out.contains("model: 12 sites, 996 parameters"), "{out}");
    assert!(
        out.contains("max |ln psi(evaluated) - ln psi(sampled)| =  0.00E+00"),
        "{out}"
    );
    assert!(
        out.contains(
            "expected error: RNNWF_ERR_INVALID_ARGUMENT: rnnwf_log_psi: configs[0][0] = 2"
        ),
        "{out}"
    );
    // Same model, seed and n: the C++ example draws the same first sample, so the two
    // bindings agree on layout (column = configuration) and on argument passing.
    let cpp = build_cxx_program(
        "sample_cpp_for_fortran",
        &[&crate_root().join("examples/cpp/sample.cpp")],
    );
    // The Fortran example's n; no training.
    let cpp_out = run(&cpp, &[OsStr::new("2000"), OsStr::new("0")]);
    let first = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("first sample: "))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no first sample in:\n{text}"))
    };
    assert_eq!(first(&out), first(&cpp_out));
    assert!(first(&out).contains('v') && first(&out).contains('^'));
    // Training: the same model, seeds and steps as the C++ example.
    assert!(
        out.contains("exact E0 = -12.3814899997 (free fermions -12.3814899997)"),
        "{out}"
    );
    assert_example_trained(&out, steps);
}
