//! The preconditioner stage of a step: from the gradient stage (computed by the step on the
//! model) to the update direction. Without one the direction is the gradient. Stochastic
//! reconfiguration (SR) makes it the natural gradient (S + lambda I)^{-1} f, with S the
//! covariance of the log-derivatives and f the force (half the gradient): solved in sample
//! space by Cholesky (minSR) on one process, by conjugate gradient in parameter space when a
//! reduction hook spreads the samples over processes. SPRING is SR with momentum
//! (`spring.rs`). The stage sees arrays only, never a model.

use super::minsr::{minsr_direction, MinSrWorkspace, SrSolve};
use super::spring::Momentum;
use super::sr_cg::{sr_conjugate_gradient, CgWorkspace};
use crate::buffer::{product, reuse};
use crate::error::{Error, Result};
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
    /// SPRING: SR whose shift pulls towards `sr_momentum` times the previous update rather
    /// than towards zero (Goldshlager, Abrahamsen and Lin 2024); `sr_momentum = 0` is SR.
    Spring,
}

impl Preconditioner {
    /// Whether the stage solves SR's system (SR or SPRING), from the per-sample
    /// log-derivatives; otherwise it takes the gradient as it is.
    pub fn solves_sr(self) -> bool {
        matches!(self, Preconditioner::Sr | Preconditioner::Spring)
    }
}

/// Sums a buffer over processes (identity on one process).
pub(crate) type Reduce<'a> = &'a mut dyn FnMut(&mut [f64]) -> Result<()>;

/// A step's gradient stage as SR sees it: arrays of this process's samples.
pub(crate) struct Samples<'a> {
    /// d ln psi / d theta of each sample, `[n][num_params]`.
    pub o: &'a [Complex64],
    pub num_params: usize,
    /// Whether the imaginary parts take part: without a phase head they vanish.
    pub complex: bool,
    /// Local values (E_loc, or E_loc + T ln P) minus their mean over all processes.
    pub centred: &'a [Complex64],
    /// Samples over all processes.
    pub n_total: f64,
}

/// The settings of one SR solve.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SrSettings<'a> {
    /// lambda of (S + lambda I).
    pub shift: f64,
    /// SPRING's momentum; None: plain SR.
    pub momentum: Option<Momentum<'a>>,
}

/// The stage's memory, kept between steps and reused while the sizes stay the same.
#[derive(Debug, Default)]
pub(crate) struct PreconditionerWorkspace {
    /// The mean log-derivative, and its sums over processes.
    mean: Vec<Complex64>,
    sums: Vec<f64>,
    /// A (`[rows][num_params]`), b (`rows`), the force f = A^T b, and scratch: A phi_{k-1}
    /// in sample space (`rows`), the right-hand side of the CG in parameter space.
    a: Vec<f64>,
    b: Vec<f64>,
    force: Vec<f64>,
    scratch: Vec<f64>,
    minsr: MinSrWorkspace,
    cg: CgWorkspace,
}

/// SR's rows per sample: the imaginary rows take part only with `complex`.
fn sr_parts(complex: bool) -> usize {
    if complex {
        2
    } else {
        1
    }
}

impl PreconditionerWorkspace {
    /// Allocates every buffer SR needs for `n` samples and `np` parameters, so that a size
    /// no memory holds is refused before the step's first reduction (and so on every
    /// process). `distributed`: the solve is by conjugate gradient rather than in sample
    /// space.
    pub(crate) fn prepare(
        &mut self,
        n: usize,
        np: usize,
        complex: bool,
        distributed: bool,
    ) -> Result<()> {
        let rows = product(sr_parts(complex), n, "SR's rows")?;
        reuse(&mut self.mean, np, "SR's mean log-derivative")?;
        reuse(&mut self.sums, 2 * np, "SR's mean log-derivative")?;
        let a_len = product(rows, np, "SR's matrix A")?;
        reuse(&mut self.a, a_len, "SR's matrix A")?;
        reuse(&mut self.b, rows, "SR's vector b")?;
        reuse(&mut self.force, np, "SR's force")?;
        if distributed {
            reuse(&mut self.scratch, np, "SPRING's right-hand side")?;
            self.cg.prepare(rows, np)
        } else {
            reuse(&mut self.scratch, rows, "SPRING's projection A phi")?;
            self.minsr.prepare(rows)
        }
    }

    /// Fails SR on this process together with the others, which are about to take
    /// [`Self::natural_gradient`]'s first reduction (the mean log-derivative, prepared by
    /// [`Self::prepare`]): joins it with NaN (+inf after a cancellation), which every
    /// process sees, and returns `error`.
    pub(crate) fn fail_together(&mut self, reduce: Reduce<'_>, error: Error) -> Error {
        self.sums.fill(crate::cancel::failure_fill(&error));
        let _ = reduce(&mut self.sums);
        error
    }

    /// SR: writes the energy gradient (over all processes) into `grad` and the natural
    /// gradient (SPRING's update with momentum) into `direction` (both `num_params`), and
    /// says how the system was solved. `distributed`: a reduction hook is set.
    pub(crate) fn natural_gradient(
        &mut self,
        s: &Samples<'_>,
        settings: SrSettings<'_>,
        distributed: bool,
        reduce: Reduce<'_>,
        grad: &mut [f64],
        direction: &mut [f64],
    ) -> Result<SrSolve> {
        self.prepare(s.centred.len(), s.num_params, s.complex, distributed)?;
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
        let shift = settings.shift;
        if distributed {
            // Samples spread over processes: conjugate gradient in parameter space, one
            // reduction per product, instead of gathering A on every process.
            let rhs = match settings.momentum {
                Some(m) => {
                    m.parameter_space_rhs(f, shift, &mut self.scratch);
                    &self.scratch
                }
                None => &*f,
            };
            let iterations =
                sr_conjugate_gradient(&self.a, rhs, shift, reduce, &mut self.cg, direction)?;
            Ok(SrSolve::ConjugateGradient { iterations })
        } else {
            crate::cancel::check()?;
            if let Some(m) = settings.momentum {
                m.project_residual(&self.a, &mut self.b, &mut self.scratch);
            }
            let solve = minsr_direction(&self.a, &self.b, shift, &mut self.minsr, direction)?;
            if let Some(m) = settings.momentum {
                m.add_decayed(direction);
            }
            Ok(solve)
        }
    }

    /// minSR's A (centred log-derivatives over sqrt(N), real rows then imaginary rows) and b
    /// (centred local values over sqrt(N), stacked the same way). Without a phase head the
    /// imaginary rows of A vanish and contribute nothing, so they are left out.
    fn sample_space_system(&mut self, s: &Samples<'_>, reduce: Reduce<'_>) -> Result<()> {
        let (ns, np) = (s.centred.len(), s.num_params);
        let mean = &mut self.mean;
        mean.fill(Complex64::new(0.0, 0.0));
        for row in s.o.chunks_exact(np) {
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
        let complex = s.complex;
        let scale = 1.0 / s.n_total.sqrt();
        let (a, b) = (&mut self.a, &mut self.b);
        for (i, row) in s.o.chunks_exact(np).enumerate() {
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
