//! MPI through the reduction hook: examples/mpi/train_mpi.c, compiled with mpicc and strict
//! warnings against the built library, run on 2 ranks with mpirun. It trains the Ising chain
//! with Adam and SR, checks that all ranks stay bit-identical (through a failing reduction
//! and a checkpoint round trip too) and prints the relative errors checked here.
//! Needs mpicc and mpirun (OpenMPI or MPICH): a failure in CI without them, a loud skip
//! locally.

mod foreign;
use foreign::*;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A hung rank (a reduction some rank never joins) must fail the test, not stall it.
const TIMEOUT: Duration = Duration::from_secs(600);
/// For a program of a few steps, whose ranks must fail together rather than hang: MPI's
/// start-up on a loaded machine, with a wide margin.
const SHORT_TIMEOUT: Duration = Duration::from_secs(120);

/// `mpirun -np <ranks> <exe> <args>`, with what OpenMPI needs in containers: running as root
/// (allowed by its two environment variables; as flags, MPICH's mpirun would refuse them),
/// more ranks than cores, and no cross-memory-attach single copy (often forbidden by
/// container seccomp profiles). MPICH ignores these variables.
fn mpirun(mpirun: &Path, ranks: usize, exe: &Path, args: &[&OsStr], timeout: Duration) -> String {
    let mut child = Command::new(mpirun)
        .arg("-np")
        .arg(ranks.to_string())
        .arg(exe)
        .args(args)
        .envs([
            ("OMPI_ALLOW_RUN_AS_ROOT", "1"),
            ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
            ("OMPI_MCA_rmaps_base_oversubscribe", "1"),
            ("OMPI_MCA_btl_vader_single_copy_mechanism", "none"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", mpirun.display()));
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > timeout {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "mpirun -np {ranks} {} did not finish in {timeout:?}:\n{}\n{}",
                exe.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mpirun -np {ranks} {} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The number after `label` on the line that starts with it.
fn value_after(out: &str, label: &str) -> f64 {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no '{label}' line in:\n{out}"))
}

#[test]
fn mpi_training_on_two_ranks_stays_identical_and_reaches_the_ground_energy() {
    let (Some(mpicc), Some(mpirun_exe)) = (tool("mpicc"), tool("mpirun")) else {
        return;
    };
    let exe = build_program_with(
        mpicc.to_str().unwrap(),
        C_FLAGS,
        &["-O2"],
        "train_mpi",
        &[&crate_root().join("examples/mpi/train_mpi.c")],
    );
    let scratch = scratch_dir("train_mpi");
    // Unoptimised builds train 10x shorter and check only that the energy fell;
    // `cargo test --release` runs the full check.
    let mut args = vec![scratch.as_os_str()];
    if cfg!(debug_assertions) {
        args.push(OsStr::new("quick"));
    }
    let out = mpirun(&mpirun_exe, 2, &exe, &args, TIMEOUT);
    eprintln!("{out}");
    assert_checks_passed(&out, "train_mpi", 300);
    assert_eq!(value_after(&out, "ranks:"), 2.0, "{out}");
    assert!(
        out.contains("parameters and optimiser state identical on all ranks"),
        "{out}"
    );
    let exact = 1.0 - 1.0 / (std::f64::consts::PI / (2.0 * (2.0 * 10.0 + 1.0))).sin();
    let e0 = value_after(&out, "exact ground energy:");
    assert!((e0 - exact).abs() < 1e-8, "{e0} vs {exact}");
    let adam = value_after(&out, "Adam: relative error");
    let sr = value_after(&out, "SR:   relative error");
    assert_eq!(out.contains("quick run"), cfg!(debug_assertions), "{out}");
    // The program has checked these bounds (2e-3) in a full run; here again, in case it
    // stopped checking. A quick run only trained a little.
    let bound = if cfg!(debug_assertions) { 0.2 } else { 2e-3 };
    assert!(adam > -1e-9 && adam < bound, "Adam: {adam}");
    assert!(sr > -1e-9 && sr < bound, "SR: {sr}");
}

/// One rank given a wrong operator (then bad data, then a NULL operator) fails the step on
/// both ranks, each within seconds (tests/mpi/rank_failure.c checks the statuses and
/// times), instead of the other waiting forever in the first reduction; the next good step
/// succeeds on both.
#[test]
fn a_wrong_operator_on_one_rank_fails_the_step_on_both_under_mpi() {
    let Some((mpirun_exe, exe)) = test_program("rank_failure") else {
        return;
    };
    let out = mpirun(&mpirun_exe, 2, &exe, &[], SHORT_TIMEOUT);
    eprintln!("{out}");
    assert_checks_passed(&out, "rank_failure", 20);
    for (what, own) in [
        (
            "step with rank 1's wrong operator",
            "RNNWF_ERR_INVALID_ARGUMENT",
        ),
        (
            "fit step with rank 1's bad data",
            "RNNWF_ERR_INVALID_ARGUMENT",
        ),
        ("step with rank 1's NULL operator", "RNNWF_ERR_NULL_POINTER"),
    ] {
        for rank in 0..2 {
            let status = if rank == 1 {
                own
            } else {
                "RNNWF_ERR_NUMERICAL"
            };
            let line = format!("rank {rank}: {what} returned {status}");
            assert!(out.contains(&line), "no '{line}' in:\n{out}");
        }
    }
}

/// Failures late in a step on one rank only (tests/mpi/late_failure.c): rank 1's reductions
/// perturbed in the last bits (SR by conjugate gradient: the same reductions on both ranks,
/// every step OK, and the ranks agree to rounding), then rank 1 under an address-space
/// limit that its gradient tape does not fit, a refusal after the step's first reductions:
/// rank 1 returns OUT_OF_MEMORY, rank 0 NUMERICAL, neither hangs nor aborts the job, and the
/// next step succeeds on both. Last, rnnwf_vmc_cancel on rank 1 alone mid-step: both
/// ranks return CANCELLED.
#[test]
fn late_failures_on_one_rank_fail_the_step_on_both_under_mpi() {
    let Some((mpirun_exe, exe)) = test_program("late_failure") else {
        return;
    };
    // Its steps on a 2^17-site chain take about 15 s each.
    let out = mpirun(&mpirun_exe, 2, &exe, &[], TIMEOUT);
    eprintln!("{out}");
    assert_checks_passed(&out, "late_failure", 100);
    for optimizer in ["SGD", "SR"] {
        for (rank, status) in [(0, "RNNWF_ERR_NUMERICAL"), (1, "RNNWF_ERR_OUT_OF_MEMORY")] {
            let line = format!(
                "rank {rank}: {optimizer} step with rank 1 out of memory late returned {status}"
            );
            assert!(out.contains(&line), "no '{line}' in:\n{out}");
        }
    }
    for rank in 0..2 {
        let line = format!("rank {rank}: SR step with rank 1's sums perturbed returned RNNWF_OK");
        assert!(out.contains(&line), "no '{line}' in:\n{out}");
        for step in [
            "SGD step cancelled on rank 1 in the gradient pass",
            "SR step cancelled on rank 1 in the conjugate gradient",
        ] {
            let line = format!("rank {rank}: {step} returned RNNWF_ERR_CANCELLED");
            assert!(out.contains(&line), "no '{line}' in:\n{out}");
        }
    }
}

/// mpirun and tests/mpi/NAME.c built with mpicc, or None (skipped) without MPI.
fn test_program(name: &str) -> Option<(PathBuf, PathBuf)> {
    let (Some(mpicc), Some(mpirun_exe)) = (tool("mpicc"), tool("mpirun")) else {
        return None;
    };
    let source = crate_root().join(format!("tests/mpi/{name}.c"));
    let exe = build_program_with(mpicc.to_str().unwrap(), C_FLAGS, &[], name, &[&source]);
    Some((mpirun_exe, exe))
}
