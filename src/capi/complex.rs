//! The complex number of the C API.

use num_complex::Complex64;

/// A complex double, layout-compatible with C99 `double _Complex`, C++ `std::complex<double>`,
/// Fortran `complex(c_double_complex)` and Julia `ComplexF64`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(non_camel_case_types)]
pub struct rnnwf_complex {
    pub re: f64,
    pub im: f64,
}

// Same layout as num_complex::Complex64 (itself repr(C) { re, im }): the engine writes its
// values straight into the caller's array (`as_engine_mut`), with no copy of its own.
const _: () = {
    assert!(size_of::<rnnwf_complex>() == size_of::<Complex64>());
    assert!(align_of::<rnnwf_complex>() == align_of::<Complex64>());
    assert!(size_of::<rnnwf_complex>() == 2 * size_of::<f64>());
    assert!(std::mem::offset_of!(rnnwf_complex, re) == 0);
    assert!(std::mem::offset_of!(rnnwf_complex, im) == size_of::<f64>());
};

/// The caller's array seen as the engine's complex numbers, so that results are written in
/// place: an output-sized copy could be the one allocation that no memory can hold.
pub(crate) fn as_engine_mut(out: &mut [rnnwf_complex]) -> &mut [Complex64] {
    // SAFETY: rnnwf_complex and Complex64 are both repr(C) { re: f64, im: f64 } (size,
    // alignment and field offsets asserted above), every bit pattern is valid for both, and
    // the new slice takes over the unique borrow of `out` for its lifetime and length.
    unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<Complex64>(), out.len()) }
}

/// The caller's array read as the engine's complex numbers, without a copy.
pub(crate) fn as_engine(values: &[rnnwf_complex]) -> &[Complex64] {
    // SAFETY: the layouts agree (asserted above) and the new slice borrows `values` shared,
    // for its lifetime and length.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<Complex64>(), values.len()) }
}

impl From<Complex64> for rnnwf_complex {
    fn from(z: Complex64) -> Self {
        rnnwf_complex { re: z.re, im: z.im }
    }
}
