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
    let out = run(&exe, &[]);
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
}
