//! Branch-free exp, sigmoid and tanh that the compiler vectorises inside the dispatched
//! kernels, in two arithmetics ([`Arithmetic`]): [`Fused`] for the FMA variants, [`Unfused`]
//! for the portable one on targets without FMA. In both, `exp` is within 3 units in the last
//! place of libm's over its whole range, `sigmoid` has a relative error below 1e-15 and
//! `tanh` an absolute error below 1e-15 (the tests' bounds). The two round differently, so
//! their results differ in the last bits. In f32 the same formulas run on [`exp_f32`],
//! accurate to about 1e-7 relative.

use super::real::Real;

/// The arithmetic a kernel body computes its activations with, in f64 or f32 ([`Real`]).
/// The FMA variants of the dispatched kernels take [`Fused`], the portable one [`Portable`].
pub(crate) trait Arithmetic {
    /// Whether multiply-adds round once (fused) in this arithmetic.
    const FUSED: bool;
    /// e^x for |x| <= `F::EXP_CLAMP` (clamped beyond, so the result stays finite and normal).
    fn exp<F: Real>(x: F) -> F;
    /// 1 / (1 + e^-x).
    fn sigmoid<F: Real>(x: F) -> F;
    /// tanh x.
    fn tanh<F: Real>(x: F) -> F;
}

/// The arithmetic of the FMA variants and of the portable one: `FUSED` says whether
/// multiply-adds round once (`mul_add`, single instructions where the code is compiled with
/// FMA, slow libm calls where it is not) or are a multiply and an add (which vectorise on
/// any x86-64, SSE2). Both evaluate the same formulas, with the signs and factors of the
/// exponents folded into the exponential ([`exp_table`] in f64, [`exp_f32`] in f32) so that
/// no instruction is wasted.
pub(crate) enum Arith<const FUSED: bool> {}

/// Fused multiply-adds: the FMA variants' arithmetic.
pub(crate) type Fused = Arith<true>;

/// Plain multiplies and adds only: the portable variant's arithmetic where the target has
/// no FMA. Where the portable variant is fused only the tests use it (hence the
/// `allow(dead_code)` there on it and its helpers).
#[cfg_attr(any(target_arch = "aarch64", target_feature = "fma"), allow(dead_code))]
pub(crate) type Unfused = Arith<false>;

impl<const FUSED: bool> Arithmetic for Arith<FUSED> {
    const FUSED: bool = FUSED;

    #[inline(always)]
    fn exp<F: Real>(x: F) -> F {
        F::exp_scaled::<FUSED, 1>(clamp(x, F::EXP_CLAMP))
    }

    #[inline(always)]
    fn sigmoid<F: Real>(x: F) -> F {
        F::ONE / (F::ONE + F::exp_scaled::<FUSED, -1>(clamp(x, F::EXP_CLAMP)))
    }

    /// sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|}); e^{-2|x|} <= 1 never overflows.
    #[inline(always)]
    fn tanh<F: Real>(x: F) -> F {
        let y = x.abs();
        let half = F::EXP_CLAMP * F::from_f64(0.5);
        let e = F::exp_scaled::<FUSED, -2>(if y > half { half } else { y });
        ((F::ONE - e) / (F::ONE + e)).copysign(x)
    }
}

/// The portable variant's arithmetic: fused where the compile target has FMA in its baseline
/// (aarch64, whose base instruction set has it without a `target_feature` name, or x86-64
/// built with a `-C target-cpu` that has it), so it rounds like the FMA variants there;
/// unfused elsewhere, where a fused multiply-add would be a libm call.
#[cfg(any(target_arch = "aarch64", target_feature = "fma"))]
pub(crate) type Portable = Fused;
/// See the fused twin.
#[cfg(not(any(target_arch = "aarch64", target_feature = "fma")))]
pub(crate) type Portable = Unfused;

