//! The documentation is the test: every shell line of README.md, of every README.md under
//! bindings/, and of the header comments of examples/{c,cpp,fortran,mpi,julia} is extracted
//! and run, unless [`NOT_RUN`] lists it with the reason. So a new or changed line runs (and
//! fails the suite if it does not work as pasted), and a listed line that no document has
//! any more fails too.
//!
//! What is extracted: in Markdown, the lines of ```sh blocks (continuations joined, comments
//! and blank lines dropped; inline `code` in prose is not extracted); in an example, the
//! lines of its first comment block that start with a command (see [`is_command`]).
//!
//! How it runs: in a scratch directory that looks like the repository root (include/,
//! bindings/, examples/, scripts/, tests/ link to the real ones; target/release to the built
//! library, made by `cargo build --lib --release` in `foreign::library`, which also checks the
//! SONAME link that `cargo build --release` leaves there), with HOME set to a scratch folder
//! (so `$HOME/opt/rnnwf` is a fresh install prefix), without LD_LIBRARY_PATH, one bash script
//! per document (`set -euxo pipefail`: the failing line is in the log), documents in the
//! order of [`documents`]. Then [`ELSEWHERE`] runs the programs a document built from another
//! directory: their rpaths must find the library.

mod foreign;
use foreign::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Lines that do not run here, each with the reason. Keys are (document, command) with
/// whitespace collapsed, continuations joined and a trailing `# comment` removed.
const NOT_RUN: &[(&str, &str, &str)] = &[
    (
        "README.md",
        "cargo run --release --example train_ising",
        "the half-minute training run; tests/training.rs trains the same way, shorter",
    ),
    (
        "README.md",
        "cargo test --release",
        "the suite this test is part of",
    ),
    (
        "README.md",
        "cargo build --release",
        "done by foreign::library (cargo build --lib --release), which checks the SONAME link",
    ),
    (
        "README.md",
        "RNNWF_NUM_THREADS=2 cargo run --release --example train_2d -- --lx 6 --ly 6 --model heisenberg --optimizer sgd --preconditioner spring --momentum 0.5 --precision f32 --symmetry lattice --steps 1000 --minutes 20 --final-samples 32768 --reference -86.9071441699763 --reference-label exact",
        "a 20-minute accuracy run; tests/symmetry.rs and tests/grid_training.rs cover the parts",
    ),
    (
        "README.md",
        "RNNWF_NUM_THREADS=2 cargo run --release --example transfer_2d -- --symmetry lattice --momentum 0.5 --precision f32 --steps 640,320,260 --final-samples 8192",
        "an hour-long accuracy run; tests/grid_training.rs and the resize tests cover the parts",
    ),
    (
        "README.md",
        "mpirun -np 2 ./train_mpi mpi_checkpoints",
        "the full 2-rank training: tests/mpi.rs runs it; ELSEWHERE runs this build quick",
    ),
    (
        "bindings/README.md",
        "RNNWF_BLESS=1 cargo test --test header",
        "rewrites include/rnnwf.h; tests/header.rs compares it with cbindgen's output",
    ),
    (
        "bindings/README.md",
        "python3 bindings/julia/gen/generate.py",
        "rewrites a committed file; tests/generated_bindings.rs runs it and compares",
    ),
    (
        "bindings/README.md",
        "python3 bindings/fortran/gen/generate.py",
        "rewrites a committed file; tests/generated_bindings.rs runs it and compares",
    ),
    (
        "bindings/julia/Rnnwf/README.md",
        "cargo build --release",
        "done by foreign::library, as for README.md",
    ),
    (
        "bindings/julia/Rnnwf/README.md",
        "cd bindings/julia/Rnnwf",
        "Julia: not installable on the build machines (tests/julia_bindings.rs lints it)",
    ),
    (
        "bindings/julia/Rnnwf/README.md",
        "RNNWF_LIB=/path/to/librnnwf.so julia --project -e 'using Pkg; Pkg.test()'",
        "Julia: not installable on the build machines (tests/julia_bindings.rs lints it)",
    ),
    (
        "bindings/julia/Rnnwf/README.md",
        "RNNWF_LIB=/path/to/librnnwf.so julia --project=bindings/julia/Rnnwf examples/julia/sample.jl",
        "Julia: not installable on the build machines (tests/julia_bindings.rs lints it)",
    ),
    (
        "examples/julia/sample.jl",
        "RNNWF_LIB=target/release/librnnwf.so julia --project=bindings/julia/Rnnwf examples/julia/sample.jl [n [steps]]",
        "Julia: not installable on the build machines (tests/julia_bindings.rs lints it)",
    ),
    (
        "examples/mpi/train_mpi.c",
        "mpirun -np 2 ./train_mpi mpi_checkpoints",
        "the full 2-rank training: tests/mpi.rs runs it; ELSEWHERE runs this build quick",
    ),
    (
        "examples/mpi/bench_mpi.c",
        "mpirun --bind-to none -np 1 ./bench_mpi adam 1 20",
        "a benchmark: its timings mean nothing on a shared test machine",
    ),
    (
        "examples/mpi/bench_mpi.c",
        "mpirun --bind-to none -np 1 ./bench_mpi adam 2 20",
        "a benchmark: its timings mean nothing on a shared test machine",
    ),
    (
        "examples/mpi/bench_mpi.c",
        "mpirun --bind-to none -np 2 ./bench_mpi adam 1 20",
        "a benchmark: its timings mean nothing on a shared test machine",
    ),
    (
        "examples/mpi/bench_mpi.c",
        "mpirun --bind-to none -np 1 ./bench_mpi sr 2 20 hook",
        "a benchmark: its timings mean nothing on a shared test machine",
    ),
];

