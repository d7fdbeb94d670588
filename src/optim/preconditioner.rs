//! The preconditioner stage of a step: from the samples' centred local values to the energy
//! gradient and the update direction. Without one the direction is the gradient, from one
//! backward pass. Stochastic reconfiguration (SR) makes it the natural gradient
//! (S + lambda I)^{-1} f, with S the covariance of the log-derivatives and f the force (half
//! the gradient): solved in sample space by Cholesky (minSR) on one process, by conjugate
//! gradient in parameter space when a reduction hook spreads the samples over processes.

use super::minsr::{minsr_direction, MinSrWorkspace, SrSolve};
use super::sr_cg::{sr_conjugate_gradient, CgWorkspace};
use crate::buffer::{product, reuse};
use crate::error::Result;
use crate::model::{Model, PhaseKind};
use num_complex::Complex64;

/// What turns the gradient into the update direction, before the update rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preconditioner {
    /// The update direction is the gradient.
    #[default]
    None,
    /// Stochastic reconfiguration: the direction is the natural gradient
    /// (S + sr_diag_shift I)^{-1} f.
    Sr,
}

/// Sums a buffer over processes (identity on one process).
pub(crate) type Reduce<'a> = &'a mut dyn FnMut(&mut [f64]) -> Result<()>;

/// A step's samples as the preconditioner sees them.
pub(crate) struct Samples<'a> {
    pub model: &'a Model,
    /// `[n][n_sites]`
    pub configs: &'a [u8],
    /// Local values (E_loc, or E_loc + T ln P) minus their mean over all processes.
    pub centred: &'a [Complex64],
    /// Samples over all processes.
    pub n_total: f64,
}

/// The stage's memory, kept between steps and reused while the sizes stay the same.
#[derive(Debug, Default)]
pub(crate) struct PreconditionerWorkspace {
    /// Weights of the backward pass (no preconditioner).
    re: Vec<f64>,
    im: Vec<f64>,
    /// SR: per-sample log-derivatives `[n][num_params]` and their mean.
    o: Vec<Complex64>,
    mean: Vec<Complex64>,
    sums: Vec<f64>,
    /// SR: A (`[parts * n][num_params]`), b (`parts * n`) and the force f = A^T b.
    a: Vec<f64>,
    b: Vec<f64>,
    force: Vec<f64>,
    minsr: MinSrWorkspace,
    cg: CgWorkspace,
}

/// Whether SR's imaginary rows take part: only a phase head makes them non-zero.
fn sr_parts(model: &Model) -> usize {
    if model.config().phase == PhaseKind::Softsign {
        2
    } else {
        1
    }
}

impl PreconditionerWorkspace {
    /// Allocates every buffer the stage needs for `n` samples of `model`, so that a size no
    /// memory holds is refused before the step's first reduction (and so on every process).
    /// `distributed`: SR solves by conjugate gradient rather than in sample space.
    pub(crate) fn prepare(
        &mut self,
        p: Preconditioner,
        model: &Model,
        n: usize,
        distributed: bool,
    ) -> Result<()> {
        let np = model.num_params();
        match p {
            Preconditioner::None => {
                reuse(&mut self.re, n, "the gradient's sample weights")?;
                reuse(&mut self.im, n, "the gradient's sample weights")
            }
            Preconditioner::Sr => {
                let rows = product(sr_parts(model), n, "SR's rows")?;
                let o_len = product(n, np, "the log-derivative matrix O")?;
                reuse(&mut self.o, o_len, "the log-derivative matrix O")?;
                reuse(&mut self.mean, np, "SR's mean log-derivative")?;
                reuse(&mut self.sums, 2 * np, "SR's mean log-derivative")?;
                let a_len = product(rows, np, "SR's matrix A")?;
                reuse(&mut self.a, a_len, "SR's matrix A")?;
                reuse(&mut self.b, rows, "SR's vector b")?;
                reuse(&mut self.force, np, "SR's force")?;
                if distributed {
                    self.cg.prepare(rows, np)
                } else {
                    self.minsr.prepare(rows)
                }
            }
        }
    }