const LOG2E: f64 = std::f64::consts::LOG2_E;
// ln 2 split so that n * LN2_HI is exact for |n| < 2^21 (fdlibm's constants; LN2_HI has 32
// significant bits).
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
// Adding 1.5 * 2^52 rounds to the nearest integer and leaves it in the low mantissa bits.
const ROUND_SHIFT: f64 = 6_755_399_441_055_744.0;

/// e^x for |x| <= `F::EXP_CLAMP` (clamped beyond, so the result stays finite and normal);
/// NaN stays NaN.
#[inline(always)]
pub(crate) fn exp<A: Arithmetic, F: Real>(x: F) -> F {
    A::exp(x)
}

/// 1 / (1 + e^-x).
#[inline(always)]
pub(crate) fn sigmoid<A: Arithmetic, F: Real>(x: F) -> F {
    A::sigmoid(x)
}

/// tanh x.
#[inline(always)]
pub(crate) fn tanh<A: Arithmetic, F: Real>(x: F) -> F {
    A::tanh(x)
}

/// x limited to [-limit, limit]; NaN stays NaN.
#[inline(always)]
fn clamp<F: Real>(x: F, limit: F) -> F {
    let x = if x > limit { limit } else { x };
    if x < -limit {
        -limit
    } else {
        x
    }
}

