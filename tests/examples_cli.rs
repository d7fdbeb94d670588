//! Every example answers `--help` with its usage (exit 0) and refuses an unknown flag with
//! its usage (exit 2), instead of ignoring it and running: the Rust examples (clap), and the
//! C, C++ and Fortran sample programs. (The Python example: tests/python_package.rs. The MPI
//! programs, which need mpicc, already print their usage on any other arguments.)

mod foreign;
use foreign::*;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

const RUST_EXAMPLES: &[&str] = &["train_ising", "train_2d", "transfer_2d", "acceptance"];

/// Builds the Rust examples for this test binary's profile, once, and returns the path of
/// `name`. They build in their own target directory, `<target>/examples-cli`, which stays
/// warm between runs: in the tests' own, an examples build and `cargo build --lib`
/// (foreign::library) rebuild the crate for each other (the cdylib's file is shared, the
/// dependencies' features are not).
fn rust_example(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        // This test binary is <target>/<profile>/deps/<name>.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe.parent().unwrap().parent().unwrap();
        let target = profile_dir.parent().unwrap().join("examples-cli");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let mut build = Command::new(cargo);
        build
            .current_dir(crate_root())
            .env("CARGO_TARGET_DIR", &target)
            .args(["build", "--quiet"]);
        for example in RUST_EXAMPLES {
            build.args(["--example", example]);
        }
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let out = build.output().expect("run cargo build --example");
        assert!(
            out.status.success(),
            "cargo build --example failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target
            .join(profile_dir.file_name().unwrap())
            .join("examples")
    });
    dir.join(name)
}

fn run_with(exe: &PathBuf, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--help`: usage on stdout, exit 0, nothing run; an unknown flag: exit 2 with the usage.
fn check_cli(exe: &PathBuf, usage: &str) {
    let help = run_with(exe, &["--help"]);
    let (stdout, stderr) = text(&help);
    assert_eq!(help.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(usage),
        "{} --help:\n{stdout}",
        exe.display()
    );
    let bad = run_with(exe, &["--no-such-flag"]);
    let (stdout, stderr) = text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(usage) && stderr.contains("--no-such-flag"),
        "{} --no-such-flag:\n{stderr}",
        exe.display()
    );
}

#[test]
fn rust_examples_print_usage_and_refuse_unknown_flags() {
    for name in RUST_EXAMPLES {
        check_cli(&rust_example(name), "Usage:");
    }
}

#[test]
fn acceptance_refuses_unknown_case_names_and_takes_every_cell() {
    let exe = rust_example("acceptance");
    let bad = run_with(&exe, &["isnig"]);
    let (_, stderr) = text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ising, heisenberg, j1j2"),
        "the valid cases are not listed:\n{stderr}"
    );
    // Every cell is accepted: a zero-second run of one case trains nothing and reports.
    for cell in ["gru", "vanilla", "elu", "tensor_gru", "linear_gated"] {
        let out = run_with(
            &exe,
            &[
                "ising",
                "minsr",
                "--cell",
                cell,
                "--seconds",
                "0",
                "--final-samples",
                "64",
            ],
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "--cell {cell}:\n{stdout}{stderr}");
        assert!(
            stdout.contains("ising") && stdout.contains("minSR"),
            "{stdout}"
        );
    }
}

#[test]
fn c_and_cpp_samples_print_usage_and_refuse_unknown_flags() {
    let c = build_c_program("sample_cli", &[&crate_root().join("examples/c/sample.c")]);
    check_cli(&c, "usage:");
    let cpp = build_cxx_program(
        "sample_cpp_cli",
        &[&crate_root().join("examples/cpp/sample.cpp")],
    );
    check_cli(&cpp, "usage:");
}

#[test]
fn fortran_sample_prints_usage_and_refuses_unknown_flags() {
    let Some(f90) = build_fortran_program(
        "sample_f90_cli",
        &[&crate_root().join("examples/fortran/sample.f90")],
    ) else {
        return; // gfortran missing: skipped loudly by foreign::tool
    };
    check_cli(&f90, "usage:");
}

/// `--optimizer sr` is minSR; output and plot use human names and label the reference as
/// what it is; the plot is per site and marks the final estimate.
#[test]
fn train_ising_prints_human_names_and_labels_its_plot() {
    let exe = rust_example("train_ising");
    let out_dir = scratch_dir("examples-cli-train-ising");
    let out = run_with(
        &exe,
        &[
            "--sites",
            "6",
            "--hidden",
            "8",
            "--samples",
            "64",
            "--steps",
            "20",
            "--optimizer",
            "sr",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("minSR") && !stdout.contains("MinSr"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(out_dir.join("energy.svg")).unwrap();
    for label in ["minSR", "energy per site", "exact -", "final -", "samples)"] {
        assert!(svg.contains(label), "no {label:?} in the plot");
    }
    assert!(
        !svg.contains("MinSr") && !svg.contains("Gru"),
        "a Debug name in the plot"
    );
}
