//! Installing: scripts/install.sh into a temporary prefix, then a C program built with
//! `pkg-config --cflags --libs rnnwf` and a CMake project (tests/cmake_consumer, C++ and
//! Fortran) built with find_package(rnnwf), both run against the installed library.

mod foreign;
use foreign::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Installs the library of this test profile into a fresh prefix, once for all the tests.
fn install() -> Option<PathBuf> {
    static PREFIX: OnceLock<Option<PathBuf>> = OnceLock::new();
    PREFIX
        .get_or_init(|| {
            let bash = tool("bash")?;
            let prefix = scratch_dir("install").join("prefix");
            let out = Command::new(bash)
                .arg(crate_root().join("scripts/install.sh"))
                .arg("--lib-dir")
                .arg(&library().dir)
                .arg(&prefix)
                .output();
            let stdout = check_output_of("scripts/install.sh", out);
            assert!(stdout.contains("installed rnnwf"), "{stdout}");
            Some(prefix)
        })
        .clone()
}

fn check_output_of(what: &str, out: std::io::Result<std::process::Output>) -> String {
    let out = out.unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn link_target(path: &Path) -> String {
    std::fs::read_link(path)
        .unwrap_or_else(|e| panic!("{} is not a symlink: {e}", path.display()))
        .display()
        .to_string()
}

#[test]
fn install_lays_out_the_prefix() {
    let Some(prefix) = install() else { return };
    let version = env!("CARGO_PKG_VERSION");
    let lib = prefix.join("lib");
    let installed = lib.join(format!("librnnwf.so.{version}"));
    assert!(installed.is_file());
    // Installed without the release profile's debug information (`debug = 1`), which is
    // most of the built file.
    let built = std::fs::metadata(library().shared_object()).unwrap().len();
    let size = std::fs::metadata(&installed).unwrap().len();
    assert!(
        size < built / 2,
        "installed library {size} bytes, built {built}: not stripped"
    );
    assert_eq!(
        link_target(&lib.join(soname())),
        format!("librnnwf.so.{version}")
    );
    assert_eq!(link_target(&lib.join("librnnwf.so")), soname());
    for file in [
        "include/rnnwf.h",
        "include/rnnwf.hpp",
        "share/rnnwf/fortran/rnnwf_capi.f90",
        "share/rnnwf/fortran/rnnwf.f90",
        "lib/pkgconfig/rnnwf.pc",
        "lib/cmake/rnnwf/rnnwfConfig.cmake",
        "lib/cmake/rnnwf/rnnwfConfigVersion.cmake",
    ] {
        let text = std::fs::read_to_string(prefix.join(file)).unwrap();
        assert!(!text.contains('@'), "{file} has an unfilled @PLACEHOLDER@");
    }
}

#[test]
fn pkg_config_builds_a_c_program() {
    let Some(pkg_config) = tool("pkg-config") else {
        return;
    };
    let Some(prefix) = install() else { return };
    let pkg = |args: &[&str]| {
        let out = Command::new(&pkg_config)
            .args(args)
            .arg("rnnwf")
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
            .output();
        check_output_of(&format!("pkg-config {args:?}"), out)
    };
    assert_eq!(pkg(&["--modversion"]).trim(), env!("CARGO_PKG_VERSION"));
    let flags = pkg(&["--cflags", "--libs"]);
    assert!(flags.contains("-lrnnwf"), "{flags}");
    assert!(flags.contains("-Wl,-rpath,"), "no rpath in {flags}");
    let sources = pkg(&["--variable=fortran_sources"]);
    for source in sources.split_whitespace() {
        assert!(Path::new(source).is_file(), "{source} missing");
    }

    let exe = scratch_dir("pkg-config-consumer").join("sample");
    let out = Command::new("cc")
        .args(C_FLAGS)
        .arg(crate_root().join("examples/c/sample.c"))
        .arg("-o")
        .arg(&exe)
        .args(flags.split_whitespace())
        .arg("-lm")
        .output();
    check_output_of("cc with pkg-config flags", out);
    // Found at run time through the rpath from pkg-config and the SONAME link in the
    // prefix, not the build tree: no LD_LIBRARY_PATH.
    let out = Command::new(&exe)
        .args(["200", "0"]) // 200 samples, no training
        .env_remove("LD_LIBRARY_PATH")
        .output();
    let stdout = check_output_of("the pkg-config consumer", out);
    assert!(
        stdout.contains("sum of P over all 1024 configurations = 1.000000000"),
        "{stdout}"
    );
}

#[test]
fn cmake_find_package_builds_cpp_and_fortran() {
    let Some(cmake) = tool("cmake") else { return };
    let with_fortran = tool("gfortran").is_some();
    let Some(prefix) = install() else { return };
    let build = scratch_dir("cmake-consumer");
    let configure = |wanted: &str, dir: &Path| {
        Command::new(&cmake)
            .arg("-S")
            .arg(crate_root().join("tests/cmake_consumer"))
            .arg("-B")
            .arg(dir)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg(format!("-DRNNWF_WANTED={wanted}"))
            .arg(format!(
                "-DWITH_FORTRAN={}",
                if with_fortran { "ON" } else { "OFF" }
            ))
            .output()
    };
    let log = check_output_of("cmake configure", configure("0.3", &build));
    assert!(
        log.contains(&format!("found rnnwf {}", env!("CARGO_PKG_VERSION"))),
        "{log}"
    );
    let out = Command::new(&cmake)
        .arg("--build")
        .arg(&build)
        .arg("-j2")
        .output();
    check_output_of("cmake --build", out);

    // CMake's build-tree rpath finds the installed library: no LD_LIBRARY_PATH.
    let stdout = run(&build.join("consumer_cpp"), &[]);
    let expected = format!("rnnwf {}, 8 sites, agreement ok", env!("CARGO_PKG_VERSION"));
    assert_eq!(stdout.trim(), format!("consumer_cpp: {expected}"));
    if with_fortran {
        let stdout = run(&build.join("consumer_f90"), &[]);
        assert_eq!(stdout.trim(), format!("consumer_f90: {expected}"));
    }

    // Another ABI generation (the previous one) is refused by rnnwfConfigVersion.cmake.
    let out = configure("0.1", &scratch_dir("cmake-consumer-wrong-version")).expect("run cmake");
    assert!(!out.status.success(), "find_package(rnnwf 0.1) should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("requested version \"0.1\"")
            && stderr.contains(&format!("version: {}", env!("CARGO_PKG_VERSION"))),
        "{stderr}"
    );
}
