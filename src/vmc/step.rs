//! One VMC step as a pipeline: sample, local energies, gradient estimate, preconditioner
//! (none, or SR), update rule (SGD, Adam).

use super::reduction::{Reduction, ENERGY_SUMS};
use super::{StepTimings, Vmc, VmcStats};
use crate::buffer::reuse;
use crate::error::{Error, Result};
use crate::estimators::Estimate;
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::{check_operator, local_energies};
use crate::model::{Model, PhaseKind};
use crate::optim::{Momentum, Preconditioner, Samples, SrSettings, SrSolve};
use num_complex::Complex64;
use std::time::Instant;

impl Vmc {
    /// One step on `h`: draws this process's `n_samples` (seed derived from the config's
    /// seed and the step index), then [`Vmc::step_on_samples`]. A NaN or Inf anywhere, or a
    /// failing reduction, returns an error and leaves the parameters and the optimiser state
    /// unchanged.
    /// [`Vmc::cancel_token`] stops it at the next chunk boundary (`Cancelled`).
    pub fn step(&mut self, model: &mut Model, h: &Hamiltonian) -> Result<VmcStats> {
        self.cancellable(|v| v.run_step(model, h))
    }

    /// [`Vmc::step`] inside its cancellation scope.
    fn run_step(&mut self, model: &mut Model, h: &Hamiltonian) -> Result<VmcStats> {
        let start = Instant::now();
        let ns = self.config.n_samples as usize;
        // Every refusal before the first reduction (model, operator, memory) joins it, so
        // that the other processes fail this step too instead of waiting there.
        let ready = crate::cancel::check()
            .and_then(|()| self.check_model(model))
            .and_then(|()| check_operator(model, h))
            .and_then(|()| h.try_compiled().map(drop))
            .and_then(|()| self.workspace.prepare_samples(ns, model.num_sites()));
        if let Err(e) = ready {
            return Err(self.reduction.fail_together(ENERGY_SUMS, ns, e));
        }
        // The samples leave the workspace for the step (moving a Vec copies nothing).
        let mut configs = std::mem::take(&mut self.workspace.configs);
        let mut log_psi = std::mem::take(&mut self.workspace.log_psi);
        let sampled = self.sample(model, &mut configs, Some(&mut log_psi));
        let result = match sampled {
            Err(e) => Err(self.reduction.fail_together(ENERGY_SUMS, ns, e)),
            Ok(()) => {
                self.update_on_samples(model, LocalEnergies::Of(h), &configs, Some(&log_psi), start)
            }
        };
        self.workspace.configs = configs;
        self.workspace.log_psi = log_psi;
        result
    }

    /// The step on given samples of this process: `configs` (`[n][n_sites]`, n >= 1, drawn
    /// from `model`'s |psi|^2) and their `log_psi`. Local energies, the gradient and the
    /// update are as in [`Vmc::step`], averaged over every process's samples through the
    /// reduction hook; the step counter advances. `n` need not be the config's `n_samples`.
    /// On error the parameters, the optimiser state and the step counter are unchanged.
    pub fn step_on_samples(
        &mut self,
        model: &mut Model,
        h: &Hamiltonian,
        configs: &[u8],
        log_psi: &[Complex64],
    ) -> Result<VmcStats> {
        self.cancellable(|v| v.run_step_on_samples(model, h, configs, log_psi))
    }

    /// [`Vmc::step_on_samples`] inside its cancellation scope.
    fn run_step_on_samples(
        &mut self,
        model: &mut Model,
        h: &Hamiltonian,
        configs: &[u8],
        log_psi: &[Complex64],
    ) -> Result<VmcStats> {
        let ns = log_psi.len();
        let ready = crate::cancel::check()
            .and_then(|()| self.check_model(model))
            .and_then(|()| check_operator(model, h))
            .and_then(|()| h.try_compiled().map(drop))
            .and_then(|()| match ns {
                0 => Err(Error::invalid("a step needs at least one sample (got 0)")),
                _ => model.check_configs(configs, ns),
            });
        if let Err(e) = ready {
            return Err(self.reduction.fail_together(ENERGY_SUMS, ns, e));
        }
        let energies = LocalEnergies::Of(h);
        self.update_on_samples(model, energies, configs, Some(log_psi), Instant::now())
    }

