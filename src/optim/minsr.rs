//! minSR: the natural-gradient direction A^T (A A^T + lambda I)^{-1} b, solved in the space
//! of samples (docs/method.md), for when parameters outnumber samples.
//!
//! The centred rows of A sum to zero, so A A^T is singular and its smallest eigenvalue is the
//! shift alone. When the log-derivatives are large (1e5 and more, as after transferring
//! weights to a larger lattice), rounding in A A^T exceeds a small shift and Cholesky meets a
//! non-positive pivot although the exact matrix is positive definite. Then the system is
//! solved by a symmetric eigendecomposition instead, with every eigenvalue raised to at least
//! the shift (the exact matrix has none below it): the same solution wherever rounding did not
//! decide it, and a bounded one where it did.

use crate::buffer::reuse;
use crate::error::{Error, Result};
use crate::kernels::{gemm_view, matvec_transposed, View};
use crate::parallel::for_each_task;
use nalgebra::{Cholesky, DMatrix, DVector, SymmetricEigen};

/// How the SR system of a step was solved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SrSolve {
    /// The step used no SR.
    #[default]
    NotUsed,
    /// minSR by Cholesky factorisation (the normal case).
    Cholesky,
    /// minSR by eigendecomposition, after Cholesky failed on rounding; `raised` eigenvalues
    /// lay below the shift and were raised to it.
    Eigendecomposition { raised: usize },
    /// Conjugate gradient in parameter space (samples spread over processes), converged in
    /// `iterations` products.
    ConjugateGradient { iterations: usize },
}

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
/// the same way. Writes the direction `A^T (A A^T + shift I)^{-1} b` into `out` and says how
/// the system was solved. `shift` must be positive for the eigendecomposition fallback to
/// be bounded; with shift 0 a singular system is refused.
pub(crate) fn minsr_direction(
    a: &[f64],
    b: &[f64],
    shift: f64,
    work: &mut MinSrWorkspace,
    out: &mut [f64],
) -> Result<SrSolve> {
    let rows = b.len();
    let np = out.len();
    assert_eq!(a.len(), rows * np);
    work.prepare(rows)?;
    work.y.copy_from_slice(b);
    let mut y = DVector::from_vec(std::mem::take(&mut work.y));
    let t = shifted_gram_matrix(a, rows, np, shift, std::mem::take(&mut work.matrix))?;
    let (solve, matrix) = match Cholesky::new(t) {
        Some(chol) => {
            chol.solve_mut(&mut y);
            (SrSolve::Cholesky, chol.unpack())
        }
        None if shift > 0.0 => {
            // Cholesky consumed T; building it again is rare and costs what it did once.
            let mut cells = Vec::new();
            reuse(&mut cells, rows * rows, "minSR's Gram matrix")?;
            let t = shifted_gram_matrix(a, rows, np, shift, cells)?;
            let (raised, eigenvectors) = solve_by_eigendecomposition(t, shift, &mut y)?;
            (SrSolve::Eigendecomposition { raised }, eigenvectors)
        }
        None => {
            return Err(Error::numerical(
                "minSR: A A^T is singular and sr_diag_shift is 0; set a positive sr_diag_shift",
            ))
        }
    };
    matvec_transposed(a, rows, np, y.as_slice(), out);
    // Hand the memory back for the next step.
    work.y = y.data.into();
    work.matrix = matrix.data.into();
    if out.iter().any(|x| !x.is_finite()) {
        return Err(Error::numerical("minSR direction is not finite"));
    }
    check_norm_bound(b, shift, out)?;
    Ok(solve)
}

/// Solves `(T) y = b` in place for symmetric `t` = A A^T + shift I through its eigenvalues,
/// each raised to at least `shift` (below it lies only rounding). Returns how many were
/// raised, and the eigenvectors' matrix (its memory serves the next step).
fn solve_by_eigendecomposition(
    t: DMatrix<f64>,
    shift: f64,
    y: &mut DVector<f64>,
) -> Result<(usize, DMatrix<f64>)> {
    if t.iter().any(|x| !x.is_finite()) {
        return Err(Error::numerical("minSR: A A^T is not finite"));
    }
    // nalgebra allocates without a way to refuse: the eigenvectors (rows x rows, besides `t`),
    // and a few vectors of `rows`. Asking for that much first makes a size no memory can hold
    // a status rather than an abort.
    let rows = t.nrows();
    let what = "minSR's eigendecomposition";
    let cells = crate::buffer::product(rows, rows, what)?;
    let bytes = crate::buffer::product(cells.saturating_add(8 * rows), F64_BYTES, what)?;
    crate::buffer::check_room(bytes, what)?;
    let eigen = SymmetricEigen::new(t);
    // y = V diag(1 / max(mu, shift)) V^T b
    let mut coefficients = eigen.eigenvectors.tr_mul(y);
    let mut raised = 0;
    for (c, &mu) in coefficients.iter_mut().zip(eigen.eigenvalues.iter()) {
        if mu < shift {
            raised += 1;
        }
        *c /= mu.max(shift);
    }
    eigen.eigenvectors.mul_to(&coefficients, y);
    Ok((raised, eigen.eigenvectors))
}

const F64_BYTES: usize = std::mem::size_of::<f64>();

