//! Ownership of the opaque handles: `_new` boxes a Rust value and hands out the pointer,
//! `_free` takes it back. Everything in between only borrows (see `args::borrow`).

/// Moves `value` to the heap and gives up ownership to the caller.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Destroys a handle made by `into_handle`; NULL is a no-op.
///
/// # Safety
/// A non-NULL `handle` must come from `into_handle::<T>`, not be freed yet, and not be in use.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: made by Box::into_raw and owned by the caller, who hands it back.
        drop(unsafe { Box::from_raw(handle) });
    }
}