    /// The step after sampling, on checked samples; `start` is when the step began
    /// (sampling took until now). `log_psi`, when known, saves annealing a pass.
    pub(super) fn update_on_samples(
        &mut self,
        model: &mut Model,
        energies: LocalEnergies,
        configs: &[u8],
        log_psi: Option<&[Complex64]>,
        start: Instant,
    ) -> Result<VmcStats> {
        let sampled = Instant::now();
        let n = configs.len() / model.num_sites();
        let preconditioner = self.config.preconditioner_in_effect();
        self.prepare_buffers(model, n, preconditioner)?;
        let energy = self.centred_local_values(model, energies, configs, log_psi)?;
        let local = Instant::now();
        let (grad_norm, sr_solve) =
            self.precondition(model, configs, energy.n as f64, preconditioner)?;
        let differentiated = Instant::now();
        let step = self.steps;
        self.apply_update_rule(model, preconditioner)?;
        let stats = VmcStats {
            step,
            energy,
            grad_norm,
            sr_solve,
            seconds: start.elapsed().as_secs_f64(),
            timings: StepTimings {
                sampling: (sampled - start).as_secs_f64(),
                local_energies: (local - sampled).as_secs_f64(),
                gradient: (differentiated - local).as_secs_f64(),
                update: differentiated.elapsed().as_secs_f64(),
            },
        };
        Ok(stats)
    }

    /// Every buffer of the step for `n` samples, before its first reduction: a refusal
    /// (memory) reaches all processes there.
    fn prepare_buffers(
        &mut self,
        model: &Model,
        n: usize,
        preconditioner: Preconditioner,
    ) -> Result<()> {
        let distributed = self.reduction.is_distributed();
        let np = model.num_params();
        let w = &mut self.workspace;
        let prepared = w.prepare_step(n, np).and_then(|()| {
            if preconditioner.solves_sr() {
                w.prepare_log_derivatives(n, np)?;
                w.preconditioner
                    .prepare(n, np, has_phase(model), distributed)?;
            } else {
                w.prepare_weights(n)?;
            }
            if preconditioner == Preconditioner::Spring {
                reuse(&mut w.next_previous_update, np, "SPRING's update")?;
            }
            Ok(())
        });
        prepared.map_err(|e| self.reduction.fail_together(ENERGY_SUMS, n, e))
    }

    /// Local energies and their estimate over all processes; leaves the objective's local
    /// values (E_loc, or E_loc + T ln P when annealing) minus their mean in the workspace.
    fn centred_local_values(
        &mut self,
        model: &Model,
        energies: LocalEnergies,
        configs: &[u8],
        log_psi: Option<&[Complex64]>,
    ) -> Result<Estimate> {
        let fingerprint = self.fingerprint(model);
        let t = self.config.temperature;
        let (w, reduction) = (&mut self.workspace, &mut self.reduction);
        let n = w.e_loc.len();
        // A refusal of the local energies on one process (a non-finite value, samples
        // outside the U(1) subspace), or of the ln psi annealing needs, reaches every
        // process through the sums of the first reduction, so all processes fail this step
        // together rather than the others waiting in a reduction this one never joins.
        let ready = match energies {
            LocalEnergies::Of(h) => local_energies(model, h, configs, &mut w.e_loc),
            LocalEnergies::Given(e) => {
                w.e_loc.copy_from_slice(e);
                Ok(())
            }
        }
        .and_then(|()| match log_psi {
            _ if t <= 0.0 => Ok(()),
            Some(l) => {
                w.centred.copy_from_slice(l);
                Ok(())
            }
            None => model.log_psi(configs, &mut w.centred),
        });
        if let Err(e) = ready {
            return Err(reduction.fail_together(ENERGY_SUMS, n, e));
        }
        let energy = reduction.first_estimate(&w.e_loc, fingerprint)?;
        // Annealing minimises <H> - T S: the gradient of E_loc + T ln P (w.centred holds
        // ln psi until here).
        let mean = if t > 0.0 {
            for (c, e) in w.centred.iter_mut().zip(&w.e_loc) {
                *c = e + t * 2.0 * c.re;
            }
            reduction.estimate(&w.centred)?.mean
        } else {
            w.centred.copy_from_slice(&w.e_loc);
            energy.mean
        };
        w.centred.iter_mut().for_each(|c| *c -= mean);
        Ok(energy)
    }

