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
//!
//! An allreduce that is not bit-identical across processes (sums differing in the last bits)
//! breaks that: each process's search direction and residual drift from the others', the
//! summed product is then of no single direction, and the drift compounds until the
//! curvature turns negative. Each product's reduction therefore also carries a fingerprint
//! of this process's direction; once the directions are seen to differ, the processes vote
//! to average, and from the next iteration on each direction and residual is replaced by its
//! mean over the processes before the product (one more reduction of 2 num_params doubles
//! per iteration). The processes then run one CG, on the mean of their slightly different
//! products, apart from one reduction's rounding, which does not compound. With a
//! bit-identical allreduce the fingerprints agree, nothing is averaged and the iterates are
//! exactly those of plain CG.

use crate::buffer::reuse;
use crate::error::{Error, Result};
use crate::fingerprint::{
    compare_fingerprints, fingerprint_of_values, fingerprint_values, Fingerprints, FINGERPRINT_SUMS,
};
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
    /// The direction p and the residual r, summed to average them over the processes.
    mean: Vec<f64>,
    /// The product (S + shift I) p, then the votes of [`VOTES`] and the fingerprint of p:
    /// what one reduction sums.
    ap: Vec<f64>,
}

/// Values each product's reduction carries after the num_params sums: this process's vote
/// to stop (1 when its residual met the tolerance in the previous iteration), to fail
/// (1 when it met a non-positive curvature) and to average the directions (1 when the
/// previous reduction showed the processes' directions differ). The decisions are taken on
/// the summed votes, small integers that any reduction sums exactly, so every process stops,
/// fails or starts averaging at the same iteration even when its sums differ from the
/// others' in the last bits. The fingerprint of this process's direction follows them.
const VOTES: usize = 3;

