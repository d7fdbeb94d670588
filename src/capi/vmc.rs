//! The training handle: settings, optimiser state and reduction hook of a VMC run; steps on
//! the energy and on data; optimiser checkpoints.

use super::allreduce::{host_allreduce, rnnwf_allreduce_fn};
use super::args::{array_len, borrow, borrow_mut, c_path, slice, OutSlot};
use super::boundary::{ffi_call, ffi_value, Failure};
use super::estimators::rnnwf_estimate;
use super::hamiltonian::rnnwf_hamiltonian;
use super::handles::{free_handle, into_handle};
use super::model::rnnwf_model;
use super::model::variant;
use super::status::rnnwf_status;
use super::versioned::{read_versioned, Versioned, VersionedOut};
use crate::cancel::CancelToken;
use crate::optim::SrSolve;
use crate::vmc::codes::{OPTIMIZERS, PRECONDITIONERS};
use crate::vmc::{Vmc, VmcConfig, VmcStats};
use std::cell::UnsafeCell;
use std::ffi::{c_char, c_void};

/// Plain gradient descent: theta -= learning_rate * g.
pub const RNNWF_OPT_SGD: u32 = 0;
/// Adam with bias correction (Kingma & Ba).
pub const RNNWF_OPT_ADAM: u32 = 1;
/// SGD after stochastic reconfiguration (minSR), whatever cfg->preconditioner says:
/// theta -= learning_rate * A^T (A A^T + sr_diag_shift I)^-1 b (by conjugate gradient over all
/// processes' samples when a reduction hook is set).
pub const RNNWF_OPT_SR: u32 = 2;

/// No preconditioner: the update direction is the gradient (the default).
pub const RNNWF_PRECONDITIONER_NONE: u32 = 0;
/// Stochastic reconfiguration: the update direction is the natural gradient
/// (S + sr_diag_shift I)^-1 f, solved in sample space (minSR) on one process and by conjugate
/// gradient under a reduction hook; the optimizer (SGD or Adam) then applies it.
pub const RNNWF_PRECONDITIONER_SR: u32 = 1;
/// SPRING (Goldshlager, Abrahamsen and Lin 2024): SR with momentum. The update is
/// phi_k = mu phi_{k-1} + A^T (A A^T + sr_diag_shift I)^-1 (b - mu A phi_{k-1}), mu =
/// cfg->sr_momentum, phi_{k-1} the previous step's direction after clipping (zero at the
/// first step and after loading a checkpoint that has none); by conjugate gradient in
/// parameter space under a reduction hook. sr_momentum = 0 is RNNWF_PRECONDITIONER_SR.
pub const RNNWF_PRECONDITIONER_SPRING: u32 = 2;

/// rnnwf_vmc_stats.sr_solver: the step used no SR.
pub const RNNWF_SR_SOLVER_NONE: u32 = 0;
/// minSR solved by Cholesky factorisation (the normal case).
pub const RNNWF_SR_SOLVER_CHOLESKY: u32 = 1;
/// minSR solved by eigendecomposition, every eigenvalue raised to at least sr_diag_shift:
/// Cholesky met a non-positive pivot from rounding (large log-derivatives), although
/// A A^T + sr_diag_shift I is positive definite.
pub const RNNWF_SR_SOLVER_EIGEN: u32 = 2;
/// SR solved by conjugate gradient over all processes (a reduction hook is set).
pub const RNNWF_SR_SOLVER_CG: u32 = 3;

/// A training run's settings, step counter, optimiser state (Adam's moments) and reduction
/// hook. Opaque: made by rnnwf_vmc_new, destroyed by rnnwf_vmc_free. The model and the
/// operator are passed to each step, so one rnnwf_vmc trains one model.
pub struct rnnwf_vmc {
    /// The driver's cancellation request, beside the driver rather than in it: a
    /// rnnwf_vmc_cancel on another thread reads only this field while a step has the driver.
    cancel: CancelToken,
    vmc: UnsafeCell<Vmc>,
}

