//! Local energies E_loc(s) = sum_{s'} <s|H|s'> psi(s') / psi(s) (docs/method.md), with
//! prefix reuse (docs/architecture.md): a connected configuration s' that first differs from
//! its sample at sampling position k shares the sample's pass state before k, so its pass
//! restarts there from a saved state instead of from position 0.
//!
//! Each chunk of CHUNK_ROWS samples runs its own pass once, saving every row's state at
//! checkpoints (every `stride` positions; stride 1 unless the saved states would exceed
//! `SNAPSHOT_BUDGET_BYTES`). Connected configurations are then grouped by the checkpoint
//! at or before their first differing position and evaluated in batches of up to
//! CHUNK_ROWS rows from there. Chunks are fixed, so results never depend on the thread
//! count.
//!
//! One layer of the linear gated cell takes its own path (`linear`): it propagates each
//! flip's change through the sample's gates instead of restarting the cell.

use crate::buffer::{product, try_zeroed, try_zeroed_vec};
use crate::error::{zeroed_on_numerical, Error, Result};
use crate::hamiltonian::compiled::CompiledOperator;
use crate::hamiltonian::Hamiltonian;
use crate::kernels::Real;
use crate::model::evaluate::{overflowed, ReadValues};
use crate::model::forward::Pass;
use crate::model::snapshot::RowSnapshots;
use crate::model::{Model, Precision};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;

mod symmetric;

mod linear;

mod connected;
pub(crate) use connected::check_offsets;
pub use connected::{log_psi_connected, Connections};

/// Memory for the saved states of one chunk of samples; one chunk per thread is live.
const SNAPSHOT_BUDGET_BYTES: usize = 32 << 20;

/// Connected configurations evaluated per call of the naive path.
const NAIVE_BATCH: usize = 4096;

/// E_loc(s) for each of the `out.len()` configurations in `configs` (row-major
/// `[n][n_sites]`), with prefix reuse. Refuses an operator on a different number of sites
/// or of another local dimension than the model's, and configurations outside the
/// model's U(1) subspace (psi = 0 there), all as `InvalidArgument`; a local energy that is
/// not finite (overflow) as `Numerical`, with `out` zeroed. With a symmetry, of psi_S, at |G| times the cost
/// (`local_energy/symmetric.rs`).
pub fn local_energies(
    model: &Model,
    h: &Hamiltonian,
    configs: &[u8],
    out: &mut [Complex64],
) -> Result<()> {
    let n = out.len();
    check_inputs(model, h, configs, n)?;
    if n == 0 {
        return Ok(());
    }
    let result = match model.precision() {
        Precision::F64 => local_energies_in::<f64>(model, h, configs, out),
        Precision::F32 => local_energies_in::<f32>(model, h, configs, out),
    };
    zeroed_on_numerical(result.and_then(|()| check_finite(out, 0)), out)
}

/// [`local_energies`] of checked inputs, in passes over `F`.
fn local_energies_in<F: Real>(
    model: &Model,
    h: &Hamiltonian,
    configs: &[u8],
    out: &mut [Complex64],
) -> Result<()> {
    let n = out.len();
    let op = h.compiled();
    // The linear cell's flips are spin-1/2 flips.
    if model.config().local_dim == 2 && linear::applies(model) {
        return linear::local_energies::<F>(model, op, configs, out);
    }
    if let Some(group) = model.symmetry_group() {
        return symmetric::local_energies::<F>(model, group, op, configs, out);
    }
    let plan = RestartPlan::new::<F>(model, op, |site| site);
    let sites = model.num_sites();
    let tasks = configs
        .chunks(CHUNK_ROWS * sites)
        .zip(out.chunks_mut(CHUNK_ROWS));
    for_each_task(
        tasks,
        || {
            let rows = CHUNK_ROWS.min(n);
            model
                .workspaces()
                .lease(rows, |r| Workspace::<F>::new(model, &plan, r))
        },
        |ws, (configs, out)| {
            ws.local_energies(model, op, &plan, configs, out);
            Ok(())
        },
    )
}

