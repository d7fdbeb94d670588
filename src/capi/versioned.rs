//! Structs that can grow (docs/c-abi.md, "Config structs"): each starts with
//! `uint32_t struct_size`, the size of the struct the host was compiled with. A call accepts
//! any size from the struct's ABI 0.3 size up to the library's own: it reads the host's bytes
//! over the defaults (fields past the host's size keep their defaults) and writes only the
//! host's bytes. Every config and stats struct goes through this one module.

use super::args::borrow;
use super::boundary::Failure;
use crate::error::ErrorKind;
use std::mem::MaybeUninit;

/// A C struct that may grow at its end.
///
/// # Safety
/// Implementors are `#[repr(C)]`, start with a `u32` field `struct_size`, and are made of
/// integers and floats only, so that any bytes (all-zero included) are a valid value.
pub(crate) unsafe trait Versioned: Copy {
    /// The C type's name, for messages.
    const NAME: &'static str;
    /// The struct's size in ABI 0.3, the smallest `struct_size` accepted. A field appended
    /// later starts at or after this offset (never inside its tail padding), so a host's
    /// smaller struct never has its padding read as a field.
    const MIN_SIZE: usize;
    /// The values of the fields a host's smaller struct does not have (all zero unless
    /// given).
    fn defaults() -> Self {
        // SAFETY: all-zero bytes are a valid Self (the trait's contract).
        unsafe { MaybeUninit::zeroed().assume_init() }
    }
    /// Sets every field of `dst` from `src`, leaving the padding as it is.
    fn copy_fields(dst: &mut Self, src: Self);
}

/// The library's own size of `T`.
fn own_size<T: Versioned>() -> usize {
    size_of::<T>()
}

/// Checks a host's `struct_size` (read from `arg`), naming both sizes when it is refused.
fn checked_size<T: Versioned>(struct_size: u32, arg: &str) -> Result<usize, Failure> {
    let size = struct_size as usize;
    if (T::MIN_SIZE..=own_size::<T>()).contains(&size) {
        return Ok(size);
    }
    Err(Failure::new(
        ErrorKind::InvalidArgument,
        format!(
            "{arg}->struct_size = {struct_size}, but this library takes a {name} of {min} to \
             {own} bytes (its ABI 0.3 size to its own): set struct_size = sizeof({name}){hint}",
            name = T::NAME,
            min = T::MIN_SIZE,
            own = own_size::<T>(),
            hint = if size < T::MIN_SIZE {
                ""
            } else {
                ", and use a header no newer than the library"
            },
        ),
    ))
}

/// The host's struct behind `ptr`: its first `struct_size` bytes over [`Versioned::defaults`].
///
/// # Safety
/// A non-NULL `ptr` must be readable for the `struct_size` bytes its first field states (at
/// least that field), with nothing writing them during the call.
pub(crate) unsafe fn read_versioned<T: Versioned>(ptr: *const T, arg: &str) -> Result<T, Failure> {
    // SAFETY: the first field, readable as promised (NULL refused by `borrow`).
    let struct_size = *unsafe { borrow(ptr.cast::<u32>(), arg)? };
    let size = checked_size::<T>(struct_size, arg)?;
    let mut value = MaybeUninit::new(T::defaults());
    // SAFETY: `size` bytes are readable at `ptr` (promised) and fit in `value` (checked);
    // any bytes make a valid T (the trait's contract).
    unsafe {
        std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), value.as_mut_ptr().cast::<u8>(), size);
        Ok(value.assume_init())
    }
}

/// A host's output struct, checked before the call does its work, written at its end.
pub(crate) struct VersionedOut<T> {
    ptr: *mut T,
    size: usize,
}

impl<T: Versioned> VersionedOut<T> {
    /// Refuses NULL and a `struct_size` out of range, before anything is computed.
    ///
    /// # Safety
    /// A non-NULL `ptr` must be readable for its first field.
    pub unsafe fn new(ptr: *mut T, arg: &str) -> Result<Self, Failure> {
        // SAFETY: the first field, readable as promised (NULL refused by `borrow`).
        let struct_size = *unsafe { borrow(ptr.cast_const().cast::<u32>(), arg)? };
        let size = checked_size::<T>(struct_size, arg)?;
        Ok(VersionedOut { ptr, size })
    }