/// The driver of a handle, for a call with exclusive use of it (a `rnnwf_vmc *`).
///
/// # Safety
/// `v` is NULL or a live handle that no other call uses during the borrow, but
/// rnnwf_vmc_cancel and rnnwf_vmc_clear_cancel, which touch only its `cancel` field.
pub(super) unsafe fn driver_mut<'a>(v: *mut rnnwf_vmc, arg: &str) -> Result<&'a mut Vmc, Failure> {
    if v.is_null() {
        return Err(Failure::null_pointer(arg));
    }
    // SAFETY: live and not otherwise used, as promised; the reference covers the driver in
    // its cell, not the request beside it.
    Ok(unsafe { &mut *(*v).vmc.get() })
}

/// A step's arguments besides its driver, checked by `checked`; when they are refused, the
/// step's first reduction is joined all the same (a step of `n` samples, `fit` for
/// rnnwf_fit_step), so that under a hook the other processes fail the step too rather than
/// wait for this one.
pub(super) fn step_arguments<T>(
    v: &mut Vmc,
    fit: bool,
    n: usize,
    checked: impl FnOnce() -> Result<T, Failure>,
) -> Result<T, Failure> {
    checked().inspect_err(|_| v.join_refused_step(fit, n))
}

/// The driver of a handle, for a call that only reads it (a `const rnnwf_vmc *`).
///
/// # Safety
/// `v` is NULL or a live handle that no call with exclusive use changes during the borrow.
pub(super) unsafe fn driver<'a>(v: *const rnnwf_vmc, arg: &str) -> Result<&'a Vmc, Failure> {
    if v.is_null() {
        return Err(Failure::null_pointer(arg));
    }
    // SAFETY: live, and nothing changes the driver during the call, as promised.
    Ok(unsafe { &*(*v).vmc.get() })
}

/// Settings of a training run. Fill it with rnnwf_vmc_config_init first, then change the
/// fields you need.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(non_camel_case_types)]
pub struct rnnwf_vmc_config {
    /// sizeof(rnnwf_vmc_config), set by rnnwf_vmc_config_init.
    pub struct_size: u32,
    /// RNNWF_OPT_SGD, RNNWF_OPT_ADAM or RNNWF_OPT_SR (SGD after SR).
    pub optimizer: u32,
    /// Samples per step on this process, >= 1.
    pub n_samples: u64,
    /// Step size, finite and >= 0.
    pub learning_rate: f64,
    /// Adam's decay rates, in [0, 1).
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    /// Adam's denominator offset, > 0.
    pub adam_eps: f64,
    /// lambda of SR's (S + lambda I) (minSR's (A A^T + lambda I)), >= 0.
    pub sr_diag_shift: f64,
    /// Largest norm of the update direction (the gradient without SR, the natural gradient
    /// with SR); 0 = no clipping.
    pub grad_clip: f64,
    /// Annealing: minimise `<H> - T S` with `S = -<ln P>`; 0 = plain VMC.
    pub temperature: f64,
    /// Seed of the samples: step k draws with a seed derived from (seed, k).
    pub seed: u64,
    /// RNNWF_PRECONDITIONER_NONE (default), RNNWF_PRECONDITIONER_SR or
    /// RNNWF_PRECONDITIONER_SPRING, combined with optimizer RNNWF_OPT_SGD or RNNWF_OPT_ADAM
    /// (RNNWF_OPT_SR is SGD after SR, or after SPRING when that is the preconditioner).
    pub preconditioner: u32,
    /// With RNNWF_PRECONDITIONER_SPRING: the decay mu of the previous update that the SR
    /// solve is projected against, in [0, 1) (default 0 = plain SR); read by no other
    /// preconditioner.
    pub sr_momentum: f64,
}

/// What one rnnwf_vmc_step measured. The caller sets struct_size before the call.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(non_camel_case_types)]
pub struct rnnwf_vmc_stats {
    /// sizeof(rnnwf_vmc_stats), set by the caller: the call writes that many bytes. 0, or a
    /// size below this struct's ABI 0.3 size or above the library's, is refused
    /// (RNNWF_ERR_INVALID_ARGUMENT naming both sizes) before the step changes anything.
    pub struct_size: u32,
    /// Index of this step, from 0 (energy and fit steps count alike).
    pub step: u64,
    /// `<H>` of the samples drawn before this step's update, over all processes.
    pub energy: rnnwf_estimate,
    /// Norm of the energy (or, with temperature > 0, free-energy) gradient before clipping.
    pub grad_norm: f64,
    /// Wall time of the step.
    pub seconds: f64,
    /// How the step's SR system was solved: RNNWF_SR_SOLVER_NONE (no SR), _CHOLESKY,
    /// _EIGEN (the fallback when Cholesky fails on rounding) or _CG.
    pub sr_solver: u32,
}

