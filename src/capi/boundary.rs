//! The panic boundary every export goes through: it runs the call, catches any panic, and
//! turns failures into a status code plus the thread's last error message.

use super::last_error::set_last_error;
use super::status::{rnnwf_status, status_of, RNNWF_ERR_NULL_POINTER, RNNWF_ERR_PANIC, RNNWF_OK};
use crate::error::{Error, ErrorKind};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why a C call failed: its status code and a message that names the problem.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: rnnwf_status,
    pub message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            status: status_of(e.kind),
            message: e.message,
        }
    }
}

impl Failure {
    pub fn null_pointer(arg: &str) -> Self {
        Failure {
            status: RNNWF_ERR_NULL_POINTER,
            message: format!("argument `{arg}` is NULL"),
        }
    }

    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::new(kind, message).into()
    }
}

/// Runs one fallible export: `RNNWF_OK` on success; on failure or panic the status, with
/// "`function`: message" kept for `rnnwf_last_error`.
///
/// `AssertUnwindSafe`: after a panic the call's handle may hold whatever state the panic left,
/// as with any bug; the status tells the host to stop trusting it.
pub(crate) fn ffi_call(function: &str, call: impl FnOnce() -> Result<(), Failure>) -> rnnwf_status {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => RNNWF_OK,
        Ok(Err(failure)) => {
            set_last_error(format!("{function}: {}", failure.message));
            failure.status
        }
        Err(payload) => {
            set_last_error(panic_message(function, payload.as_ref()));
            RNNWF_ERR_PANIC
        }
    }
}

/// Runs an export that cannot report failure (a getter or a destructor): its value, or
/// `fallback` after a panic, whose message is kept for `rnnwf_last_error`.
pub(crate) fn ffi_value<T>(fallback: T, call: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|payload| {
        set_last_error(panic_message("rnnwf", payload.as_ref()));
        fallback
    })
}

fn panic_message(function: &str, payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("{function}: internal error (panic), please report it: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::last_error::rnnwf_last_error;

    fn last_error() -> String {
        // SAFETY: NULL with length 0 is allowed; then a buffer of the reported size + 1.
        let len = unsafe { rnnwf_last_error(std::ptr::null_mut(), 0) };
        let mut buf = vec![0u8; len + 1];
        // SAFETY: `buf` has room for `buf.len()` bytes.
        unsafe { rnnwf_last_error(buf.as_mut_ptr().cast(), buf.len()) };
        String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn a_panic_becomes_a_status_with_its_message() {
        let status = ffi_call("rnnwf_test", || panic!("kaboom {}", 42));
        assert_eq!(status, RNNWF_ERR_PANIC);
        let message = last_error();
        assert!(
            message.starts_with("rnnwf_test: internal error (panic)"),
            "{message}"
        );
        assert!(message.ends_with("kaboom 42"), "{message}");
        assert_eq!(ffi_value(7, || -> i32 { panic!("static text") }), 7);
        assert!(last_error().ends_with("static text"));
    }

    #[test]
    fn failures_set_the_message_and_successes_leave_it() {
        let status = ffi_call("rnnwf_test", || {
            Err(Error::numerical("params[3] is NaN").into())
        });
        assert_eq!(status, crate::capi::status::RNNWF_ERR_NUMERICAL);
        assert_eq!(last_error(), "rnnwf_test: params[3] is NaN");
        assert_eq!(ffi_call("rnnwf_test", || Ok(())), RNNWF_OK);
        assert_eq!(last_error(), "rnnwf_test: params[3] is NaN");
        let status = ffi_call("rnnwf_other", || Err(Failure::null_pointer("out")));
        assert_eq!(status, RNNWF_ERR_NULL_POINTER);
        assert_eq!(last_error(), "rnnwf_other: argument `out` is NULL");
    }

    #[test]
    fn the_message_is_per_thread() {
        ffi_call("rnnwf_here", || Err(Error::io("here").into()));
        std::thread::spawn(|| assert_eq!(last_error(), ""))
            .join()
            .unwrap();
        assert_eq!(last_error(), "rnnwf_here: here");
    }
}
