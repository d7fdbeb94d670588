//! The Python package bindings/python: built and installed with pip (maturin compiles the
//! crate with cargo) into a virtual environment under the target directory, then its pytest
//! suite (bindings/python/tests, including a two-rank mpi4py run when mpi4py installs) and
//! its example run there. Needs python3 with venv and pip access to PyPI (or a wheel cache)
//! for maturin, cffi, numpy, pytest, matplotlib and mpi4py: a failure in CI without them,
//! a loud skip locally.
//!
//! The environment is made once and reused (a stamp file records what it holds); the
//! package is rebuilt every run, in its own cargo target directory, `<target>/python/cargo`,
//! which stays warm between runs (in the tests' own directory, maturin's cdylib build and
//! `cargo build` would invalidate each other's artifacts and rebuild the crate every time).

mod foreign;
use foreign::*;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// What the environment needs besides the package; the package's own requirements
/// (bindings/python/pyproject.toml) are among them because it is installed without build
/// isolation, so that a run needs no network once the environment exists.
const REQUIREMENTS: &[&str] = &[
    "maturin>=1.5,<2",
    "cffi>=1.15",
    "numpy>=1.22",
    "pytest>=7",
    "matplotlib>=3.5",
];

/// The virtual environment with the package installed.
struct Venv {
    python: PathBuf,
    bin: PathBuf,
    /// Whether mpi4py is installed (the MPI test is then required, not skipped).
    mpi: bool,
}

fn python_dir() -> PathBuf {
    // library().dir is <target>/<profile>.
    library().dir.parent().unwrap().join("python")
}

fn describe(out: &std::io::Result<Output>) -> String {
    match out {
        Ok(o) => format!(
            "{}\n{}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => e.to_string(),
    }
}

fn succeeded(out: &std::io::Result<Output>) -> bool {
    out.as_ref().is_ok_and(|o| o.status.success())
}

/// `PATH` with the environment's bin first: maturin's build hook runs `maturin`, and
/// mpi4py's build runs `mpicc`.
fn path_with(bin: &Path) -> std::ffi::OsString {
    let mut paths = vec![bin.to_path_buf()];
    if let Some(old) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).unwrap()
}

/// `python -m pip install --quiet <args>` in the environment.
fn pip_install(venv: &Path, args: &[&OsStr]) -> Command {
    let mut pip = Command::new(venv.join("bin/python3"));
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .args(args)
    .env("PATH", path_with(&venv.join("bin")));
    pip
}

/// Makes (once) the environment, then builds and installs the package into it.
fn venv() -> Option<&'static Venv> {
    static VENV: OnceLock<Option<Venv>> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir = python_dir();
        let venv = dir.join("venv");
        let python = venv.join("bin/python3");
        let stamp = venv.join("rnnwf-requirements.txt");
        let wanted = REQUIREMENTS.join("\n");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            if !python.exists() {
                let python3 = tool("python3")?;
                let out = Command::new(python3)
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .output();
                if !succeeded(&out) {
                    let _ = std::fs::remove_dir_all(&venv);
                    missing("python3 -m venv (apt python3-venv)", &describe(&out));
                    return None;
                }
            }
            let requirements: Vec<&OsStr> = REQUIREMENTS.iter().map(OsStr::new).collect();
            let out = pip_install(&venv, &requirements).output();
            if !succeeded(&out) {
                missing(
                    &format!("the Python packages {}", REQUIREMENTS.join(" ")),
                    &describe(&out),
                );
                return None;
            }
            std::fs::write(&stamp, &wanted).unwrap();
        }

        // mpi4py compiles against the MPI found through mpicc; tried once per environment.
        let mpi_stamp = venv.join("rnnwf-mpi4py-tried");
        if !mpi_stamp.exists() && tool("mpicc").is_some() {
            let out = pip_install(&venv, &[OsStr::new("mpi4py>=3.1")]).output();
            if !succeeded(&out) {
                missing("mpi4py (pip install mpi4py)", &describe(&out));
            }
            std::fs::write(&mpi_stamp, describe(&out)).unwrap();
        }
        let mpi = Command::new(&python)
            .args(["-c", "import mpi4py.MPI"])
            .output()
            .is_ok_and(|o| o.status.success());

        let package = crate_root().join("bindings/python");
        let out = pip_install(
            &venv,
            &[
                OsStr::new("--no-build-isolation"),
                OsStr::new("--no-deps"),
                OsStr::new("--force-reinstall"),
                package.as_os_str(),
            ],
        )
        .env("CARGO_TARGET_DIR", dir.join("cargo"))
        .output();
        assert!(
            succeeded(&out),
            "pip install ./bindings/python failed:\n{}",
            describe(&out)
        );
        Some(Venv {
            python,
            bin: venv.join("bin"),
            mpi,
        })
    })
    .as_ref()
}

