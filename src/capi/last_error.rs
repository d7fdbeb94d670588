//! The message of the calling thread's last failed call, for `rnnwf_last_error`.
//!
//! Every failed call replaces it; successful calls leave it alone (like `errno`), so it is
//! meaningful right after a call that returned an error status.

use super::boundary::ffi_value;
use std::cell::RefCell;
use std::ffi::c_char;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(message: String) {
    // A thread being torn down has no storage left; its last message does not matter then.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

/// Copies the message of this thread's last failed call into `buf`: at most `len - 1` bytes
/// (never splitting a UTF-8 character), then a NUL. Returns the full message length in
/// bytes, without the NUL, so a caller can size a buffer with `rnnwf_last_error(NULL, 0) + 1`.
/// The message is "" when no call on this thread has failed. Successful calls do not clear it.
/// `buf` may be NULL when `len` is 0; with NULL and `len > 0` nothing is written.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_last_error(buf: *mut c_char, len: usize) -> usize {
    ffi_value(0, || {
        LAST_ERROR
            .try_with(|slot| {
                let message = slot.borrow();
                if !buf.is_null() && len > 0 {
                    let mut n = message.len().min(len - 1);
                    while !message.is_char_boundary(n) {
                        n -= 1;
                    }
                    // SAFETY: the caller gives `buf` room for `len` bytes and n + 1 <= len;
                    // the message is our own string, which cannot overlap the caller's buffer.
                    unsafe {
                        std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
                        *buf.add(n) = 0;
                    }
                }
                message.len()
            })
            .unwrap_or(0)
    })
}
