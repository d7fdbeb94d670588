//! The products of a pass's steps, `[rows x k] x [k x n]` with k the hidden width:
//! register-blocked, reading both operands where they lie (row-major), nothing packed.
//! matrixmultiply packs both operands on every call, and at hidden 32 its packing and
//! per-call costs were a tenth of a sampling step; here the weights' rows are read in place
//! by every tile, and the state rows are broadcast one element at a time.
//!
//! Each element of the product is one chain of multiply-adds over k, from zero, in order,
//! then added to `beta` times `c`: the same in every tile and edge, so a row's result depends
//! neither on the other rows nor on how many there are (sampling and evaluation, whatever
//! their chunks, agree bit for bit).

use super::activations::Arithmetic;
use super::dispatch::dispatched;
use super::real::Real;

/// Rows of a register tile: with two vectors of columns, 12 accumulators.
const TILE_ROWS: usize = 6;
/// Rows swept by each column panel while they stay in the first-level cache.
const ROW_BLOCK: usize = 48;
/// The largest k taken here: one pass over k, as matrixmultiply's own blocking has (so the
/// choice between the two never depends on the number of rows).
pub(crate) const MAX_K: usize = 256;

/// Columns of a register tile: two vectors of 256 bits (8 in f64, 16 in f32).
pub(crate) const fn tile_columns<F>() -> usize {
    64 / std::mem::size_of::<F>()
}

dispatched! {
    /// `c[m x n] = beta c + a[m x k] b[k x n]`, all row-major and contiguous; see
    /// [`small_k_body`].
    fn gemm_small_k(m: usize, k: usize, n: usize, a: &[F], b: &[F], beta: F, c: &mut [F])
        => small_k_body::<Arithmetic>
}

#[inline(always)]
fn small_k_body<A: Arithmetic, F: Real>(
    m: usize,
    k: usize,
    n: usize,
    a: &[F],
    b: &[F],
    beta: F,
    c: &mut [F],
) {
    match tile_columns::<F>() {
        8 => blocks::<A, F, 8>(m, k, n, a, b, beta, c),
        16 => blocks::<A, F, 16>(m, k, n, a, b, beta, c),
        _ => unreachable!("f64 or f32"),
    }
}

#[inline(always)]
fn blocks<A: Arithmetic, F: Real, const NR: usize>(
    m: usize,
    k: usize,
    n: usize,
    a: &[F],
    b: &[F],
    beta: F,
    c: &mut [F],
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    let full = n - n % NR;
    for r0 in (0..m).step_by(ROW_BLOCK) {
        let r1 = (r0 + ROW_BLOCK).min(m);
        for j in (0..full).step_by(NR) {
            let mut r = r0;
            while r + TILE_ROWS <= r1 {
                tile::<A, F, TILE_ROWS, NR>(r, j, k, n, a, b, beta, c);
                r += TILE_ROWS;
            }
            // The last rows of the batch in tiles that still keep 8 or 4 chains apart.
            if r + 4 <= r1 {
                tile::<A, F, 4, NR>(r, j, k, n, a, b, beta, c);
                r += 4;
            }
            if r + 2 <= r1 {
                tile::<A, F, 2, NR>(r, j, k, n, a, b, beta, c);
                r += 2;
            }
            if r < r1 {
                tile::<A, F, 1, NR>(r, j, k, n, a, b, beta, c);
            }
        }
        if full < n {
            for r in r0..r1 {
                edge::<A, F, NR>(r, full, k, n, a, b, beta, c);
            }
        }
    }
}

/// The `MR x NR` tile of `c` at row `r`, column `j`; the caller has checked the slices'
/// lengths for the whole product.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile<A: Arithmetic, F: Real, const MR: usize, const NR: usize>(
    r: usize,
    j: usize,
    k: usize,
    n: usize,
    a: &[F],
    b: &[F],
    beta: F,
    c: &mut [F],
) {
    debug_assert!(j + NR <= n);
    let mut acc = [[F::ZERO; NR]; MR];
    for p in 0..k {
        // SAFETY: rows r..r+MR of `a` ([m x k]) and columns j..j+NR of `b`'s row p
        // ([k x n]) lie inside the slices, whose lengths `blocks` asserted.
        let b_row: &[F; NR] = unsafe { &*(b.as_ptr().add(p * n + j) as *const [F; NR]) };
        for (i, acc_row) in acc.iter_mut().enumerate() {
            // SAFETY: as above, (r + i) * k + p < m * k.
            let x = unsafe { *a.get_unchecked((r + i) * k + p) };
            for (s, &y) in acc_row.iter_mut().zip(b_row.iter()) {
                *s = madd::<A, F>(x, y, *s);
            }
        }
    }
    store(r, j, n, &acc, beta, c, NR);
}