const CONFIG_SIZE: u32 = size_of::<rnnwf_vmc_config>() as u32;

// SAFETY: repr(C), struct_size (u32) first, integers and doubles only.
unsafe impl Versioned for rnnwf_vmc_config {
    const NAME: &'static str = "rnnwf_vmc_config";
    // ABI 0.3's size: replace by that literal when a field is appended.
    const MIN_SIZE: usize = size_of::<rnnwf_vmc_config>();
    fn defaults() -> Self {
        rnnwf_vmc_config::from_rust(&VmcConfig::default())
    }
    fn copy_fields(dst: &mut Self, src: Self) {
        rnnwf_vmc_config::copy_fields(dst, src)
    }
}

// SAFETY: repr(C), struct_size (u32) first, integers and doubles only.
unsafe impl Versioned for rnnwf_vmc_stats {
    const NAME: &'static str = "rnnwf_vmc_stats";
    // ABI 0.3's size: replace by that literal when a field is appended.
    const MIN_SIZE: usize = size_of::<rnnwf_vmc_stats>();
    fn copy_fields(dst: &mut Self, src: Self) {
        let rnnwf_vmc_stats {
            struct_size,
            step,
            energy,
            grad_norm,
            seconds,
            sr_solver,
        } = src;
        dst.struct_size = struct_size;
        dst.step = step;
        dst.energy = energy;
        dst.grad_norm = grad_norm;
        dst.seconds = seconds;
        dst.sr_solver = sr_solver;
    }
}

impl rnnwf_vmc_config {
    /// Copies every field (not the padding after `preconditioner`).
    fn copy_fields(dst: &mut Self, src: Self) {
        let rnnwf_vmc_config {
            struct_size,
            optimizer,
            n_samples,
            learning_rate,
            adam_beta1,
            adam_beta2,
            adam_eps,
            sr_diag_shift,
            grad_clip,
            temperature,
            seed,
            preconditioner,
            sr_momentum,
        } = src;
        dst.struct_size = struct_size;
        dst.optimizer = optimizer;
        dst.n_samples = n_samples;
        dst.learning_rate = learning_rate;
        dst.adam_beta1 = adam_beta1;
        dst.adam_beta2 = adam_beta2;
        dst.adam_eps = adam_eps;
        dst.sr_diag_shift = sr_diag_shift;
        dst.grad_clip = grad_clip;
        dst.temperature = temperature;
        dst.seed = seed;
        dst.preconditioner = preconditioner;
        dst.sr_momentum = sr_momentum;
    }

    fn from_rust(c: &VmcConfig) -> Self {
        rnnwf_vmc_config {
            struct_size: CONFIG_SIZE,
            optimizer: OPTIMIZERS.code(c.optimizer),
            n_samples: c.n_samples,
            learning_rate: c.learning_rate,
            adam_beta1: c.adam_beta1,
            adam_beta2: c.adam_beta2,
            adam_eps: c.adam_eps,
            sr_diag_shift: c.sr_diag_shift,
            grad_clip: c.grad_clip,
            temperature: c.temperature,
            seed: c.seed,
            preconditioner: PRECONDITIONERS.code(c.preconditioner),
            sr_momentum: c.sr_momentum,
        }
    }

    /// The Rust settings; refuses an unknown optimiser or preconditioner code (a code is
    /// the C form of a Rust enum, so only the C side can refuse it; struct_size is checked by
    /// `read_versioned`). The ranges of the numbers are VmcConfig::validate's to check.
    fn to_rust(self) -> Result<VmcConfig, Failure> {
        let optimizer = variant(&OPTIMIZERS, self.optimizer)?;
        let preconditioner = variant(&PRECONDITIONERS, self.preconditioner)?;
        Ok(VmcConfig {
            optimizer,
            preconditioner,
            n_samples: self.n_samples,
            learning_rate: self.learning_rate,
            adam_beta1: self.adam_beta1,
            adam_beta2: self.adam_beta2,
            adam_eps: self.adam_eps,
            sr_diag_shift: self.sr_diag_shift,
            sr_momentum: self.sr_momentum,
            grad_clip: self.grad_clip,
            temperature: self.temperature,
            seed: self.seed,
        })
    }
}

