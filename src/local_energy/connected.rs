//! ln psi of the configurations connected to one sample by a host's own operator, with the
//! local energies' prefix reuse: the sample runs one pass that saves its states, and each
//! connected configuration restarts (`Workspace::restart`) from the checkpoint at or before
//! its first changed position. A symmetrised model does this for each image g s, then
//! combines the |G| amplitudes of each connected configuration.

use super::{positions, RestartPlan, Workspace};
use crate::buffer::{try_zeroed, try_zeroed_vec};
use crate::error::{zeroed_on_numerical, Error, Result};
use crate::kernels::Real;
use crate::model::evaluate::check_log_psi;
use crate::model::{Model, Precision};
use crate::parallel::CHUNK_ROWS;
use num_complex::Complex64;

/// The changes that make connected configurations from a sample, in CSR layout: connection
/// `c` sets site `sites[k]` to `values[k]` for `k` in `offsets[c]..offsets[c + 1]`.
#[derive(Clone, Copy, Debug)]
pub struct Connections<'a> {
    /// `n_conn + 1` entries, from 0, non-decreasing, the last `sites.len()`.
    pub offsets: &'a [usize],
    pub sites: &'a [u32],
    pub values: &'a [u8],
}

/// ln psi (as [`Model::log_psi`]) of the `out.len()` configurations that equal `config`
/// (one configuration, `[n_sites]`) but at the sites and values of `connections`. A
/// connection may change no site, or set a site to the value it has (its ln psi is then
/// the sample's). A connected configuration outside the model's U(1) subspace gets -inf, as
/// `log_psi` gives it; so may the sample itself. Refuses, as `InvalidArgument` naming the
/// entry: offsets that do not start at 0 or decrease, a site out of range or repeated
/// within a connection, a value >= local_dim; as `BufferSize`, offsets without
/// `out.len() + 1` entries or ending elsewhere than at the length of `sites` and `values`;
/// `Numerical` when the pass overflows, with `out` zeroed. Runs on the calling thread: a host
/// calls it once per sample, from as many threads as it likes.
pub fn log_psi_connected(
    model: &Model,
    config: &[u8],
    connections: Connections,
    out: &mut [Complex64],
) -> Result<()> {
    model.check_configs(config, 1)?;
    check_connections(model, connections, out.len())?;
    if out.is_empty() {
        return Ok(());
    }
    match model.precision() {
        Precision::F64 => connected_in::<f64>(model, config, connections, out),
        Precision::F32 => connected_in::<f32>(model, config, connections, out),
    }?;
    // Refused before anything is written but for the overflow, found once `out` is filled.
    zeroed_on_numerical(check_log_psi(out), out)
}

/// Refuses malformed connections of `n` configurations.
fn check_connections(model: &Model, c: Connections, n: usize) -> Result<()> {
    let offsets = c.offsets;
    if offsets.len() != n + 1 {
        return Err(Error::buffer_size(format!(
            "offsets has {} entries, but n_conn + 1 = {}",
            offsets.len(),
            n + 1
        )));
    }
    check_offsets(offsets)?;
    let total = offsets[n];
    if c.sites.len() != total || c.values.len() != total {
        return Err(Error::buffer_size(format!(
            "offsets[n_conn] = {total} must be the length of sites ({}) and values ({})",
            c.sites.len(),
            c.values.len()
        )));
    }
    let (n_sites, d) = (model.num_sites(), model.config().local_dim);
    if let Some(k) = c.sites.iter().position(|&i| i as usize >= n_sites) {
        return Err(Error::invalid(format!(
            "sites[{k}] = {} is not a site of the model's {n_sites}",
            c.sites[k]
        )));
    }
    if let Some(k) = c.values.iter().position(|&v| v as u32 >= d) {
        return Err(Error::invalid(format!(
            "values[{k}] = {} is not a site value (local_dim = {d}: values 0..={})",
            c.values[k],
            d - 1
        )));
    }
    // The connection that last changed each site: a repeat within one is refused.
    let mut last: Vec<usize> = try_zeroed_vec(n_sites, "the connections' site marks")?;
    for (conn, w) in offsets.windows(2).enumerate() {
        for k in w[0]..w[1] {
            let site = c.sites[k] as usize;
            if last[site] == conn + 1 {
                return Err(Error::invalid(format!(
                    "connection {conn} changes site {site} twice (sites[{k}])"
                )));
            }
            last[site] = conn + 1;
        }
    }
    Ok(())
}

