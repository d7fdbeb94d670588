//! A step's memory, kept in the driver between steps and reused while the sample count and
//! the model's size stay the same (a step then allocates none of it again).

use crate::buffer::{product, reuse};
use crate::error::Result;
use crate::optim::{PreconditionerWorkspace, ProposedUpdate};
use num_complex::Complex64;

#[derive(Debug, Default)]
pub(crate) struct StepWorkspace {
    /// The samples drawn by `Vmc::step`: `[n][n_sites]` and their ln psi.
    pub configs: Vec<u8>,
    pub log_psi: Vec<Complex64>,
    pub e_loc: Vec<Complex64>,
    /// The objective's local values (E_loc, or E_loc + T ln P), then minus their mean.
    pub centred: Vec<Complex64>,
    /// The gradient stage. Without SR: the samples' weights of one backward pass (a fit
    /// step's data likewise; `log_p` is their ln P). With SR: the per-sample
    /// log-derivatives `[n][num_params]`.
    pub re: Vec<f64>,
    pub im: Vec<f64>,
    pub log_p: Vec<f64>,
    pub o: Vec<Complex64>,
    pub grad: Vec<f64>,
    /// What reaches the update rule: the gradient, or SR's natural gradient.
    pub direction: Vec<f64>,
    /// SPRING's update of this step, kept as the next step's phi_{k-1} once committed.
    pub next_previous_update: Vec<f64>,
    pub preconditioner: PreconditionerWorkspace,
    pub update: ProposedUpdate,
}

impl StepWorkspace {
    /// Room for `n` samples of `n_sites` sites (fallible: a refusal names the size).
    pub fn prepare_samples(&mut self, n: usize, n_sites: usize) -> Result<()> {
        let cells = product(n, n_sites, "the samples")?;
        reuse(&mut self.configs, cells, "the samples")?;
        reuse(&mut self.log_psi, n, "the samples' ln psi")
    }

    /// Room for the local values of `n` samples and `np` parameters.
    pub fn prepare_step(&mut self, n: usize, np: usize) -> Result<()> {
        reuse(&mut self.e_loc, n, "the local energies")?;
        reuse(&mut self.centred, n, "the centred local values")?;
        self.prepare_update(np)
    }

    /// Room for the gradient and the direction of `np` parameters.
    pub fn prepare_update(&mut self, np: usize) -> Result<()> {
        reuse(&mut self.grad, np, "the gradient")?;
        reuse(&mut self.direction, np, "the update direction")
    }

    /// Room for the weights of one backward pass over `n` samples.
    pub fn prepare_weights(&mut self, n: usize) -> Result<()> {
        reuse(&mut self.re, n, "the gradient's sample weights")?;
        reuse(&mut self.im, n, "the gradient's sample weights")
    }

    /// Room for the log-derivatives of `n` samples and `np` parameters (SR).
    pub fn prepare_log_derivatives(&mut self, n: usize, np: usize) -> Result<()> {
        let len = product(n, np, "the log-derivative matrix O")?;
        reuse(&mut self.o, len, "the log-derivative matrix O")
    }
}
