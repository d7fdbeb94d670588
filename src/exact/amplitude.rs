//! The element type of the exact tools' state vectors: f64 when the operator is real,
//! Complex64 otherwise. Lanczos runs over the real inner product Re <x, y>, which for a
//! complex vector is that of its real and imaginary parts side by side: a Hermitian H acts
//! on them as a real symmetric matrix with the same eigenvalues (each twice).

use num_complex::Complex64;
use std::ops::{Add, AddAssign, Mul, Sub};

pub(crate) trait Amplitude:
    Copy
    + Send
    + Sync
    + Default
    + Add<Output = Self>
    + AddAssign
    + Sub<Output = Self>
    + Mul<f64, Output = Self>
    + Mul<Self, Output = Self>
    + PartialEq
{
    /// sum over `terms` of factor (-1)^{popcount(k & sign_mask)}: a matrix element. For
    /// f64 the factors are real whenever it is used.
    fn element(terms: &[(Complex64, usize)], k: usize) -> Self;
    /// Re(conj(self) * other).
    fn re_dot(self, other: Self) -> f64;
    /// A start-vector element from two pseudo-random numbers.
    fn from_seed_values(re: f64, im: f64) -> Self;
    /// A matrix element; for f64 its real part (used only when every element is real).
    fn from_complex(c: Complex64) -> Self;
}

impl Amplitude for f64 {
    fn element(terms: &[(Complex64, usize)], k: usize) -> f64 {
        terms.iter().map(|&(f, m)| signed(f.re, k & m)).sum()
    }
    fn re_dot(self, other: f64) -> f64 {
        self * other
    }
    fn from_seed_values(re: f64, _im: f64) -> f64 {
        re
    }
    fn from_complex(c: Complex64) -> f64 {
        c.re
    }
}

impl Amplitude for Complex64 {
    fn element(terms: &[(Complex64, usize)], k: usize) -> Complex64 {
        terms.iter().map(|&(f, m)| signed(f, k & m)).sum()
    }
    fn re_dot(self, other: Complex64) -> f64 {
        self.re * other.re + self.im * other.im
    }
    fn from_seed_values(re: f64, im: f64) -> Complex64 {
        Complex64::new(re, im)
    }
    fn from_complex(c: Complex64) -> Complex64 {
        c
    }
}

/// `x` times (-1)^{popcount(bits)}.
#[inline]
pub(crate) fn signed<X: std::ops::Neg<Output = X>>(x: X, bits: usize) -> X {
    if bits.count_ones() % 2 == 1 {
        -x
    } else {
        x
    }
}
