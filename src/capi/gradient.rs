//! Derivatives of ln psi with respect to the parameters.

use super::args::{array_len, borrow, slice, slice_mut};
use super::boundary::ffi_call;
use super::complex::{as_engine_mut, rnnwf_complex};
use super::model::rnnwf_model;
use super::status::rnnwf_status;

/// d ln psi(s_i) / d theta_k of the `n` configurations in `configs` (`[n][n_sites]`) into
/// `out` (`[n][num_params]`, parameters in the order of rnnwf_model_get_params): the real
/// part is 0.5 d ln P, the imaginary part the derivative of the phase. A configuration with
/// P = 0 (outside the U(1) subspace) has no derivative: RNNWF_ERR_INVALID_ARGUMENT naming
/// it; a pass that overflows (parameters so large that ln psi is not a number) is
/// RNNWF_ERR_NUMERICAL, with `out` filled with zeros. NULL arrays are accepted when `n` is
/// 0. Nothing is written on any other failure. Memory besides the caller's arrays: a pass
/// and a backward workspace per thread, kept by the model for its next calls: the
/// workspace's tape takes at most 64 MB, or one configuration's tape when that is larger
/// (it holds every site: about 1 GB on a 2^20-site chain), RNNWF_ERR_OUT_OF_MEMORY when
/// refused.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_log_psi_grad(
    m: *const rnnwf_model,
    configs: *const u8,
    n: usize,
    out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_log_psi_grad", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        let configs_len = array_len(n, m.num_sites(), "configs")?;
        let out_len = array_len(n, m.num_params(), "out")?;
        // SAFETY: the caller gives n * n_sites readable bytes (NULL refused unless n == 0).
        let configs = unsafe { slice(configs, configs_len, "configs")? };
        // SAFETY: the caller gives n * num_params writable rnnwf_complex.
        let out = unsafe { slice_mut(out, out_len, "out")? };
        m.log_psi_grad(configs, as_engine_mut(out))?;
        Ok(())
    })
}
