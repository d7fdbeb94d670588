//! minSR: the natural-gradient direction A^T (A A^T + lambda I)^{-1} b, solved in the space
//! of samples (METHOD.md), for when parameters outnumber samples.

use crate::error::{Error, Result};
use crate::kernels::{gemm_view, View};
use nalgebra::DMatrix;

/// `a` is `[rows x num_params]` row-major: the centred, 1/sqrt(N)-scaled log-derivatives,
/// real parts stacked over imaginary parts; `b` the centred, scaled local energies stacked
/// the same way. Writes the direction `A^T (A A^T + shift I)^{-1} b` into `out`.
pub(crate) fn minsr_direction(a: &[f64], b: &[f64], shift: f64, out: &mut [f64]) -> Result<()> {
    let rows = b.len();
    let np = out.len();
    assert_eq!(a.len(), rows * np);
    // Gram matrix T = A A^T (rows x rows), one product.
    let mut gram = vec![0.0; rows * rows];
    let at = View {
        data: a,
        rs: 1,
        cs: np,
    };
    gemm_view(
        rows,
        np,
        rows,
        View {
            data: a,
            rs: np,
            cs: 1,
        },
        at,
        0.0,
        &mut gram,
        rows,
        1,
    );
    let mut t = DMatrix::from_row_slice(rows, rows, &gram);
    for i in 0..rows {
        t[(i, i)] += shift;
    }
    let chol = t.cholesky().ok_or_else(|| {
        Error::numerical(format!(
            "minSR: A A^T + {shift} I is not positive definite; raise sr_diag_shift"
        ))
    })?;
    let y = chol.solve(&nalgebra::DVector::from_column_slice(b));
    // out = A^T y
    gemm_view(
        np,
        rows,
        1,
        at,
        View {
            data: y.as_slice(),
            rs: 1,
            cs: 1,
        },
        0.0,
        out,
        1,
        1,
    );
    if out.iter().any(|x| !x.is_finite()) {
        return Err(Error::numerical("minSR direction is not finite"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample-space form equals the parameter-space form (A^T A + lambda)^{-1} A^T b.
    #[test]
    fn sample_space_solve_equals_parameter_space_solve() {
        let (rows, np) = (5, 9);
        let a: Vec<f64> = (0..rows * np)
            .map(|i| ((i * 7 % 11) as f64 - 5.0) / 3.0)
            .collect();
        let b: Vec<f64> = (0..rows).map(|i| (i as f64 * 0.9).sin()).collect();
        let shift = 0.3;
        let mut out = vec![0.0; np];
        minsr_direction(&a, &b, shift, &mut out).unwrap();
        let am = DMatrix::from_row_slice(rows, np, &a);
        let s = am.transpose() * &am + DMatrix::identity(np, np) * shift;
        let rhs = am.transpose() * nalgebra::DVector::from_column_slice(&b);
        let expected = s.cholesky().unwrap().solve(&rhs);
        for (o, e) in out.iter().zip(expected.iter()) {
            assert!((o - e).abs() < 1e-12, "{o} vs {e}");
        }
    }
}