impl From<VmcStats> for rnnwf_vmc_stats {
    fn from(s: VmcStats) -> Self {
        rnnwf_vmc_stats {
            struct_size: size_of::<rnnwf_vmc_stats>() as u32,
            step: s.step,
            energy: s.energy.into(),
            grad_norm: s.grad_norm,
            seconds: s.seconds,
            sr_solver: match s.sr_solve {
                SrSolve::Cholesky => RNNWF_SR_SOLVER_CHOLESKY,
                SrSolve::Eigendecomposition { .. } => RNNWF_SR_SOLVER_EIGEN,
                SrSolve::ConjugateGradient { .. } => RNNWF_SR_SOLVER_CG,
                _ => RNNWF_SR_SOLVER_NONE,
            },
        }
    }
}

/// Fills `cfg` with the defaults (Adam, n_samples 1024, learning_rate 1e-3, adam_beta1 0.9,
/// adam_beta2 0.999, adam_eps 1e-8, sr_diag_shift 1e-4, grad_clip 0, temperature 0, seed 0,
/// preconditioner RNNWF_PRECONDITIONER_NONE, sr_momentum 0) and sets struct_size.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_config_init(cfg: *mut rnnwf_vmc_config) -> rnnwf_status {
    ffi_call("rnnwf_vmc_config_init", || {
        let out = OutSlot::new(cfg, "cfg")?;
        let defaults = rnnwf_vmc_config::from_rust(&VmcConfig::default());
        // SAFETY: the caller gives a writable rnnwf_vmc_config (checked for NULL); zero bytes
        // are a valid one (integers and doubles).
        unsafe { out.write_zero_padded(defaults, rnnwf_vmc_config::copy_fields) };
        Ok(())
    })
}

/// A training run with the settings `cfg`, at step 0, without reduction hook. A field out of
/// range (n_samples = 0, a negative or NaN learning_rate, adam_beta1/2 or sr_momentum outside
/// [0, 1), adam_eps <= 0, a negative or NaN sr_diag_shift, grad_clip or temperature), an unknown
/// optimizer or preconditioner code or a wrong struct_size gives RNNWF_ERR_INVALID_ARGUMENT
/// naming the field.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_new(
    cfg: *const rnnwf_vmc_config,
    out: *mut *mut rnnwf_vmc,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_new", || {
        // SAFETY: the caller gives a config readable for its struct_size (checked for NULL).
        let cfg = unsafe { read_versioned(cfg, "cfg")? };
        let out = OutSlot::new(out, "out")?;
        let vmc = Vmc::new(cfg.to_rust()?)?;
        let handle = rnnwf_vmc {
            cancel: vmc.cancel_token(),
            vmc: UnsafeCell::new(vmc),
        };
        // SAFETY: the caller gives a writable handle slot (checked for NULL).
        unsafe { out.write(into_handle(handle)) };
        Ok(())
    })
}

/// Destroys a training run; NULL is a no-op. May run on any thread.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_free(v: *mut rnnwf_vmc) {
    // SAFETY: a handle from rnnwf_vmc_new that the caller no longer uses.
    ffi_value((), || unsafe { free_handle(v) })
}

/// Asks the step running on `v` (rnnwf_vmc_step, rnnwf_fit_step, rnnwf_vmc_step_on_samples)
/// to stop: it returns RNNWF_ERR_CANCELLED at its next chunk boundary (sampling, local
/// energies, the gradient pass; every conjugate-gradient iteration of SR), with the model,
/// the optimiser state and the step counter unchanged. Under a reduction hook the request
/// joins the next reduction and every process's step returns RNNWF_ERR_CANCELLED there. The
/// request stays pending until a step returns RNNWF_ERR_CANCELLED, which clears it, or
/// rnnwf_vmc_clear_cancel: made between steps, or after the last check of a step that then
/// succeeds, it cancels the next step before that computes anything. May run on any thread
/// during a call that has `v`; with a non-NULL `v` it is one atomic store, safe in a signal
/// handler (a NULL `v` records a message, which is not).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_cancel(v: *const rnnwf_vmc) -> rnnwf_status {
    ffi_call("rnnwf_vmc_cancel", || {
        // SAFETY: a live handle (checked for NULL); only its request is read.
        let cancel = unsafe { cancel_of(v)? };
        cancel.request();
        Ok(())
    })
}

