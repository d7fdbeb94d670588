//! minSR: the natural-gradient direction A^T (A A^T + lambda I)^{-1} b, solved in the space
//! of samples (METHOD.md), for when parameters outnumber samples.

use crate::error::{Error, Result};
use crate::kernels::{gemm_view, matvec_transposed, View};
use crate::parallel::for_each_task;
use nalgebra::DMatrix;

/// `a` is `[rows x num_params]` row-major: the centred, 1/sqrt(N)-scaled log-derivatives,
/// real parts stacked over imaginary parts; `b` the centred, scaled local energies stacked
/// the same way. Writes the direction `A^T (A A^T + shift I)^{-1} b` into `out`.
pub(crate) fn minsr_direction(a: &[f64], b: &[f64], shift: f64, out: &mut [f64]) -> Result<()> {
    let rows = b.len();
    let np = out.len();
    assert_eq!(a.len(), rows * np);
    let gram = gram_matrix(a, rows, np);
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
    matvec_transposed(a, rows, np, y.as_slice(), out);
    if out.iter().any(|x| !x.is_finite()) {
        return Err(Error::numerical("minSR direction is not finite"));
    }
    Ok(())
}

/// Rows of A per tile of the Gram matrix.
const TILE: usize = 128;

/// T = A A^T for `a` of `rows x cols`, row-major. Only the tiles on and above the diagonal
/// are multiplied (T is symmetric), in parallel; each element comes from one product of fixed
/// shape, so T is the same for any thread count.
fn gram_matrix(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let tiles = rows.div_ceil(TILE);
    let pairs: Vec<(usize, usize)> = (0..tiles)
        .flat_map(|i| (i..tiles).map(move |j| (i, j)))
        .collect();
    let blocks = std::sync::Mutex::new(Vec::with_capacity(pairs.len()));
    for_each_task(
        pairs,
        || (),
        |_, (i, j)| {
            let (ri, rj) = (
                i * TILE..rows.min((i + 1) * TILE),
                j * TILE..rows.min((j + 1) * TILE),
            );
            let mut block = vec![0.0; ri.len() * rj.len()];
            let ai = View {
                data: &a[ri.start * cols..],
                rs: cols,
                cs: 1,
            };
            let aj_t = View {
                data: &a[rj.start * cols..],
                rs: 1,
                cs: cols,
            };
            gemm_view(
                ri.len(),
                cols,
                rj.len(),
                ai,
                aj_t,
                0.0,
                &mut block,
                rj.len(),
                1,
            );
            blocks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((ri, rj, block));
            Ok(())
        },
    )
    .expect("the Gram tiles cannot fail");
    let mut gram = vec![0.0; rows * rows];
    for (ri, rj, block) in blocks.into_inner().unwrap_or_else(|e| e.into_inner()) {
        for (x, r) in ri.clone().enumerate() {
            for (y, c) in rj.clone().enumerate() {
                let v = block[x * rj.len() + y];
                gram[r * rows + c] = v;
                gram[c * rows + r] = v;
            }
        }
    }
    gram
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample-space form equals the parameter-space form (A^T A + lambda)^{-1} A^T b.
    #[test]
    fn sample_space_solve_equals_parameter_space_solve() {
        let (rows, np) = (300, 9);
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
