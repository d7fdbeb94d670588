//! The lowest eigenvalue of a Hermitian operator by the Lanczos recursion without
//! reorthogonalisation: lost orthogonality only adds spurious copies of converged Ritz
//! values, and the lowest one is all we need.

use super::amplitude::Amplitude;
use crate::buffer::try_zeroed_vec;
use crate::error::{Error, Result};

/// Stop when the lowest Ritz pair's residual |H y - theta y| falls below this times
/// max(|theta|, 1): theta is then within that distance of an eigenvalue.
const RESIDUAL_TOLERANCE: f64 = 1e-10;
const MAX_ITERATIONS: usize = 3000;

/// The lowest eigenvalue of the operator `apply` (out = H v) on vectors of length `dim`,
/// from a fixed pseudo-random start vector.
pub(super) fn lowest_eigenvalue<T: Amplitude>(
    dim: usize,
    apply: impl Fn(&[T], &mut [T]),
) -> Result<f64> {
    let what = "a Lanczos vector over every state";
    let mut v: Vec<T> = try_zeroed_vec(dim, what)?;
    for (k, x) in (0..dim as u64).zip(v.iter_mut()) {
        *x = T::from_seed_values(centered(k, 1), centered(k, 2));
    }
    let start_norm = norm(&v);
    v.iter_mut().for_each(|x| *x = *x * (1.0 / start_norm));
    let mut previous = try_zeroed_vec(dim, what)?;
    let mut w = try_zeroed_vec(dim, what)?;
    let mut alphas = Vec::new();
    let mut betas: Vec<f64> = Vec::new();
    let mut theta = 0.0;
    for _ in 0..MAX_ITERATIONS.min(2 * dim) {
        apply(&v, &mut w);
        let alpha: f64 = v.iter().zip(&w).map(|(a, b)| a.re_dot(*b)).sum();
        let beta_previous = betas.last().copied().unwrap_or(0.0);
        for ((wk, vk), pk) in w.iter_mut().zip(&v).zip(&previous) {
            *wk = *wk - *vk * alpha - *pk * beta_previous;
        }
        let beta = norm(&w);
        alphas.push(alpha);
        let ritz = lowest_ritz_pair(&alphas, &betas);
        theta = ritz.0;
        let residual = beta * ritz.1.abs();
        let exhausted = beta <= 1e-13 * (alpha.abs() + beta_previous) || beta == 0.0;
        if exhausted || residual <= RESIDUAL_TOLERANCE * theta.abs().max(1.0) {
            return Ok(theta);
        }
        betas.push(beta);
        w.iter_mut().for_each(|x| *x = *x * (1.0 / beta));
        std::mem::swap(&mut previous, &mut v);
        std::mem::swap(&mut v, &mut w);
    }
    Err(Error::numerical(format!(
        "Lanczos did not converge in {} iterations (lowest Ritz value {theta})",
        alphas.len()
    )))
}

fn norm<T: Amplitude>(v: &[T]) -> f64 {
    v.iter().map(|x| x.re_dot(*x)).sum::<f64>().sqrt()
}

/// A deterministic pseudo-random number in [-0.5, 0.5) for index `k` of stream `stream`.
fn centered(k: u64, stream: u64) -> f64 {
    let mut z = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// The lowest eigenvalue of the symmetric tridiagonal matrix with diagonal `a` and
/// off-diagonal `b`, and the last component of its unit eigenvector.
fn lowest_ritz_pair(a: &[f64], b: &[f64]) -> (f64, f64) {
    let off = |i: usize| if i < b.len() { b[i].abs() } else { 0.0 };
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (i, &ai) in a.iter().enumerate() {
        let radius = off(i) + if i > 0 { off(i - 1) } else { 0.0 };
        lo = lo.min(ai - radius);
        hi = hi.max(ai + radius);
    }
    // Bisection on the Sturm count: lo stays below the lowest eigenvalue, hi above it.
    let scale = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
    while hi - lo > 4.0 * f64::EPSILON * scale {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if eigenvalues_below(a, b, mid) >= 1 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let theta = 0.5 * (lo + hi);
    let tiny = f64::EPSILON * scale;
    (theta, last_component(a, b, lo - 4.0 * tiny, tiny))
}

/// How many eigenvalues lie below `x` (signs of the LDL^T pivots of T - x).
fn eigenvalues_below(a: &[f64], b: &[f64], x: f64) -> usize {
    let mut count = 0;
    let mut q = 1.0;
    for i in 0..a.len() {
        let coupling = if i > 0 { b[i - 1] * b[i - 1] / q } else { 0.0 };
        q = a[i] - x - coupling;
        if q == 0.0 {
            q = -f64::MIN_POSITIVE;
        }
        if q < 0.0 {
            count += 1;
        }
    }
    count
}

/// Last component of the lowest eigenvector by inverse iteration with a shift just below
/// the lowest eigenvalue, where T - shift is positive definite and elimination is stable.
/// Pivots below `tiny` in magnitude are raised to it, which only bounds the growth.
fn last_component(a: &[f64], b: &[f64], shift: f64, tiny: f64) -> f64 {
    let m = a.len();
    let mut y = vec![1.0; m];
    let mut pivots = vec![0.0; m];
    for _ in 0..3 {
        // Forward elimination of (T - shift) x = y, then back substitution.
        for i in 0..m {
            let coupling = if i > 0 { b[i - 1] / pivots[i - 1] } else { 0.0 };
            pivots[i] = a[i] - shift - if i > 0 { coupling * b[i - 1] } else { 0.0 };
            if pivots[i].abs() < tiny {
                pivots[i] = tiny;
            }
            if i > 0 {
                y[i] -= coupling * y[i - 1];
            }
        }
        y[m - 1] /= pivots[m - 1];
        for i in (0..m - 1).rev() {
            y[i] = (y[i] - b[i] * y[i + 1]) / pivots[i];
        }
        let n = y.iter().map(|x| x * x).sum::<f64>().sqrt();
        y.iter_mut().for_each(|x| *x /= n);
    }
    y[m - 1]
}