/// Runs the environment's python with `args` in `dir`, without writing bytecode into the
/// repository.
fn python(venv: &Venv, dir: &Path, args: &[&OsStr]) -> Output {
    Command::new(&venv.python)
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with(&venv.bin))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("MPLBACKEND", "Agg")
        .env("RNNWF_C_LIBRARY", library().shared_object())
        .env("RNNWF_REQUIRE_MPI", if venv.mpi { "1" } else { "0" })
        .output()
        .expect("run the environment's python")
}

#[test]
fn pytest_suite_passes() {
    let Some(venv) = venv() else { return };
    let tests = crate_root().join("bindings/python/tests");
    let out = python(
        venv,
        &crate_root().join("bindings/python"),
        &[
            OsStr::new("-m"),
            OsStr::new("pytest"),
            OsStr::new("-q"),
            OsStr::new("-rs"),
            OsStr::new("-p"),
            OsStr::new("no:cacheprovider"),
            tests.as_os_str(),
        ],
    );
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    assert!(out.status.success(), "pytest failed:\n{report}");
    // The summary line, e.g. "34 passed in 5.1s": a suite that collected nothing, or lost
    // tests, fails here.
    let passed: usize = report
        .lines()
        .rev()
        .find_map(|l| {
            l.split(" passed")
                .next()
                .and_then(|n| n.rsplit(' ').next()?.parse().ok())
        })
        .unwrap_or_else(|| panic!("no pytest summary:\n{report}"));
    assert!(passed >= 60, "only {passed} Python tests passed:\n{report}");
    if !venv.mpi {
        eprintln!("note: mpi4py is not installed; the two-rank Python test was skipped");
    }
}

