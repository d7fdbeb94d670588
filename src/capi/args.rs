//! Turning the caller's pointers and counts into checked Rust values: NULL checks that name
//! the argument, arrays as pointer + element count, paths as NUL-terminated byte strings.

use super::boundary::Failure;
use crate::error::ErrorKind;
use std::ffi::{c_char, CStr};
use std::path::Path;

/// The element count `n * per_item`, refused with BUFFER_SIZE when it overflows.
pub(crate) fn array_len(n: usize, per_item: usize, arg: &str) -> Result<usize, Failure> {
    n.checked_mul(per_item).ok_or_else(|| {
        Failure::new(
            ErrorKind::BufferSize,
            format!("{arg}: {n} x {per_item} elements does not fit in memory"),
        )
    })
}

/// Refuses lengths whose byte size no allocation could have (`slice::from_raw_parts` needs
/// at most isize::MAX bytes).
fn check_byte_size<T>(len: usize, arg: &str) -> Result<(), Failure> {
    match len.checked_mul(size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => Err(Failure::new(
            ErrorKind::BufferSize,
            format!("{arg}: {len} elements is larger than any buffer can be"),
        )),
    }
}

/// The caller's array of `len` elements. NULL is accepted when `len` is 0.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` must point to `len` initialised elements that
/// nothing writes during the call.
pub(crate) unsafe fn slice<'a, T>(
    ptr: *const T,
    len: usize,
    arg: &str,
) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null_pointer(arg));
    }
    check_byte_size::<T>(len, arg)?;
    // SAFETY: non-NULL, size checked above, validity and aliasing promised by the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The caller's writable array of `len` elements. NULL is accepted when `len` is 0.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` must point to `len` elements that nothing else
/// reads or writes during the call.
pub(crate) unsafe fn slice_mut<'a, T>(
    ptr: *mut T,
    len: usize,
    arg: &str,
) -> Result<&'a mut [T], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Failure::null_pointer(arg));
    }
    check_byte_size::<T>(len, arg)?;
    // SAFETY: non-NULL, size checked above, validity and exclusivity promised by the caller.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// The caller's value behind a pointer that must not be NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to a valid `T` that nothing writes during the call.
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, arg: &str) -> Result<&'a T, Failure> {
    // SAFETY: validity promised by the caller; NULL becomes None.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null_pointer(arg))
}

/// The caller's value behind a pointer that must not be NULL, for exclusive use.
///
/// # Safety
/// A non-NULL `ptr` must point to a valid `T` that nothing else uses during the call.
pub(crate) unsafe fn borrow_mut<'a, T>(ptr: *mut T, arg: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: validity and exclusivity promised by the caller; NULL becomes None.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null_pointer(arg))
}

/// A place for one output value, written only once the call has succeeded. The caller's
/// memory there may be uninitialised, so it is written with `ptr::write`, never read.
pub(crate) struct OutSlot<T>(*mut T);

impl<T> OutSlot<T> {
    /// Refuses NULL.
    pub fn new(ptr: *mut T, arg: &str) -> Result<Self, Failure> {
        if ptr.is_null() {
            Err(Failure::null_pointer(arg))
        } else {
            Ok(OutSlot(ptr))
        }
    }

    /// # Safety
    /// The pointer given to `new` must be valid for writing a `T`.
    pub unsafe fn write(self, value: T) {
        // SAFETY: non-NULL (checked in `new`), writable as promised by the caller.
        unsafe { self.0.write(value) }
    }

    /// Writes `value` field by field (`copy_fields`) over zeroed memory, so that the padding
    /// bytes of a C struct are 0 and hosts may compare two written structs with memcmp.
    ///
    /// # Safety
    /// The pointer given to `new` must be valid for writing a `T`, and all-zero bytes must be
    /// a valid `T`.
    pub unsafe fn write_zero_padded(self, value: T, copy_fields: impl FnOnce(&mut T, T)) {
        // SAFETY: writable as promised by the caller; all-zero bytes are a valid T, so the
        // reference made after zeroing points to an initialised value.
        unsafe {
            self.0.write_bytes(0, 1);
            copy_fields(&mut *self.0, value);
        }
    }
}

/// A file path from a NUL-terminated string, taken as raw bytes (any encoding the OS takes).
///
/// # Safety
/// A non-NULL `ptr` must point to a NUL-terminated string that lives through the call.
pub(crate) unsafe fn c_path<'a>(ptr: *const c_char, arg: &str) -> Result<&'a Path, Failure> {
    if ptr.is_null() {
        return Err(Failure::null_pointer(arg));
    }
    // SAFETY: non-NULL and NUL-terminated, as promised by the caller.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.is_empty() {
        return Err(Failure::new(
            ErrorKind::InvalidArgument,
            format!("argument `{arg}` is an empty path"),
        ));
    }
    Ok(bytes_to_path(bytes))
}

/// The bytes of a NUL-terminated string, without the NUL.
///
/// # Safety
/// A non-NULL `ptr` must point to a NUL-terminated string that lives through the call.
pub(crate) unsafe fn c_bytes<'a>(ptr: *const c_char, arg: &str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return Err(Failure::null_pointer(arg));
    }
    // SAFETY: non-NULL and NUL-terminated, as promised by the caller.
    Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// A NUL-terminated UTF-8 string; invalid UTF-8 is refused naming the byte and its line.
///
/// # Safety
/// A non-NULL `ptr` must point to a NUL-terminated string that lives through the call.
pub(crate) unsafe fn c_text<'a>(ptr: *const c_char, arg: &str) -> Result<&'a str, Failure> {
    // SAFETY: passed on from the caller.
    let bytes = unsafe { c_bytes(ptr, arg)? };
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        Failure::new(
            ErrorKind::InvalidArgument,
            format!("argument `{arg}` is not valid UTF-8 at byte {at} (line {line})"),
        )
    })
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> &Path {
    // Elsewhere paths come as UTF-8; anything else cannot name a file there.
    Path::new(std::str::from_utf8(bytes).unwrap_or("\u{FFFD}"))
}
