//! The host's reduction callback: sums of sample averages across processes (MPI).

use crate::vmc::AllReduce;
use std::ffi::c_void;

/// Sums `buf[0..len]` elementwise over all processes, in place (as MPI_Allreduce with
/// MPI_IN_PLACE and MPI_SUM on MPI_DOUBLE), and returns 0; any other value fails the calling
/// rnnwf_vmc_step or rnnwf_fit_step with RNNWF_ERR_CALLBACK (the value is in the message),
/// leaving the model and the optimiser state unchanged.
///
/// It runs on the thread that called rnnwf_vmc_step / rnnwf_fit_step, inside that call, and
/// must not call rnnwf functions on that rnnwf_vmc or on the model being trained. Every
/// process must make the same sequence of reductions, which is, for each
/// rnnwf_vmc_step: a fingerprint of the model's config and the optimiser settings (7 whole
/// numbers; processes whose fingerprints differ all get RNNWF_ERR_INVALID_ARGUMENT) with
/// [sum Re E_loc, sum Im E_loc, n] (10 values), then [sum |E_loc - mean|^2] (1); with
/// temperature T > 0 [sum Re, sum Im, n] (3) and [sum |.|^2] (1) for E_loc + T ln P; then,
/// without preconditioner (SGD or Adam), the energy gradient (num_params values); with SR
/// (RNNWF_OPT_SR, or RNNWF_PRECONDITIONER_SR or _SPRING with SGD or Adam), the sum of
/// log-derivatives (2 num_params), the force A^T b (num_params), then one num_params + 10
/// buffer per iteration of the conjugate gradient that solves the SR system over all
/// processes' samples, and one more to stop (the 10 are every process's votes to stop, to
/// fail and to average, so that all decide alike, and the fingerprint of its search
/// direction, 7 whole numbers); once the directions differ (an allreduce whose sums are
/// not bit-identical across processes), each iteration first sums the direction and the
/// residual (2 num_params) to average them. The update rule reduces nothing. For each rnnwf_fit_step:
/// the fingerprint with [sum -ln P(data), n] (9), then the gradient (num_params). A reduced
/// value that is NaN or Inf gives RNNWF_ERR_NUMERICAL, but a buffer all +Inf, which a
/// process cancelled by rnnwf_vmc_cancel sends, gives RNNWF_ERR_CANCELLED.
#[allow(non_camel_case_types)]
pub type rnnwf_allreduce_fn =
    Option<unsafe extern "C" fn(buf: *mut f64, len: usize, user_data: *mut c_void) -> i32>;

/// The host's `user_data`, carried by the driver's reduction hook.
struct HostData(*mut c_void);

// SAFETY: include/rnnwf.h lets a handle be used and freed from any thread as long as no two
// calls use it at once, and makes the host promise that `user_data` is valid for every call
// of its function while the hook is set; the library only hands the pointer back to that
// function, on the thread of the call that reduces, never touching what it points to.
unsafe impl Send for HostData {}

impl HostData {
    /// The pointer (a method, so that a closure captures the whole `Send` wrapper).
    fn get(&self) -> *mut c_void {
        self.0
    }
}

/// The host's function and its `user_data` as the driver's reduction.
///
/// # Safety
/// `f` must be callable as documented on `rnnwf_allreduce_fn` with `user_data` for as long
/// as the driver holds the hook.
pub(super) unsafe fn host_allreduce(
    f: unsafe extern "C" fn(*mut f64, usize, *mut c_void) -> i32,
    user_data: *mut c_void,
) -> AllReduce {
    let data = HostData(user_data);
    Box::new(move |buf: &mut [f64]| {
        // SAFETY: `f` and `user_data` are the host's, valid as promised to rnnwf_vmc_set_
        // allreduce; `buf` is valid and exclusively ours for `buf.len()` doubles for the call.
        let status = unsafe { f(buf.as_mut_ptr(), buf.len(), data.get()) };
        if status == 0 {
            Ok(())
        } else {
            Err(format!("the host's rnnwf_allreduce_fn returned {status}"))
        }
    })
}
