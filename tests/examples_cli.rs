//! Every example answers `--help` with its usage (exit 0) and refuses an unknown flag with
//! its usage (exit 2), instead of ignoring it and running: the Rust examples (clap), and the
//! C, C++ and Fortran sample programs. (The Python example: tests/python_package.rs. The MPI
//! programs, which need mpicc, already print their usage on any other arguments.)
//!
//! And the 2D examples' runs stop and resume: a run stopped after k steps (`--stop-after`)
//! and continued with `--resume` ends with the same checkpoint bytes and the same log as the
//! run never stopped.

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

/// Values a run could only fail on later (a NaN budget never ends a session, an infinite
/// relative error is not JSON, a rate of 0 makes the next rate NaN, an estimate of no
/// samples fails after the whole lattice): refused before any step, naming the flag, with
/// nothing written.
#[test]
fn values_that_would_fail_late_are_refused_at_once() {
    let out = scratch_dir("refused-at-once");
    let out_flag = out.to_str().unwrap();
    let cases: &[(&str, &[&str], &str)] = &[
        ("train_2d", &["--minutes", "NaN"], "--minutes"),
        ("train_2d", &["--minutes=-1"], "--minutes"),
        ("train_2d", &["--reference", "0"], "--reference"),
        ("train_2d", &["--lr", "0"], "--lr 0"),
        ("train_2d", &["--final-lr=-0.01"], "--final-lr -0.01"),
        (
            "train_2d",
            &["--shift", "0", "--final-shift", "1e-4"],
            "--shift 0",
        ),
        (
            "train_2d",
            &["--samples-from", "5:2000000000000"],
            "--samples-from",
        ),
        ("transfer_2d", &["--final-samples", "0"], "--final-samples"),
        ("transfer_2d", &["--minutes", "inf"], "--minutes"),
        ("transfer_2d", &["--final-lr", "0"], "--final-lr 0"),
    ];
    for (name, args, needle) in cases {
        let mut all = args.to_vec();
        all.extend(["--out", out_flag]);
        let run = run_with(&rust_example(name), &all);
        let (stdout, stderr) = text(&run);
        assert!(!run.status.success(), "{name} {args:?} ran:\n{stdout}");
        assert!(stderr.contains(needle), "{name} {args:?}:\n{stderr}");
        assert!(
            !out.join("log.jsonl").exists(),
            "{name} {args:?} wrote a log"
        );
    }
}