/// Drops a pending cancellation request of `v` (see rnnwf_vmc_cancel), e.g. after a step
/// that succeeded before it saw the request, when the host has handled the interrupt itself.
/// May run on any thread; one atomic store with a non-NULL `v`.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_clear_cancel(v: *const rnnwf_vmc) -> rnnwf_status {
    ffi_call("rnnwf_vmc_clear_cancel", || {
        // SAFETY: a live handle (checked for NULL); only its request is read.
        let cancel = unsafe { cancel_of(v)? };
        cancel.clear();
        Ok(())
    })
}

/// The cancellation request of a handle, without touching the driver that a step may hold.
///
/// # Safety
/// `v` is NULL or a live handle.
unsafe fn cancel_of<'a>(v: *const rnnwf_vmc) -> Result<&'a CancelToken, Failure> {
    if v.is_null() {
        return Err(Failure::null_pointer("v"));
    }
    // SAFETY: live, as promised; a shared reference to the request field alone, which no
    // call changes after rnnwf_vmc_new.
    Ok(unsafe { &(*v).cancel })
}

/// The current settings (learning_rate and temperature as last set; optimizer and
/// preconditioner as given). The caller sets out->struct_size and gets that many bytes
/// written; a struct_size outside the accepted range (0 included) is
/// RNNWF_ERR_INVALID_ARGUMENT naming both sizes, with nothing written.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_get_config(
    v: *const rnnwf_vmc,
    out: *mut rnnwf_vmc_config,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_get_config", || {
        // SAFETY: a live handle (checked for NULL).
        let v = unsafe { driver(v, "v")? };
        // SAFETY: the caller gives a config whose struct_size is readable (checked for NULL).
        let out = unsafe { VersionedOut::new(out, "out")? };
        // SAFETY: writable for its struct_size, as promised; padding written as zeros.
        unsafe { out.write(rnnwf_vmc_config::from_rust(v.config())) };
        Ok(())
    })
}

/// The steps taken so far (rnnwf_vmc_step, rnnwf_vmc_step_on_samples and rnnwf_fit_step
/// alike), which is the index the next step reports in rnnwf_vmc_stats.step: 0 for a new
/// run; rnnwf_vmc_load brings back the count saved by rnnwf_vmc_save, so a resumed run
/// counts on from its checkpoint. A failed or cancelled step does not count.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_step_count(v: *const rnnwf_vmc, out: *mut u64) -> rnnwf_status {
    ffi_call("rnnwf_vmc_step_count", || {
        // SAFETY: a live handle (checked for NULL).
        let v = unsafe { driver(v, "v")? };
        let out = OutSlot::new(out, "out")?;
        // SAFETY: the caller gives a writable uint64_t (checked for NULL).
        unsafe { out.write(v.steps()) };
        Ok(())
    })
}

/// Sets the reduction that sums sample averages over processes (see rnnwf_allreduce_fn for
/// what is reduced, and when); `user_data` is passed to every call of `f` and must stay
/// valid while the hook is set. A NULL `f` removes the hook (one process).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_set_allreduce(
    v: *mut rnnwf_vmc,
    f: rnnwf_allreduce_fn,
    user_data: *mut c_void,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_set_allreduce", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        // SAFETY: the host promises that `f` may be called with `user_data` while it is set.
        let hook = f.map(|f| unsafe { host_allreduce(f, user_data) });
        v.set_allreduce(hook);
        Ok(())
    })
}

/// Sets the learning rate of the following steps (schedules are the host's). A negative,
/// NaN or infinite `lr` is RNNWF_ERR_INVALID_ARGUMENT, and the rate stays as it was.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_set_learning_rate(v: *mut rnnwf_vmc, lr: f64) -> rnnwf_status {
    ffi_call("rnnwf_vmc_set_learning_rate", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        v.set_learning_rate(lr)?;
        Ok(())
    })
}