/// The example trains for a few steps, writes its log, checkpoints and plot, and resumes.
#[test]
fn example_writes_its_plot() {
    let Some(venv) = venv() else { return };
    let out_dir = scratch_dir("python-example");
    let run_dir = out_dir.join("run");
    let _ = std::fs::remove_dir_all(&run_dir);
    let script = crate_root().join("bindings/python/examples/train_ising.py");
    let train = |extra: &[&str]| {
        let mut args = vec![
            script.as_os_str(),
            OsStr::new("--steps"),
            OsStr::new("30"),
            OsStr::new("--out"),
            run_dir.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let out = python(venv, &out_dir, &args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "train_ising.py failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("relative error"), "{stdout}");
        stdout
    };
    train(&[]);
    let bytes = std::fs::read(run_dir.join("energy.png")).expect("the example wrote no PNG");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // --steps counts the whole run: the same command with --resume has nothing left to do,
    // and a larger count goes on from the first run's end.
    train(&["--resume"]);
    train(&["--resume", "--steps", "60"]);
    let other = python(
        venv,
        &out_dir,
        &[
            script.as_os_str(),
            OsStr::new("--out"),
            run_dir.as_os_str(),
            OsStr::new("--lr"),
            OsStr::new("0.1"),
            OsStr::new("--resume"),
        ],
    );
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        !other.status.success() && stderr.contains("lr 0.1 (the checkpoint's: 0.05)"),
        "{stderr}"
    );
    // The resumed run's steps follow the first run's in the same log.
    let log = std::fs::read_to_string(run_dir.join("log.jsonl")).unwrap();
    let steps: Vec<u64> = log
        .lines()
        .map(|l| {
            let rest = l
                .strip_prefix("{\"step\":")
                .expect("a log line starts with step");
            rest[..rest.find(',').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(steps, (0..60).collect::<Vec<_>>(), "{log}");
}

/// The local-dimension example (docs/local-operators.md) trains the 6-site AKLT chain
/// (d = 3, U(1), Marshall) towards its exact energy, and resumes to the steps asked in all.
#[test]
fn local_example_trains_and_resumes() {
    let Some(venv) = venv() else { return };
    let out_dir = scratch_dir("python-local-example");
    let run_dir = out_dir.join("run");
    let _ = std::fs::remove_dir_all(&run_dir);
    let script = crate_root().join("bindings/python/examples/train_local.py");
    let run = |steps: &str, extra: &[&str]| {
        let mut args = vec![script.as_os_str()];
        let flags = [
            "--model",
            "aklt",
            "--sites",
            "6",
            "--hidden",
            "12",
            "--samples",
            "256",
            "--lr",
            "0.05",
            "--final-lr",
            "0.05",
            "--steps",
            steps,
            "--out",
        ];
        args.extend(flags.iter().map(OsStr::new));
        args.push(run_dir.as_os_str());
        args.extend(extra.iter().map(OsStr::new));
        python(venv, &out_dir, &args)
    };
    let train = |steps: &str, extra: &[&str]| {
        let out = run(steps, extra);
        assert!(
            out.status.success(),
            "train_local.py failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // SPRING, and more samples in the second half.
    let spring = ["--momentum", "0.5", "--late-samples", "384"];
    train("75", &spring);
    let result = || std::fs::read_to_string(run_dir.join("result.json")).unwrap();
    let field = |result: &str, name: &str| -> f64 {
        let key = format!("\"{name}\": ");
        let rest = &result[result.find(&key).expect(name) + key.len()..];
        rest[..rest.find([',', '}']).unwrap()].parse().unwrap()
    };
    assert_eq!(field(&result(), "steps"), 75.0);
    // A resume with other settings than the run's is refused before any step, naming them.
    let other = run(
        "150",
        &["--momentum", "0.3", "--late-samples", "384", "--resume"],
    );
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        !other.status.success() && stderr.contains("momentum 0.3 (the checkpoint's: 0.5)"),
        "{stderr}"
    );
    assert_eq!(field(&result(), "steps"), 75.0);
    train("150", &[&spring[..], &["--resume"]].concat());
    let log = std::fs::read_to_string(run_dir.join("log.jsonl")).unwrap();
    let steps: Vec<usize> = log
        .lines()
        .map(|line| {
            let rest = &line[line.find("\"step\":").expect(line) + 7..];
            rest[..rest.find(',').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(steps, (0..150).collect::<Vec<_>>(), "{log}");
    // The step count the checkpoint brought back, counted on to the steps asked in all.
    let result = result();
    assert_eq!(field(&result, "steps"), 150.0, "{result}");
    // The final energy is the exact expectation over all 3^6 states.
    let field = |name: &str| field(&result, name);
    let (energy, reference) = (field("energy"), field("reference"));
    assert!((reference + 2.0 / 3.0 * 5.0).abs() < 1e-12, "{result}");
    // Variational, and within 1% of -(2/3)(N-1) after 150 steps (1.4e-3 when written).
    assert!(energy >= reference - 1e-9, "{result}");
    assert!((energy - reference) / reference.abs() < 1e-2, "{result}");
}

/// `--help` works without matplotlib (the plot is optional) and unknown flags are refused.
#[test]
fn example_help_needs_no_matplotlib() {
    let Some(venv) = venv() else { return };
    let script = crate_root().join("bindings/python/examples/train_ising.py");
    let blocker = scratch_dir("python-no-matplotlib");
    // A matplotlib package that fails to import stands in for none installed.
    std::fs::create_dir_all(blocker.join("matplotlib")).unwrap();
    std::fs::write(
        blocker.join("matplotlib/__init__.py"),
        "raise ImportError('matplotlib hidden by the test')\n",
    )
    .unwrap();
    let run = |flag: &str| {
        Command::new(&venv.python)
            .arg(&script)
            .arg(flag)
            .env("PYTHONPATH", &blocker)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("run python")
    };
    let help = run("--help");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{}", describe(&Ok(help.clone())));
    assert!(
        text.contains("usage:") && text.contains("--resume"),
        "{text}"
    );
    let bad = run("--no-such-flag");
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&Ok(bad.clone())));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unrecognized arguments"));
}
