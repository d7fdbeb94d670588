//! The matrix products: row-major and contiguous with small k (a pass's steps) by the
//! register-blocked kernel of `small_k`, the rest over `matrixmultiply` (dgemm or sgemm).

use super::real::Real;
use super::small_k::{gemm_small_k, tile_columns, MAX_K};

/// `c[m x n] = beta * c + a[m x k] * b[k x n]`, every matrix row-major and contiguous. Which
/// kernel computes it depends on k and n only, never on m: a row's result is the same in a
/// batch of any size.
pub(crate) fn gemm<F: Real>(m: usize, k: usize, n: usize, a: &[F], b: &[F], beta: F, c: &mut [F]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k <= MAX_K && n >= tile_columns::<F>() {
        gemm_small_k(m, k, n, a, b, beta, c);
        return;
    }
    // SAFETY: the assert above guarantees every element the strides reach lies inside the
    // three slices; `c` is a unique borrow, so it aliases neither `a` nor `b`.
    unsafe {
        F::gemm_raw(
            m,
            k,
            n,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// A read-only matrix view: element (i, j) at `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub(crate) struct View<'a, F = f64> {
    pub data: &'a [F],
    pub rs: usize,
    pub cs: usize,
}

/// Whether every element of an `rows x cols` view with these strides lies in `len`.
fn fits(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    rows == 0 || cols == 0 || (rows - 1) * rs + (cols - 1) * cs < len
}

/// `c = beta * c + a[m x k] * b[k x n]` for strided views; element (i, j) of `c` is at
/// `c[i * rsc + j * csc]`. Transposes are views with swapped strides.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_view<F: Real>(
    m: usize,
    k: usize,
    n: usize,
    a: View<F>,
    b: View<F>,
    beta: F,
    c: &mut [F],
    rsc: usize,
    csc: usize,
) {
    assert!(fits(a.data.len(), m, k, a.rs, a.cs));
    assert!(fits(b.data.len(), k, n, b.rs, b.cs));
    assert!(fits(c.len(), m, n, rsc, csc));
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                c[i * rsc + j * csc] *= beta;
            }
        }
        return;
    }
    // SAFETY: the asserts above guarantee every element the strides reach lies inside the
    // three slices; `c` is a unique borrow, so it aliases neither `a` nor `b`.
    unsafe {
        F::gemm_raw(
            m,
            k,
            n,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            csc as isize,
        );
    }
}

/// `out[rows] = a[rows x cols] x[cols]`, `a` row-major.
pub(crate) fn matvec<F: Real>(a: &[F], rows: usize, cols: usize, x: &[F], out: &mut [F]) {
    let a = View {
        data: a,
        rs: cols,
        cs: 1,
    };
    gemm_view(
        rows,
        cols,
        1,
        a,
        View {
            data: x,
            rs: 1,
            cs: 1,
        },
        F::ZERO,
        out,
        1,
        1,
    );
}

/// `out[cols] = a[rows x cols]^T y[rows]`, `a` row-major.
pub(crate) fn matvec_transposed<F: Real>(
    a: &[F],
    rows: usize,
    cols: usize,
    y: &[F],
    out: &mut [F],
) {
    let at = View {
        data: a,
        rs: 1,
        cs: cols,
    };
    gemm_view(
        cols,
        rows,
        1,
        at,
        View {
            data: y,
            rs: 1,
            cs: 1,
        },
        F::ZERO,
        out,
        1,
        1,
    );
}
