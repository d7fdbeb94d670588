//! Reconstruction from data: one optimiser step on the negative log-likelihood of measured
//! configurations, -(1/M) sum_m ln P(s_m), whose gradient RNNs give exactly.

use super::reduction::{
    check_count, check_fingerprint, fingerprint_values, FINGERPRINT_SUMS, FIT_SUMS,
};
use super::step::weighted_gradient;
use super::Vmc;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::optim::Preconditioner;

impl Vmc {
    /// One SGD or Adam step on the negative log-likelihood of `data` (`[n][n_sites]`, n >= 1,
    /// each value a site value below `local_dim`); returns the likelihood before the step
    /// (averaged over processes). Refused: SR (minSR, the SR or SPRING preconditioner;
    /// `Unsupported`), n = 0 or a value out of range (`InvalidArgument`), a length that is
    /// not a whole number of configurations (`BufferSize`).
    /// [`Vmc::cancel_token`] stops it at the next chunk boundary (`Cancelled`).
    pub fn fit_step(&mut self, model: &mut Model, data: &[u8]) -> Result<f64> {
        self.cancellable(|v| v.run_fit_step(model, data))
    }

    /// [`Vmc::fit_step`] inside its cancellation scope.
    fn run_fit_step(&mut self, model: &mut Model, data: &[u8]) -> Result<f64> {
        let sites = model.num_sites();
        let n = data.len() / sites;
        // Every refusal of this process's inputs joins the first reduction, so that the
        // other processes fail this step too instead of waiting there.
        let ready = crate::cancel::check()
            .and_then(|()| self.check_fit_inputs(model, data))
            .and_then(|()| {
                let w = &mut self.workspace;
                // Sized by the caller's data: fallible, refused naming the size.
                w.prepare_weights(n)?;
                w.prepare_update(model.num_params())?;
                crate::buffer::reuse(&mut w.log_p, n, "the data's ln P")?;
                model.log_prob(data, &mut w.log_p)?;
                match w.log_p.iter().position(|l| !l.is_finite()) {
                    Some(i) => Err(Error::numerical(format!(
                        "ln P of data configuration {i} is {}",
                        w.log_p[i]
                    ))),
                    None => Ok(()),
                }
            });
        if let Err(e) = ready {
            return Err(self.reduction.fail_together(FIT_SUMS, n, e));
        }
        let mut sums = [0.0; FIT_SUMS];
        fingerprint_values(self.fingerprint(model), &mut sums);
        let w = &mut self.workspace;
        sums[FINGERPRINT_SUMS] = -w.log_p.iter().sum::<f64>();
        sums[FINGERPRINT_SUMS + 1] = n as f64;
        self.reduction.sum(&mut sums)?;
        check_fingerprint(&sums)?;
        let n_total = check_count(sums[FINGERPRINT_SUMS + 1])?;
        let nll = sums[FINGERPRINT_SUMS] / n_total;
        // d(-ln P)/d theta = -2 d Re ln psi / d theta.
        w.re.fill(-2.0 / n_total);
        w.im.fill(0.0);
        weighted_gradient(model, data, &w.re, &w.im, &mut self.reduction, &mut w.grad)?;
        w.direction.copy_from_slice(&w.grad);
        self.apply_update_rule(model, Preconditioner::None)?;
        Ok(nll)
    }

    /// The refusals of a fit step's own inputs (see [`Vmc::fit_step`]).
    fn check_fit_inputs(&self, model: &Model, data: &[u8]) -> Result<()> {
        self.check_model(model)?;
        if self.config.preconditioner_in_effect().solves_sr() {
            return Err(Error::unsupported(
                "fit_step takes SGD or Adam without preconditioner; SR (minSR, SPRING) is defined for energies",
            ));
        }
        let sites = model.num_sites();
        if data.is_empty() {
            return Err(Error::invalid(
                "data is empty (n = 0): a fit step needs at least one configuration",
            ));
        }
        if !data.len().is_multiple_of(sites) {
            return Err(Error::buffer_size(format!(
                "data holds {} values: not a whole number of {sites}-site configurations",
                data.len()
            )));
        }
        model
            .check_configs(data, data.len() / sites)
            .and_then(|()| model.check_inside_u1(data))
            .map_err(|e| Error::new(e.kind, format!("data: {}", e.message)))
    }
}
