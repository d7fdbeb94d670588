//! The training driver: each step samples, computes local energies and the gradient, and
//! updates the parameters; optionally summing every sample average across processes
//! through a host-supplied reduction.

pub(crate) mod codes;
mod config;
mod fit;
mod host_energies;
mod reduction;
mod step;
mod workspace;

pub use config::VmcConfig;
pub use reduction::AllReduce;

use crate::cancel::CancelToken;
use crate::error::{Error, ErrorKind, Result};
use crate::estimators::Estimate;
use crate::model::codes::{BOUNDARIES, CELLS, PHASES};
use crate::model::{Boundary, Model, ModelConfig};
use crate::optim::{AdamState, SrSolve};
use reduction::{Reduction, ENERGY_SUMS, FIT_SUMS};
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
    /// How the step's SR system was solved ([`SrSolve::NotUsed`] without SR).
    pub sr_solve: SrSolve,
    pub seconds: f64,
    pub timings: StepTimings,
}

/// Optimiser state and settings; the model and operator are passed to each step.
pub struct Vmc {
    config: VmcConfig,
    /// Steps taken (energy and fit steps alike).
    steps: u64,
    adam: Option<AdamState>,
    /// SPRING's previous update phi_{k-1} (the direction after clipping), once a SPRING
    /// step was taken; none counts as zero.
    previous_update: Option<Vec<f64>>,
    /// The shape of the model the optimiser state (Adam's moments, SPRING's previous update)
    /// belongs to ([`model_shape`]), once known: from the step that made the state, or from
    /// a checkpoint that records it.
    state_model: Option<String>,
    reduction: Reduction,
    /// Buffers reused from step to step.
    workspace: StepWorkspace,
    /// Requests to cancel this driver's steps ([`Vmc::cancel_token`]).
    cancel: CancelToken,
}

