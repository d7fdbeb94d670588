//! Training on the host's samples and local energies: the samples a step draws, and a step
//! on given samples and energies.

use super::args::{array_len, borrow, borrow_mut, slice, slice_mut};
use super::boundary::ffi_call;
use super::complex::{as_engine, as_engine_mut, rnnwf_complex};
use super::model::rnnwf_model;
use super::status::rnnwf_status;
use super::versioned::VersionedOut;
use super::vmc::{driver, driver_mut, rnnwf_vmc, rnnwf_vmc_stats, step_arguments};

/// Draws the samples the next rnnwf_vmc_step would draw: this process's cfg->n_samples
/// configurations into `configs_out` (`[n_samples][n_sites]`) and, when `log_psi_out` is not
/// NULL, their ln psi (`[n_samples]`), with the seed derived from cfg->seed and the step
/// index, as rnnwf_sample. A host that computes their local energies with its own operator
/// (rnnwf_log_psi_connected) and calls rnnwf_vmc_step_on_samples takes the step that
/// rnnwf_vmc_step takes with the same energies, bit for bit. A pass that overflows is
/// RNNWF_ERR_NUMERICAL with both arrays filled with zeros, as rnnwf_sample; nothing is
/// written on any other failure. Memory as rnnwf_sample.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_sample(
    v: *const rnnwf_vmc,
    m: *const rnnwf_model,
    configs_out: *mut u8,
    log_psi_out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_sample", || {
        // SAFETY: live handles (checked for NULL).
        let v = unsafe { driver(v, "v")? };
        // SAFETY: as above.
        let m = unsafe { borrow(m, "m")? }.model();
        let n = usize::try_from(v.config().n_samples).unwrap_or(usize::MAX);
        let configs_len = array_len(n, m.num_sites(), "configs_out")?;
        // SAFETY: the caller gives n_samples * n_sites writable bytes (NULL refused).
        let configs_out = unsafe { slice_mut(configs_out, configs_len, "configs_out")? };
        let log_psi_out = if log_psi_out.is_null() {
            None
        } else {
            // SAFETY: the caller gives n_samples writable rnnwf_complex (not NULL here).
            Some(unsafe { slice_mut(log_psi_out, n, "log_psi_out")? })
        };
        v.sample(m, configs_out, log_psi_out.map(as_engine_mut))?;
        Ok(())
    })
}

/// One training step on the host's samples and local energies: `configs` (`[n][n_sites]`,
/// n >= 1, drawn from |psi|^2 of `m`, e.g. by rnnwf_vmc_sample or rnnwf_sample) and
/// `local_energies` (`[n]`, complex, E_loc(s) = sum_s' <s|H|s'> psi(s')/psi(s) of the
/// host's operator; see rnnwf_log_psi_connected). The gradient, preconditioner and update
/// are those of rnnwf_vmc_step, on the same code: with the energies rnnwf_local_energies
/// gives, the step equals rnnwf_vmc_step on the same samples bit for bit. With temperature
/// T > 0 the samples' ln psi is evaluated (one more pass). n may differ from cfg->n_samples,
/// and under a reduction hook from one process to another: each process passes its own
/// samples, every average is over all of them, and the reductions are those of
/// rnnwf_vmc_step (documented on rnnwf_allreduce_fn). RNNWF_ERR_INVALID_ARGUMENT for n = 0,
/// a value >= local_dim in `configs`, a configuration outside the model's U(1) subspace or
/// optimiser state of another model; RNNWF_ERR_NUMERICAL for a local energy that is NaN or
/// Inf (naming it), and as rnnwf_vmc_step; under a hook every such refusal still joins the
/// first reduction, so that all processes fail the step together. On any error the model,
/// the optimiser state and the step counter are unchanged. Memory as rnnwf_vmc_step with
/// n samples. `stats->struct_size` is set by the caller (see rnnwf_vmc_stats).
#[no_mangle]
pub unsafe extern "C" fn rnnwf_vmc_step_on_samples(
    v: *mut rnnwf_vmc,
    m: *mut rnnwf_model,
    configs: *const u8,
    n: usize,
    local_energies: *const rnnwf_complex,
    stats: *mut rnnwf_vmc_stats,
) -> rnnwf_status {
    ffi_call("rnnwf_vmc_step_on_samples", || {
        // SAFETY: live handles for exclusive use (checked for NULL).
        let v = unsafe { driver_mut(v, "v")? };
        let (m, configs, local_energies, out) = step_arguments(v, false, n, || {
            // SAFETY: as above.
            let m = unsafe { borrow_mut(m, "m")? }.model_mut();
            let configs_len = array_len(n, m.num_sites(), "configs")?;
            // SAFETY: the caller gives n * n_sites readable bytes (NULL refused unless n == 0).
            let configs = unsafe { slice(configs, configs_len, "configs")? };
            // SAFETY: the caller gives n readable rnnwf_complex (NULL refused unless n == 0).
            let local_energies = unsafe { slice(local_energies, n, "local_energies")? };
            // SAFETY: the caller gives stats whose struct_size is readable (checked for NULL).
            let out = unsafe { VersionedOut::new(stats, "stats")? };
            Ok((m, configs, local_energies, out))
        })?;
        let result = v.step_on_local_energies(m, configs, as_engine(local_energies))?;
        // SAFETY: writable for its struct_size, as promised; padding written as zeros.
        unsafe { out.write(result.into()) };
        Ok(())
    })
}