/// After a document's lines ran: (document, command run from another directory with `$S`
/// the scratch root, text its output must contain). Short runs: no or little training.
const ELSEWHERE: &[(&str, &str, &str)] = &[
    (
        "README.md",
        r#""$S/sample" 200 0"#,
        "sum of P over all 1024 configurations = 1.000000000",
    ),
    (
        "README.md",
        r#"mpirun -np 2 "$S/train_mpi" "$PWD" quick"#,
        "checks passed",
    ),
    (
        "bindings/README.md",
        r#""$S/sample" 200 0"#,
        "sum of P over all 1024 configurations = 1.000000000",
    ),
    (
        "bindings/README.md",
        r#""$S/sample_f90" 0"#,
        "relative error before training:",
    ),
    (
        "bindings/README.md",
        r#""$S/build-consumer/consumer_cpp""#,
        "agreement ok",
    ),
    (
        "bindings/README.md",
        r#""$S/build-consumer/consumer_f90""#,
        "agreement ok",
    ),
    (
        "examples/c/sample.c",
        r#""$S/sample" 200 0"#,
        "sum of P over all 1024 configurations = 1.000000000",
    ),
    (
        "examples/cpp/sample.cpp",
        r#""$S/sample_cpp" 200 0"#,
        "relative error before training:",
    ),
    (
        "examples/fortran/sample.f90",
        r#""$S/sample_f90" 0"#,
        "relative error before training:",
    ),
    (
        "examples/mpi/train_mpi.c",
        r#"mpirun -np 2 "$S/train_mpi" "$PWD" quick"#,
        "checks passed",
    ),
    (
        "examples/mpi/bench_mpi.c",
        r#"test -x "$S/bench_mpi" && echo built"#,
        "built",
    ),
];

/// OpenMPI in a container, as tests/mpi.rs runs it: as root, more ranks than cores, no
/// cross-memory attach. MPICH ignores these.
const MPI_ENV: &[(&str, &str)] = &[
    ("OMPI_ALLOW_RUN_AS_ROOT", "1"),
    ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
    ("OMPI_MCA_rmaps_base_oversubscribe", "1"),
    ("OMPI_MCA_btl_vader_single_copy_mechanism", "none"),
];

/// The host tools the documented lines call.
const TOOLS: &[&str] = &[
    "bash",
    "cc",
    "c++",
    "gfortran",
    "mpicc",
    "mpirun",
    "pkg-config",
    "cmake",
];

