//! The training driver's settings and their validation.

use crate::error::{Error, Result};
use crate::optim::{Optimizer, Preconditioner, UpdateRule, UpdateSettings};

/// Settings of a VMC run (the C API's `rnnwf_vmc_config`). Build one from the defaults:
/// `VmcConfig::default().with_optimizer(Optimizer::Adam).with_preconditioner(Preconditioner::Sr)`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VmcConfig {
    /// The update rule (SGD, Adam), or minSR (SGD after SR, whatever `preconditioner` says).
    pub optimizer: Optimizer,
    /// What turns the gradient into the update direction: none, SR or SPRING (with SGD or
    /// Adam).
    pub preconditioner: Preconditioner,
    /// Samples per step on this process.
    pub n_samples: u64,
    pub learning_rate: f64,
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    pub adam_eps: f64,
    /// lambda of SR's shift: (A A^T + lambda I) in sample space, (A^T A + lambda I) by
    /// conjugate gradient under a reduction hook.
    pub sr_diag_shift: f64,
    /// SPRING's mu in [0, 1): the decay of the previous update that the SR solve is
    /// projected against; 0 = plain SR. Read only with [`Preconditioner::Spring`].
    pub sr_momentum: f64,
    /// Largest norm of the update direction (the gradient without SR, the natural gradient
    /// with SR); 0 = no clipping.
    pub grad_clip: f64,
    /// Annealing: minimise `<H> - T S` with `S = -<ln P>`; 0 = plain VMC.
    pub temperature: f64,
    /// Seed of the samples; step k draws with a seed derived from (seed, k).
    pub seed: u64,
}

impl Default for VmcConfig {
    fn default() -> Self {
        VmcConfig {
            optimizer: Optimizer::Adam,
            preconditioner: Preconditioner::None,
            n_samples: 1024,
            learning_rate: 1e-3,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_eps: 1e-8,
            sr_diag_shift: 1e-4,
            sr_momentum: 0.0,
            grad_clip: 0.0,
            temperature: 0.0,
            seed: 0,
        }
    }
}

crate::settings::with_setters!(VmcConfig {
    with_optimizer => optimizer: Optimizer,
    with_preconditioner => preconditioner: Preconditioner,
    with_n_samples => n_samples: u64,
    with_learning_rate => learning_rate: f64,
    with_adam_beta1 => adam_beta1: f64,
    with_adam_beta2 => adam_beta2: f64,
    with_adam_eps => adam_eps: f64,
    with_sr_diag_shift => sr_diag_shift: f64,
    with_sr_momentum => sr_momentum: f64,
    with_grad_clip => grad_clip: f64,
    with_temperature => temperature: f64,
    with_seed => seed: u64,
});

fn check_finite_at_least(name: &str, value: f64, min: f64) -> Result<()> {
    if value.is_finite() && value >= min {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{name} must be a finite number >= {min} (got {value})"
        )))
    }
}

impl VmcConfig {
    /// The preconditioner a step runs: `preconditioner`, except SR for minSR without one.
    pub fn preconditioner_in_effect(&self) -> Preconditioner {
        self.optimizer.preconditioner_with(self.preconditioner)
    }

    /// The update rule a step applies (SGD for minSR).
    pub fn update_rule(&self) -> UpdateRule {
        self.optimizer.update_rule()
    }

    pub(crate) fn update_settings(&self) -> UpdateSettings {
        UpdateSettings {
            learning_rate: self.learning_rate,
            beta1: self.adam_beta1,
            beta2: self.adam_beta2,
            eps: self.adam_eps,
            clip: self.grad_clip,
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.n_samples == 0 {
            return Err(Error::invalid("n_samples must be at least 1 (got 0)"));
        }
        if self.n_samples > 1 << 40 {
            return Err(Error::invalid(format!(
                "n_samples = {} is beyond any memory",
                self.n_samples
            )));
        }
        check_finite_at_least("learning_rate", self.learning_rate, 0.0)?;
        for (name, beta) in [
            ("adam_beta1", self.adam_beta1),
            ("adam_beta2", self.adam_beta2),
        ] {
            if !(beta.is_finite() && (0.0..1.0).contains(&beta)) {
                return Err(Error::invalid(format!(
                    "{name} must be in [0, 1) (got {beta})"
                )));
            }
        }
        if !(self.adam_eps.is_finite() && self.adam_eps > 0.0) {
            return Err(Error::invalid(format!(
                "adam_eps must be a finite number > 0 (got {})",
                self.adam_eps
            )));
        }
        check_finite_at_least("sr_diag_shift", self.sr_diag_shift, 0.0)?;
        // mu = 1 keeps every past update undamped along directions the samples never see,
        // which can grow without bound; mu > 1 amplifies them.
        if !(self.sr_momentum.is_finite() && (0.0..1.0).contains(&self.sr_momentum)) {
            return Err(Error::invalid(format!(
                "sr_momentum must be in [0, 1) (got {})",
                self.sr_momentum
            )));
        }
        check_finite_at_least("grad_clip", self.grad_clip, 0.0)?;
        check_finite_at_least("temperature", self.temperature, 0.0)?;
        Ok(())
    }
}