    /// Writes the energy gradient (over all processes) into `grad` and the update direction
    /// into `direction` (both `num_params`), and says how an SR system was solved.
    /// `distributed`: a reduction hook is set.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(
        &mut self,
        p: Preconditioner,
        s: &Samples<'_>,
        sr_diag_shift: f64,
        distributed: bool,
        reduce: Reduce<'_>,
        grad: &mut [f64],
        direction: &mut [f64],
    ) -> Result<SrSolve> {
        self.prepare(p, s.model, s.centred.len(), distributed)?;
        match p {
            Preconditioner::None => {
                self.gradient_by_backward_pass(s, reduce, grad)?;
                direction.copy_from_slice(grad);
                Ok(SrSolve::NotUsed)
            }
            Preconditioner::Sr => {
                self.sample_space_system(s, reduce)?;
                let np = grad.len();
                // f = A^T b over all processes; the energy gradient is 2 f.
                let f = &mut self.force;
                f.fill(0.0);
                for (row, &bi) in self.a.chunks_exact(np).zip(&self.b) {
                    f.iter_mut().zip(row).for_each(|(f, x)| *f += x * bi);
                }
                reduce(f)?;
                grad.iter_mut()
                    .zip(f.iter())
                    .for_each(|(g, f)| *g = 2.0 * f);
                if distributed {
                    // Samples spread over processes: conjugate gradient in parameter space,
                    // one reduction per product, instead of gathering A on every process.
                    let iterations = sr_conjugate_gradient(
                        &self.a,
                        f,
                        sr_diag_shift,
                        reduce,
                        &mut self.cg,
                        direction,
                    )?;
                    Ok(SrSolve::ConjugateGradient { iterations })
                } else {
                    minsr_direction(&self.a, &self.b, sr_diag_shift, &mut self.minsr, direction)
                }
            }
        }
    }

    /// The energy gradient `2 Re sum_i (centred_i)^* d ln psi_i / N` from one backward pass,
    /// summed over processes.
    fn gradient_by_backward_pass(
        &mut self,
        s: &Samples<'_>,
        reduce: Reduce<'_>,
        grad: &mut [f64],
    ) -> Result<()> {
        for ((re, im), c) in self.re.iter_mut().zip(&mut self.im).zip(s.centred) {
            *re = 2.0 * c.re / s.n_total;
            *im = 2.0 * c.im / s.n_total;
        }
        s.model.log_psi_vjp(s.configs, &self.re, &self.im, grad)?;
        reduce(grad)
    }

    /// minSR's A (centred log-derivatives over sqrt(N), real rows then imaginary rows) and b
    /// (centred local values over sqrt(N), stacked the same way). Without a phase head the
    /// imaginary rows of A vanish and contribute nothing, so they are left out.
    fn sample_space_system(&mut self, s: &Samples<'_>, reduce: Reduce<'_>) -> Result<()> {
        let (ns, np) = (s.centred.len(), s.model.num_params());
        s.model.log_psi_grad(s.configs, &mut self.o)?;
        let mean = &mut self.mean;
        mean.fill(Complex64::new(0.0, 0.0));
        for row in self.o.chunks_exact(np) {
            mean.iter_mut().zip(row).for_each(|(m, x)| *m += x);
        }
        // The mean over all processes' samples.
        for (s, m) in self.sums.chunks_exact_mut(2).zip(mean.iter()) {
            s[0] = m.re;
            s[1] = m.im;
        }
        reduce(&mut self.sums)?;
        for (m, sum) in mean.iter_mut().zip(self.sums.chunks_exact(2)) {
            *m = Complex64::new(sum[0], sum[1]) / s.n_total;
        }
        let complex = sr_parts(s.model) == 2;
        let scale = 1.0 / s.n_total.sqrt();
        let (a, b) = (&mut self.a, &mut self.b);
        for (i, row) in self.o.chunks_exact(np).enumerate() {
            for (k, (x, m)) in row.iter().zip(mean.iter()).enumerate() {
                let c = (x - m) * scale;
                a[i * np + k] = c.re;
                if complex {
                    a[(ns + i) * np + k] = c.im;
                }
            }
            b[i] = s.centred[i].re * scale;
            if complex {
                b[ns + i] = s.centred[i].im * scale;
            }
        }
        Ok(())
    }
}
