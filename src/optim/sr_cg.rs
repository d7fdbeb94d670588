//! Stochastic reconfiguration when the samples are spread over processes: conjugate gradient
//! on (A^T A + lambda I) d = A^T b in parameter space, one reduction per product. It solves the
//! same system as minSR's sample-space form (the two forms are equal), without gathering
//! the samples' log-derivatives on every process: each product sums A_p^T (A_p v) over the
//! processes p, a reduction of num_params doubles.
//!
//! Why not gather A and run minSR's Cholesky on every process: the host's hook is a sum and
//! the library knows no rank. A gather through a sum would need each process to place its
//! rows at its own offset in a zeroed (total samples x num_params) buffer, which needs its
//! rank and the other processes' sample counts, and moves the whole matrix (e.g. 1024 x 3458
//! doubles, 28 MB) through every reduction, then an O(N^3) solve repeated on every process.
//! CG moves num_params doubles per iteration, needs no rank, and every process computes the
//! same iterates from the same sums, so the ranks stay bit-identical.

use crate::buffer::reuse;
use crate::error::{Error, Result};
use crate::kernels::{matvec, matvec_transposed};

/// Relative residual at which the iteration stops.
const TOLERANCE: f64 = 1e-10;
/// Iterations before giving up; the exact solution needs at most (distinct eigenvalues)
/// iterations, a number bounded by the total sample count plus one.
const MAX_ITERATIONS: usize = 5000;

/// The iteration's vectors, kept between steps.
#[derive(Debug, Default)]
pub(crate) struct CgWorkspace {
    av: Vec<f64>,
    r: Vec<f64>,
    p: Vec<f64>,
    ap: Vec<f64>,
}

impl CgWorkspace {
    /// Makes room for `rows` rows of A and `np` parameters (fallible: a refusal names the size).
    pub(crate) fn prepare(&mut self, rows: usize, np: usize) -> Result<()> {
        reuse(&mut self.av, rows, "SR's conjugate-gradient product A v")?;
        for v in [&mut self.r, &mut self.p, &mut self.ap] {
            reuse(v, np, "SR's conjugate-gradient vectors")?;
        }
        Ok(())
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves (sum_p A_p^T A_p + shift I) d = f, where this process holds `a` = A_p
/// (`rows x f.len()`, row-major) and `f` is already summed over processes. `reduce` sums a
/// buffer over processes. Returns the iterations taken.
pub(crate) fn sr_conjugate_gradient(
    a: &[f64],
    f: &[f64],
    shift: f64,
    reduce: &mut dyn FnMut(&mut [f64]) -> Result<()>,
    work: &mut CgWorkspace,
    d: &mut [f64],
) -> Result<usize> {
    let np = f.len();
    let rows = a.len() / np.max(1);
    work.prepare(rows, np)?;
    let CgWorkspace { av, r, p, ap } = work;
    let mut apply = |v: &[f64], out: &mut [f64]| -> Result<()> {
        matvec(a, rows, np, v, av);
        matvec_transposed(a, rows, np, av, out);
        reduce(out)?;
        out.iter_mut().zip(v).for_each(|(o, x)| *o += shift * x);
        Ok(())
    };
    d.fill(0.0);
    let f_norm = dot(f, f).sqrt();
    if f_norm == 0.0 {
        return Ok(0);
    }
    r.copy_from_slice(f);
    p.copy_from_slice(f);
    ap.fill(0.0);
    let mut rs = dot(r, r);
    for iteration in 1..=MAX_ITERATIONS {
        apply(p, ap)?;
        let curvature = dot(p, ap);
        if curvature.is_nan() || curvature <= 0.0 {
            return Err(Error::numerical(format!(
                "SR conjugate gradient met curvature {curvature} at iteration {iteration}: S + {shift} I is not positive definite; raise sr_diag_shift"
            )));
        }
        let alpha = rs / curvature;
        d.iter_mut()
            .zip(p.iter())
            .for_each(|(x, p)| *x += alpha * p);
        r.iter_mut()
            .zip(ap.iter())
            .for_each(|(r, ap)| *r -= alpha * ap);
        let rs_next = dot(r, r);
        if rs_next.sqrt() <= TOLERANCE * f_norm {
            return Ok(iteration);
        }
        let beta = rs_next / rs;
        p.iter_mut()
            .zip(r.iter())
            .for_each(|(p, r)| *p = r + beta * *p);
        rs = rs_next;
    }
    Err(Error::numerical(format!(
        "SR conjugate gradient did not reach a relative residual of {TOLERANCE} in {MAX_ITERATIONS} iterations; raise sr_diag_shift"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::minsr::{minsr_direction, MinSrWorkspace};

    /// On one process (a reduction that changes nothing) CG solves the same system as the
    /// sample-space Cholesky; across processes the products only gain a sum.
    #[test]
    fn conjugate_gradient_matches_the_sample_space_solve() {
        for (rows, np) in [(40, 25), (10, 60)] {
            let a: Vec<f64> = (0..rows * np)
                .map(|i| (((i * 37) % 101) as f64 - 50.0) / 70.0)
                .collect();
            let b: Vec<f64> = (0..rows).map(|i| (i as f64 * 1.3).cos()).collect();
            let shift = 1e-2;
            let mut expected = vec![0.0; np];
            minsr_direction(&a, &b, shift, &mut MinSrWorkspace::default(), &mut expected).unwrap();
            let mut f = vec![0.0; np];
            for (row, &bi) in a.chunks_exact(np).zip(&b) {
                f.iter_mut().zip(row).for_each(|(f, x)| *f += x * bi);
            }
            let mut calls = 0;
            let mut d = vec![0.0; np];
            let iterations = sr_conjugate_gradient(
                &a,
                &f,
                shift,
                &mut |_| {
                    calls += 1;
                    Ok(())
                },
                &mut CgWorkspace::default(),
                &mut d,
            )
            .unwrap();
            assert_eq!(calls, iterations, "one reduction per product");
            for (x, e) in d.iter().zip(&expected) {
                assert!((x - e).abs() < 1e-8 * e.abs().max(1.0), "{x} vs {e}");
            }
        }
    }

    #[test]
    fn a_failing_reduction_stops_the_iteration() {
        let a = vec![1.0, 2.0, 3.0, 4.0];
        let mut d = vec![0.0; 2];
        let err = sr_conjugate_gradient(
            &a,
            &[1.0, 1.0],
            0.1,
            &mut |_| Err(Error::numerical("down")),
            &mut CgWorkspace::default(),
            &mut d,
        );
        assert!(err.is_err());
    }
}