/// Refuses a direction longer than exact arithmetic allows: |A^T (A A^T + s)^-1 b| <= |b| /
/// (2 sqrt(s)), since sigma / (sigma^2 + s) <= 1 / (2 sqrt(s)) for every singular value. A
/// longer one is rounding amplified by a shift too small for the log-derivatives (1e-300
/// gave parameters of 1e288), not a step. The factor 2 leaves room for ordinary rounding.
fn check_norm_bound(b: &[f64], shift: f64, out: &[f64]) -> Result<()> {
    if shift <= 0.0 {
        return Ok(());
    }
    let norm_b = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    let bound = 2.0 * norm_b / (2.0 * shift.sqrt());
    let norm = out.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > bound {
        return Err(Error::numerical(format!(
            "minSR direction has norm {norm:e}, above {bound:e}, what sr_diag_shift = \
             {shift:e} allows in exact arithmetic: rounding dominates the solve; raise \
             sr_diag_shift"
        )));
    }
    Ok(())
}

/// A A^T + shift I in `cells` (`rows x rows`); symmetric, so its row-major cells are its
/// column-major ones too.
fn shifted_gram_matrix(
    a: &[f64],
    rows: usize,
    np: usize,
    shift: f64,
    mut cells: Vec<f64>,
) -> Result<DMatrix<f64>> {
    gram_matrix(a, rows, np, &mut cells)?;
    for i in 0..rows {
        cells[i * rows + i] += shift;
    }
    Ok(DMatrix::from_vec(rows, rows, cells))
}

/// Rows of A per tile of the Gram matrix.
const TILE: usize = 128;

/// Writes T = A A^T for `a` of `rows x cols`, row-major, into `gram` (`rows x rows`). Only
/// the tiles on and above the diagonal are multiplied (T is symmetric), in place, one band of
/// tile rows per task (bands paired long with short for balance); each element comes from one
/// product of fixed shape, so T is the same for any thread count. Fails only when the step
/// is cancelled (`Cancelled`), between bands.
fn gram_matrix(a: &[f64], rows: usize, cols: usize, gram: &mut [f64]) -> Result<()> {
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
    )?;
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
    Ok(())
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

    /// A cancellation request that arrives while the Gram matrix is formed (the bulk of a
    /// minSR step) ends the solve as `Cancelled`, as anywhere else in a step.
    #[test]
    fn a_request_during_the_gram_matrix_is_cancelled_not_a_panic() {
        let (rows, np) = (300, 9);
        let a = vec![0.5; rows * np];
        let b = vec![1.0; rows];
        let token = crate::cancel::CancelToken::default();
        token.request();
        let mut out = vec![0.0; np];
        let result = crate::cancel::within(&token, || {
            minsr_direction(&a, &b, 0.3, &mut MinSrWorkspace::default(), &mut out)
        });
        assert_eq!(result.unwrap_err().kind, crate::ErrorKind::Cancelled);
    }

    /// Centred log-derivatives of size 1e9, as after a transfer to a larger lattice: the
    /// exact A A^T + 1e-3 I is positive definite, but rounding in A A^T (about 1e-16 of its
    /// 1e20 entries) exceeds the shift, so Cholesky fails. The fallback must give the exact
    /// direction, computed here from the SVD of A (A^T (A A^T + s)^-1 b = V diag(sigma /
    /// (sigma^2 + s)) U^T b), which never forms A A^T.
    #[test]
    fn rounding_failure_of_cholesky_falls_back_to_the_exact_direction() {
        let (rows, np, shift) = (120, 300, 1e-3);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let mut a: Vec<f64> = (0..rows * np).map(|_| 1e9 * next()).collect();
        let mut b: Vec<f64> = (0..rows).map(|_| next()).collect();
        // Centre every column of A and b over the samples, as the step does.
        for k in 0..np {
            let mean = (0..rows).map(|i| a[i * np + k]).sum::<f64>() / rows as f64;
            (0..rows).for_each(|i| a[i * np + k] -= mean);
        }
        let mean_b = b.iter().sum::<f64>() / rows as f64;
        b.iter_mut().for_each(|x| *x -= mean_b);

        let mut out = vec![0.0; np];
        let solve = minsr_direction(&a, &b, shift, &mut MinSrWorkspace::default(), &mut out)
            .expect("a positive shift must not fail");
        assert!(
            matches!(solve, SrSolve::Eigendecomposition { raised } if raised >= 1),
            "expected the eigendecomposition fallback, got {solve:?}"
        );

        let svd = DMatrix::from_row_slice(rows, np, &a).svd(true, true);
        let (u, v_t) = (svd.u.unwrap(), svd.v_t.unwrap());
        let ub = u.tr_mul(&DVector::from_column_slice(&b));
        let scaled = DVector::from_iterator(
            ub.len(),
            ub.iter()
                .zip(svd.singular_values.iter())
                .map(|(c, s)| c * s / (s * s + shift)),
        );
        let expected = v_t.tr_mul(&scaled);
        let norm = expected.norm();
        let error = out
            .iter()
            .zip(expected.iter())
            .map(|(o, e)| (o - e).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(error < 1e-8 * norm, "error {error} against norm {norm}");

        // The same system with a shift of 1e-300: eigenvalues raised to it turn rounding into
        // a direction of about 1e280, far above what exact arithmetic allows. Refused.
        let e =
            minsr_direction(&a, &b, 1e-300, &mut MinSrWorkspace::default(), &mut out).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Numerical, "{}", e.message);
        assert!(e.message.contains("sr_diag_shift"), "{}", e.message);
    }
}
