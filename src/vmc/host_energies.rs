//! A step on local energies the host computed (its own operator): the same stages as
//! [`Vmc::step`] after the local energies, through one code path (`step.rs`).

use super::reduction::ENERGY_SUMS;
use super::step::LocalEnergies;
use super::{Vmc, VmcStats};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::random::derive_seed;
use num_complex::Complex64;
use std::time::Instant;

impl Vmc {
    /// Draws the samples the next [`Vmc::step`] draws: this process's `n_samples`
    /// (`configs`: `[n_samples][n_sites]`) with the seed derived from the config's seed and
    /// the step index, and optionally their ln psi, as [`Model::sample`]. A host that
    /// computes its own local energies of them and calls [`Vmc::step_on_local_energies`]
    /// takes the step [`Vmc::step`] takes with the same energies. A pass that overflows is
    /// `Numerical`, with both outputs zeroed as [`Model::sample`] leaves them.
    pub fn sample(
        &self,
        model: &Model,
        configs: &mut [u8],
        log_psi: Option<&mut [Complex64]>,
    ) -> Result<()> {
        let seed = derive_seed(self.config.seed, self.steps);
        model.sample(seed, self.config.n_samples as usize, configs, log_psi)
    }

    /// One step on this process's samples `configs` (`[n][n_sites]`, n >= 1, drawn from
    /// `model`'s |psi|^2) and the host's local energies of them (`[n]`, finite): the
    /// gradient, preconditioner and update rule of [`Vmc::step`], averaged over every
    /// process's samples through the reduction hook (the same reductions, in the same order:
    /// n may differ between processes and from the config's `n_samples`); the step counter
    /// advances. With a temperature T > 0 the samples' ln psi is evaluated for E_loc + T ln P.
    /// Refuses, before anything changes and joining the first reduction so that all
    /// processes fail together: n = 0, configurations of the wrong length, site values out
    /// of range or outside the model's U(1) subspace (`InvalidArgument`), a local energy
    /// that is not finite (`Numerical`), optimiser state of another model. On error the
    /// parameters, the optimiser state and the step counter are unchanged.
    pub fn step_on_local_energies(
        &mut self,
        model: &mut Model,
        configs: &[u8],
        local_energies: &[Complex64],
    ) -> Result<VmcStats> {
        self.cancellable(|v| v.run_step_on_local_energies(model, configs, local_energies))
    }

    /// [`Vmc::step_on_local_energies`] inside its cancellation scope.
    fn run_step_on_local_energies(
        &mut self,
        model: &mut Model,
        configs: &[u8],
        local_energies: &[Complex64],
    ) -> Result<VmcStats> {
        let n = local_energies.len();
        let ready = crate::cancel::check()
            .and_then(|()| self.check_model(model))
            .and_then(|()| match n {
                0 => Err(Error::invalid("a step needs at least one sample (got 0)")),
                _ => model.check_configs(configs, n),
            })
            .and_then(|()| model.check_inside_u1(configs))
            .and_then(|()| check_finite(local_energies));
        if let Err(e) = ready {
            return Err(self.reduction.fail_together(ENERGY_SUMS, n, e));
        }
        let energies = LocalEnergies::Given(local_energies);
        self.update_on_samples(model, energies, configs, None, Instant::now())
    }
}

/// Refuses a host's local energy that is not finite, naming the first.
fn check_finite(values: &[Complex64]) -> Result<()> {
    match values
        .iter()
        .position(|e| !(e.re.is_finite() && e.im.is_finite()))
    {
        None => Ok(()),
        Some(i) => Err(Error::numerical(format!(
            "local_energies[{i}] = {} is not finite",
            values[i]
        ))),
    }
}
