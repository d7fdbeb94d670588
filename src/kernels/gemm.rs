//! The one matrix product: row-major, contiguous, over `matrixmultiply`.

/// `c[m x n] = beta * c + a[m x k] * b[k x n]`, every matrix row-major and contiguous.
pub(crate) fn gemm(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], beta: f64, c: &mut [f64]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: the assert above guarantees every element the strides reach lies inside the
    // three slices; `c` is a unique borrow, so it aliases neither `a` nor `b`.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
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