/// Sets SR's diagonal shift (sr_diag_shift) of the following steps, for shift schedules. A
/// negative, NaN or infinite `shift` is RNNWF_ERR_INVALID_ARGUMENT, and the shift stays as
/// it was.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_set_diag_shift(v: *mut rnnwf_vmc, shift: f64) -> rnnwf_status {
    ffi_call("rnnwf_vmc_set_diag_shift", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        v.set_diag_shift(shift)?;
        Ok(())
    })
}

/// Sets the samples per step on this process (n_samples) of the following rnnwf_vmc_step
/// calls, e.g. more samples late in a run. 0, or a count beyond any memory (above 2^40), is
/// RNNWF_ERR_INVALID_ARGUMENT, and the count stays as it was; the step's buffers grow at the
/// next step (a size no memory holds is refused there).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_set_n_samples(
    v: *mut rnnwf_vmc,
    n_samples: u64,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_set_n_samples", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        v.set_n_samples(n_samples)?;
        Ok(())
    })
}

/// Sets the seed of the following steps' samples: step k draws with a seed derived from
/// (`seed`, k). Under MPI every rank needs its own seed (e.g. base + rank), or all ranks
/// would draw the same samples; rnnwf_vmc_load brings back the seed saved in the checkpoint,
/// so after loading one (written by rank 0) each rank sets its own seed again. Any value is
/// valid.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_set_seed(v: *mut rnnwf_vmc, seed: u64) -> rnnwf_status {
    ffi_call("rnnwf_vmc_set_seed", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        v.set_seed(seed);
        Ok(())
    })
}

/// Sets the annealing temperature T of the following steps (annealing schedules are the
/// host's; 0 = plain VMC). A negative, NaN or infinite `t` is RNNWF_ERR_INVALID_ARGUMENT,
/// and the temperature stays as it was.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_set_temperature(v: *mut rnnwf_vmc, t: f64) -> rnnwf_status {
    ffi_call("rnnwf_vmc_set_temperature", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        v.set_temperature(t)?;
        Ok(())
    })
}

/// One VMC step on `h`: draws n_samples exact samples (seed derived from cfg->seed and the
/// step index), computes their local energies and the gradient of `<H>` (of `<H> - T S` with
/// temperature T > 0), and updates the parameters of `m` with the optimiser; `out` gets the
/// statistics of the samples drawn before the update. RNNWF_ERR_INVALID_ARGUMENT for an
/// operator on another number of sites than the model, or optimiser state (Adam's moments)
/// of a model of another shape (or, from an old file, parameter count); RNNWF_ERR_NUMERICAL
/// when a local energy, gradient or new parameter is NaN or Inf, or when the reduction hook
/// returns a sample count below 1 (it does not sum); RNNWF_ERR_CALLBACK when the reduction
/// hook fails; RNNWF_ERR_CANCELLED when rnnwf_vmc_cancel stopped it (on this process or,
/// under a hook, another). Under a hook, every refusal of this process's own inputs still
/// joins the first reduction, so that all processes fail the step together. On any error
/// the model, the optimiser state and the step counter are unchanged. Memory, with
/// n = n_samples and P = rnnwf_model_num_params, kept by the driver between steps: n x (n_sites + 64) bytes
/// for the samples, their energies and weights; 24 P for the gradient, the direction and
/// the new parameters (Adam 16 P more for its moments, SPRING 16 P for its previous update);
/// with SR (RNNWF_OPT_SR, RNNWF_PRECONDITIONER_SR or _SPRING) also 16 n P for the
/// log-derivatives and 8 r P for the matrix A, r = n (2n with a phase head), and without a
/// hook minSR's Gram matrix, 8 r^2 bytes (34 GB at n = 65536 without a phase head); plus
/// the model's workspaces (rnnwf_local_energies, rnnwf_log_psi_grad). A size no memory can
/// hold is RNNWF_ERR_OUT_OF_MEMORY naming the buffer and its bytes. out->struct_size is set
/// by the caller (see rnnwf_vmc_stats).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_step(
    v: *mut rnnwf_vmc,
    m: *mut rnnwf_model,
    h: *const rnnwf_hamiltonian,
    out: *mut rnnwf_vmc_stats,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_step", || {
        // SAFETY: live handles, `v` and `m` for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        let n = v.config().n_samples as usize;
        let (m, h, out) = step_arguments(v, false, n, || {
            // SAFETY: as above.
            let m = unsafe { borrow_mut(m, "m")? };
            // SAFETY: as above.
            let h = unsafe { borrow(h, "h")? };
            // SAFETY: the caller gives stats whose struct_size is readable (checked for NULL).
            let out = unsafe { VersionedOut::new(out, "out")? };
            Ok((m, h, out))
        })?;
        let stats = v.step(m.model_mut(), h.hamiltonian())?;
        // SAFETY: writable for its struct_size, as promised; padding written as zeros.
        unsafe { out.write(stats.into()) };
        Ok(())
    })
}

