//! Buffers whose size comes from input: the workspaces of a pass, allocated fresh, and the
//! driver's buffers, kept between training steps and resized only when a size changes. All
//! grow by fallible allocation, so that a size no memory can hold is a status, not an abort.

use crate::error::{Error, Result};

/// The error of a refused allocation of `len` values of `T`, naming `what` and the bytes.
fn refused<T>(len: usize, what: &str) -> Error {
    Error::out_of_memory(format!(
        "{what}: {len} values ({} bytes) cannot be allocated",
        len.saturating_mul(size_of::<T>())
    ))
}

/// Room for `additional` more values in `buf`, allocated fallibly: a size no memory can hold
/// is [`ErrorKind::OutOfMemory`](crate::error::ErrorKind::OutOfMemory) naming `what` and the
/// bytes asked for, not an abort.
pub(crate) fn try_reserve<T>(buf: &mut Vec<T>, additional: usize, what: &str) -> Result<()> {
    buf.try_reserve_exact(additional)
        .map_err(|_| refused::<T>(additional, what))
}

/// Makes `buf` hold `len` values, reusing its memory when it already has the room. The
/// values are unspecified (the previous step's, or `T::default()` where the buffer grew):
/// callers overwrite or clear what they read. `what` names the buffer in the error.
pub(crate) fn reuse<T: Clone + Default>(buf: &mut Vec<T>, len: usize, what: &str) -> Result<()> {
    if buf.len() == len {
        return Ok(());
    }
    if len > buf.capacity() {
        room_for(buf, len, what)?;
    }
    buf.resize(len, T::default());
    Ok(())
}

/// Empties `buf` and gives it room for `len` values, so that filling it up to `len` never
/// allocates; the memory is kept when it already has the room. `what` names the buffer in
/// the error.
pub(crate) fn room_for<T>(buf: &mut Vec<T>, len: usize, what: &str) -> Result<()> {
    buf.clear();
    if len > buf.capacity() {
        // Release the old memory first: its contents are not needed and it could be what
        // stands between the new size and the memory limit.
        *buf = Vec::new();
        try_reserve(buf, len, what)?;
    }
    Ok(())
}

/// A new vector of `len` default values, allocated fallibly: a size no memory can hold is
/// `OutOfMemory` naming `what` and the bytes asked for, not an abort.
pub(crate) fn try_zeroed_vec<T: Clone + Default>(len: usize, what: &str) -> Result<Vec<T>> {
    let mut v = Vec::new();
    reuse(&mut v, len, what)?;
    Ok(v)
}

/// A new vector of default values whose length is the product of `dims` (refused when the
/// product overflows), allocated like [`try_zeroed_vec`].
pub(crate) fn try_zeroed<T: Clone + Default>(dims: &[usize], what: &str) -> Result<Vec<T>> {
    let len = dims
        .iter()
        .try_fold(1usize, |acc, &d| product(acc, d, what))?;
    try_zeroed_vec(len, what)
}

/// `layers` vectors like [`try_zeroed`], one per layer.
pub(crate) fn try_zeroed_layers<T: Clone + Default>(
    layers: usize,
    dims: &[usize],
    what: &str,
) -> Result<Vec<Vec<T>>> {
    (0..layers).map(|_| try_zeroed(dims, what)).collect()
}

/// Checks that about `bytes` more could be allocated now, by allocating them fallibly and
/// freeing them at once: for a dependency that allocates without a way to refuse (nalgebra,
/// the standard B-tree map), so that a size no memory can hold is `OutOfMemory` naming
/// `what`, not an abort. A bound, not a guarantee: other threads may take the room between.
pub(crate) fn check_room(bytes: usize, what: &str) -> Result<()> {
    let mut probe: Vec<u8> = Vec::new();
    try_reserve(&mut probe, bytes, what)
}

/// `a * b` for buffer sizes, refused (naming the buffer) when it overflows: such a buffer
/// is an allocation no memory can hold.
pub(crate) fn product(a: usize, b: usize, what: &str) -> Result<usize> {
    a.checked_mul(b).ok_or_else(|| {
        Error::out_of_memory(format!(
            "{what}: {a} x {b} values (more than {} bytes) cannot be allocated",
            usize::MAX
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_keeps_the_memory() {
        let mut v = vec![1.0f64; 8];
        let ptr = v.as_ptr();
        reuse(&mut v, 8, "v").unwrap();
        assert_eq!(v.as_ptr(), ptr);
        reuse(&mut v, 4, "v").unwrap();
        assert_eq!((v.len(), v.as_ptr()), (4, ptr));
        reuse(&mut v, 8, "v").unwrap();
        assert_eq!((v.len(), v.as_ptr()), (8, ptr));
    }

    #[test]
    fn an_impossible_size_is_an_error_naming_it() {
        let mut v: Vec<f64> = Vec::new();
        let e = reuse(&mut v, usize::MAX / 4, "the O matrix").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::OutOfMemory);
        assert!(e.message.contains("the O matrix"), "{}", e.message);
        assert!(
            e.message.contains(&(usize::MAX / 4).to_string()),
            "{}",
            e.message
        );
        assert!(product(usize::MAX, 2, "x").is_err());
    }

    #[test]
    fn new_buffers_are_zeroed_or_refused_naming_the_bytes() {
        assert_eq!(try_zeroed::<f64>(&[2, 3], "w").unwrap(), vec![0.0; 6]);
        let e = try_zeroed::<f64>(&[1 << 40, 1 << 22], "the pass").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::OutOfMemory);
        assert!(e.message.contains("the pass"), "{}", e.message);
        let e = try_zeroed_vec::<f64>(1 << 60, "the tape").unwrap_err();
        let bytes = (1usize << 63).to_string();
        assert!(e.message.contains(&bytes), "{}", e.message);
        assert!(try_zeroed_layers::<f64>(3, &[usize::MAX, 2], "h").is_err());
        let e = check_room(usize::MAX / 2, "the B-tree").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::OutOfMemory);
        assert!(e.message.contains("the B-tree"), "{}", e.message);
        check_room(1 << 20, "a MiB").unwrap();
    }
}
