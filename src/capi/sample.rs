//! Sampling and evaluating the wave function on configurations.

use super::args::{array_len, borrow, slice, slice_mut};
use super::boundary::ffi_call;
use super::complex::{as_engine_mut, rnnwf_complex};
use super::model::rnnwf_model;
use super::status::rnnwf_status;

/// Draws `n` independent exact samples of P = |psi|^2 into `configs_out`
/// (`[n][n_sites]`, values 0..local_dim) and, when `log_psi_out` is not NULL, their ln psi
/// (`[n]`) from the same pass. The result depends only on the parameters, `seed` and `n`,
/// never on the thread count. NULL arrays are accepted when `n` is 0. Parameters so large
/// that the pass overflows (set_params takes any finite value, 1e308 included) give
/// RNNWF_ERR_NUMERICAL rather than NaN, with both arrays filled with zeros (they are
/// written as the pass goes). Nothing is written on any other failure.
/// Memory besides the caller's arrays: one pass workspace per thread for up to 256 rows,
/// 8 x 256 x layers x hidden x S x (1, or 3 for the GRU) bytes and a little more (S states
/// kept per row: 2 on a chain, lx + 1 on a grid), kept by the model for its next calls.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_sample(
    m: *const rnnwf_model,
    seed: u64,
    n: usize,
    configs_out: *mut u8,
    log_psi_out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_sample", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        let configs_len = array_len(n, m.num_sites(), "configs_out")?;
        // SAFETY: the caller gives n * n_sites writable bytes (NULL refused unless n == 0).
        let configs_out = unsafe { slice_mut(configs_out, configs_len, "configs_out")? };
        let log_psi_out = if log_psi_out.is_null() {
            None
        } else {
            // SAFETY: the caller gives n writable rnnwf_complex (not NULL here).
            Some(unsafe { slice_mut(log_psi_out, n, "log_psi_out")? })
        };
        // Straight into the caller's arrays: a copy of our own could need memory that
        // nothing has.
        m.sample(seed, n, configs_out, log_psi_out.map(as_engine_mut))?;
        Ok(())
    })
}

/// ln psi(s) = 0.5 ln P(s) + i (phase(s) + pi * sign-rule count) of the `n` configurations in
/// `configs` (`[n][n_sites]`) into `out` (`[n]`). A value >= local_dim gives
/// RNNWF_ERR_INVALID_ARGUMENT naming the configuration and site. A configuration outside the
/// U(1) subspace has P = 0: its re is -inf. NULL arrays are accepted when `n` is 0. A NaN
/// (parameters so large that the pass overflows) is RNNWF_ERR_NUMERICAL, with `out` filled
/// with zeros. Nothing is written on any other failure. Memory as rnnwf_sample.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_log_psi(
    m: *const rnnwf_model,
    configs: *const u8,
    n: usize,
    out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_log_psi", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        let configs_len = array_len(n, m.num_sites(), "configs")?;
        // SAFETY: the caller gives n * n_sites readable bytes (NULL refused unless n == 0).
        let configs = unsafe { slice(configs, configs_len, "configs")? };
        // SAFETY: the caller gives n writable rnnwf_complex (NULL refused unless n == 0).
        let out = unsafe { slice_mut(out, n, "out")? };
        m.log_psi(configs, as_engine_mut(out))?;
        Ok(())
    })
}