    /// Writes the first `struct_size` bytes of `value` (struct_size kept as the host's, the
    /// padding zero, so hosts may compare written structs with memcmp).
    ///
    /// # Safety
    /// The pointer given to `new` must be writable for the `struct_size` bytes it states.
    pub unsafe fn write(self, value: T) {
        let mut out = MaybeUninit::<T>::zeroed();
        // SAFETY: all-zero bytes are a valid T (the trait's contract); `size` bytes fit in
        // `out` (checked in `new`) and are writable at `ptr` (promised); the u32 at offset 0
        // is struct_size (repr(C), first field).
        unsafe {
            T::copy_fields(out.assume_init_mut(), value);
            out.as_mut_ptr().cast::<u32>().write(self.size as u32);
            std::ptr::copy_nonoverlapping(
                out.as_ptr().cast::<u8>(),
                self.ptr.cast::<u8>(),
                self.size,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct whose ABI 0.3 version ended after `a`, and which has grown by `b` since.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Grown {
        struct_size: u32,
        a: u32,
        b: f64,
    }

    // SAFETY: repr(C), u32 struct_size first, integers and floats only.
    unsafe impl Versioned for Grown {
        const NAME: &'static str = "grown";
        const MIN_SIZE: usize = 8;
        fn defaults() -> Self {
            Grown {
                struct_size: 16,
                a: 1,
                b: 2.5,
            }
        }
        fn copy_fields(dst: &mut Self, src: Self) {
            let Grown { struct_size, a, b } = src;
            *dst = Grown { struct_size, a, b };
        }
    }

    /// An old host's struct: the 0.3 fields, then memory that is not the struct's.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct OldHost {
        struct_size: u32,
        a: u32,
        beyond: [u8; 8],
    }

    fn message(f: Failure) -> String {
        assert_eq!(f.status, super::super::status::RNNWF_ERR_INVALID_ARGUMENT);
        f.message
    }

    #[test]
    fn a_smaller_struct_is_read_with_defaults_past_its_end() {
        let old = OldHost {
            struct_size: 8,
            a: 7,
            beyond: [0xAB; 8],
        };
        // SAFETY: `old` is readable for its 8 + 8 bytes.
        let got = unsafe { read_versioned(std::ptr::from_ref(&old).cast::<Grown>(), "cfg") };
        let got = got.unwrap();
        assert_eq!(
            (got.a, got.b),
            (7, 2.5),
            "b is the default, not the bytes beyond"
        );
        let full = Grown {
            struct_size: 16,
            a: 3,
            b: -1.0,
        };
        // SAFETY: a whole Grown.
        let got = unsafe { read_versioned(&full, "cfg") }.unwrap();
        assert_eq!(got, full);
    }

    #[test]
    fn sizes_outside_the_range_are_refused_naming_both() {
        for (size, needle) in [
            (0, "= 0"),
            (4, "= 4"),
            (7, "= 7"),
            (17, "= 17"),
            (24, "= 24"),
        ] {
            let s = Grown {
                struct_size: size,
                a: 0,
                b: 0.0,
            };
            // SAFETY: a whole Grown.
            let e = message(unsafe { read_versioned(&s, "cfg") }.unwrap_err());
            assert!(e.contains(needle) && e.contains("8 to 16 bytes"), "{e}");
            assert!(e.contains("cfg->struct_size"), "{e}");
            let mut s = s;
            // SAFETY: a whole Grown.
            let e = message(unsafe { VersionedOut::new(&mut s, "out") }.err().unwrap());
            assert!(
                e.contains("out->struct_size") && e.contains("8 to 16 bytes"),
                "{e}"
            );
        }
        // SAFETY: NULL is refused before anything is read.
        let e = unsafe { read_versioned::<Grown>(std::ptr::null(), "cfg") }.unwrap_err();
        assert_eq!(e.status, super::super::status::RNNWF_ERR_NULL_POINTER);
    }

    #[test]
    fn a_smaller_struct_is_written_only_up_to_its_size() {
        let value = Grown {
            struct_size: 16,
            a: 9,
            b: 4.0,
        };
        let mut old = OldHost {
            struct_size: 8,
            a: 0,
            beyond: [0xAB; 8],
        };
        let ptr = std::ptr::from_mut(&mut old).cast::<Grown>();
        // SAFETY: `old` is writable for its 16 bytes, of which the call may write 8.
        unsafe { VersionedOut::new(ptr, "out").unwrap().write(value) };
        assert_eq!((old.struct_size, old.a, old.beyond), (8, 9, [0xAB; 8]));
        let mut full = Grown {
            struct_size: 16,
            a: 0,
            b: 0.0,
        };
        // SAFETY: a whole Grown.
        unsafe { VersionedOut::new(&mut full, "out").unwrap().write(value) };
        assert_eq!(full, value);
    }
}