/// Row `r`'s columns from `j` to the end (fewer than `NR`), the same chains as [`tile`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn edge<A: Arithmetic, F: Real, const NR: usize>(
    r: usize,
    j: usize,
    k: usize,
    n: usize,
    a: &[F],
    b: &[F],
    beta: F,
    c: &mut [F],
) {
    let w = n - j;
    let mut acc = [[F::ZERO; NR]; 1];
    for p in 0..k {
        let x = a[r * k + p];
        for (s, &y) in acc[0][..w].iter_mut().zip(&b[p * n + j..p * n + n]) {
            *s = madd::<A, F>(x, y, *s);
        }
    }
    store(r, j, n, &acc, beta, c, w);
}

/// `c = beta c + acc` for the tile's `width` leftmost columns (`c` untouched by `beta` 0, so
/// that what it held, NaN included, never leaks in).
#[inline(always)]
fn store<F: Real, const MR: usize, const NR: usize>(
    r: usize,
    j: usize,
    n: usize,
    acc: &[[F; NR]; MR],
    beta: F,
    c: &mut [F],
    width: usize,
) {
    for (i, acc_row) in acc.iter().enumerate() {
        let out = &mut c[(r + i) * n + j..(r + i) * n + j + width];
        if beta == F::ZERO {
            out.copy_from_slice(&acc_row[..width]);
        } else if beta == F::ONE {
            for (o, &s) in out.iter_mut().zip(acc_row) {
                *o += s;
            }
        } else {
            for (o, &s) in out.iter_mut().zip(acc_row) {
                *o = beta * *o + s;
            }
        }
    }
}

#[inline(always)]
fn madd<A: Arithmetic, F: Real>(x: F, y: F, acc: F) -> F {
    if A::FUSED {
        x.mul_add_rounded::<true>(y, acc)
    } else {
        x.mul_add_rounded::<false>(y, acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::activations::{Fused, Unfused};

    /// Deterministic values in [-1, 1].
    fn values(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    type Product<F> = fn(usize, usize, usize, &[F], &[F], F, &mut [F]);

    /// Every shape's product against the sum in f64 (up to k roundings of the pass's
    /// precision, scaled by the sum of |terms|), and each row the same as alone.
    fn check<F: Real>(product: Product<F>, tolerance: f64) {
        let (m, k) = (61, 37);
        for n in [tile_columns::<F>(), 3 * tile_columns::<F>() + 5, 96, 50] {
            let a: Vec<F> = values(m * k, 1).into_iter().map(F::from_f64).collect();
            let b: Vec<F> = values(k * n, 2).into_iter().map(F::from_f64).collect();
            let c0: Vec<F> = values(m * n, 3).into_iter().map(F::from_f64).collect();
            for beta in [0.0, 1.0, -0.5] {
                let mut c = c0.clone();
                if beta == 0.0 {
                    c.fill(F::from_f64(f64::NAN));
                }
                product(m, k, n, &a, &b, F::from_f64(beta), &mut c);
                for i in 0..m {
                    for j in 0..n {
                        let terms = (0..k).map(|p| a[i * k + p].to_f64() * b[p * n + j].to_f64());
                        let exact = terms.clone().sum::<f64>()
                            + if beta == 0.0 {
                                0.0
                            } else {
                                beta * c0[i * n + j].to_f64()
                            };
                        let scale = terms.map(f64::abs).sum::<f64>() + c0[i * n + j].to_f64().abs();
                        let got = c[i * n + j].to_f64();
                        assert!(
                            (got - exact).abs() <= tolerance * k as f64 * scale,
                            "n {n} beta {beta} ({i}, {j}): {got} against {exact}"
                        );
                    }
                    let mut alone = c0[i * n..(i + 1) * n].to_vec();
                    if beta == 0.0 {
                        alone.fill(F::from_f64(f64::NAN));
                    }
                    product(1, k, n, &a[i * k..], &b, F::from_f64(beta), &mut alone);
                    assert_eq!(alone, c[i * n..(i + 1) * n], "row {i} alone, n {n}");
                }
            }
        }
    }

    #[test]
    fn products_match_f64_sums_and_rows_do_not_depend_on_the_batch() {
        check::<f64>(gemm_small_k::<f64>, f64::EPSILON);
        check::<f32>(gemm_small_k::<f32>, f32::EPSILON as f64);
        check::<f64>(small_k_body::<Fused, f64>, f64::EPSILON);
        check::<f64>(small_k_body::<Unfused, f64>, f64::EPSILON);
        check::<f32>(small_k_body::<Unfused, f32>, f32::EPSILON as f64);
    }
}