/// The documents, READMEs first: the examples' installed-prefix lines use the prefix that
/// bindings/README.md installs.
fn documents() -> Vec<String> {
    let root = crate_root();
    let mut docs = vec!["README.md".to_string()];
    let mut readmes = Vec::new();
    find_files(
        &root.join("bindings"),
        &mut |p| p.file_name().is_some_and(|n| n == "README.md"),
        &mut readmes,
    );
    let mut examples = Vec::new();
    for dir in ["c", "cpp", "fortran", "mpi", "julia"] {
        find_files(
            &root.join("examples").join(dir),
            &mut |p| p.is_file(),
            &mut examples,
        );
    }
    readmes.sort();
    examples.sort();
    for p in readmes.into_iter().chain(examples) {
        let rel = p.strip_prefix(root).unwrap();
        docs.push(rel.to_string_lossy().into_owned());
    }
    docs
}

fn find_files(dir: &Path, keep: &mut dyn FnMut(&Path) -> bool, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            find_files(&path, keep, out);
        } else if keep(&path) {
            out.push(path);
        }
    }
}

/// The shell lines of one document, in order.
fn shell_lines(doc: &str, text: &str) -> Vec<String> {
    let raw: Vec<String> = if doc.ends_with(".md") {
        markdown_shell_lines(text)
    } else {
        header_command_lines(doc, text)
    };
    join_continuations(&raw)
        .into_iter()
        .map(|l| normalise(&strip_comment(&l)))
        .filter(|l| !l.is_empty())
        .collect()
}

fn markdown_shell_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_shell = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_shell = match in_shell {
                None => Some(matches!(info.trim(), "sh" | "bash" | "shell" | "console")),
                Some(_) => None,
            };
        } else if in_shell == Some(true) {
            lines.push(line.to_string());
        }
    }
    lines
}

/// The first comment block of a source file, markers removed; of it, the lines that start
/// with a command and their continuations.
fn header_command_lines(doc: &str, text: &str) -> Vec<String> {
    let mut block = Vec::new();
    if doc.ends_with(".c") || doc.ends_with(".cpp") {
        let start = text.find("/*").expect("a header comment");
        let end = text[start..].find("*/").expect("the header's end") + start;
        for line in text[start + 2..end].lines() {
            let l = line.trim_start();
            block.push(l.strip_prefix('*').unwrap_or(l).to_string());
        }
    } else {
        let marker = if doc.ends_with(".f90") { "!" } else { "#" };
        for line in text.lines() {
            match line.strip_prefix(marker) {
                Some(rest) => block.push(rest.to_string()),
                None => break,
            }
        }
    }
    let mut lines = Vec::new();
    let mut continuing = false;
    for line in block {
        if continuing || is_command(&line) {
            continuing = line.trim_end().ends_with('\\');
            lines.push(line);
        }
    }
    lines
}

/// A line starting with a program the docs use, `./program` or an environment assignment.
fn is_command(line: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        "cargo",
        "cc",
        "c++",
        "gfortran",
        "mpicc",
        "mpirun",
        "cmake",
        "pkg-config",
        "julia",
        "python3",
        "export",
        "cd",
        "bash",
    ];
    let Some(first) = line.split_whitespace().next() else {
        return false;
    };
    PROGRAMS.contains(&first)
        || first.starts_with("./")
        || first.starts_with("scripts/")
        || first.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        })
}

fn join_continuations(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    assert!(
        current.is_empty(),
        "a continuation ends the block: {current}"
    );
    out
}

/// Drops a `#` comment that starts a word outside quotes.
fn strip_comment(line: &str) -> String {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return line[..i].to_string(),
            _ => {}
        }
        previous = c;
    }
    line.to_string()
}