/// `train_ising --steps 0` evaluates the untrained model and says there is nothing to plot.
#[test]
fn train_ising_without_steps_ends_cleanly() {
    let out = scratch_dir("train-ising-no-steps");
    let stdout = run_ok(
        &rust_example("train_ising"),
        &[
            "--sites",
            "4",
            "--steps",
            "0",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(stdout.contains("plot: none (no steps)"), "{stdout}");
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

fn run_ok(exe: &PathBuf, args: &[&str]) -> String {
    let out = run_with(exe, args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{args:?}:\n{stdout}{stderr}");
    stdout
}

/// The log's lines without the wall time of each step (the one field that may differ).
fn log_without_seconds(dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let at = l.find(",\"seconds\":").expect("a seconds field");
            let rest = &l[at + 1..];
            let end = rest.find([',', '}']).unwrap();
            format!("{}{}", &l[..at], &rest[end..])
        })
        .collect()
}

fn checkpoint_bytes(dir: &std::path::Path) -> Vec<Vec<u8>> {
    ["model.safetensors", "optimizer.safetensors", "run.txt"]
        .iter()
        .map(|f| std::fs::read(dir.join("checkpoint").join(f)).unwrap())
        .collect()
}

/// Runs `args` into a fresh folder in one session, and into another in sessions of
/// `stops` steps (none of which makes the final estimate), then to the end, with
/// --resume; after each interrupted session, lines a run killed after its checkpoint would
/// have written are appended to its log (the next step's, whole and cut short), which the
/// resumed run must drop. Compares the checkpoints' bytes and the logs. Returns the
/// uninterrupted run's log.
fn stop_and_resume(exe: &PathBuf, name: &str, args: &[&str], stops: &[u64]) -> Vec<String> {
    let whole = scratch_dir(&format!("{name}-whole"));
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--out", whole.to_str().unwrap()]);
    run_ok(exe, &a);
    let parts = scratch_dir(&format!("{name}-parts"));
    for (k, stop) in stops.iter().enumerate() {
        let stop = stop.to_string();
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", parts.to_str().unwrap(), "--stop-after", &stop]);
        if k > 0 {
            a.push("--resume");
        }
        let stdout = run_ok(exe, &a);
        assert!(stdout.contains("--resume"), "not stopped: {stdout}");
        // The final estimate waits for the end of the run.
        assert!(
            !stdout.contains("final estimate"),
            "estimated when stopped: {stdout}"
        );
        let log = parts.join("log.jsonl");
        let text = std::fs::read_to_string(&log).unwrap();
        // The next step's line, as a run killed after writing it would leave.
        let last = text.lines().last().expect("a log line");
        let step: u64 = last["{\"step\":".len()..last.find(',').unwrap()]
            .parse()
            .unwrap();
        let next = last.replacen(&format!(":{step},"), &format!(":{},", step + 1), 1);
        let cut = &next[..next.len() / 2];
        std::fs::write(&log, format!("{text}{next}\n{cut}")).unwrap();
    }
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--out", parts.to_str().unwrap(), "--resume"]);
    let stdout = run_ok(exe, &a);
    assert!(!stdout.contains("stopped"), "{stdout}");
    assert!(
        checkpoint_bytes(&whole) == checkpoint_bytes(&parts),
        "{name}: the resumed run's checkpoint differs from the uninterrupted run's"
    );
    let log = log_without_seconds(&whole);
    assert_eq!(log, log_without_seconds(&parts), "{name}: the logs differ");
    log
}

/// train_2d with SPRING (momentum) and Adam, whose states both carry over: stopped after 2
/// steps (between checkpoints) and after 3 more, then resumed to the end.
#[test]
fn train_2d_resumes_bit_for_bit() {
    let exe = rust_example("train_2d");
    let args = [
        "--lx",
        "3",
        "--ly",
        "2",
        "--hidden",
        "4",
        "--samples",
        "32",
        "--steps",
        "7",
        "--optimizer",
        "adam",
        "--preconditioner",
        "spring",
        "--momentum",
        "0.5",
        "--checkpoint-every",
        "3",
        "--final-samples",
        "64",
    ];
    let log = stop_and_resume(&exe, "resume-train-2d", &args, &[2, 3]);
    let steps: Vec<String> = (0..7).map(|k| format!("{{\"step\":{k},")).collect();
    assert_eq!(log.len(), 7, "{log:?}");
    for (line, step) in log.iter().zip(&steps) {
        assert!(
            line.starts_with(step) && line.contains("\"relative_error\":"),
            "{line}"
        );
    }
    // Other settings than the checkpoint's are refused, by name.
    let out = scratch_dir("resume-train-2d-parts");
    let mut a = args.to_vec();
    a.extend(["--out", out.to_str().unwrap(), "--stop-after", "1"]);
    run_ok(&exe, &a);
    let mut a = args.to_vec();
    a.extend(["--out", out.to_str().unwrap(), "--resume", "--lr", "0.02"]);
    let refused = run_with(&exe, &a);
    let (stdout, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("lr 0.02 (the checkpoint's: 0.05)"),
        "{stderr}"
    );
    // --resume without a checkpoint says so.
    let empty = scratch_dir("resume-train-2d-empty");
    let mut a = args.to_vec();
    a.extend(["--out", empty.to_str().unwrap(), "--resume"]);
    let refused = run_with(&exe, &a);
    let (stdout, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("no checkpoint"), "{stderr}");
}

/// train_2d on the triangular lattice with the phase head started small and annealing: the
/// temperature schedule is a function of the step, so a resumed run anneals as the
/// uninterrupted one did.
#[test]
fn train_2d_resumes_an_annealed_phase_run_bit_for_bit() {
    let exe = rust_example("train_2d");
    let args = [
        "--model",
        "triangular",
        "--lx",
        "3",
        "--ly",
        "2",
        "--hidden",
        "4",
        "--samples",
        "32",
        "--steps",
        "6",
        "--phase",
        "softsign",
        "--phase-init",
        "small",
        "--temperature",
        "0.5",
        "--anneal-steps",
        "4",
        "--checkpoint-every",
        "2",
        "--final-samples",
        "64",
    ];
    let log = stop_and_resume(&exe, "resume-train-2d-phase", &args, &[3]);
    assert_eq!(log.len(), 6, "{log:?}");
}

/// train_2d's schedules, `--final-shift` (SR's shift decays like the learning rate) and
/// `--samples-from STEP:N` (more samples from a step on): functions of the step, so a run
/// stopped before, at and after the switch resumes bit for bit; they take effect (a
/// schedule of 64 samples from step 0 is the run with `--samples 64`, not the one with 32);
/// a resume with another schedule is refused by name; a bad one is refused by clap.
#[test]
fn train_2d_schedules_resume_bit_for_bit_and_take_effect() {
    let exe = rust_example("train_2d");
    let base = [
        "--model",
        "j1j2",
        "--j2",
        "0.5",
        "--lx",
        "3",
        "--ly",
        "2",
        "--hidden",
        "4",
        "--steps",
        "6",
        "--checkpoint-every",
        "2",
        "--final-samples",
        "0",
    ];
    let mut args = base.to_vec();
    args.extend(["--samples", "32", "--final-shift", "1e-4"]);
    args.extend(["--samples-from", "3:64"]);
    let log = stop_and_resume(&exe, "resume-train-2d-schedules", &args, &[2, 1, 2]);
    assert_eq!(log.len(), 6, "{log:?}");
    let run_log = |name: &str, extra: &[&str]| {
        let out = scratch_dir(name);
        let mut a = base.to_vec();
        a.extend(extra);
        a.extend(["--out", out.to_str().unwrap()]);
        run_ok(&exe, &a);
        log_without_seconds(&out)
    };
    let scheduled = run_log(
        "schedule-64-from-0",
        &["--samples", "32", "--samples-from", "0:64"],
    );
    let with_64 = run_log("schedule-samples-64", &["--samples", "64"]);
    let with_32 = run_log("schedule-samples-32", &["--samples", "32"]);
    assert_eq!(scheduled, with_64);
    assert_ne!(scheduled, with_32);
    // A shift that decays to where it starts is the constant shift; to elsewhere, it is not.
    let constant = run_log(
        "schedule-shift-constant",
        &["--samples", "32", "--final-shift", "1e-3"],
    );
    let decaying = run_log(
        "schedule-shift-decaying",
        &["--samples", "32", "--final-shift", "1e-1"],
    );
    assert_eq!(constant, with_32);
    assert_ne!(decaying, with_32);
    // Resuming with another schedule is refused, naming it.
    let out = scratch_dir("schedule-refused");
    let mut a = args.clone();
    a.extend(["--out", out.to_str().unwrap(), "--stop-after", "1"]);
    run_ok(&exe, &a);
    let mut a = base.to_vec();
    a.extend([
        "--samples",
        "32",
        "--final-shift",
        "1e-4",
        "--samples-from",
        "4:64",
    ]);
    a.extend(["--out", out.to_str().unwrap(), "--resume"]);
    let refused = run_with(&exe, &a);
    let (stdout, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("samples_from"), "{stderr}");
    // A malformed schedule is a usage error.
    for bad in ["64", "3:0", "x:64"] {
        let refused = run_with(&exe, &["--samples-from", bad]);
        let (stdout, stderr) = text(&refused);
        assert_eq!(refused.status.code(), Some(2), "{bad}: {stdout}{stderr}");
        assert!(stderr.contains("--samples-from"), "{bad}: {stderr}");
    }
}

/// transfer_2d across a lattice boundary (2x2 then 4x4): stopped after 2 steps (on 2x2),
/// after 1 more (exactly at the end of 2x2) and after 2 more (on 4x4), then resumed.
#[test]
fn transfer_2d_resumes_bit_for_bit_across_lattices() {
    let exe = rust_example("transfer_2d");
    let args = [
        "--sizes",
        "2,4",
        "--steps",
        "3,4",
        "--hidden",
        "4",
        "--samples",
        "32",
        "--checkpoint-every",
        "2",
        "--final-samples",
        "64",
    ];
    let log = stop_and_resume(&exe, "resume-transfer-2d", &args, &[2, 1, 2]);
    assert_eq!(log.len(), 7, "{log:?}");
    for (k, line) in log.iter().enumerate() {
        let lattice = if k < 3 { "2x2" } else { "4x4" };
        assert!(
            line.starts_with(&format!("{{\"step\":{k},"))
                && line.ends_with(&format!("\"lattice\":\"{lattice}\"}}")),
            "{line}"
        );
    }
}

/// transfer_2d --precision f32: the passes are float32 on every lattice (the checkpoint's
/// model says so), the run resumes bit for bit across the lattice boundary, and a resume
/// without the flag is refused, naming it.
#[test]
fn transfer_2d_trains_in_float32_and_resumes() {
    let exe = rust_example("transfer_2d");
    let args = [
        "--sizes",
        "2,4",
        "--steps",
        "2,2",
        "--hidden",
        "4",
        "--samples",
        "32",
        "--momentum",
        "0.5",
        "--precision",
        "f32",
        "--final-samples",
        "64",
    ];
    let log = stop_and_resume(&exe, "resume-transfer-2d-f32", &args, &[3]);
    assert_eq!(log.len(), 4, "{log:?}");

    let out = scratch_dir("resume-transfer-2d-f32-refused");
    let mut a = args.to_vec();
    a.extend(["--out", out.to_str().unwrap(), "--stop-after", "1"]);
    run_ok(&exe, &a);
    let without: Vec<&str> = args
        .iter()
        .copied()
        .filter(|&s| s != "--precision" && s != "f32")
        .chain(["--out", out.to_str().unwrap(), "--resume"])
        .collect();
    let refused = run_with(&exe, &without);
    let (stdout, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("precision at its default (the checkpoint's: F32)"),
        "{stderr}"
    );
    let mut a = args.to_vec();
    a.extend(["--out", out.to_str().unwrap(), "--resume"]);
    run_ok(&exe, &a);
    let model = rnnwf::Model::load(&out.join("checkpoint").join("model.safetensors")).unwrap();
    assert_eq!(model.num_sites(), 16);
    assert_eq!(model.config().precision, rnnwf::Precision::F32);
}

/// The model checkpointed in `started` (a run of no steps) is the one saved at `saved`
/// resized to 4x4 at zero magnetisation (`Model::resize` of the file).
fn assert_started_from_4x4(saved: &str, started: &std::path::Path) {
    let expected = rnnwf::Model::load(std::path::Path::new(saved))
        .unwrap()
        .resize(4, 4, Some(8))
        .unwrap();
    let got = rnnwf::Model::load(&started.join("checkpoint").join("model.safetensors")).unwrap();
    assert_eq!(got.num_sites(), 16);
    assert_eq!(
        got.params(),
        expected.params(),
        "not the saved model's weights"
    );
}

/// transfer_2d --start-from: the first lattice starts from the saved model resized to it
/// (checked against `Model::resize` of the file), also in the other precision and widened to
/// more hidden units, a model other than the flags describe is refused naming both, and a
/// SPRING run started so resumes bit for bit.
#[test]
fn transfer_2d_starts_from_a_saved_model() {
    let exe = rust_example("transfer_2d");
    let small = ["--hidden", "4", "--samples", "32", "--final-samples", "64"];
    let first = scratch_dir("start-from-2x2");
    let mut a = vec![
        "--sizes",
        "2",
        "--steps",
        "3",
        "--out",
        first.to_str().unwrap(),
    ];
    a.extend(small);
    run_ok(&exe, &a);
    let saved = first.join("checkpoint").join("model.safetensors");
    let saved = saved.to_str().unwrap();

    let started = scratch_dir("start-from-4x4");
    let mut a = vec!["--sizes", "4", "--steps", "0", "--start-from", saved];
    a.extend(small);
    a.extend(["--out", started.to_str().unwrap()]);
    run_ok(&exe, &a);
    assert_started_from_4x4(saved, &started);
    // The float64 model goes on in float32 passes, with the same parameters.
    let started_f32 = scratch_dir("start-from-4x4-f32");
    let mut a = vec!["--sizes", "4", "--steps", "0", "--start-from", saved];
    a.extend(["--precision", "f32"]);
    a.extend(small);
    a.extend(["--out", started_f32.to_str().unwrap()]);
    run_ok(&exe, &a);
    assert_started_from_4x4(saved, &started_f32);
    let f32_model =
        rnnwf::Model::load(&started_f32.join("checkpoint").join("model.safetensors")).unwrap();
    assert_eq!(f32_model.config().precision, rnnwf::Precision::F32);

    // More units than the saved model's: widened (the same psi), then resized.
    let widened = scratch_dir("start-from-widened");
    let args = [
        "--sizes",
        "4",
        "--steps",
        "0",
        "--hidden",
        "8",
        "--samples",
        "32",
        "--final-samples",
        "64",
        "--start-from",
        saved,
        "--out",
        widened.to_str().unwrap(),
    ];
    run_ok(&exe, &args);
    let expected = rnnwf::Model::load(std::path::Path::new(saved))
        .unwrap()
        .widen(8)
        .unwrap()
        .resize(4, 4, Some(8))
        .unwrap();
    let got = rnnwf::Model::load(&widened.join("checkpoint").join("model.safetensors")).unwrap();
    assert_eq!(got.config().hidden, 8);
    assert_eq!(got.params(), expected.params(), "not the widened model");

    // Fewer units than the saved model's: refused, naming both.
    let wrong = scratch_dir("start-from-wrong");
    let args = [
        "--sizes",
        "4",
        "--hidden",
        "2",
        "--start-from",
        saved,
        "--out",
        wrong.to_str().unwrap(),
    ];
    let out = run_with(&exe, &args);
    let (_, stderr) = text(&out);
    assert!(
        !out.status.success()
            && stderr.contains("hidden 4")
            && stderr.contains("hidden 2")
            && stderr.contains("only widens"),
        "{stderr}"
    );

    let mut args = vec!["--sizes", "4", "--steps", "5", "--momentum", "0.5"];
    args.extend(["--start-from", saved, "--checkpoint-every", "2"]);
    args.extend(small);
    let log = stop_and_resume(&exe, "resume-start-from", &args, &[3]);
    assert_eq!(log.len(), 5, "{log:?}");
}

/// train_2d --start-from: a frustrated model with a phase head and the lattice symmetry
/// starts from a smaller lattice's saved model resized to it (checked against
/// `Model::resize` of the file), and a model other than the flags describe is refused naming
/// both.
#[test]
fn train_2d_starts_from_a_saved_model() {
    let exe = rust_example("train_2d");
    let model = [
        "--model",
        "triangular",
        "--rotate",
        "neel120",
        "--symmetry",
        "lattice",
        "--hidden",
        "4",
        "--samples",
        "32",
        "--final-samples",
        "0",
    ];
    let first = scratch_dir("train-2d-start-from-3x3");
    let mut a = vec![
        "--lx", "3", "--ly", "3", "--steps", "3", "--phase", "softsign",
    ];
    a.extend(model);
    a.extend(["--out", first.to_str().unwrap()]);
    run_ok(&exe, &a);
    let saved = first.join("checkpoint").join("model.safetensors");
    let saved = saved.to_str().unwrap();

    let started = scratch_dir("train-2d-start-from-4x4");
    let mut a = vec!["--steps", "0", "--phase", "softsign", "--start-from", saved];
    a.extend(model);
    a.extend(["--out", started.to_str().unwrap()]);
    run_ok(&exe, &a);
    assert_started_from_4x4(saved, &started);

    let wrong = scratch_dir("train-2d-start-from-wrong");
    let mut a = vec![
        "--lx",
        "3",
        "--ly",
        "3",
        "--phase",
        "none",
        "--start-from",
        saved,
    ];
    a.extend(model);
    a.extend(["--out", wrong.to_str().unwrap()]);
    let out = run_with(&exe, &a);
    let (_, stderr) = text(&out);
    assert!(
        !out.status.success() && stderr.contains("phase Softsign") && stderr.contains("phase None"),
        "{stderr}"
    );

    // A resumed run continues from its checkpoint, not from a start model.
    let out = run_with(&exe, &["--resume", "--start-from", saved]);
    let (_, stderr) = text(&out);
    assert!(
        !out.status.success() && stderr.contains("cannot be used with"),
        "{stderr}"
    );
}

/// `RNNWF_NUM_THREADS` is the thread count when the program sets none: train_2d prints the
/// count in force.
#[test]
fn the_thread_variable_sets_the_default_count() {
    let exe = rust_example("train_2d");
    for threads in ["1", "3"] {
        let out = Command::new(&exe)
            .args([
                "--lx",
                "2",
                "--ly",
                "2",
                "--steps",
                "1",
                "--samples",
                "16",
                "--hidden",
                "4",
                "--final-samples",
                "16",
            ])
            .args([
                "--out",
                scratch_dir(&format!("threads-{threads}")).to_str().unwrap(),
            ])
            .env("RNNWF_NUM_THREADS", threads)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}{stderr}");
        let count = if threads == "1" {
            " 1 thread"
        } else {
            " 3 threads"
        };
        assert!(
            stdout.contains(count) && !stdout.contains(" 1 threads"),
            "{stdout}"
        );
    }
}
