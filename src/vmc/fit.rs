//! Reconstruction from data: one optimiser step on the negative log-likelihood of measured
//! configurations, -(1/M) sum_m ln P(s_m), whose gradient RNNs give exactly.

use super::reduction::{check_count, FIT_SUMS};
use super::Vmc;
use crate::buffer::reuse;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::optim::Preconditioner;

impl Vmc {
    /// One SGD or Adam step on the negative log-likelihood of `data` (`[n][n_sites]`, n >= 1,
    /// each value a site value below `local_dim`); returns the likelihood before the step
    /// (averaged over processes). Refused: SR (minSR or the SR preconditioner; `Unsupported`),
    /// n = 0 or a value out of range (`InvalidArgument`), a length that is not a whole number
    /// of configurations (`BufferSize`).
    pub fn fit_step(&mut self, model: &mut Model, data: &[u8]) -> Result<f64> {
        let sites = model.num_sites();
        let n = data.len() / sites;
        // Every refusal of this process's inputs joins the first reduction, so that the
        // other processes fail this step too instead of waiting there.
        let (mut log_p, mut re, mut im) = (Vec::new(), Vec::new(), Vec::new());
        let ready = self.check_fit_inputs(model, data).and_then(|()| {
            // Sized by the caller's data: fallible, refused naming the size.
            reuse(&mut log_p, n, "the data's ln P")?;
            reuse(&mut re, n, "the data's weights")?;
            reuse(&mut im, n, "the data's weights")?;
            model.log_prob(data, &mut log_p)?;
            match log_p.iter().position(|l| !l.is_finite()) {
                Some(i) => Err(Error::invalid(format!(
                    "data configuration {i} has probability 0 under the model (outside its U(1) subspace)"
                ))),
                None => Ok(()),
            }
        });
        if let Err(e) = ready {
            return Err(self.reduction.fail_together(FIT_SUMS, n, e));
        }
        let mut sums = [-log_p.iter().sum::<f64>(), n as f64];
        self.reduction.sum(&mut sums)?;
        let n_total = check_count(sums[1])?;
        let nll = sums[0] / n_total;
        // d(-ln P)/d theta = -2 d Re ln psi / d theta.
        re.fill(-2.0 / n_total);
        im.fill(0.0);
        let mut grad = vec![0.0; model.num_params()];
        model.log_psi_vjp(data, &re, &im, &mut grad)?;
        self.reduction.sum(&mut grad)?;
        let rule = self.config.update_rule();
        let update = &mut self.workspace.update;
        update.propose(
            rule,
            &self.config.update_settings(),
            model.params(),
            &mut grad,
            self.adam.as_ref(),
        )?;
        model.set_params(&update.new_params)?;
        update.commit(rule, &mut self.adam);
        self.adam_belongs_to(model);
        self.steps += 1;
        Ok(nll)
    }

    /// The refusals of a fit step's own inputs (see [`Vmc::fit_step`]).
    fn check_fit_inputs(&self, model: &Model, data: &[u8]) -> Result<()> {
        self.check_model(model)?;
        if self.config.preconditioner_in_effect() == Preconditioner::Sr {
            return Err(Error::unsupported(
                "fit_step takes SGD or Adam without preconditioner; SR (minSR) is defined for energies",
            ));
        }
        let sites = model.num_sites();
        if data.is_empty() {
            return Err(Error::invalid(
                "data is empty (n = 0): a fit step needs at least one configuration",
            ));
        }
        if data.len() % sites != 0 {
            return Err(Error::buffer_size(format!(
                "data holds {} values: not a whole number of {sites}-site configurations",
                data.len()
            )));
        }
        model
            .check_configs(data, data.len() / sites)
            .map_err(|e| Error::new(e.kind, format!("data: {}", e.message)))
    }
}
