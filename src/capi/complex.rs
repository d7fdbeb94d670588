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

// Same layout as num_complex::Complex64 (itself repr(C) { re, im }): the engine's values can
// be handed over field by field with no surprises.
const _: () = {
    assert!(size_of::<rnnwf_complex>() == size_of::<Complex64>());
    assert!(align_of::<rnnwf_complex>() == align_of::<Complex64>());
    assert!(size_of::<rnnwf_complex>() == 2 * size_of::<f64>());
    assert!(std::mem::offset_of!(rnnwf_complex, re) == 0);
    assert!(std::mem::offset_of!(rnnwf_complex, im) == size_of::<f64>());
};

impl From<Complex64> for rnnwf_complex {
    fn from(z: Complex64) -> Self {
        rnnwf_complex { re: z.re, im: z.im }
    }
}
