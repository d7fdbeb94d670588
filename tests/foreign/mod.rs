//! Building and running programs in other languages against the built shared library:
//! shared by the C, C++, Fortran, Julia and packaging tests (and the MPI tests to come).
//!
//! External tools (valgrind, gfortran, cmake, ...) are looked up with [`tool`]: a missing one
//! fails the test, unless the user sets `RNNWF_SKIP_MISSING_TOOLS=1` (ignored with `CI=true`);
//! then the test is skipped, said on the terminal and named again at the end of the run
//! (`tests/zz_skipped_host_tools.rs`).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Where the shared library and the header are.
pub struct Library {
    /// Holds librnnwf.so and its SONAME link librnnwf.so.0.MINOR.
    pub dir: PathBuf,
    /// Holds rnnwf.h.
    pub include: PathBuf,
    /// Where compiled test programs go.
    pub bin: PathBuf,
}

impl Library {
    pub fn shared_object(&self) -> PathBuf {
        self.dir.join("librnnwf.so")
    }
}

pub fn soname() -> String {
    format!("librnnwf.so.0.{}", env!("CARGO_PKG_VERSION_MINOR"))
}

pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The cdylib for this test binary's profile, built once per test binary. `cargo test` alone
/// builds only the rlib the tests link, so this runs `cargo build --lib` for the same profile
/// (and the same target directory, inherited through the environment).
pub fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let mut build = Command::new(cargo);
        build
            .current_dir(crate_root())
            .args(["build", "--lib", "--quiet"]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let out = build.output().expect("run cargo build --lib");
        assert!(
            out.status.success(),
            "cargo build --lib failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // This test binary is <target>/<profile>/deps/<name>; the library is in <profile>.
        let exe = std::env::current_exe().expect("the test binary's path");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("<profile> dir")
            .to_path_buf();
        let so = dir.join("librnnwf.so");
        assert!(
            so.exists(),
            "cargo build --lib did not produce {}",
            so.display()
        );
        // Programs linked with -lrnnwf ask for the SONAME at run time; build.rs links it
        // beside the library, which is what the README's build step promises.
        let link = dir.join(soname());
        assert_eq!(
            std::fs::read_link(&link).ok().as_deref(),
            Some(Path::new("librnnwf.so")),
            "the build did not create the SONAME link {} -> librnnwf.so (build.rs); \
             `touch build.rs` and build again",
            link.display()
        );
        let bin = dir.join("foreign-tests");
        std::fs::create_dir_all(&bin).unwrap();
        Library {
            dir,
            include: crate_root().join("include"),
            bin,
        }
    })
}

/// Warnings are errors: a host compiling our header with strict flags must see none.
pub const C_FLAGS: &[&str] = &["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
pub const CXX_FLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];

/// Fortran 2008, warnings are errors.
pub const FORTRAN_FLAGS: &[&str] = &["-std=f2008", "-Wall", "-Wextra", "-Werror"];

/// AddressSanitizer + UndefinedBehaviorSanitizer for the host program only: the Rust library
/// stays uninstrumented, but ASan replaces malloc/free process-wide, so the library's heap is
/// checked too (and LeakSanitizer sees a handle that is never freed).
pub const SANITIZER_FLAGS: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
    "-g",
];

/// Compiles and links `sources` against librnnwf into an executable named `name`.
pub fn build_c_program(name: &str, sources: &[&Path]) -> PathBuf {
    build_program("cc", C_FLAGS, &[], name, sources)
}

/// As [`build_c_program`], with extra compiler flags (e.g. [`SANITIZER_FLAGS`]).
pub fn build_c_program_with(name: &str, extra: &[&str], sources: &[&Path]) -> PathBuf {
    build_program("cc", C_FLAGS, extra, name, sources)
}

/// C++17 with `bindings/cpp` on the include path.
pub fn build_cxx_program(name: &str, sources: &[&Path]) -> PathBuf {
    let cpp = crate_root().join("bindings/cpp");
    let include = format!("-I{}", cpp.display());
    build_program("c++", CXX_FLAGS, &[&include], name, sources)
}

/// Compiles the Fortran modules (generated `rnnwf_capi`, then `rnnwf`) and `sources` into an
/// executable, with the module files kept apart per program. `None` without gfortran.
pub fn build_fortran_program(name: &str, sources: &[&Path]) -> Option<PathBuf> {
    let gfortran = tool("gfortran")?;
    let modules = library().bin.join(format!("{name}.mod.d"));
    let _ = std::fs::remove_dir_all(&modules);
    std::fs::create_dir_all(&modules).unwrap();
    let mut all: Vec<PathBuf> = fortran_module_sources();
    all.extend(sources.iter().map(|s| s.to_path_buf()));
    let j = format!("-J{}", modules.display());
    let refs: Vec<&Path> = all.iter().map(PathBuf::as_path).collect();
    Some(build_program(
        gfortran.to_str().unwrap(),
        FORTRAN_FLAGS,
        &[&j, "-g"],
        name,
        &refs,
    ))
}

