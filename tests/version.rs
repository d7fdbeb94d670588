//! One version everywhere: Cargo.toml, the header's macros, rnnwf_version(),
//! rnnwf_abi_version() and the shared library's SONAME.

mod foreign;
use std::ffi::CStr;

fn header_macro(header: &str, name: &str) -> u32 {
    header
        .lines()
        .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
        .unwrap_or_else(|| panic!("{name} not in the header"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn versions_agree() {
    let manifest = std::fs::read_to_string(foreign::crate_root().join("Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = "))
        .expect("version in Cargo.toml")
        .trim_matches('"');
    let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
    let (major, minor, patch) = (parts[0], parts[1], parts[2]);

    let header = std::fs::read_to_string(foreign::crate_root().join("include/rnnwf.h")).unwrap();
    assert_eq!(header_macro(&header, "RNNWF_VERSION_MAJOR"), major);
    assert_eq!(header_macro(&header, "RNNWF_VERSION_MINOR"), minor);
    assert_eq!(header_macro(&header, "RNNWF_VERSION_PATCH"), patch);
    let abi = header_macro(&header, "RNNWF_ABI_VERSION");
    if major == 0 {
        assert_eq!(abi, minor, "on 0.x the ABI version is the minor version");
    }

    // SAFETY: rnnwf_version returns a static NUL-terminated string.
    let runtime = unsafe { CStr::from_ptr(rnnwf::capi::rnnwf_version()) };
    assert_eq!(runtime.to_str().unwrap(), version);
    assert_eq!(rnnwf::capi::rnnwf_abi_version(), abi);

    let soname = if major == 0 {
        format!("librnnwf.so.0.{minor}")
    } else {
        format!("librnnwf.so.{major}")
    };
    let out = std::process::Command::new("readelf")
        .arg("-d")
        .arg(foreign::library().shared_object())
        .output()
        .expect("run readelf");
    let dynamic = String::from_utf8_lossy(&out.stdout);
    assert!(
        dynamic.contains(&format!("Library soname: [{soname}]")),
        "SONAME {soname} not in:\n{dynamic}"
    );
    assert!(
        soname.ends_with(&format!(".{abi}")),
        "{soname} vs ABI {abi}"
    );
}