/// 2^(j/128) for j = 0..128, correctly rounded, as bits minus `j << 45` (see [`exp_table`]).
/// Generated with mpmath at 200 bits: `[struct.unpack('<Q', struct.pack('<d',
/// float(mpmath.power(2, mpmath.mpf(j) / 128))))[0] - (j << 45) for j in range(128)]`.
static EXP2_TABLE: [u64; 128] = [
    0x3FF0_0000_0000_0000,
    0x3FEF_F63D_A9FB_3335,
    0x3FEF_EC9A_3E77_8061,
    0x3FEF_E315_E86E_7F85,
    0x3FEF_D9B0_D315_8574,
    0x3FEF_D06B_29DD_F6DE,
    0x3FEF_C745_1875_9BC8,
    0x3FEF_BE3E_CAC6_F383,
    0x3FEF_B558_6CF9_890F,
    0x3FEF_AC92_2B72_47F7,
    0x3FEF_A3EC_32D3_D1A2,
    0x3FEF_9B66_AFFE_D31B,
    0x3FEF_9301_D012_5B51,
    0x3FEF_8ABD_C06C_31CC,
    0x3FEF_829A_AEA9_2DE0,
    0x3FEF_7A98_C8A5_8E51,
    0x3FEF_72B8_3C7D_517B,
    0x3FEF_6AF9_388C_8DEA,
    0x3FEF_635B_EB6F_CB75,
    0x3FEF_5BE0_8404_5CD4,
    0x3FEF_5487_3168_B9AA,
    0x3FEF_4D50_22FC_D91D,
    0x3FEF_463B_8862_8CD6,
    0x3FEF_3F49_917D_DC96,
    0x3FEF_387A_6E75_6238,
    0x3FEF_31CE_4FB2_A63F,
    0x3FEF_2B45_65E2_7CDD,
    0x3FEF_24DF_E1F5_6381,
    0x3FEF_1E9D_F51F_DEE1,
    0x3FEF_187F_D0DA_D990,
    0x3FEF_1285_A6E4_030B,
    0x3FEF_0CAF_A93E_2F56,
    0x3FEF_06FE_0A31_B715,
    0x3FEF_0170_FC4C_D831,
    0x3FEE_FC08_B264_16FF,
    0x3FEE_F6C5_5F92_9FF1,
    0x3FEE_F1A7_373A_A9CB,
    0x3FEE_ECAE_6D05_D866,
    0x3FEE_E7DB_34E5_9FF7,
    0x3FEE_E32D_C313_A8E5,
    0x3FEE_DEA6_4C12_3422,
    0x3FEE_DA45_04AC_801C,
    0x3FEE_D60A_21F7_2E2A,
    0x3FEE_D1F5_D950_A897,
    0x3FEE_CE08_6061_892D,
    0x3FEE_CA41_ED1D_0057,
    0x3FEE_C6A2_B5C1_3CD0,
    0x3FEE_C32A_F0D7_D3DE,
    0x3FEE_BFDA_D536_2A27,
    0x3FEE_BCB2_99FD_DD0D,
    0x3FEE_B9B2_769D_2CA7,
    0x3FEE_B6DA_A2CF_6642,
    0x3FEE_B42B_569D_4F82,
    0x3FEE_B1A4_CA5D_920F,
    0x3FEE_AF47_36B5_27DA,
    0x3FEE_AD12_D497_C7FD,
    0x3FEE_AB07_DD48_5429,
    0x3FEE_A926_8A59_46B7,
    0x3FEE_A76F_15AD_2148,
    0x3FEE_A5E1_B976_DC09,
    0x3FEE_A47E_B03A_5585,
    0x3FEE_A346_34CC_C320,
    0x3FEE_A238_8255_2225,
    0x3FEE_A155_D44C_A973,
    0x3FEE_A09E_667F_3BCD,
    0x3FEE_A012_750B_DABF,
    0x3FEE_9FB2_3C65_1A2F,
    0x3FEE_9F7D_F951_9484,
    0x3FEE_9F75_E8EC_5F74,
    0x3FEE_9F9A_48A5_8174,
    0x3FEE_9FEB_5642_67C9,
    0x3FEE_A069_4FDE_5D3F,
    0x3FEE_A114_73EB_0187,
    0x3FEE_A1ED_0130_C132,
    0x3FEE_A2F3_36CF_4E62,
    0x3FEE_A427_543E_1A12,
    0x3FEE_A589_994C_CE13,
    0x3FEE_A71A_4623_C7AD,
    0x3FEE_A8D9_9B44_92ED,
    0x3FEE_AAC7_D98A_6699,
    0x3FEE_ACE5_422A_A0DB,
    0x3FEE_AF32_16B5_448C,
    0x3FEE_B1AE_9915_7736,
    0x3FEE_B45B_0B91_FFC6,
    0x3FEE_B737_B0CD_C5E5,
    0x3FEE_BA44_CBC8_520F,
    0x3FEE_BD82_9FDE_4E50,
    0x3FEE_C0F1_70CA_07BA,
    0x3FEE_C491_82A3_F090,
    0x3FEE_C863_19E3_2323,
    0x3FEE_CC66_7B5D_E565,
    0x3FEE_D09B_EC4A_2D33,
    0x3FEE_D503_B23E_255D,
    0x3FEE_D99E_1330_B358,
    0x3FEE_DE6B_5579_FDBF,
    0x3FEE_E36B_BFD3_F37A,
    0x3FEE_E89F_995A_D3AD,
    0x3FEE_EE07_298D_B666,
    0x3FEE_F3A2_B84F_15FB,
    0x3FEE_F972_8DE5_593A,
    0x3FEE_FF76_F2FB_5E47,
    0x3FEF_05B0_30A1_064A,
    0x3FEF_0C1E_904B_C1D2,
    0x3FEF_12C2_5BD7_1E09,
    0x3FEF_199B_DD85_529C,
    0x3FEF_20AB_5FFF_D07A,
    0x3FEF_27F1_2E57_D14B,
    0x3FEF_2F6D_9406_E7B5,
    0x3FEF_3720_DCEF_9069,
    0x3FEF_3F0B_555D_C3FA,
    0x3FEF_472D_4A07_897C,
    0x3FEF_4F87_080D_89F2,
    0x3FEF_5818_DCFB_A487,
    0x3FEF_60E3_16C9_8398,
    0x3FEF_69E6_03DB_3285,
    0x3FEF_7321_F301_B460,
    0x3FEF_7C97_337B_9B5F,
    0x3FEF_8646_14F5_A129,
    0x3FEF_902E_E78B_3FF6,
    0x3FEF_9A51_FBC7_4C83,
    0x3FEF_A4AF_A2A4_90DA,
    0x3FEF_AF48_2D8E_67F1,
    0x3FEF_BA1B_EE61_5A27,
    0x3FEF_C52B_376B_BA97,
    0x3FEF_D076_5B6E_4540,
    0x3FEF_DBFD_AD9C_BE14,
    0x3FEF_E7C1_819E_90D8,
    0x3FEF_F3C2_2B8F_71F1,
];

