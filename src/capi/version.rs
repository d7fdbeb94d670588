//! Library and ABI versions, at compile time (header macros) and at run time.
//!
//! The macros are literals so that cbindgen can copy them into the header; the assertions
//! below make a build fail when they drift from Cargo.toml.

use super::boundary::ffi_value;
use std::ffi::c_char;

pub const RNNWF_VERSION_MAJOR: u32 = 0;
pub const RNNWF_VERSION_MINOR: u32 = 3;
pub const RNNWF_VERSION_PATCH: u32 = 0;
/// The ABI generation: equals RNNWF_VERSION_MINOR while on 0.x, matching the shared
/// library's SONAME librnnwf.so.0.MINOR. A host built against one ABI version needs a library
/// with the same one.
pub const RNNWF_ABI_VERSION: u32 = 3;

const fn parse_u32(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "a version number is decimal");
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

const _: () = {
    assert!(RNNWF_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(RNNWF_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(RNNWF_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")));
    // While on 0.x every minor release may break the ABI (build.rs sets the SONAME to match).
    assert!(RNNWF_VERSION_MAJOR != 0 || RNNWF_ABI_VERSION == RNNWF_VERSION_MINOR);
};

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version, "MAJOR.MINOR.PATCH", as a static string. Never NULL; never free it.
#[no_mangle]
pub extern "C" fn rnnwf_version() -> *const c_char {
    ffi_value(VERSION.as_ptr().cast(), || VERSION.as_ptr().cast())
}

/// The ABI version of the loaded library; compare it with RNNWF_ABI_VERSION.
#[no_mangle]
pub extern "C" fn rnnwf_abi_version() -> u32 {
    ffi_value(RNNWF_ABI_VERSION, || RNNWF_ABI_VERSION)
}