/// One SGD or Adam step on the negative log-likelihood -(1/n) sum ln P(data) of the `n`
/// (>= 1) configurations in `data` (`[n][n_sites]`, e.g. measurements in the computational
/// basis): reconstruction of a positive state from data. `nll_out` gets the likelihood before
/// the step (averaged over processes). RNNWF_ERR_INVALID_ARGUMENT for n = 0, a site value
/// out of range in `data`, a configuration with P = 0 (outside the U(1) subspace) or
/// optimiser state of another model; RNNWF_ERR_UNSUPPORTED with RNNWF_OPT_SR,
/// RNNWF_PRECONDITIONER_SR or RNNWF_PRECONDITIONER_SPRING; RNNWF_ERR_CANCELLED when
/// rnnwf_vmc_cancel stopped it. On any error the model and the optimiser state are unchanged.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_fit_step(
    v: *mut rnnwf_vmc,
    m: *mut rnnwf_model,
    data: *const u8,
    n: usize,
    nll_out: *mut f64,
) -> rnnwf_status {
    ffi_call("rnnwf_fit_step", || {
        // SAFETY: live handles for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        let (m, data, out) = step_arguments(v, true, n, || {
            // SAFETY: as above.
            let m = unsafe { borrow_mut(m, "m")? }.model_mut();
            let data_len = array_len(n, m.num_sites(), "data")?;
            // SAFETY: the caller gives n * n_sites readable bytes (NULL refused unless n == 0).
            let data = unsafe { slice(data, data_len, "data")? };
            Ok((m, data, OutSlot::new(nll_out, "nll_out")?))
        })?;
        let nll = v.fit_step(m, data)?;
        // SAFETY: the caller gives a writable double (checked for NULL).
        unsafe { out.write(nll) };
        Ok(())
    })
}

/// Writes the settings, the step counter and the optimiser state (Adam's moments, SPRING's
/// previous update; format rnnwf-optimizer, described in src/checkpoint/mod.rs) to `path`,
/// atomically like rnnwf_model_save. Save the model beside it: the two files together
/// resume a run bit for bit. RNNWF_ERR_IO on failure; an empty path is
/// RNNWF_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_save(v: *const rnnwf_vmc, path: *const c_char) -> rnnwf_status {
    ffi_call("rnnwf_vmc_save", || {
        // SAFETY: a live handle (checked for NULL).
        let v = unsafe { driver(v, "v")? };
        // SAFETY: a NUL-terminated string (checked for NULL).
        let path = unsafe { c_path(path, "path")? };
        v.save(path)?;
        Ok(())
    })
}

/// Replaces the settings (the seed included), the step counter and the optimiser state of
/// `v` with those written by rnnwf_vmc_save; the reduction hook stays. Under MPI, where
/// rank 0 saves and every rank loads, each rank then sets its own seed again with
/// rnnwf_vmc_set_seed (else all ranks would draw rank 0's samples). RNNWF_ERR_IO when the file cannot
/// be read, RNNWF_ERR_FORMAT when it is not an intact optimiser checkpoint (truncated,
/// corrupted, a model file, a step count above 2^53); `v` is unchanged then. Only a regular
/// file is read. A state saved with a model of another shape (or, in a file written before
/// the shape was recorded, another parameter count) is refused by the next step.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_load(v: *mut rnnwf_vmc, path: *const c_char) -> rnnwf_status {
    ffi_call("rnnwf_vmc_load", || {
        // SAFETY: a live handle for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        // SAFETY: a NUL-terminated string (checked for NULL).
        let path = unsafe { c_path(path, "path")? };
        v.load(path)?;
        Ok(())
    })
}