/// The Fortran binding's sources, in compilation order.
pub fn fortran_module_sources() -> Vec<PathBuf> {
    let dir = crate_root().join("bindings/fortran");
    vec![dir.join("rnnwf_capi.f90"), dir.join("rnnwf.f90")]
}

/// Compiles and links with any compiler, its flags and extra flags (include paths,
/// sanitizers, ...).
pub fn build_program_with(
    compiler: &str,
    flags: &[&str],
    extra: &[&str],
    name: &str,
    sources: &[&Path],
) -> PathBuf {
    build_program(compiler, flags, extra, name, sources)
}

fn build_program(
    compiler: &str,
    flags: &[&str],
    extra: &[&str],
    name: &str,
    sources: &[&Path],
) -> PathBuf {
    let lib = library();
    let exe = lib.bin.join(name);
    let mut cmd = Command::new(compiler);
    cmd.args(flags)
        .args(extra)
        .arg("-I")
        .arg(&lib.include)
        .args(sources)
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.dir.display()))
        .arg("-lrnnwf")
        .arg(format!("-Wl,-rpath,{}", lib.dir.display()))
        .arg("-lm");
    check_output(&format!("{compiler} for {name}"), cmd.output());
    exe
}

/// Compiles `source` without linking, as the language given by `compiler` and `flags`.
pub fn compile_only(compiler: &str, flags: &[&str], source: &Path) {
    let lib = library();
    let object = lib.bin.join(format!(
        "{}.{compiler}.o",
        source.file_name().unwrap().to_string_lossy()
    ));
    let out = Command::new(compiler)
        .args(flags)
        .arg("-I")
        .arg(&lib.include)
        .arg("-c")
        .arg(source)
        .arg("-o")
        .arg(object)
        .output();
    check_output(&format!("{compiler} -c {}", source.display()), out);
}

/// Runs a program and returns its standard output, failing the test on a non-zero exit.
pub fn run(exe: &Path, args: &[&OsStr]) -> String {
    run_with_env(exe, args, &[])
}

/// As [`run`], with extra environment variables.
pub fn run_with_env(exe: &Path, args: &[&OsStr], env: &[(&str, &str)]) -> String {
    let out = Command::new(exe)
        .args(args)
        .envs(env.iter().copied())
        .output();
    check_output(&exe.display().to_string(), out)
}

/// Runs a program that must fail: its exit code, standard output and standard error.
pub fn run_expecting_failure(exe: &Path, args: &[&OsStr]) -> (Option<i32>, String, String) {
    let out = Command::new(exe)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    assert!(
        !out.status.success(),
        "{} should have failed",
        exe.display()
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a sanitizer-instrumented program: any ASan, LSan or UBSan report fails it.
pub fn run_sanitized(exe: &Path, args: &[&OsStr]) -> String {
    run_with_env(
        exe,
        args,
        &[
            (
                "ASAN_OPTIONS",
                "detect_leaks=1:halt_on_error=1:strict_string_checks=1",
            ),
            ("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        ],
    )
}

/// Runs a program under valgrind's memcheck: any memory error or definite/indirect leak
/// fails it. `None` without valgrind. Rust's runtime keeps the main thread's handle in a
/// thread-local that valgrind calls "possibly lost"; that kind is reported, not counted, so
/// no suppression file is needed.
pub fn run_under_valgrind(exe: &Path, args: &[&OsStr]) -> Option<String> {
    let valgrind = tool("valgrind")?;
    let out = Command::new(valgrind)
        .args([
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
        ])
        .arg(exe)
        .args(args)
        .output();
    let what = format!("valgrind {}", exe.display());
    let stderr = String::from_utf8_lossy(&out.as_ref().unwrap().stderr).into_owned();
    let stdout = check_output(&what, out);
    // Belt and braces: the exit code already says so, the summary says why.
    assert!(
        stderr.contains("ERROR SUMMARY: 0 errors"),
        "{what} reported errors:\n{stderr}"
    );
    Some(stdout)
}

/// True in CI, where every tool a test needs must be installed.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The opt-in to skipping tests whose host tool is missing (never honoured in CI).
pub const SKIP_VARIABLE: &str = "RNNWF_SKIP_MISSING_TOOLS";

/// True when the user asked to skip, rather than fail, the tests whose tool is missing.
pub fn skipping_allowed() -> bool {
    !in_ci() && std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1")
}

/// The path of a program on PATH. Missing: a failure, unless the user opted into skipping
/// (see [`missing`]); then `None`, so the calling test returns early.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        missing(name, "it is not on PATH");
    }
    found
}

/// Reports a missing prerequisite. It fails the test unless `RNNWF_SKIP_MISSING_TOOLS=1` is
/// set outside CI; a skip is written straight to the terminal (libtest hides what passing
/// tests print) and recorded for `tests/zz_skipped_host_tools.rs`, which names every skipped
/// test at the end of the run.
pub fn missing(what: &str, why: &str) {
    let test = format!(
        "{}::{}",
        test_binary_name(),
        std::thread::current().name().unwrap_or("?")
    );
    assert!(
        !in_ci(),
        "{test}: {what} is required in CI (CI=true) but unavailable: {why}"
    );
    assert!(
        skipping_allowed(),
        "{test}: {what} is unavailable ({why}). Install it (`bash .ci/install-host-tools.sh` \
         installs every host tool with apt), or run with {SKIP_VARIABLE}=1 to skip the tests \
         that need it."
    );
    let line = format!("SKIPPED {test}: {what} is unavailable ({why})");
    use std::io::Write;
    // Not eprintln!: libtest captures that for passing tests.
    let _ = writeln!(std::io::stderr(), "\n{line}");
    record_skip(&line);
}

/// The file where skips are recorded, one line each, tagged with the id of the process that
/// ran the test binary (cargo), so that a report shows only the skips of its own run.
pub fn skip_record() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile = exe.parent().and_then(Path::parent).expect("<profile> dir");
    profile.join("skipped-host-tools.txt")
}

fn record_skip(line: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_record())
        .expect("open the skip record");
    writeln!(file, "{}\t{line}", std::os::unix::process::parent_id())
        .expect("write the skip record");
}