/// Refuses a local energy that is not finite: the one check of every local energy handed
/// out, run once every path (plain, symmetrised, linear cell) has filled them all.
/// Parameters or coefficients so large that psi ratios or the sum overflow (finite values
/// such as 1e308 are accepted where they are set) give it. `first_row` is the row of
/// `values[0]` among the caller's configurations.
fn check_finite(values: &[Complex64], first_row: usize) -> Result<()> {
    match values
        .iter()
        .position(|e| !(e.re.is_finite() && e.im.is_finite()))
    {
        None => Ok(()),
        Some(i) => Err(Error::numerical(format!(
            "the local energy of configuration {} is {}: the parameters or the operator's coefficients are too large (it overflows)",
            first_row + i,
            values[i]
        ))),
    }
}

/// The same local energies by evaluating every connected configuration from position 0
/// with [`Model::log_psi`]: the reference that [`local_energies`] is tested and benchmarked
/// against.
pub fn local_energies_naive(
    model: &Model,
    h: &Hamiltonian,
    configs: &[u8],
    out: &mut [Complex64],
) -> Result<()> {
    let n = out.len();
    check_inputs(model, h, configs, n)?;
    let op = h.compiled();
    let sites = model.num_sites();
    let mut sample_log_psi = vec![Complex64::new(0.0, 0.0); n];
    let sampled = model.log_psi(configs, &mut sample_log_psi);
    let mut pending: Vec<(usize, Complex64)> = Vec::with_capacity(NAIVE_BATCH);
    let mut pending_configs = Vec::with_capacity(NAIVE_BATCH * sites);
    let mut pending_log_psi = vec![Complex64::new(0.0, 0.0); NAIVE_BATCH];
    let mut flush = |pending: &mut Vec<(usize, Complex64)>,
                     pending_configs: &mut Vec<u8>,
                     out: &mut [Complex64]|
     -> Result<()> {
        let lp = &mut pending_log_psi[..pending.len()];
        model.log_psi(pending_configs, lp)?;
        for (&(row, element), lp) in pending.iter().zip(lp.iter()) {
            out[row] += ratio_term(element, *lp, sample_log_psi[row]);
        }
        pending.clear();
        pending_configs.clear();
        Ok(())
    };
    let mut fill = |out: &mut [Complex64]| -> Result<()> {
        for (row, config) in configs.chunks_exact(sites).enumerate() {
            out[row] = op.diagonal(config);
            for g in 0..op.num_off_diagonal() {
                let element = op.element(g, config);
                if element == Complex64::new(0.0, 0.0) {
                    continue;
                }
                let start = pending_configs.len();
                pending_configs.extend_from_slice(config);
                op.apply(g, &mut pending_configs[start..]);
                pending.push((row, element));
                if pending.len() == NAIVE_BATCH {
                    flush(&mut pending, &mut pending_configs, out)?;
                }
            }
        }
        flush(&mut pending, &mut pending_configs, out)?;
        check_finite(out, 0)
    };
    zeroed_on_numerical(sampled.and_then(|()| fill(out)), out)
}

/// Refuses an operator that does not fit the model: a different number of sites, or
/// another local dimension.
pub(crate) fn check_operator(model: &Model, h: &Hamiltonian) -> Result<()> {
    let d = model.config().local_dim as usize;
    if h.local_dim() != d {
        let spin_half = if h.local_dim() == 2 {
            " (spin-1/2)"
        } else {
            ""
        };
        return Err(Error::invalid(format!(
            "the operator acts on sites of local_dim = {}{spin_half} but the model has local_dim = {d}",
            h.local_dim()
        )));
    }
    if h.num_sites() != model.num_sites() {
        return Err(Error::invalid(format!(
            "the operator acts on {} sites but the model has {}",
            h.num_sites(),
            model.num_sites()
        )));
    }
    Ok(())
}

fn check_inputs(model: &Model, h: &Hamiltonian, configs: &[u8], n: usize) -> Result<()> {
    check_operator(model, h)?;
    model.check_configs(configs, n)?;
    model.check_inside_u1(configs)
}

