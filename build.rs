// Gives the shared library its SONAME, librnnwf.so.0.MINOR while the crate is on 0.x
// (docs/c-abi.md, "Versions"), so hosts link against an ABI generation, not a file name.
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
    }
    println!("cargo:rerun-if-changed=build.rs");
}