fn normalise(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A directory that looks like the repository root, with the built library in
/// target/release.
fn scratch_root(lib: &Path) -> PathBuf {
    let root = scratch_dir("doc-commands");
    for dir in ["include", "bindings", "examples", "scripts", "tests"] {
        std::os::unix::fs::symlink(crate_root().join(dir), root.join(dir)).unwrap();
    }
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::os::unix::fs::symlink(lib, root.join("target/release")).unwrap();
    std::fs::create_dir_all(root.join("home")).unwrap();
    std::fs::create_dir_all(root.join("elsewhere")).unwrap();
    root
}

/// Bash with the scratch environment: HOME inside the scratch directory (cargo and rustup
/// keep their own homes), no LD_LIBRARY_PATH (cargo sets one for tests), OpenMPI as root.
fn bash(root: &Path, dir: &Path, script: &str) -> Command {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_remove("LD_LIBRARY_PATH")
        .env("HOME", root.join("home"))
        .env("S", root)
        .env("PKG_CONFIG_PATH", root.join("home/opt/rnnwf/lib/pkgconfig"))
        .envs(MPI_ENV.iter().copied());
    for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
        if std::env::var_os(var).is_none() {
            if let Some(home) = &home {
                cmd.env(var, home.join(default));
            }
        }
    }
    cmd
}

fn output_of(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr (the failing line is last)\n{stderr}",
        out.status
    );
    stdout
}

#[test]
fn every_documented_line_is_run_or_listed_with_a_reason() {
    let mut found = BTreeSet::new();
    let mut unknown = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(crate_root().join(&doc)).unwrap();
        for line in shell_lines(&doc, &text) {
            found.insert((doc.clone(), line));
        }
    }
    // Lines not listed run in the other test; here the listed ones must still be documented.
    let listed: BTreeSet<(String, String)> = NOT_RUN
        .iter()
        .map(|(d, l, _)| (d.to_string(), l.to_string()))
        .collect();
    for entry in &listed {
        if !found.contains(entry) {
            unknown.push(format!("{}: {:?}", entry.0, entry.1));
        }
    }
    assert!(
        unknown.is_empty(),
        "NOT_RUN lists lines no document has any more (update tests/doc_commands.rs):\n{}",
        unknown.join("\n")
    );
    for (doc, _, _) in ELSEWHERE {
        assert!(
            found.iter().any(|(d, _)| d == doc),
            "ELSEWHERE names {doc}, which has no shell lines"
        );
    }
    // The extraction sees what it should: the README's C build line, the examples' lines.
    assert!(found
        .iter()
        .any(|(d, l)| d == "README.md" && l.starts_with("cc -std=c11")));
    for doc in [
        "examples/c/sample.c",
        "examples/cpp/sample.cpp",
        "examples/fortran/sample.f90",
    ] {
        assert!(
            found.iter().filter(|(d, _)| d == doc).count() >= 2,
            "{doc}: expected a build and a run line"
        );
    }
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "the documented lines use the release library: cargo test --release"
)]
fn documented_lines_run_and_their_programs_run_from_elsewhere() {
    for name in TOOLS {
        if tool(name).is_none() {
            return;
        }
    }
    let start = std::time::Instant::now();
    let lib = library();
    let root = scratch_root(&lib.dir);
    eprintln!(
        "library and scratch directory: {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let listed: BTreeSet<(&str, &str)> = NOT_RUN.iter().map(|(d, l, _)| (*d, *l)).collect();
    let mut ran = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(crate_root().join(&doc)).unwrap();
        let lines: Vec<String> = shell_lines(&doc, &text)
            .into_iter()
            .filter(|l| !listed.contains(&(doc.as_str(), l.as_str())))
            .collect();
        let start = std::time::Instant::now();
        if !lines.is_empty() {
            let script = format!("set -euxo pipefail\n{}\n", lines.join("\n"));
            output_of(
                &format!("the lines of {doc}:\n{script}"),
                &mut bash(&root, &root, &script),
            );
            ran += lines.len();
        }
        for (_, command, expected) in ELSEWHERE.iter().filter(|(d, _, _)| *d == doc) {
            let elsewhere = root.join("elsewhere");
            let out = output_of(
                &format!("{command} (after {doc}, from {})", elsewhere.display()),
                &mut bash(&root, &elsewhere, command),
            );
            assert!(
                out.contains(expected),
                "{command}: no {expected:?} in:\n{out}"
            );
        }
        // Shown with --nocapture: where the time goes.
        eprintln!(
            "{doc}: {} lines in {:.1} s",
            lines.len(),
            start.elapsed().as_secs_f64()
        );
    }
    assert!(ran >= 15, "only {ran} documented lines ran");
}