/// e^(SCALE y) for SCALE in {1, -1, -2} and |SCALE y| <= 708 (callers clamp), with fused
/// multiply-adds when `FUSED`; NaN stays NaN. SCALE y = (128 m + j) ln2/128 + r with
/// |r| <= ln2/256, so e^(SCALE y) = 2^m 2^(j/128) e^r: 2^(j/128) from a table, e^r from a
/// degree-4 polynomial. The table reads stay inside the vectorised loop (gathers), and the
/// whole takes about half the instructions of a degree-12 series on |r| <= ln2/2 (which
/// made the GRU's gates 10% slower at hidden 32).
#[inline(always)]
pub(super) fn exp_table<const FUSED: bool, const SCALE: i32>(y: f64) -> f64 {
    let madd = |a: f64, b: f64, c: f64| if FUSED { a.mul_add(b, c) } else { a * b + c };
    const N: f64 = 128.0;
    let scale = SCALE as f64;
    let shifted = madd(y, scale * N * LOG2E, ROUND_SHIFT);
    let n = shifted - ROUND_SHIFT;
    // v = sign(SCALE) r: |SCALE| y and n LN2_HI / N are exact and within a factor 2 of each
    // other, so only the LN2_LO term rounds. Working with v spares negating y or r.
    let v = if SCALE > 0 {
        madd(-n, LN2_LO / N, madd(-n, LN2_HI / N, y))
    } else {
        madd(n, LN2_LO / N, madd(n, LN2_HI / N, -scale * y))
    };
    // Chebyshev fit of e^r to degree 4 on |r| <= ln2/256 (mpmath.chebyfit; relative error
    // below 8e-17), odd coefficients signed for v, in Estrin's scheme: a short dependency
    // chain lets consecutive elements overlap.
    let sign = scale.signum();
    const C: [f64; 5] = [
        1.0,
        0.99999999999986,
        0.4999999999999767,
        0.16666674303262993,
        0.04166667939432665,
    ];
    let v2 = v * v;
    let high = madd(v2, C[4], madd(v, sign * C[3], C[2]));
    let p = madd(v2, high, madd(v, sign * C[1], C[0]));
    // k = 128 m + j in the low bits of `shifted`: the table entry plus k << 45 puts m in the
    // exponent field and cancels the j << 45 stored in the entry.
    let k = shifted.to_bits().wrapping_sub(ROUND_SHIFT.to_bits());
    let factor = EXP2_TABLE[(k & 127) as usize].wrapping_add(k << 45);
    p * f64::from_bits(factor)
}

