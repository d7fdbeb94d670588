//! Reconstruction from data: one optimiser step on the negative log-likelihood of measured
//! configurations, -(1/M) sum_m ln P(s_m), whose gradient RNNs give exactly.

use super::Vmc;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::optim::Optimizer;

impl Vmc {
    /// One SGD or Adam step on the negative log-likelihood of `data` (`[n][n_sites]`);
    /// returns the likelihood before the step (averaged over processes).
    pub fn fit_step(&mut self, model: &mut Model, data: &[u8]) -> Result<f64> {
        self.check_model_size(model.num_params())?;
        if self.config.optimizer == Optimizer::MinSr {
            return Err(Error::unsupported(
                "fit_step takes SGD or Adam; minSR is defined for energies",
            ));
        }
        let sites = model.num_sites();
        if data.is_empty() || data.len() % sites != 0 {
            return Err(Error::buffer_size(format!(
                "data holds {} values: not a positive whole number of {sites}-site configurations",
                data.len()
            )));
        }
        let n = data.len() / sites;
        let mut log_p = vec![0.0; n];
        model.log_prob(data, &mut log_p)?;
        if let Some(i) = log_p.iter().position(|l| !l.is_finite()) {
            return Err(Error::invalid(format!(
                "data configuration {i} has probability 0 under the model (outside its U(1) subspace)"
            )));
        }
        let mut sums = [-log_p.iter().sum::<f64>(), n as f64];
        self.reduce(&mut sums)?;
        let (nll, n_total) = (sums[0] / sums[1], sums[1]);
        // d(-ln P)/d theta = -2 d Re ln psi / d theta.
        let re = vec![-2.0 / n_total; n];
        let im = vec![0.0; n];
        let mut grad = vec![0.0; model.num_params()];
        model.log_psi_vjp(data, &re, &im, &mut grad)?;
        self.reduce(&mut grad)?;
        let (new_params, adam) = self.propose(model.params(), &mut grad);
        model.set_params(&new_params)?;
        self.adam = adam;
        self.steps += 1;
        Ok(nll)
    }
}
