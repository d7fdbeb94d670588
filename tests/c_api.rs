//! The C API from C: the test program, the example, the header on its own (C and C++), the
//! exported symbols and the SONAME of the built shared library.

mod foreign;
use foreign::*;
use std::ffi::OsStr;
use std::process::Command;

/// The C test program runs about 3900 checks; fewer means part of it was skipped.
const C_TEST_MIN_CHECKS: usize = 3000;

#[test]
fn c_test_program_passes() {
    let exe = build_c_program("test_model", &[&crate_root().join("tests/c/test_model.c")]);
    let scratch = scratch_dir("test_model");
    let out = run(&exe, &[scratch.as_os_str()]);
    assert_checks_passed(&out, "test_model", C_TEST_MIN_CHECKS);
}

/// Calls whose memory comes from their arguments return a status under an address-space
/// limit instead of aborting (tests/c/test_memory_limit.c): an abort fails `run`.
#[test]
#[cfg(target_os = "linux")]
fn c_calls_under_a_memory_limit_return_a_status() {
    let exe = build_c_program(
        "test_memory_limit",
        &[&crate_root().join("tests/c/test_memory_limit.c")],
    );
    let out = run(&exe, &[]);
    assert_checks_passed(&out, "test_memory_limit", 40);
}

/// Results that overflow are RNNWF_ERR_NUMERICAL, never RNNWF_OK with NaN or Inf
/// (tests/c/test_numerical.c).
#[test]
fn c_results_that_overflow_are_numerical() {
    let exe = build_c_program(
        "test_numerical",
        &[&crate_root().join("tests/c/test_numerical.c")],
    );
    let out = run(&exe, &[]);
    assert_checks_passed(&out, "test_numerical", 60);
}

/// Checkpoint files as an adversarial client uses them (tests/c/test_files.c): FIFOs and
/// devices refused at once, permissions kept, long names saved, killed saves cleaned up.
#[test]
#[cfg(target_os = "linux")]
fn c_checkpoint_files_are_handled_safely() {
    let exe = build_c_program("test_files", &[&crate_root().join("tests/c/test_files.c")]);
    let scratch = scratch_dir("test_files");
    let out = run(&exe, &[scratch.as_os_str()]);
    assert_checks_passed(&out, "test_files", 25);
}

#[test]
fn c_test_program_passes_under_asan_and_ubsan() {
    let exe = build_c_program_with(
        "test_model_asan",
        SANITIZER_FLAGS,
        &[&crate_root().join("tests/c/test_model.c")],
    );
    let scratch = scratch_dir("test_model_asan");
    let out = run_sanitized(&exe, &[scratch.as_os_str()]);
    assert_checks_passed(&out, "test_model", C_TEST_MIN_CHECKS);
}

#[test]
fn c_test_program_passes_under_valgrind() {
    let exe = build_c_program_with(
        "test_model_valgrind",
        &["-g"],
        &[&crate_root().join("tests/c/test_model.c")],
    );
    let scratch = scratch_dir("test_model_valgrind");
    if let Some(out) = run_under_valgrind(&exe, &[scratch.as_os_str()]) {
        assert_checks_passed(&out, "test_model", C_TEST_MIN_CHECKS);
    }
}

#[test]
fn c_example_runs() {
    let exe = build_c_program("sample", &[&crate_root().join("examples/c/sample.c")]);
    // Unoptimised builds train 10x shorter and check only that the energy fell.
    let steps = if cfg!(debug_assertions) { "20" } else { "200" };
    let out = run(&exe, &[OsStr::new("500"), OsStr::new(steps)]);
    assert!(
        out.contains("sum of P over all 1024 configurations = 1.000000000"),
        "{out}"
    );
    assert!(out.contains("samples/s"), "{out}");
    assert!(
        out.contains("exact E0 = -12.3814899997 (free fermions -12.3814899997)"),
        "{out}"
    );
    assert_example_trained(&out, steps);
}

#[test]
fn header_compiles_alone_as_c_and_cxx() {
    compile_only("cc", C_FLAGS, &crate_root().join("tests/c/header_alone.c"));
    compile_only(
        "c++",
        CXX_FLAGS,
        &crate_root().join("tests/c/header_alone.cpp"),
    );
}

#[test]
fn only_rnnwf_symbols_are_exported() {
    let lib = library();
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib.shared_object())
        .output()
        .expect("run nm");
    assert!(out.status.success());
    let symbols: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    assert!(
        symbols.iter().any(|s| s == "rnnwf_model_new"),
        "{symbols:?}"
    );
    let foreign: Vec<_> = symbols
        .iter()
        .filter(|s| !s.starts_with("rnnwf_"))
        .collect();
    assert!(
        foreign.is_empty(),
        "exported without the rnnwf_ prefix: {foreign:?}"
    );
}

#[test]
fn every_header_function_is_exported() {
    let header = std::fs::read_to_string(crate_root().join("include/rnnwf.h")).unwrap();
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(library().shared_object())
        .output()
        .expect("run nm");
    let symbols = String::from_utf8_lossy(&out.stdout);
    let mut declared = 0;
    for line in header
        .lines()
        .filter(|l| !l.starts_with("//") && l.contains("rnnwf_"))
    {
        if let Some(open) = line.find('(') {
            let name = line[..open]
                .split_whitespace()
                .last()
                .unwrap()
                .trim_start_matches('*');
            if name.starts_with("rnnwf_") {
                declared += 1;
                assert!(
                    symbols.lines().any(|s| s.ends_with(&format!(" {name}"))),
                    "{name} is declared but not exported"
                );
            }
        }
    }
    assert!(declared >= 18, "found only {declared} declarations");
}

#[test]
fn shared_library_has_the_soname() {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(library().shared_object())
        .output()
        .expect("run readelf");
    let dynamic = String::from_utf8_lossy(&out.stdout);
    let expected = format!("Library soname: [{}]", soname());
    assert!(dynamic.contains(&expected), "{expected} not in:\n{dynamic}");
}