/// Refuses offsets that do not start at 0 or that decrease (`InvalidArgument`), before the
/// length of the arrays they index (their last entry) is trusted.
pub(crate) fn check_offsets(offsets: &[usize]) -> Result<()> {
    match offsets.first() {
        Some(0) => {}
        Some(first) => {
            return Err(Error::invalid(format!("offsets[0] = {first} must be 0")));
        }
        None => {
            return Err(Error::buffer_size(
                "offsets is empty: it has n_conn + 1 entries",
            ))
        }
    }
    if let Some(k) = offsets.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::invalid(format!(
            "offsets decrease: offsets[{}] = {} > offsets[{}] = {}",
            k,
            offsets[k],
            k + 1,
            offsets[k + 1]
        )));
    }
    Ok(())
}

/// A workspace of one sample's restarts, kept apart in the model's cache from the local
/// energies' (its snapshots are spaced for one row).
struct ConnectedWorkspace<F: Real> {
    base: Workspace<F>,
    /// The sample moved by the current group element.
    image: Vec<u8>,
}

/// [`log_psi_connected`] of checked inputs, in passes over `F`.
fn connected_in<F: Real>(
    model: &Model,
    config: &[u8],
    connections: Connections,
    out: &mut [Complex64],
) -> Result<()> {
    let (n, sites) = (out.len(), model.num_sites());
    let plan = RestartPlan::spaced::<F>(model, 1);
    let group = model.symmetry_group();
    let size = group.map_or(1, |g| g.len());
    let what = "the connected configurations' ln psi";
    // Per connection its first checkpoint under the current g, then its index.
    let mut order: Vec<(usize, usize)> = try_zeroed_vec(n, what)?;
    let mut log_psi: Vec<Complex64> = match group {
        Some(_) => try_zeroed(&[n, size], what)?,
        None => Vec::new(),
    };
    let mut ws = model.workspaces().lease(1, |_| {
        Ok(ConnectedWorkspace {
            base: Workspace::<F>::new(model, &plan, 1)?,
            image: try_zeroed_vec(sites, what)?,
        })
    })?;
    let ws = &mut *ws;
    let position_of = positions(model);
    let top = (model.config().local_dim - 1) as u8;
    for g in 0..size {
        let element = group.map(|group| &group.elements[g]);
        // Site j of a configuration sits at moved(j) of its image, with value value(v).
        let moved = |j: usize| element.map_or(j, |e| e.target[j] as usize);
        let value = |v: u8| match element {
            Some(e) if e.flip => top - v,
            _ => v,
        };
        match group {
            Some(group) => group.apply(g, config, &mut ws.image),
            None => ws.image.copy_from_slice(config),
        }
        ws.base.run_samples(model, &plan, &ws.image, 1);
        for (conn, (o, w)) in order
            .iter_mut()
            .zip(connections.offsets.windows(2))
            .enumerate()
        {
            // A connection that changes nothing restarts at the last position.
            let first = (w[0]..w[1])
                .filter(|&k| connections.values[k] != config[connections.sites[k] as usize])
                .map(|k| position_of[moved(connections.sites[k] as usize)])
                .min()
                .unwrap_or(sites - 1);
            *o = (first / plan.stride, conn);
        }
        order.sort_unstable();
        let mut from = 0;
        let mut batch: Vec<usize> = Vec::with_capacity(CHUNK_ROWS);
        let mut flush = |ws: &mut ConnectedWorkspace<F>, batch: &mut Vec<usize>, from| {
            if batch.is_empty() {
                return;
            }
            ws.base.restart(model, batch.len(), from, group.is_none());
            for (&conn, &l) in batch.iter().zip(&ws.base.batch_log_psi) {
                match group {
                    Some(_) => log_psi[conn * size + g] = l,
                    None => out[conn] = l,
                }
            }
            batch.clear();
        };
        for &(checkpoint, conn) in order.iter() {
            let at = checkpoint * plan.stride;
            if at != from || batch.len() == CHUNK_ROWS {
                flush(ws, &mut batch, from);
                from = at;
            }
            let dst = ws.base.queue(batch.len(), checkpoint, &ws.image);
            let w = &connections.offsets[conn..conn + 2];
            for k in w[0]..w[1] {
                let site = connections.sites[k] as usize;
                dst[moved(site)] = value(connections.values[k]);
            }
            batch.push(conn);
        }
        flush(ws, &mut batch, from);
    }
    if let Some(group) = group {
        // The connected configuration itself, for its sign.
        let connected = &mut ws.image;
        for (conn, o) in out.iter_mut().enumerate() {
            connected.copy_from_slice(config);
            for k in connections.offsets[conn]..connections.offsets[conn + 1] {
                connected[connections.sites[k] as usize] = connections.values[k];
            }
            *o = group.combine(&log_psi[conn * size..(conn + 1) * size])
                + Complex64::new(0.0, model.sign_phase(connected));
        }
    }
    Ok(())
}