/// <s|H|s'> psi(s') / psi(s); exactly 0 when psi(s') = 0 (outside the U(1) subspace), where
/// exp(-inf - ln psi(s)) could otherwise meet an infinite phase difference. NaN when
/// either ln psi is not a number or psi(s) = 0 (a pass that overflowed or underflowed), so
/// that every path's local energy reaches `check_finite` as NaN rather than as a ratio
/// made up of zeros.
#[inline]
fn ratio_term(
    element: Complex64,
    log_psi_connected: Complex64,
    log_psi_sample: Complex64,
) -> Complex64 {
    if overflowed(&log_psi_connected)
        || overflowed(&log_psi_sample)
        || log_psi_sample.re == f64::NEG_INFINITY
    {
        Complex64::new(f64::NAN, f64::NAN)
    } else if log_psi_connected.re == f64::NEG_INFINITY {
        Complex64::new(0.0, 0.0)
    } else {
        element * (log_psi_connected - log_psi_sample).exp()
    }
}

/// Where each off-diagonal group's configurations restart, the same for every sample.
pub(crate) struct RestartPlan {
    /// Positions between saved states.
    stride: usize,
    /// Saved states per sample: at positions 0, stride, 2 stride, ...
    checkpoints: usize,
    /// Per checkpoint, the groups whose first flipped position lies in its stride.
    groups_by_checkpoint: Vec<Vec<usize>>,
}

impl RestartPlan {
    /// The plan for configurations whose site `j` sits at site `moved(j)` (the identity, or
    /// a symmetry's image).
    /// The snapshots hold states in `F`, the passes' float type.
    fn new<F: Real>(model: &Model, op: &CompiledOperator, moved: impl Fn(usize) -> usize) -> Self {
        let mut plan = RestartPlan::spaced::<F>(model, CHUNK_ROWS);
        let position_of = positions(model);
        let mut groups_by_checkpoint = vec![Vec::new(); plan.checkpoints];
        for g in 0..op.num_off_diagonal() {
            let first = op
                .flips(g)
                .iter()
                .map(|&i| position_of[moved(i as usize)])
                .min()
                .expect("an off-diagonal group flips a site");
            groups_by_checkpoint[first / plan.stride].push(g);
        }
        plan.groups_by_checkpoint = groups_by_checkpoint;
        plan
    }

    /// Checkpoints as dense as `rows` rows' saved states allow within the budget, and no
    /// groups yet.
    fn spaced<F: Real>(model: &Model, rows: usize) -> Self {
        let sites = model.num_sites();
        let per_checkpoint = rows * RowSnapshots::<F>::bytes_per_slot(model);
        let max_checkpoints = (SNAPSHOT_BUDGET_BYTES / per_checkpoint).max(1);
        let stride = sites.div_ceil(max_checkpoints);
        RestartPlan {
            stride,
            checkpoints: sites.div_ceil(stride),
            groups_by_checkpoint: Vec::new(),
        }
    }
}

/// The sampling position of each site.
fn positions(model: &Model) -> Vec<usize> {
    let mut position_of = vec![0usize; model.num_sites()];
    for (pos, &site) in model.order().iter().enumerate() {
        position_of[site] = pos;
    }
    position_of
}

/// One task's buffers, kept between calls in the model's workspace cache; the passes in `F`.
struct Workspace<F: Real> {
    samples: Pass<F>,
    connected: Pass<F>,
    snapshots: RowSnapshots<F>,
    sample_log_psi: Vec<Complex64>,
    /// The batch of connected configurations, `[CHUNK_ROWS][n_sites]`.
    batch_configs: Vec<u8>,
    /// Per batch row: its sample's row in the chunk and the matrix element.
    batch_rows: Vec<(usize, Complex64)>,
    batch_log_psi: Vec<Complex64>,
}

impl<F: Real> Workspace<F> {
    /// Refuses (naming the bytes) buffers no memory can hold.
    fn new(model: &Model, plan: &RestartPlan, sample_rows: usize) -> Result<Self> {
        let what = "the local-energy workspace";
        Ok(Workspace {
            samples: Pass::new(model, sample_rows)?,
            connected: Pass::new(model, CHUNK_ROWS)?,
            snapshots: RowSnapshots::new(model, product(sample_rows, plan.checkpoints, what)?)?,
            sample_log_psi: try_zeroed_vec(sample_rows, what)?,
            batch_configs: try_zeroed(&[CHUNK_ROWS, model.num_sites()], what)?,
            batch_rows: Vec::with_capacity(CHUNK_ROWS),
            batch_log_psi: try_zeroed_vec(CHUNK_ROWS, what)?,
        })
    }

