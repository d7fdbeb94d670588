//! The training driver: each step samples, computes local energies and the gradient, and
//! updates the parameters; optionally summing every sample average across processes
//! through a host-supplied reduction.

mod config;
mod fit;
mod reduction;
mod step;
mod workspace;

pub use config::VmcConfig;
pub use reduction::AllReduce;

use crate::error::{Error, Result};
use crate::estimators::Estimate;
use crate::optim::AdamState;
use reduction::Reduction;
use workspace::StepWorkspace;

/// Wall time of each part of a step, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct StepTimings {
    pub sampling: f64,
    pub local_energies: f64,
    pub gradient: f64,
    pub update: f64,
}

/// What a step measured, on the samples drawn before its update.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct VmcStats {
    /// Index of this step, from 0.
    pub step: u64,
    pub energy: Estimate,
    /// Norm of the energy (or free-energy) gradient before clipping.
    pub grad_norm: f64,
    pub seconds: f64,
    pub timings: StepTimings,
}

/// Optimiser state and settings; the model and operator are passed to each step.
pub struct Vmc {
    config: VmcConfig,
    /// Steps taken (energy and fit steps alike).
    steps: u64,
    adam: Option<AdamState>,
    reduction: Reduction,
    /// Buffers reused from step to step.
    workspace: StepWorkspace,
}

impl std::fmt::Debug for Vmc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vmc")
            .field("config", &self.config)
            .field("steps", &self.steps)
            .field("adam", &self.adam.as_ref().map(|a| (a.t, a.m.len())))
            .field("allreduce", &self.reduction.is_distributed())
            .finish()
    }
}

impl Vmc {
    pub fn new(config: VmcConfig) -> Result<Vmc> {
        config.validate()?;
        Ok(Vmc {
            config,
            steps: 0,
            adam: None,
            reduction: Reduction::default(),
            workspace: StepWorkspace::default(),
        })
    }

    /// A driver in a saved state (checkpoints): `config`, `steps` taken and Adam's moments;
    /// no reduction hook.
    pub(crate) fn from_state(
        config: VmcConfig,
        steps: u64,
        adam: Option<AdamState>,
    ) -> Result<Vmc> {
        config.validate()?;
        if let Some(a) = &adam {
            if a.m.len() != a.v.len() {
                return Err(Error::invalid(format!(
                    "Adam's moments differ in length: m has {}, v has {}",
                    a.m.len(),
                    a.v.len()
                )));
            }
        }
        Ok(Vmc {
            config,
            steps,
            adam,
            reduction: Reduction::default(),
            workspace: StepWorkspace::default(),
        })
    }

    /// Takes the settings, step counter and optimiser state of `saved`, keeping this
    /// driver's reduction hook (and its buffers).
    pub(crate) fn restore(&mut self, saved: Vmc) {
        self.config = saved.config;
        self.steps = saved.steps;
        self.adam = saved.adam;
    }

    pub fn config(&self) -> &VmcConfig {
        &self.config
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub fn adam_state(&self) -> Option<&AdamState> {
        self.adam.as_ref()
    }

    /// Sets the reduction that sums sample averages over processes (None: one process).
    ///
    /// Every process draws its own `n_samples` (give each a different seed, with the config's
    /// `seed` or [`Vmc::set_seed`], also after loading a checkpoint); the hook sums,
    /// in place, each buffer below over processes, so every process then holds the same
    /// numbers and takes the same update. A step reduces, in this order:
    /// 1. `[sum Re E_loc, sum Im E_loc, n]` (3 values), then `[sum |E_loc - mean|^2]` (1);
    /// 2. with a temperature T > 0, the same two for E_loc + T ln P (3, then 1);
    /// 3. without a preconditioner (SGD or Adam): the gradient (`num_params` values);
    ///    with SR (minSR, or SGD or Adam after SR): the sum of log-derivatives for their mean
    ///    (`2 num_params`), the force A^T b (`num_params`), then one `num_params` buffer per
    ///    conjugate-gradient iteration (a sample-space solve would need every process's
    ///    samples; CG needs only sums, at one reduction per product). The update rule
    ///    (SGD, Adam) reduces nothing: every process applies it to the same direction.
    ///
    /// `fit_step` reduces `[sum -ln P, n]` (2) and then the gradient (`num_params`).
    ///
    /// A non-finite local energy on one process reaches every process through the first
    /// reduction, and checks on reduced values (the gradient, SR's solve, the new
    /// parameters) give the same answer everywhere, so all processes fail the same step
    /// together. So does every refusal of this process's own inputs or memory (an operator
    /// on another number of sites, samples or data outside the model's U(1) subspace or
    /// out of range, an optimiser state of another model, buffers it cannot allocate): the
    /// process still joins the first reduction, with non-finite sums, and returns its own
    /// error, while the others return `Numerical`. A hook that fails on some processes only
    /// leaves the others waiting.
    pub fn set_allreduce(&mut self, f: Option<AllReduce>) {
        self.reduction.hook = f;
    }

    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        let config = VmcConfig {
            learning_rate: lr,
            ..self.config.clone()
        };
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Sets the seed of the following steps' samples (step k draws with a seed derived from
    /// (seed, k)). With several processes each needs its own: after loading a checkpoint,
    /// which brings back the seed it was saved with, every process sets its own again.
    pub fn set_seed(&mut self, seed: u64) {
        self.config.seed = seed;
    }

    pub fn set_temperature(&mut self, t: f64) -> Result<()> {
        let config = VmcConfig {
            temperature: t,
            ..self.config.clone()
        };
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Refuses a model whose parameter count differs from the optimiser state's.
    fn check_model_size(&self, num_params: usize) -> Result<()> {
        match &self.adam {
            Some(a) if a.m.len() != num_params => Err(Error::invalid(format!(
                "the optimiser state belongs to a model with {} parameters, this model has {num_params}",
                a.m.len()
            ))),
            _ => Ok(()),
        }
    }
}
