//! One VMC step as a pipeline: sample, local energies, gradient estimate, preconditioner
//! (none, or SR), update rule (SGD, Adam).

use super::{StepTimings, Vmc, VmcStats};
use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::{check_operator, local_energies};
use crate::model::Model;
use crate::optim::Samples;
use crate::random::derive_seed;
use num_complex::Complex64;
use std::time::Instant;

impl Vmc {
    /// One step on `h`: draws this process's `n_samples` (seed derived from the config's
    /// seed and the step index), then [`Vmc::step_on_samples`]. A NaN or Inf anywhere, or a
    /// failing reduction, returns an error and leaves the parameters and the optimiser state
    /// unchanged.
    pub fn step(&mut self, model: &mut Model, h: &Hamiltonian) -> Result<VmcStats> {
        self.check_model_size(model.num_params())?;
        check_operator(model, h)?;
        let start = Instant::now();
        let ns = self.config.n_samples as usize;
        if let Err(e) = self.workspace.prepare_samples(ns, model.num_sites()) {
            return Err(self.reduction.fail_together(ns, e));
        }
        // The samples leave the workspace for the step (moving a Vec copies nothing).
        let mut configs = std::mem::take(&mut self.workspace.configs);
        let mut log_psi = std::mem::take(&mut self.workspace.log_psi);
        let result = model
            .sample(
                derive_seed(self.config.seed, self.steps),
                ns,
                &mut configs,
                Some(&mut log_psi),
            )
            .and_then(|()| self.update_on_samples(model, h, &configs, &log_psi, start));
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
        self.check_model_size(model.num_params())?;
        check_operator(model, h)?;
        let ns = log_psi.len();
        if ns == 0 {
            return Err(Error::invalid("a step needs at least one sample (got 0)"));
        }
        model.check_configs(configs, ns)?;
        self.update_on_samples(model, h, configs, log_psi, Instant::now())
    }

    /// The step after sampling; `start` is when the step began (sampling took until now).
    fn update_on_samples(
        &mut self,
        model: &mut Model,
        h: &Hamiltonian,
        configs: &[u8],
        log_psi: &[Complex64],
        start: Instant,
    ) -> Result<VmcStats> {
        let sampled = Instant::now();
        let (ns, np) = (log_psi.len(), model.num_params());
        let preconditioner = self.config.preconditioner_in_effect();
        let distributed = self.reduction.is_distributed();
        let Vmc {
            config,
            reduction,
            workspace: w,
            ..
        } = self;
        // Every buffer of the step, before its first reduction: a refusal reaches all
        // processes there.
        let prepared = w.prepare_step(ns, np).and_then(|()| {
            w.preconditioner
                .prepare(preconditioner, model, ns, distributed)
        });
        if let Err(e) = prepared {
            return Err(reduction.fail_together(ns, e));
        }

        local_energies(model, h, configs, &mut w.e_loc)?;
        // A non-finite local energy on one process reaches every process through the sums
        // of the first reduction, so all processes fail this step together rather than the
        // others waiting in a reduction this one never joins.
        let bad = w
            .e_loc
            .iter()
            .position(|e| !(e.re.is_finite() && e.im.is_finite()));
        let energy = reduction.estimate(&w.e_loc);
        if let Some(i) = bad {
            return Err(Error::numerical(format!(
                "local energy of sample {i} is {}",
                w.e_loc[i]
            )));
        }
        let energy = energy?;
        let local = Instant::now();

        // Annealing minimises <H> - T S: the gradient of E_loc + T ln P.
        let t = config.temperature;
        let mean = if t > 0.0 {
            for ((c, e), l) in w.centred.iter_mut().zip(&w.e_loc).zip(log_psi) {
                *c = e + t * 2.0 * l.re;
            }
            reduction.estimate(&w.centred)?.mean
        } else {
            w.centred.copy_from_slice(&w.e_loc);
            energy.mean
        };
        w.centred.iter_mut().for_each(|c| *c -= mean);

        // Gradient estimate and preconditioner: the energy gradient and the direction.
        let samples = Samples {
            model,
            configs,
            centred: &w.centred,
            n_total: energy.n as f64,
        };
        w.preconditioner.run(
            preconditioner,
            &samples,
            config.sr_diag_shift,
            distributed,
            &mut |buf| reduction.sum(buf),
            &mut w.grad,
            &mut w.direction,
        )?;
        let grad_norm = w.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        if !grad_norm.is_finite() {
            return Err(Error::numerical("the energy gradient is not finite"));
        }
        let differentiated = Instant::now();

        // Update rule: proposed, then committed once the model has taken the parameters.
        let rule = config.update_rule();
        w.update.propose(
            rule,
            &config.update_settings(),
            model.params(),
            &mut w.direction,
            self.adam.as_ref(),
        )?;
        model.set_params(&w.update.new_params)?; // refuses non-finite values, model unchanged
        w.update.commit(rule, &mut self.adam);
        let stats = VmcStats {
            step: self.steps,
            energy,
            grad_norm,
            seconds: start.elapsed().as_secs_f64(),
            timings: StepTimings {
                sampling: (sampled - start).as_secs_f64(),
                local_energies: (local - sampled).as_secs_f64(),
                gradient: (differentiated - local).as_secs_f64(),
                update: differentiated.elapsed().as_secs_f64(),
            },
        };
        self.steps += 1;
        Ok(stats)
    }
}