    fn local_energies(
        &mut self,
        model: &Model,
        op: &CompiledOperator,
        plan: &RestartPlan,
        configs: &[u8],
        out: &mut [Complex64],
    ) {
        let rows = out.len();
        let sites = model.num_sites();
        self.run_samples(model, plan, configs, rows);
        for (o, config) in out.iter_mut().zip(configs.chunks_exact(sites)) {
            *o = op.diagonal(config);
        }
        let conserves_total = model.config().u1_total.is_some();
        for (checkpoint, groups) in plan.groups_by_checkpoint.iter().enumerate() {
            let from = checkpoint * plan.stride;
            for &g in groups {
                for (row, config) in configs.chunks_exact(sites).enumerate() {
                    let element = op.element(g, config);
                    if element == Complex64::new(0.0, 0.0)
                        || (conserves_total && op.changes_total(g, config))
                    {
                        continue;
                    }
                    let slot = row * plan.checkpoints + checkpoint;
                    let dst = self.queue(self.batch_rows.len(), slot, config);
                    op.apply(g, dst);
                    self.batch_rows.push((row, element));
                    if self.batch_rows.len() == CHUNK_ROWS {
                        self.flush(model, from, out);
                    }
                }
            }
            self.flush(model, from, out);
        }
    }

    /// The samples' own pass, saving every row's state at each checkpoint.
    ///
    /// In a VMC step this repeats, bit for bit, the sampling pass that drew `configs`. It is
    /// redone rather than handed over because handing it over means keeping the snapshots of
    /// every sample from sampling until here (up to `SNAPSHOT_BUDGET_BYTES` per CHUNK_ROWS
    /// samples instead of per thread), for a small gain: this pass measured 1.4 to 6% of the
    /// local energies (1.3 to 3.8% of a GRU step: 20 and 100 sites at 1024 samples, 6x6 and
    /// 10x10 at 256), the connected configurations' restarts taking the rest.
    fn run_samples(&mut self, model: &Model, plan: &RestartPlan, configs: &[u8], rows: usize) {
        self.samples.reset(rows);
        let mut reader = ReadValues {
            configs,
            order: model.order(),
        };
        for pos in 0..model.num_sites() {
            if pos.is_multiple_of(plan.stride) {
                let checkpoint = pos / plan.stride;
                for row in 0..rows {
                    let slot = row * plan.checkpoints + checkpoint;
                    self.snapshots.save(slot, &self.samples, row);
                }
            }
            self.samples.step(model, rows, pos, &mut reader);
        }
        model.finish_log_psi(&self.samples, configs, &mut self.sample_log_psi[..rows]);
    }

    /// Queues batch row `j` of connected configurations (j < CHUNK_ROWS): the saved state
    /// in `slot`, and a copy of `source` that the caller changes into the configuration.
    fn queue(&mut self, j: usize, slot: usize, source: &[u8]) -> &mut [u8] {
        let sites = source.len();
        self.snapshots.load(slot, &mut self.connected, j);
        let dst = &mut self.batch_configs[j * sites..(j + 1) * sites];
        dst.copy_from_slice(source);
        dst
    }

    /// The restart every prefix reuse goes through: runs the `len` queued configurations
    /// from position `from`, leaving their ln psi (without the sign rule unless `signed`) in
    /// `batch_log_psi[..len]`.
    fn restart(&mut self, model: &Model, len: usize, from: usize, signed: bool) {
        let configs = &self.batch_configs[..len * model.num_sites()];
        let mut reader = ReadValues {
            configs,
            order: model.order(),
        };
        self.connected.run_from(model, len, from, &mut reader);
        let log_psi = &mut self.batch_log_psi[..len];
        if signed {
            model.finish_log_psi(&self.connected, configs, log_psi);
        } else {
            model.finish_log_psi_unsigned(&self.connected, log_psi);
        }
    }

    /// Evaluates the batch from position `from` and adds its terms to the local energies.
    fn flush(&mut self, model: &Model, from: usize, out: &mut [Complex64]) {
        let len = self.batch_rows.len();
        if len == 0 {
            return;
        }
        self.restart(model, len, from, true);
        let log_psi = &self.batch_log_psi[..len];
        for (&(row, element), lp) in self.batch_rows.iter().zip(log_psi.iter()) {
            out[row] += ratio_term(element, *lp, self.sample_log_psi[row]);
        }
        self.batch_rows.clear();
    }
}