/// `c_api` for the test binary `<profile>/deps/c_api-0123abcd`.
fn test_binary_name() -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let stem = exe
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    match stem.rsplit_once('-') {
        Some((name, _hash)) => name.to_string(),
        None => stem,
    }
}

/// Checks the "NAME: N checks passed" line a test program prints last, and that at least
/// `min` checks ran, so a program that silently skipped its work fails.
pub fn assert_checks_passed(out: &str, program: &str, min: usize) {
    let last = out.lines().last().unwrap_or_default().trim();
    let passed: usize = last
        .strip_prefix(&format!("{program}: "))
        .and_then(|rest| rest.strip_suffix(" checks passed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output from {program}:\n{out}"));
    assert!(passed >= min, "{program}: only {passed} checks ran");
}

fn check_output(what: &str, out: std::io::Result<Output>) -> String {
    let out = out.unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A fresh, empty directory for one test's files.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = library().bin.join(format!("scratch-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Julia parser and linter the Julia tests use (Julia itself cannot be installed here):
/// fatou, pinned, from PyPI, installed once into a virtual environment in the target
/// directory. `RNNWF_FATOU` may name an existing fatou binary instead. `None` when it
/// cannot be had (a failure in CI).
pub fn fatou() -> Option<PathBuf> {
    const VERSION: &str = "0.24.0";
    static FATOU: OnceLock<Option<PathBuf>> = OnceLock::new();
    FATOU
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("RNNWF_FATOU") {
                return Some(PathBuf::from(path));
            }
            let venv = library().bin.join(format!("fatou-{VERSION}"));
            let exe = venv.join("bin/fatou");
            if !exe.exists() {
                let python = tool("python3")?;
                let mut make_venv = Command::new(python);
                make_venv.args(["-m", "venv"]).arg(&venv);
                let mut install = Command::new(venv.join("bin/python3"));
                install.args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    &format!("fatou=={VERSION}"),
                ]);
                for mut step in [make_venv, install] {
                    let out = step.output();
                    if !out.as_ref().is_ok_and(|o| o.status.success()) {
                        let why = match out {
                            Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                            Err(e) => e.to_string(),
                        };
                        let _ = std::fs::remove_dir_all(&venv);
                        missing(
                            &format!("fatou {VERSION} (pip install fatou=={VERSION})"),
                            &why,
                        );
                        return None;
                    }
                }
            }
            Some(exe)
        })
        .clone()
}

/// Runs a Python 3 script of the repository; `None` without python3.
pub fn run_python(script: &Path, args: &[&OsStr]) -> Option<String> {
    let python = tool("python3")?;
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .current_dir(crate_root())
        .output();
    Some(check_output(&format!("python3 {}", script.display()), out))
}

/// The examples print "relative error before training: B" and "relative error after K
/// steps: A" (of the trained model's exact <H> against the exact ground energy). minSR on
/// the 10-site chain ends near 4e-5 after 200 steps; 1e-3 is 25x that, while a run that does
/// not train stays near 0.18. Short runs (unoptimised builds) must only lower the energy.
pub fn assert_example_trained(out: &str, steps: &str) {
    let value = |prefix: &str| -> f64 {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| panic!("no line {prefix:?} in:\n{out}"))
    };
    let before = value("relative error before training:");
    let after = value(&format!("relative error after {steps} steps:"));
    assert!(before > 0.05, "{out}");
    assert!(after >= -1e-9 && after < before, "{out}");
    if !cfg!(debug_assertions) {
        assert!(after < 1e-3, "{out}");
    }
}
