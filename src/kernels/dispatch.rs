//! Run-time choice of the instruction set for the elementwise kernels, made once.

use std::sync::OnceLock;

use super::activations::{Arithmetic, Portable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdLevel {
    Generic,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

pub(crate) fn simd_level() -> SimdLevel {
    static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
    *LEVEL.get_or_init(detect)
}

fn detect() -> SimdLevel {
    #[cfg(target_arch = "x86_64")]
    {
        if std::env::var_os("RNNWF_GENERIC_KERNELS").is_some() {
            return SimdLevel::Generic;
        }
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
        {
            return SimdLevel::Avx512;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return SimdLevel::Avx2;
        }
    }
    SimdLevel::Generic
}

/// The instruction set the elementwise kernels run with, for benchmark reports: "avx512",
/// "avx2" (both with fused multiply-adds), or for the portable variant "generic (fused)" on
/// targets whose baseline has FMA and "generic (unfused)" elsewhere.
pub fn simd_level_name() -> &'static str {
    match simd_level() {
        SimdLevel::Generic if <Portable as Arithmetic>::FUSED => "generic (fused)",
        SimdLevel::Generic => "generic (unfused)",
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => "avx2",
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => "avx512",
    }
}

/// Defines `pub(crate) fn $name<F: Real>(args)` that runs the `#[inline(always)]` body
/// `$body` compiled for the best instruction set this CPU has, in f64 or f32 (`F`, which
/// the argument types name).
///
/// `=> body::<Arithmetic>` names a body generic over [`Arithmetic`] and `F` (one that calls
/// `exp`, `sigmoid` or `tanh`): the FMA variants run `body::<Fused, F>`, the portable one
/// `body::<Portable, F>` (plain multiplies and adds unless the compile target has FMA).
/// `=> body` names a body generic over `F` in plain arithmetic that rounds the same in every
/// variant.
///
/// [`Arithmetic`]: super::activations::Arithmetic
macro_rules! dispatched {
    ($(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) => $body:ident::<Arithmetic>) => {
        $crate::kernels::dispatch::dispatched! {
            @variants $(#[$meta])* fn $name($($arg: $ty),*)
            fused: $body::<$crate::kernels::activations::Fused, F>,
            portable: $body::<$crate::kernels::activations::Portable, F>
        }
    };
    ($(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) => $body:ident) => {
        $crate::kernels::dispatch::dispatched! {
            @variants $(#[$meta])* fn $name($($arg: $ty),*) fused: $body::<F>, portable: $body::<F>
        }
    };
    (@variants $(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),*)
        fused: $fused:expr, portable: $portable:expr) => {
        $(#[$meta])*
        pub(crate) fn $name<F: $crate::kernels::real::Real>($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
                unsafe fn avx512<F: $crate::kernels::real::Real>($($arg: $ty),*) {
                    $fused($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<F: $crate::kernels::real::Real>($($arg: $ty),*) {
                    $fused($($arg),*)
                }
                match $crate::kernels::dispatch::simd_level() {
                    // SAFETY: simd_level() returns Avx512 only when the CPU reports
                    // avx512f, avx512dq, avx2 and fma.
                    $crate::kernels::dispatch::SimdLevel::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: simd_level() returns Avx2 only when the CPU reports avx2 and fma.
                    $crate::kernels::dispatch::SimdLevel::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::kernels::dispatch::SimdLevel::Generic => {}
                }
            }
            $portable($($arg),*)
        }
    };
}
pub(crate) use dispatched;