    /// Gradient stage and preconditioner: the energy gradient and the update direction
    /// into the workspace; returns the gradient's norm and how an SR system was solved. The
    /// step computes what needs the model (the per-sample log-derivatives for SR, or the
    /// weighted gradient); the optimiser sees arrays only.
    fn precondition(
        &mut self,
        model: &Model,
        configs: &[u8],
        n_total: f64,
        preconditioner: Preconditioner,
    ) -> Result<(f64, SrSolve)> {
        let distributed = self.reduction.is_distributed();
        let (w, reduction) = (&mut self.workspace, &mut self.reduction);
        let sr_solve = if preconditioner.solves_sr() {
            if let Err(e) = model.log_psi_grad(configs, &mut w.o) {
                // SR's first reduction comes next on the other processes: this one joins it
                // with non-finite sums, so that all fail there together.
                return Err(w
                    .preconditioner
                    .fail_together(&mut |buf| reduction.sum(buf), e));
            }
            let samples = Samples {
                o: &w.o,
                num_params: model.num_params(),
                complex: has_phase(model),
                centred: &w.centred,
                n_total,
            };
            let mu = self.config.sr_momentum;
            let momentum = match (preconditioner, &self.previous_update) {
                (Preconditioner::Spring, Some(previous)) if mu > 0.0 => {
                    Some(Momentum { mu, previous })
                }
                _ => None,
            };
            let settings = SrSettings {
                shift: self.config.sr_diag_shift,
                momentum,
            };
            w.preconditioner.natural_gradient(
                &samples,
                settings,
                distributed,
                &mut |buf| reduction.sum(buf),
                &mut w.grad,
                &mut w.direction,
            )?
        } else {
            // The energy gradient 2 Re sum_i (centred_i)^* d ln psi_i / N.
            for ((re, im), c) in w.re.iter_mut().zip(&mut w.im).zip(&w.centred) {
                *re = 2.0 * c.re / n_total;
                *im = 2.0 * c.im / n_total;
            }
            weighted_gradient(model, configs, &w.re, &w.im, reduction, &mut w.grad)?;
            w.direction.copy_from_slice(&w.grad);
            SrSolve::NotUsed
        };
        let grad_norm = w.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        if !grad_norm.is_finite() {
            return Err(Error::numerical("the energy gradient is not finite"));
        }
        Ok((grad_norm, sr_solve))
    }

    /// The update rule on the workspace's direction: proposed, then committed once the
    /// model has taken the parameters (it refuses non-finite ones, unchanged). With SPRING
    /// the direction (clipped) becomes the next step's previous update. Counts the step.
    pub(super) fn apply_update_rule(
        &mut self,
        model: &mut Model,
        preconditioner: Preconditioner,
    ) -> Result<()> {
        let rule = self.config.update_rule();
        let w = &mut self.workspace;
        w.update.propose(
            rule,
            &self.config.update_settings(),
            model.params(),
            &mut w.direction,
            self.adam.as_ref(),
        )?;
        model.set_params(&w.update.new_params)?;
        w.update.commit(rule, &mut self.adam);
        if preconditioner == Preconditioner::Spring {
            // Prepared before the step's first reduction: nothing here can fail.
            w.next_previous_update.copy_from_slice(&w.direction);
            match &mut self.previous_update {
                Some(previous) => std::mem::swap(previous, &mut w.next_previous_update),
                None => self.previous_update = Some(std::mem::take(&mut w.next_previous_update)),
            }
        }
        self.state_belongs_to(model);
        self.steps += 1;
        Ok(())
    }
}

/// Where a step's local energies come from.
#[derive(Clone, Copy)]
pub(super) enum LocalEnergies<'a> {
    /// Computed from the operator.
    Of(&'a Hamiltonian),
    /// Given by the host, one per sample, checked finite.
    Given(&'a [Complex64]),
}

/// Whether the log-derivatives have imaginary parts that depend on the parameters: only a
/// phase head gives them (a sign rule's phase is constant).
fn has_phase(model: &Model) -> bool {
    model.config().phase == PhaseKind::Softsign
}

/// The gradient `sum_i (re_i d Re ln psi_i + im_i d Im ln psi_i)` of this process's
/// `configs` from one backward pass, summed over processes into `grad`.
pub(super) fn weighted_gradient(
    model: &Model,
    configs: &[u8],
    re: &[f64],
    im: &[f64],
    reduction: &mut Reduction,
    grad: &mut [f64],
) -> Result<()> {
    if let Err(e) = model.log_psi_vjp(configs, re, im, grad) {
        // A late refusal (the per-chunk gradient buffers' memory): this process joins the
        // gradient's reduction with non-finite sums, so that the others fail there too
        // instead of waiting in a reduction it never joins.
        grad.fill(crate::cancel::failure_fill(&e));
        let _ = reduction.sum(grad);
        return Err(e);
    }
    reduction.sum(grad)
}
