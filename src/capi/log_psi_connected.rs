//! ln psi of the configurations connected to one sample, for local energies the host
//! computes with its own operator.

use super::args::{borrow, slice, slice_mut};
use super::boundary::{ffi_call, Failure};
use super::complex::{as_engine_mut, rnnwf_complex};
use super::model::rnnwf_model;
use super::status::rnnwf_status;
use crate::error::ErrorKind;
use crate::local_energy::{check_offsets, log_psi_connected, Connections};

/// ln psi (as rnnwf_log_psi) of `n_conn` configurations, each equal to the one configuration
/// `config` (`[n_sites]`) except at the sites `sites[offsets[c] .. offsets[c+1])`, set to the
/// matching `values`; `offsets` has n_conn + 1 entries, `offsets[0]` = 0, and `sites` and
/// `values` have `offsets[n_conn]` entries (NULL accepted when that is 0). With the
/// off-diagonal elements <s|H|s'> of its own operator, a host gets local energies
/// E_loc(s) = sum_s' <s|H|s'> exp(out[s'] - ln psi(s)) for rnnwf_vmc_step_on_samples.
/// Reuses the sample's prefix as rnnwf_local_energies does: one pass over `config`, then each
/// connected configuration restarts at its first changed position in sampling order (about
/// half the cost of rnnwf_log_psi on them for single-site changes). A connection may change
/// no site or set a site to its own value. A connected configuration outside the U(1)
/// subspace has P = 0: its re is -inf (as rnnwf_log_psi; so may `config` be outside it).
/// RNNWF_ERR_INVALID_ARGUMENT, naming the entry, for `offsets[0]` != 0, decreasing offsets, a
/// site >= n_sites or repeated within a connection, a value >= local_dim in `config` or
/// `values`; RNNWF_ERR_NUMERICAL when the pass overflows, with `out` filled with zeros.
/// Nothing is written on any other failure.
/// Runs on the calling thread (call it for several samples from several threads at once).
/// Memory: the pass workspaces of rnnwf_local_energies for one row, a site's saved state
/// per site, n_conn x (16 + 16 |G|) bytes with a symmetry group G.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_log_psi_connected(
    m: *const rnnwf_model,
    config: *const u8,
    n_conn: usize,
    offsets: *const usize,
    sites: *const u32,
    values: *const u8,
    out: *mut rnnwf_complex,
) -> rnnwf_status {
    ffi_call("rnnwf_log_psi_connected", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: the caller gives n_sites readable bytes (NULL refused: n_sites >= 1).
        let config = unsafe { slice(config, m.num_sites(), "config")? };
        let offsets_len = n_conn
            .checked_add(1)
            .ok_or_else(|| Failure::new(ErrorKind::BufferSize, "n_conn + 1 overflows a size_t"))?;
        // SAFETY: the caller gives n_conn + 1 readable offsets (NULL refused).
        let offsets = unsafe { slice(offsets, offsets_len, "offsets")? };
        // The length of sites and values is offsets[n_conn], once the offsets are sound.
        check_offsets(offsets)?;
        let total = offsets[n_conn];
        // SAFETY: the caller gives offsets[n_conn] readable entries (NULL refused unless 0).
        let sites = unsafe { slice(sites, total, "sites")? };
        // SAFETY: as above.
        let values = unsafe { slice(values, total, "values")? };
        // SAFETY: the caller gives n_conn writable rnnwf_complex (NULL refused unless 0).
        let out = unsafe { slice_mut(out, n_conn, "out")? };
        let connections = Connections {
            offsets,
            sites,
            values,
        };
        log_psi_connected(m, config, connections, as_engine_mut(out))?;
        Ok(())
    })
}
