//! Status codes: the value every fallible export returns. Values never change and are never
//! reused; a retired code stays here as a comment.

use super::boundary::ffi_value;
use crate::error::ErrorKind;
use std::ffi::c_char;

/// The result of a fallible call: `RNNWF_OK` or one of the `RNNWF_ERR_*` codes.
#[allow(non_camel_case_types)]
pub type rnnwf_status = i32;

/// Success.
pub const RNNWF_OK: rnnwf_status = 0;
/// A required pointer argument was NULL (the message names it).
pub const RNNWF_ERR_NULL_POINTER: rnnwf_status = 1;
/// A value out of range: config field, spin value, site index.
pub const RNNWF_ERR_INVALID_ARGUMENT: rnnwf_status = 2;
/// An array length that does not match.
pub const RNNWF_ERR_BUFFER_SIZE: rnnwf_status = 3;
/// A file could not be opened, read or written.
pub const RNNWF_ERR_IO: rnnwf_status = 4;
/// A file that is not a valid, intact checkpoint.
pub const RNNWF_ERR_FORMAT: rnnwf_status = 5;
/// NaN or Inf met: in parameters, energies or gradients.
pub const RNNWF_ERR_NUMERICAL: rnnwf_status = 6;
/// A request this build does not support (e.g. rnnwf_fit_step with RNNWF_OPT_SR).
pub const RNNWF_ERR_UNSUPPORTED: rnnwf_status = 7;
/// A host callback returned non-zero.
pub const RNNWF_ERR_CALLBACK: rnnwf_status = 8;
/// An allocation whose size follows from the arguments (a model, an operator, a sample
/// count) was refused; the message names the buffer and its bytes. Nothing was changed.
pub const RNNWF_ERR_OUT_OF_MEMORY: rnnwf_status = 9;
/// A training step stopped at a cancellation request (rnnwf_vmc_cancel), on this process
/// or, under a reduction hook, on another; the model and the optimiser state are unchanged.
pub const RNNWF_ERR_CANCELLED: rnnwf_status = 10;
/// A bug inside the library was caught at the boundary; the message says where.
pub const RNNWF_ERR_PANIC: rnnwf_status = 99;

/// The status code of each Rust error kind, one to one.
pub(crate) fn status_of(kind: ErrorKind) -> rnnwf_status {
    match kind {
        ErrorKind::InvalidArgument => RNNWF_ERR_INVALID_ARGUMENT,
        ErrorKind::BufferSize => RNNWF_ERR_BUFFER_SIZE,
        ErrorKind::Io => RNNWF_ERR_IO,
        ErrorKind::Format => RNNWF_ERR_FORMAT,
        ErrorKind::Numerical => RNNWF_ERR_NUMERICAL,
        ErrorKind::Unsupported => RNNWF_ERR_UNSUPPORTED,
        ErrorKind::Callback => RNNWF_ERR_CALLBACK,
        ErrorKind::OutOfMemory => RNNWF_ERR_OUT_OF_MEMORY,
        ErrorKind::Cancelled => RNNWF_ERR_CANCELLED,
    }
}

/// Every code with its name, NUL-terminated so the names can be handed out as C strings.
const NAMES: [(rnnwf_status, &str); 12] = [
    (RNNWF_OK, "RNNWF_OK\0"),
    (RNNWF_ERR_NULL_POINTER, "RNNWF_ERR_NULL_POINTER\0"),
    (RNNWF_ERR_INVALID_ARGUMENT, "RNNWF_ERR_INVALID_ARGUMENT\0"),
    (RNNWF_ERR_BUFFER_SIZE, "RNNWF_ERR_BUFFER_SIZE\0"),
    (RNNWF_ERR_IO, "RNNWF_ERR_IO\0"),
    (RNNWF_ERR_FORMAT, "RNNWF_ERR_FORMAT\0"),
    (RNNWF_ERR_NUMERICAL, "RNNWF_ERR_NUMERICAL\0"),
    (RNNWF_ERR_UNSUPPORTED, "RNNWF_ERR_UNSUPPORTED\0"),
    (RNNWF_ERR_CALLBACK, "RNNWF_ERR_CALLBACK\0"),
    (RNNWF_ERR_OUT_OF_MEMORY, "RNNWF_ERR_OUT_OF_MEMORY\0"),
    (RNNWF_ERR_CANCELLED, "RNNWF_ERR_CANCELLED\0"),
    (RNNWF_ERR_PANIC, "RNNWF_ERR_PANIC\0"),
];
const UNKNOWN: &str = "RNNWF_UNKNOWN_STATUS\0";

/// The name of a status code as a static string, e.g. "RNNWF_ERR_BUFFER_SIZE";
/// "RNNWF_UNKNOWN_STATUS" for a value that is not a code. Never NULL; never free it.
#[no_mangle]
pub extern "C" fn rnnwf_status_name(s: rnnwf_status) -> *const c_char {
    let name = || {
        NAMES
            .iter()
            .find(|(code, _)| *code == s)
            .map_or(UNKNOWN, |(_, name)| name)
    };
    ffi_value(UNKNOWN, name).as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn error_kinds_map_one_to_one_onto_named_codes() {
        let kinds = [
            ErrorKind::InvalidArgument,
            ErrorKind::BufferSize,
            ErrorKind::Io,
            ErrorKind::Format,
            ErrorKind::Numerical,
            ErrorKind::Unsupported,
            ErrorKind::Callback,
            ErrorKind::OutOfMemory,
            ErrorKind::Cancelled,
        ];
        let mut codes: Vec<_> = kinds.iter().map(|&k| status_of(k)).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len(), "two kinds share a code");
        for code in codes
            .iter()
            .chain(&[RNNWF_OK, RNNWF_ERR_NULL_POINTER, RNNWF_ERR_PANIC])
        {
            // SAFETY: rnnwf_status_name returns a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(rnnwf_status_name(*code)) };
            assert_ne!(
                name.to_str().unwrap(),
                "RNNWF_UNKNOWN_STATUS",
                "code {code}"
            );
        }
    }
}
