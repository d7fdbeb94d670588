//! minSR: the natural-gradient direction A^T (A A^T + lambda I)^{-1} b, solved in the space
//! of samples (docs/method.md), for when parameters outnumber samples.

use crate::buffer::reuse;
use crate::error::{Error, Result};
use crate::kernels::{gemm_view, matvec_transposed, View};
use crate::parallel::for_each_task;
use nalgebra::{Cholesky, DMatrix, DVector};

/// The sample-space system's memory, kept between steps: the Gram matrix (factorised in
/// place) and the solution in sample space.
#[derive(Debug, Default)]
pub(crate) struct MinSrWorkspace {
    matrix: Vec<f64>,
    y: Vec<f64>,
}

impl MinSrWorkspace {
    /// Makes room for `rows` rows of A (fallible: a refusal names the size).
    pub(crate) fn prepare(&mut self, rows: usize) -> Result<()> {
        let cells = crate::buffer::product(rows, rows, "minSR's Gram matrix")?;
        reuse(&mut self.matrix, cells, "minSR's Gram matrix")?;
        reuse(&mut self.y, rows, "minSR's sample-space solution")
    }
}

/// `a` is `[rows x num_params]` row-major: the centred, 1/sqrt(N)-scaled log-derivatives,
/// real parts stacked over imaginary parts; `b` the centred, scaled local energies stacked
/// the same way. Writes the direction `A^T (A A^T + shift I)^{-1} b` into `out`.
pub(crate) fn minsr_direction(
    a: &[f64],
    b: &[f64],
    shift: f64,
    work: &mut MinSrWorkspace,
    out: &mut [f64],
) -> Result<()> {
    let rows = b.len();
    let np = out.len();
    assert_eq!(a.len(), rows * np);
    work.prepare(rows)?;
    gram_matrix(a, rows, np, &mut work.matrix);
    for i in 0..rows {
        work.matrix[i * rows + i] += shift;
    }
    // T is symmetric, so its row-major cells are its column-major ones too.
    let t = DMatrix::from_vec(rows, rows, std::mem::take(&mut work.matrix));
    let chol = Cholesky::new(t).ok_or_else(|| {
        Error::numerical(format!(
            "minSR: A A^T + {shift} I is not positive definite; raise sr_diag_shift"
        ))
    })?;
    work.y.copy_from_slice(b);
    let mut y = DVector::from_vec(std::mem::take(&mut work.y));
    chol.solve_mut(&mut y);
    matvec_transposed(a, rows, np, y.as_slice(), out);
    // Hand the memory back for the next step.
    work.y = y.data.into();
    work.matrix = chol.unpack().data.into();
    if out.iter().any(|x| !x.is_finite()) {
        return Err(Error::numerical("minSR direction is not finite"));
    }
    Ok(())
}

/// Rows of A per tile of the Gram matrix.
const TILE: usize = 128;

/// Writes T = A A^T for `a` of `rows x cols`, row-major, into `gram` (`rows x rows`). Only
/// the tiles on and above the diagonal are multiplied (T is symmetric), in place, one band of
/// tile rows per task (bands paired long with short for balance); each element comes from one
/// product of fixed shape, so T is the same for any thread count.
fn gram_matrix(a: &[f64], rows: usize, cols: usize, gram: &mut [f64]) {
    assert_eq!(gram.len(), rows * rows);
    let tiles = rows.div_ceil(TILE);
    let mut bands: Vec<Option<(usize, &mut [f64])>> = gram
        .chunks_mut(TILE * rows.max(1))
        .enumerate()
        .map(Some)
        .collect();
    let mut tasks = Vec::with_capacity(tiles.div_ceil(2));
    for i in 0..tiles.div_ceil(2) {
        let long = bands[i].take();
        let short = if tiles - 1 - i > i {
            bands[tiles - 1 - i].take()
        } else {
            None
        };
        tasks.push([long, short]);
    }
    for_each_task(
        tasks,
        || Ok(()),
        |_, pair| {
            for (i, band) in pair.into_iter().flatten() {
                let ri = i * TILE..rows.min((i + 1) * TILE);
                for j in i..tiles {
                    let rj = j * TILE..rows.min((j + 1) * TILE);
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
                        &mut band[rj.start..],
                        rows,
                        1,
                    );
                }
            }
            Ok(())
        },
    )
    .expect("the Gram tiles cannot fail");
    // Mirror: tiles above the diagonal give the ones below; a diagonal tile takes its lower
    // triangle for both halves.
    for r in 0..rows {
        for c in r + 1..rows {
            if r / TILE == c / TILE {
                gram[r * rows + c] = gram[c * rows + r];
            } else {
                gram[c * rows + r] = gram[r * rows + c];
            }
        }
    }
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
        minsr_direction(&a, &b, shift, &mut MinSrWorkspace::default(), &mut out).unwrap();
        let am = DMatrix::from_row_slice(rows, np, &a);
        let s = am.transpose() * &am + DMatrix::identity(np, np) * shift;
        let rhs = am.transpose() * nalgebra::DVector::from_column_slice(&b);
        let expected = s.cholesky().unwrap().solve(&rhs);
        for (o, e) in out.iter().zip(expected.iter()) {
            assert!((o - e).abs() < 1e-12, "{o} vs {e}");
        }
    }
}
