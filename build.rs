// Gives the shared library its SONAME, librnnwf.so.0.MINOR while the crate is on 0.x
// (docs/c-abi.md, "Versions"), so hosts link against an ABI generation, not a file name.
//
// A program linked with -lrnnwf asks for that SONAME at run time, so the build also puts the
// link librnnwf.so.0.MINOR -> librnnwf.so beside the library in the profile directory
// (target/release): then `cargo build --release` is all a C, C++, Fortran or MPI program
// built against target/release needs. A build script runs before the library is linked, so
// the link dangles until the library exists; it names the file, never its contents.
use std::path::{Path, PathBuf};

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        let soname = if major == "0" {
            format!("librnnwf.so.0.{minor}")
        } else {
            format!("librnnwf.so.{major}")
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
        if let Some(dir) = profile_dir() {
            link_soname(&dir, &soname);
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The directory cargo puts the library into: OUT_DIR is <profile>/build/<pkg>-<hash>/out.
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR")?);
    let dir = out.ancestors().nth(3)?.to_path_buf();
    dir.join("build").is_dir().then_some(dir)
}

/// Best effort: a read-only or unusual target directory only loses the convenience (the
/// tests and scripts/install.sh make their own links).
#[cfg(unix)]
fn link_soname(dir: &Path, soname: &str) {
    let link = dir.join(soname);
    if std::fs::read_link(&link).ok().as_deref() == Some(Path::new("librnnwf.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    if let Err(e) = std::os::unix::fs::symlink("librnnwf.so", &link) {
        println!("cargo:warning=cannot create {}: {e}", link.display());
    }
}

#[cfg(not(unix))]
fn link_soname(_dir: &Path, _soname: &str) {}
