//! Building and running programs in other languages against the built shared library:
//! shared by the C tests here and the C++, Fortran and MPI tests to come.
#![allow(dead_code)]

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
        // Programs linked with -lrnnwf ask for the SONAME at run time.
        let link = dir.join(soname());
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new("librnnwf.so")) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink("librnnwf.so", &link).expect("create the SONAME link");
        }
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

/// Compiles and links `sources` against librnnwf into an executable named `name`.
pub fn build_c_program(name: &str, sources: &[&Path]) -> PathBuf {
    build_program("cc", C_FLAGS, name, sources)
}

pub fn build_cxx_program(name: &str, sources: &[&Path]) -> PathBuf {
    build_program("c++", CXX_FLAGS, name, sources)
}

fn build_program(compiler: &str, flags: &[&str], name: &str, sources: &[&Path]) -> PathBuf {
    let lib = library();
    let exe = lib.bin.join(name);
    let mut cmd = Command::new(compiler);
    cmd.args(flags)
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
pub fn run(exe: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(exe).args(args).output();
    check_output(&exe.display().to_string(), out)
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