impl CgWorkspace {
    /// Makes room for `rows` rows of A and `np` parameters (fallible: a refusal names the size).
    pub(crate) fn prepare(&mut self, rows: usize, np: usize) -> Result<()> {
        reuse(&mut self.av, rows, "SR's conjugate-gradient product A v")?;
        for v in [&mut self.r, &mut self.p] {
            reuse(v, np, "SR's conjugate-gradient vectors")?;
        }
        let both = np.saturating_mul(2);
        reuse(&mut self.mean, both, "SR's conjugate-gradient vectors")?;
        reuse(
            &mut self.ap,
            np + VOTES + FINGERPRINT_SUMS,
            "SR's conjugate-gradient vectors",
        )
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves (sum_p A_p^T A_p + shift I) d = f, where this process holds `a` = A_p
/// (`rows x f.len()`, row-major) and `f` is already summed over processes. `reduce` sums a
/// buffer over processes. Returns the iterations taken; each takes one reduction (two once
/// the processes' directions and residuals are averaged), and the decision to stop one
/// more.
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
    let CgWorkspace { av, r, p, mean, ap } = work;
    d.fill(0.0);
    let f_norm = dot(f, f).sqrt();
    r.copy_from_slice(f);
    p.copy_from_slice(f);
    let mut rs = dot(r, r);
    // This process's state, voted on in the next reduction.
    let mut converged = f_norm == 0.0;
    let mut failure: Option<Error> = None;
    let mut directions_differ = false;
    // Set on every process at once, from the summed votes.
    let mut averaging = false;
    let mut processes = 1.0;
    for iteration in 0..=MAX_ITERATIONS {
        if let Err(e) = crate::cancel::check() {
            // The others are about to reduce: they learn of it there, and stop too.
            let next: &mut [f64] = if averaging { mean } else { ap };
            next.fill(crate::cancel::failure_fill(&e));
            let _ = reduce(next);
            return Err(e);
        }
        if averaging {
            // One CG for all processes: the mean direction and residual.
            let (mean_p, mean_r) = mean.split_at_mut(np);
            mean_p.copy_from_slice(p);
            mean_r.copy_from_slice(r);
            reduce(mean)?;
            let (mean_p, mean_r) = mean.split_at(np);
            p.iter_mut()
                .zip(mean_p)
                .for_each(|(x, m)| *x = m / processes);
            r.iter_mut()
                .zip(mean_r)
                .for_each(|(x, m)| *x = m / processes);
            rs = dot(r, r);
        }
        let (product, rest) = ap.split_at_mut(np);
        let (votes, fingerprint) = rest.split_at_mut(VOTES);
        matvec(a, rows, np, p, av);
        matvec_transposed(a, rows, np, av, product);
        votes[0] = f64::from(u8::from(converged));
        votes[1] = f64::from(u8::from(failure.is_some()));
        votes[2] = f64::from(u8::from(directions_differ));
        fingerprint_values(fingerprint_of_values(p), fingerprint);
        reduce(ap)?;
        let (product, rest) = ap.split_at_mut(np);
        let (votes, fingerprint) = rest.split_at_mut(VOTES);
        if votes[1] > 0.0 {
            return Err(failure.unwrap_or_else(|| {
                Error::numerical(format!(
                    "SR conjugate gradient failed on another process (allreduce) at iteration \
                     {iteration}: S + {shift} I is not positive definite there; raise \
                     sr_diag_shift"
                ))
            }));
        }
        if votes[0] > 0.0 {
            return Ok(iteration);
        }
        if iteration == MAX_ITERATIONS {
            break;
        }
        averaging |= votes[2] > 0.0;
        // A sum of ones, whatever rounding the reduction adds.
        processes = fingerprint[0].round().max(1.0);
        directions_differ = compare_fingerprints(fingerprint) != Fingerprints::Agree;
        product
            .iter_mut()
            .zip(p.iter())
            .for_each(|(o, x)| *o += shift * x);
        let curvature = dot(p, product);
        if curvature.is_nan() || curvature <= 0.0 {
            failure = Some(Error::numerical(format!(
                "SR conjugate gradient met curvature {curvature} at iteration {}: S + {shift} I is not positive definite; raise sr_diag_shift",
                iteration + 1
            )));
            continue;
        }
        let alpha = rs / curvature;
        d.iter_mut()
            .zip(p.iter())
            .for_each(|(x, p)| *x += alpha * p);
        r.iter_mut()
            .zip(product.iter())
            .for_each(|(r, ap)| *r -= alpha * ap);
        let rs_next = dot(r, r);
        if rs_next.sqrt() <= TOLERANCE * f_norm {
            converged = true;
            continue;
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
            assert_eq!(
                calls,
                iterations + 1,
                "one reduction per product, one to stop"
            );
            for (x, e) in d.iter().zip(&expected) {
                assert!((x - e).abs() < 1e-8 * e.abs().max(1.0), "{x} vs {e}");
            }
        }
    }

    /// Two processes whose reductions differ in the last bits (an MPI whose allreduce is
    /// not bit-identical across ranks: here rank 1's sums are off by a relative error) stop
    /// at the same iteration: the decisions are taken on summed votes. Deciding each on its
    /// own residual, they stopped at different iterations and the one left in a reduction
    /// waited forever (here: an error after the other hangs up or 10 s pass). And with sums
    /// off by a few ulps both converge to the solution: without averaging their directions,
    /// the iterates drifted apart and both failed on a negative curvature.
    #[test]
    fn ranks_whose_sums_differ_in_the_last_bits_stop_together() {
        use std::sync::mpsc::{channel, Receiver, Sender};
        use std::time::Duration;
        let (rows, np) = (30, 40);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let a: Vec<f64> = (0..2 * rows * np)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect();
        let f: Vec<f64> = (0..np).map(|i| (i as f64 * 1.3).cos()).collect();
        // From the last bits to the seventh digit: deciding each on its own residual, the
        // ranks part at 1e-7 (one returns, the other waits for its next reduction).
        for error in [2e-16, 1e-13, 1e-12, 1e-10, 1e-7] {
            let (to_1, from_0) = channel::<Vec<f64>>();
            let (to_0, from_1) = channel::<Vec<f64>>();
            let rank = |r: usize, a: Vec<f64>, tx: Sender<Vec<f64>>, rx: Receiver<Vec<f64>>| {
                let f = f.clone();
                std::thread::spawn(move || {
                    let mut reduce = |buf: &mut [f64]| -> Result<()> {
                        tx.send(buf.to_vec())
                            .map_err(|_| Error::numerical("the other rank left"))?;
                        let other = rx
                            .recv_timeout(Duration::from_secs(10))
                            .map_err(|_| Error::numerical("the other rank left"))?;
                        for (x, o) in buf.iter_mut().zip(other) {
                            // The same sum on both (two terms commute), then rank 1's error.
                            let sum = *x + o;
                            *x = if r == 1 { sum * (1.0 + error) } else { sum };
                        }
                        Ok(())
                    };
                    let mut d = vec![0.0; np];
                    let iterations = sr_conjugate_gradient(
                        &a,
                        &f,
                        1e-2,
                        &mut reduce,
                        &mut CgWorkspace::default(),
                        &mut d,
                    );
                    (iterations, d)
                })
            };
            let r0 = rank(0, a[..rows * np].to_vec(), to_1, from_1);
            let r1 = rank(1, a[rows * np..].to_vec(), to_0, from_0);
            let ((i0, d0), (i1, d1)) = (r0.join().unwrap(), r1.join().unwrap());
            // The directions and residuals are averaged once they differ: both converge.
            let (i0, i1) = match (i0, i1) {
                (Ok(i0), Ok(i1)) => (i0, i1),
                (r0, r1) => panic!("error {error}: {r0:?} {r1:?}"),
            };
            assert_eq!(
                i0, i1,
                "error {error}: the ranks stopped at different iterations"
            );
            let diff = d0
                .iter()
                .zip(&d1)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            let size = d0.iter().map(|x| x.abs()).fold(0.0, f64::max);
            // The steps along the shared directions differ by the sums' error.
            assert!(
                diff < 1e3 * error.max(1e-13) * size,
                "error {error}: the directions differ by {diff} (size {size})"
            );
            // And they solve the system: the residual of rank 0's direction against the
            // exact sum of both ranks' A^T A, relative to f.
            let residual = residual_norm(&a, &f, 1e-2, &d0) / dot(&f, &f).sqrt();
            assert!(
                residual < 1e3 * error.max(1e-10),
                "error {error}: residual {residual}"
            );
        }
    }

    /// |(A^T A + shift I) d - f| for all of `a`'s rows.
    fn residual_norm(a: &[f64], f: &[f64], shift: f64, d: &[f64]) -> f64 {
        let np = f.len();
        let mut ad = vec![0.0; a.len() / np];
        let mut out = vec![0.0; np];
        matvec(a, ad.len(), np, d, &mut ad);
        matvec_transposed(a, ad.len(), np, &ad, &mut out);
        out.iter()
            .zip(d)
            .zip(f)
            .map(|((o, d), f)| (o + shift * d - f).powi(2))
            .sum::<f64>()
            .sqrt()
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
