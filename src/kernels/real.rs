//! The floating-point types a pass runs in (f64, or f32 with `Precision::F32`): one trait so
//! that the kernels, the pass, its tape and the backward sweep are written once.

use super::gemm::{gemm_view, View};
use std::cell::RefCell;
use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// f32 or f64: the arithmetic, conversions to and from f64 (where sums are kept), the
/// matrix product, and the exp of the activations' polynomials.
pub(crate) trait Real:
    Copy
    + Default
    + Debug
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    const ZERO: Self;
    const ONE: Self;
    const NEG_INFINITY: Self;
    /// The machine epsilon, as an f64: the relative rounding of one operation.
    const EPSILON: f64;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn abs(self) -> Self;
    fn copysign(self, sign: Self) -> Self;
    /// The standard library's e^x (the tape's probabilities, a few per row and position).
    fn std_exp(self) -> Self;
    /// e^SCALE x, SCALE in {1, -1, -2}, x already clamped to the range, with fused
    /// multiply-adds when `FUSED` (see `activations`).
    fn exp_scaled<const FUSED: bool, const SCALE: i32>(x: Self) -> Self;
    /// `self * b + c`, rounded once when `FUSED` (a single instruction only where the code
    /// is compiled with FMA), else a multiply and an add.
    fn mul_add_rounded<const FUSED: bool>(self, b: Self, c: Self) -> Self;
    /// The largest |x| for which `exp` is finite and normal; beyond it x is clamped.
    const EXP_CLAMP: Self;
    /// `c += a b` for strided views, into an f64 matrix whose element (i, j) is at
    /// `c[i * rsc + j * csc]`: directly in f64; in f32 the product is formed in f32 and then
    /// added to the f64 totals.
    #[allow(clippy::too_many_arguments)]
    fn add_product_to_f64(
        m: usize,
        k: usize,
        n: usize,
        a: View<Self>,
        b: View<Self>,
        c: &mut [f64],
        rsc: usize,
        csc: usize,
    );
    /// The one of two slices in this type.
    fn select<'a>(f64s: &'a [f64], f32s: &'a [f32]) -> &'a [Self];
    /// matrixmultiply's sgemm or dgemm with the same arguments.
    ///
    /// # Safety
    /// As matrixmultiply's `dgemm`: every element the strides reach lies in its buffer and `c`
    /// aliases neither `a` nor `b`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

impl Real for f64 {
    fn add_product_to_f64(
        m: usize,
        k: usize,
        n: usize,
        a: View<f64>,
        b: View<f64>,
        c: &mut [f64],
        rsc: usize,
        csc: usize,
    ) {
        gemm_view(m, k, n, a, b, 1.0, c, rsc, csc);
    }

    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    const NEG_INFINITY: f64 = f64::NEG_INFINITY;
    const EPSILON: f64 = f64::EPSILON;
    const EXP_CLAMP: f64 = 708.0;

    #[inline(always)]
    fn select<'a>(f64s: &'a [f64], _: &'a [f32]) -> &'a [f64] {
        f64s
    }
    #[inline(always)]
    fn from_f64(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    #[inline(always)]
    fn copysign(self, sign: f64) -> f64 {
        f64::copysign(self, sign)
    }
    #[inline(always)]
    fn std_exp(self) -> f64 {
        f64::exp(self)
    }
    #[inline(always)]
    fn mul_add_rounded<const FUSED: bool>(self, b: f64, c: f64) -> f64 {
        if FUSED {
            f64::mul_add(self, b, c)
        } else {
            self * b + c
        }
    }
    #[inline(always)]
    fn exp_scaled<const FUSED: bool, const SCALE: i32>(x: f64) -> f64 {
        super::activations::exp_table::<FUSED, SCALE>(x)
    }

    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const f64,
        rsa: isize,
        csa: isize,
        b: *const f64,
        rsb: isize,
        csb: isize,
        beta: f64,
        c: *mut f64,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: the caller's contract is dgemm's.
        unsafe { matrixmultiply::dgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
    }
}

impl Real for f32 {
    fn add_product_to_f64(
        m: usize,
        k: usize,
        n: usize,
        a: View<f32>,
        b: View<f32>,
        c: &mut [f64],
        rsc: usize,
        csc: usize,
    ) {
        thread_local! {
            /// The f32 product before it joins the f64 totals; grows to the largest block.
            static PRODUCT: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
        }
        PRODUCT.with_borrow_mut(|product| {
            if product.len() < m * n {
                product.resize(m * n, 0.0);
            }
            let product = &mut product[..m * n];
            gemm_view(m, k, n, a, b, 0.0, product, n, 1);
            for (i, row) in product.chunks_exact(n.max(1)).enumerate() {
                for (j, &x) in row.iter().enumerate() {
                    c[i * rsc + j * csc] += x as f64;
                }
            }
        });
    }

    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    const NEG_INFINITY: f32 = f32::NEG_INFINITY;
    const EPSILON: f64 = f32::EPSILON as f64;
    const EXP_CLAMP: f32 = 87.0;

    #[inline(always)]
    fn select<'a>(_: &'a [f64], f32s: &'a [f32]) -> &'a [f32] {
        debug_assert!(
            !f32s.is_empty(),
            "an f32 pass on a model without f32 parameters"
        );
        f32s
    }
    #[inline(always)]
    fn from_f64(x: f64) -> f32 {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn abs(self) -> f32 {
        f32::abs(self)
    }
    #[inline(always)]
    fn copysign(self, sign: f32) -> f32 {
        f32::copysign(self, sign)
    }
    #[inline(always)]
    fn std_exp(self) -> f32 {
        f32::exp(self)
    }
    #[inline(always)]
    fn mul_add_rounded<const FUSED: bool>(self, b: f32, c: f32) -> f32 {
        if FUSED {
            f32::mul_add(self, b, c)
        } else {
            self * b + c
        }
    }
    #[inline(always)]
    fn exp_scaled<const FUSED: bool, const SCALE: i32>(x: f32) -> f32 {
        super::activations::exp_f32::<FUSED, SCALE>(x)
    }

    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const f32,
        rsa: isize,
        csa: isize,
        b: *const f32,
        rsb: isize,
        csb: isize,
        beta: f32,
        c: *mut f32,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: the caller's contract is sgemm's, the same as dgemm's.
        unsafe { matrixmultiply::sgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc) }
    }
}