/// ln x in plain arithmetic (so every variant rounds the same), fdlibm's method: x = 2^k m
/// with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f), and ln m = f - f^2/2 +
/// s (f^2/2 + R(s^2)) with fdlibm's minimax R. Subnormal x is scaled first; ln 0 = -inf,
/// ln inf = inf, and negative or NaN x give NaN, as libm's. Branch-free, so it vectorises.
#[inline(always)]
pub(crate) fn ln(x: f64) -> f64 {
    const LG: [f64; 7] = [
        6.666_666_666_666_735e-1,
        3.999_999_999_940_942e-1,
        2.857_142_874_366_239e-1,
        2.222_219_843_214_978_4e-1,
        1.818_357_216_161_805e-1,
        1.531_383_769_920_937_3e-1,
        1.479_819_860_511_658_6e-1,
    ];
    const TWO54: f64 = 18_014_398_509_481_984.0;
    let subnormal = x < f64::MIN_POSITIVE;
    let y = if subnormal { x * TWO54 } else { x };
    let bits = y.to_bits();
    let high = (bits >> 32) as i64;
    let mantissa_high = high & 0x000f_ffff;
    // `wide` is 0x100000 when m >= sqrt(2) (then m is halved and k raised by one).
    let wide = (mantissa_high + 0x95f64) & 0x0010_0000;
    let k = (high >> 20) - 1023 + (wide >> 20) - if subnormal { 54 } else { 0 };
    let m_high = (mantissa_high | (wide ^ 0x3ff0_0000)) as u64;
    let m = f64::from_bits((m_high << 32) | (bits & 0xffff_ffff));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    let half_f2 = 0.5 * f * f;
    let dk = k as f64;
    let value = dk * LN2_HI - ((half_f2 - (s * (half_f2 + r) + dk * LN2_LO)) - f);
    if x == f64::INFINITY {
        x
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x > 0.0 {
        value
    } else {
        f64::NAN
    }
}

// ln 2 split for f32: LN2_HI_F32 has 9 significant bits, so n * LN2_HI_F32 is exact for the
// |n| <= 126 that [`exp_f32`] reaches (Cephes' constants).
const LN2_HI_F32: f32 = 0.693_359_4;
const LN2_LO_F32: f32 = -2.121_944_4e-4;
// Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
const ROUND_SHIFT_F32: f32 = 12_582_912.0;

/// e^(SCALE x) in f32 for SCALE in {1, -1, -2}, with fused multiply-adds when `FUSED`:
/// SCALE x (exact) clamped to [-87, 87], where the result stays finite and normal, then
/// x = n ln2 + r and e^r by its Taylor series to degree 7 on |r| <= ln2/2 (remainder below
/// 6e-9, far under f32's 6e-8 rounding). NaN stays NaN.
#[inline(always)]
pub(super) fn exp_f32<const FUSED: bool, const SCALE: i32>(x: f32) -> f32 {
    let madd = |a: f32, b: f32, c: f32| if FUSED { a.mul_add(b, c) } else { a * b + c };
    let x = x * SCALE as f32;
    let x = if x > 87.0 { 87.0 } else { x };
    let x = if x < -87.0 { -87.0 } else { x };
    let shifted = madd(x, std::f32::consts::LOG2_E, ROUND_SHIFT_F32);
    let n = shifted - ROUND_SHIFT_F32;
    let r = madd(-n, LN2_LO_F32, madd(-n, LN2_HI_F32, x));
    const C: [f32; 8] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let p01 = madd(C[1], r, C[0]);
    let p23 = madd(C[3], r, C[2]);
    let p45 = madd(C[5], r, C[4]);
    let p67 = madd(C[7], r, C[6]);
    let p03 = madd(p23, r2, p01);
    let p47 = madd(p67, r2, p45);
    let p = madd(p47, r4, p03);
    let n_int = (shifted.to_bits() as i32).wrapping_sub(ROUND_SHIFT_F32.to_bits() as i32);
    let scale = f32::from_bits((n_int.wrapping_add(127) as u32) << 23);
    p * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worst relative error of `exp::<A>` against std's over [-700, 700], plus the edge cases.
    fn check_exp<A: Arithmetic>(bound: f64) {
        let mut worst: f64 = 0.0;
        let mut x = -700.0;
        while x < 700.0 {
            let rel = (exp::<A, f64>(x) - x.exp()).abs() / x.exp();
            worst = worst.max(rel);
            x += 0.0137;
        }
        assert!(worst < bound, "worst relative error {worst}");
        assert_eq!(exp::<A, f64>(0.0), 1.0);
        assert!(exp::<A, f64>(f64::NAN).is_nan());
        assert!(exp::<A, f64>(-1e6) > 0.0 && exp::<A, f64>(1e6).is_finite());
    }

    /// `tanh::<A>` against std's (absolute error: 1 - e^{-2|x|} cancels near 0) and
    /// `sigmoid::<A>` against 1 / (1 + std's e^-x) (relative error).
    fn check_sigmoid_and_tanh<A: Arithmetic>(bound: f64) {
        let mut x = -40.0;
        while x < 40.0 {
            assert!((tanh::<A, f64>(x) - x.tanh()).abs() < bound, "tanh({x})");
            let s = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid::<A, f64>(x) - s).abs() < bound * s, "sigmoid({x})");
            x += 0.00731;
        }
        assert_eq!(tanh::<A, f64>(0.0), 0.0);
        assert_eq!(tanh::<A, f64>(1e3), 1.0);
        assert_eq!(tanh::<A, f64>(-1e3), -1.0);
        assert!(tanh::<A, f64>(f64::NAN).is_nan());
        assert_eq!(sigmoid::<A, f64>(1e3), 1.0);
        assert!(sigmoid::<A, f64>(-1e3) > 0.0 && sigmoid::<A, f64>(-1e3) < 1e-300);
        assert!(sigmoid::<A, f64>(f64::NAN).is_nan());
    }

    /// `exp::<A>` within `ulps` units in the last place of std's over the whole range the
    /// clamp leaves (|x| <= 708: a dense sweep, the ends, tiny and subnormal arguments),
    /// and clamped, not infinite or zero, beyond; infinities clamp too, NaN stays NaN.
    fn check_exp_ulps<A: Arithmetic>(ulps: u64) {
        let ulp_distance = |x: f64| exp::<A, f64>(x).to_bits().abs_diff(x.exp().to_bits());
        let mut worst = 0;
        let mut x = -708.0;
        while x <= 708.0 {
            worst = worst.max(ulp_distance(x));
            x += 0.000_731;
        }
        for x in [
            -708.0, 708.0, 1e-300, -1e-300, 5e-324, 1e-17, -1e-17, 0.5, -0.5,
        ] {
            worst = worst.max(ulp_distance(x));
        }
        assert!(worst <= ulps, "worst distance {worst} ulp");
        assert_eq!(exp::<A, f64>(1e4), exp::<A, f64>(708.0));
        assert_eq!(exp::<A, f64>(f64::INFINITY), exp::<A, f64>(708.0));
        assert_eq!(exp::<A, f64>(f64::NEG_INFINITY), exp::<A, f64>(-708.0));
        assert!(exp::<A, f64>(-708.0) > 0.0);
        assert!(exp::<A, f64>(-f64::NAN).is_nan());
    }

    #[test]
    fn exp_is_within_three_ulps_of_libm() {
        check_exp_ulps::<Fused>(3);
        check_exp_ulps::<Unfused>(3);
    }

    /// `ln` within one unit in the last place of libm's: a dense sweep of [0.5, 300] (the
    /// log-softmax's sums lie in [1, d]), every binade from the smallest subnormal to the
    /// largest finite, and the special values.
    #[test]
    fn ln_is_within_one_ulp_of_libm() {
        let ulp_distance = |x: f64| ln(x).to_bits().abs_diff(x.ln().to_bits());
        let mut worst = 0;
        let mut x = 0.5;
        while x < 300.0 {
            worst = worst.max(ulp_distance(x));
            x += 0.000_377;
        }
        let mut x = 5e-324;
        while x < f64::MAX / 1.1 {
            // Either side of sqrt(2), where the reduction halves m.
            let sqrt2 = std::f64::consts::SQRT_2;
            let around = [sqrt2 * (1.0 - 1e-9), sqrt2 * (1.0 + 1e-9)];
            for y in [x, x * 1.1, x * around[0], x * around[1], x * 1.9] {
                worst = worst.max(ulp_distance(y));
            }
            x *= 2.0;
        }
        for x in [
            1.0,
            2.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            1.0 + f64::EPSILON,
            1.0 - 1e-16,
        ] {
            worst = worst.max(ulp_distance(x));
        }
        assert!(worst <= 1, "worst distance {worst} ulp");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-0.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan() && ln(f64::NEG_INFINITY).is_nan());
    }

    #[test]
    fn exp_matches_libm() {
        check_exp::<Fused>(1e-15);
        check_exp::<Unfused>(1e-15);
        check_exp::<Portable>(1e-15);
    }

    /// Halfway between two multiples of ln2/128 the range reduction may round either way;
    /// both must give e^x.
    #[test]
    fn unfused_exp_is_accurate_where_the_reduction_switches_table_entries() {
        let step = std::f64::consts::LN_2 / 128.0;
        for k in (-130_000..130_000).step_by(7) {
            let x = (k as f64 + 0.5) * step;
            for x in [x, x * (1.0 + f64::EPSILON), x * (1.0 - f64::EPSILON)] {
                let rel = (exp::<Unfused, f64>(x) - x.exp()).abs() / x.exp();
                assert!(rel < 1e-15, "exp({x}): relative error {rel}");
            }
        }
    }

    #[test]
    fn table_holds_correctly_rounded_powers_of_two() {
        let power = |j: usize| f64::from_bits(EXP2_TABLE[j % 128] + ((j as u64 % 128) << 45));
        for j in 0..128 {
            let libm = (j as f64 / 128.0).exp2();
            assert!(
                power(j).to_bits().abs_diff(libm.to_bits()) <= 1,
                "2^({j}/128)"
            );
            // Independent of libm: 2^(j/128) 2^((128 - j)/128) = 2 to within two roundings.
            let expected = if j == 0 { 1.0 } else { 2.0 };
            let pair = power(j) * power(128 - j);
            assert!(
                (pair - expected).abs() <= 2.0 * f64::EPSILON * expected,
                "2^({j}/128)"
            );
        }
    }

    #[test]
    fn sigmoid_and_tanh_match_libm() {
        check_sigmoid_and_tanh::<Fused>(1e-15);
        check_sigmoid_and_tanh::<Unfused>(1e-15);
        check_sigmoid_and_tanh::<Portable>(1e-15);
    }

    /// The f32 activations against std's f64 ones: exp relative, tanh absolute, sigmoid
    /// relative, within a few f32 roundings (f32's epsilon is 1.2e-7).
    fn check_f32<A: Arithmetic>() {
        let mut worst_exp: f64 = 0.0;
        let mut x = -86.0f64;
        while x < 86.0 {
            let y = x as f32;
            let e = (y as f64).exp();
            worst_exp = worst_exp.max((exp::<A, f32>(y) as f64 - e).abs() / e);
            x += 0.00917;
        }
        assert!(worst_exp < 3e-7, "worst relative error of exp {worst_exp}");
        let mut x = -40.0f64;
        while x < 40.0 {
            let y = x as f32;
            let t = (y as f64).tanh();
            assert!((tanh::<A, f32>(y) as f64 - t).abs() < 3e-7, "tanh({y})");
            let s = 1.0 / (1.0 + (-(y as f64)).exp());
            assert!(
                (sigmoid::<A, f32>(y) as f64 - s).abs() < 3e-7 * s,
                "sigmoid({y})"
            );
            x += 0.00731;
        }
        assert_eq!(exp::<A, f32>(0.0), 1.0);
        assert!(exp::<A, f32>(f32::NAN).is_nan());
        assert!(exp::<A, f32>(-1e6) > 0.0 && exp::<A, f32>(1e6).is_finite());
        assert_eq!(tanh::<A, f32>(0.0), 0.0);
        assert_eq!(tanh::<A, f32>(1e3), 1.0);
        assert_eq!(tanh::<A, f32>(-1e3), -1.0);
        assert_eq!(sigmoid::<A, f32>(1e3), 1.0);
        assert!(sigmoid::<A, f32>(-1e3) > 0.0);
        assert!(sigmoid::<A, f32>(f32::NAN).is_nan());
    }

    #[test]
    fn f32_activations_match_libm_to_f32_accuracy() {
        check_f32::<Fused>();
        check_f32::<Unfused>();
    }
}