impl std::fmt::Debug for Vmc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vmc")
            .field("config", &self.config)
            .field("steps", &self.steps)
            .field("adam", &self.adam.as_ref().map(|a| (a.t, a.m.len())))
            .field(
                "previous_update",
                &self.previous_update.as_ref().map(Vec::len),
            )
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
            previous_update: None,
            state_model: None,
            reduction: Reduction::default(),
            workspace: StepWorkspace::default(),
            cancel: CancelToken::default(),
        })
    }

    /// A driver in a saved state (checkpoints): `config`, `steps` taken, Adam's moments,
    /// SPRING's previous update and the shape of the model they belong to; no reduction hook.
    pub(crate) fn from_state(
        config: VmcConfig,
        steps: u64,
        adam: Option<AdamState>,
        previous_update: Option<Vec<f64>>,
        state_model: Option<String>,
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
            if let Some(p) = previous_update.as_ref().filter(|p| p.len() != a.m.len()) {
                return Err(Error::invalid(format!(
                    "SPRING's previous update has {} values, Adam's moments {}",
                    p.len(),
                    a.m.len()
                )));
            }
        }
        Ok(Vmc {
            config,
            steps,
            adam,
            previous_update,
            state_model,
            reduction: Reduction::default(),
            workspace: StepWorkspace::default(),
            cancel: CancelToken::default(),
        })
    }

    /// Takes the settings, step counter and optimiser state of `saved`, keeping this
    /// driver's reduction hook (and its buffers).
    pub(crate) fn restore(&mut self, saved: Vmc) {
        self.config = saved.config;
        self.steps = saved.steps;
        self.adam = saved.adam;
        self.previous_update = saved.previous_update;
        self.state_model = saved.state_model;
    }

    /// The shape of the model the optimiser state belongs to, when known (see
    /// [`model_shape`]).
    pub(crate) fn state_model(&self) -> Option<&str> {
        self.state_model.as_deref()
    }

    /// SPRING's previous update phi_{k-1}, once a SPRING step was taken.
    pub fn previous_update(&self) -> Option<&[f64]> {
        self.previous_update.as_deref()
    }

    /// Records that the optimiser state (if any) now belongs to `model`.
    fn state_belongs_to(&mut self, model: &Model) {
        let has_state = self.adam.is_some() || self.previous_update.is_some();
        self.state_model = has_state.then(|| model_shape(model.config()));
    }

    /// The request that cancels this driver's steps ([`Vmc::step`], [`Vmc::fit_step`],
    /// [`Vmc::step_on_samples`], [`Vmc::step_on_local_energies`]): keep a clone and call
    /// [`CancelToken::request`] from any thread or a signal handler. The running step stops
    /// at its next chunk boundary (sampling, local energies, the gradient pass) or SR
    /// iteration and returns `Cancelled`, the model and the optimiser state unchanged. Under
    /// a reduction hook the request travels in the next reduction, and every process's step
    /// returns `Cancelled` there.
    ///
    /// A request stays pending until a step returns `Cancelled` (which clears it) or
    /// [`CancelToken::clear`]: one made between steps, or too late in a step for any check
    /// (after its last reduction), cancels the next step before it computes anything, so
    /// none is lost. A host that delivers the interrupt itself after such a step clears it.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Runs a step with this driver's token active; a `Cancelled` result consumes the
    /// request.
    fn cancellable<T>(&mut self, step: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let token = self.cancel.clone();
        let result = crate::cancel::within(&token, || step(self));
        if matches!(&result, Err(e) if e.kind == ErrorKind::Cancelled) {
            token.clear();
        }
        result
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
    /// 1. a fingerprint of the model's config and the optimiser settings (7 whole numbers;
    ///    processes whose fingerprints differ all fail with `InvalidArgument`) with
    ///    `[sum Re E_loc, sum Im E_loc, n]` (10 values), then `[sum |E_loc - mean|^2]` (1);
    /// 2. with a temperature T > 0, the same two for E_loc + T ln P (3, then 1);
    /// 3. without a preconditioner (SGD or Adam): the gradient (`num_params` values);
    ///    with SR (minSR, or SGD or Adam after SR or SPRING): the sum of log-derivatives for
    ///    their mean (`2 num_params`), the force A^T b (`num_params`), then one
    ///    `num_params + 10` buffer per conjugate-gradient iteration and one more to stop (a
    ///    sample-space solve would need every process's samples; CG needs only sums, at one
    ///    reduction per product; the 10 are the processes' votes to stop, to fail and to
    ///    average, and the fingerprint of the search direction), and, once the processes'
    ///    directions differ (sums not bit-identical across processes), a `2 num_params`
    ///    buffer before each product to average the direction and the residual. The update rule
    ///    (SGD, Adam) reduces nothing: every process applies it to the same direction.
    ///
    /// `fit_step` reduces the fingerprint with `[sum -ln P, n]` (9) and then the gradient
    /// (`num_params`).
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

    /// For a step (`fit: false`) or a fit step of `n` samples whose arguments were refused
    /// before it could start (the C API's NULL pointers and struct sizes): joins that
    /// step's first reduction, with non-finite sums, as every refusal inside a step does,
    /// so that the other processes fail it too instead of waiting there.
    pub(crate) fn join_refused_step(&mut self, fit: bool, n: usize) {
        let len = if fit { FIT_SUMS } else { ENERGY_SUMS };
        let refused = Error::invalid("the step's arguments were refused");
        self.reduction.fail_together(len, n, refused);
    }

    /// What every process must share to train one model together: the model's config (but
    /// its initialisation seed), hence its shape and lattice, its parameter count, and the
    /// optimiser settings (but the sample seed and count, which may differ). 48 bits of two
    /// CRC-32s of their text, carried by each step's first reduction.
    pub(crate) fn fingerprint(&self, model: &Model) -> u64 {
        let mut shape = model.config().clone();
        shape.seed = 0;
        let mut settings = self.config.clone();
        settings.seed = 0;
        settings.n_samples = 0;
        let text = format!("{shape:?}|{settings:?}|{}", model.num_params());
        crate::fingerprint::fingerprint_of_bytes(text.as_bytes())
    }

    /// Changes the settings with `change`, if the result is valid; else refuses, unchanged.
    fn change_config(&mut self, change: impl FnOnce(&mut VmcConfig)) -> Result<()> {
        let mut config = self.config.clone();
        change(&mut config);
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Sets the learning rate of the following steps (a schedule, say); refused like the
    /// config's field (negative or not finite).
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        self.change_config(|c| c.learning_rate = lr)
    }

    /// Sets SR's diagonal shift of the following steps; refused like the config's field
    /// (negative or not finite).
    pub fn set_diag_shift(&mut self, shift: f64) -> Result<()> {
        self.change_config(|c| c.sr_diag_shift = shift)
    }

    /// Sets the samples per step on this process of the following [`Vmc::step`]s; refused
    /// like the config's field (0, or beyond any memory).
    pub fn set_n_samples(&mut self, n_samples: u64) -> Result<()> {
        self.change_config(|c| c.n_samples = n_samples)
    }

    /// Sets the seed of the following steps' samples (step k draws with a seed derived from
    /// (seed, k)). With several processes each needs its own: after loading a checkpoint,
    /// which brings back the seed it was saved with, every process sets its own again.
    pub fn set_seed(&mut self, seed: u64) {
        self.config.seed = seed;
    }

    /// Sets the annealing temperature of the following steps; refused like the config's
    /// field (negative or not finite).
    pub fn set_temperature(&mut self, t: f64) -> Result<()> {
        self.change_config(|c| c.temperature = t)
    }

    /// Refuses a model other than the one the optimiser state belongs to: of another shape
    /// when the shape is known, else of another parameter count (a state loaded from a file
    /// written before the shape was recorded).
    fn check_model(&self, model: &Model) -> Result<()> {
        let state_len = match (&self.adam, &self.previous_update) {
            (Some(a), _) => a.m.len(),
            (None, Some(p)) => p.len(),
            (None, None) => return Ok(()),
        };
        let num_params = model.num_params();
        if let Some(recorded) = &self.state_model {
            let shape = model_shape(model.config());
            if *recorded != shape {
                return Err(Error::invalid(format!(
                    "the optimiser state belongs to a model with {recorded} ({state_len} parameters), this model has {shape} ({num_params} parameters)"
                )));
            }
        }
        if state_len != num_params {
            return Err(Error::invalid(format!(
                "the optimiser state belongs to a model with {state_len} parameters, this model has {num_params}"
            )));
        }
        Ok(())
    }
}

/// What makes an optimiser state belong to a model: the config fields that decide the
/// parameters and what each means (not the seed, the sign rule or the U(1) total, which
/// leave them alike), as text, e.g. `cell=gru,lx=10,ly=1,local_dim=2,hidden=8,layers=1,
/// phase=softsign` (without the line break). Optimiser checkpoints record it.
pub(crate) fn model_shape(c: &ModelConfig) -> String {
    let (cell, phase) = (CELLS.name(c.cell), PHASES.name(c.phase));
    let mut shape = format!(
        "cell={cell},lx={},ly={},local_dim={},hidden={},layers={},phase={phase}",
        c.lx, c.ly, c.local_dim, c.hidden, c.layers
    );
    // Only when not the default, so that the shapes recorded before they existed still match.
    if c.boundary != Boundary::Open {
        shape += &format!(",boundary={}", BOUNDARIES.name(c.boundary));
    }
    if c.dilation != 0 {
        shape += &format!(",dilation={}", c.dilation);
    }
    shape
}
