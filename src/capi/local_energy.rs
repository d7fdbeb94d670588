//! Local energies E_loc(s) = sum_s' <s|H|s'> psi(s') / psi(s) of given configurations.

use super::args::{array_len, borrow, slice, slice_mut};
use super::boundary::ffi_call;
use super::complex::{as_engine_mut, rnnwf_complex};
use super::hamiltonian::rnnwf_hamiltonian;
use super::model::rnnwf_model;
use super::status::rnnwf_status;

/// E_loc(s) = sum_s' <s|H|s'> psi(s') / psi(s) of the `n` configurations in `configs`
/// (`[n][n_sites]`) into `out` (`[n]`); the mean over samples of P = |psi|^2 estimates `<H>`.
/// RNNWF_ERR_INVALID_ARGUMENT for an operator on another number of sites than the model, a
/// model that is not spin-1/2 (local_dim != 2), a value >= 2 in `configs` or a
/// configuration outside the model's U(1) subspace (psi = 0 there), each named; a local
/// energy that is not finite (parameters or coefficients so large that it overflows, e.g.
/// 1e308, or a sample whose amplitude overflows) is RNNWF_ERR_NUMERICAL naming the
/// configuration, with `out` filled with zeros. NULL arrays are accepted when `n` is 0.
/// Nothing is written on any other failure. Memory besides the caller's arrays: per thread,
/// two passes (as rnnwf_sample) and the saved states of 256 samples for prefix reuse (at
/// most 32 MB); for a one-layer RNNWF_CELL_LINEAR_GATED model instead its sample's states
/// at every site, about (7 hidden + 3) x 8 bytes a site on a chain (f64), which keeps the
/// work growing like the sites; all kept by the model for its next calls.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_local_energies(
    m: *const rnnwf_model,
    h: *const rnnwf_hamiltonian,
    configs: *const u8,
    n: usize,
    out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_local_energies", || {
        // SAFETY: live handles (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: as above.
        let h = unsafe { borrow(h, "h")? }.hamiltonian();
        let configs_len = array_len(n, m.num_sites(), "configs")?;
        // SAFETY: the caller gives n * n_sites readable bytes (NULL refused unless n == 0).
        let configs = unsafe { slice(configs, configs_len, "configs")? };
        // SAFETY: the caller gives n writable rnnwf_complex (NULL refused unless n == 0).
        let out = unsafe { slice_mut(out, n, "out")? };
        h.try_compiled()?;
        crate::local_energy::local_energies(m, h, configs, as_engine_mut(out))?;
        Ok(())
    })
}
