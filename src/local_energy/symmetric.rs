//! Local energies of a symmetrised model: psi_S(s') / psi_S(s) needs the RNN's amplitude on
//! every image g s' of every connected configuration. Prefix reuse works per group element:
//! for each g the images g s of a chunk's samples run one pass that saves its states, and
//! each g s' (g s with the flipped sites moved by g) restarts from the checkpoint before its
//! first differing position in g s's sampling order. The cost is |G| times the bare model's
//! local energies (restart positions differ per g, but their average is about the same);
//! each (sample, connected configuration, g) keeps its ln psi until every g has run, then
//! the |G| values of each configuration are combined.

use super::{ratio_term, RestartPlan, Workspace};
use crate::buffer::{product, reuse, try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::hamiltonian::compiled::CompiledOperator;
use crate::kernels::Real;
use crate::model::{Model, SymmetryGroup};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;

/// E_loc of checked configurations of a symmetrised model.
pub(super) fn local_energies<F: Real>(
    model: &Model,
    group: &SymmetryGroup,
    op: &CompiledOperator,
    configs: &[u8],
    out: &mut [Complex64],
) -> Result<()> {
    let (n, sites) = (out.len(), model.num_sites());
    // Plan g: site j of s sits at site target[j] of g s.
    let plans: Vec<RestartPlan> = group
        .elements
        .iter()
        .map(|e| RestartPlan::new::<F>(model, op, |j| e.target[j] as usize))
        .collect();
    let tasks = configs
        .chunks(CHUNK_ROWS * sites)
        .zip(out.chunks_mut(CHUNK_ROWS));
    for_each_task(
        tasks,
        || {
            let rows = CHUNK_ROWS.min(n);
            let mut ws = model.workspaces().lease(rows, |r| {
                SymmetricWorkspace::<F>::new(model, &plans[0], group.len(), r)
            })?;
            // Sized per call, since a cached workspace may have served another operator;
            // before any task writes, so that a refusal leaves the caller's energies alone.
            let what = "the symmetrised local energies' connected amplitudes";
            let len = product(rows, op.num_off_diagonal(), what)?;
            reuse(
                &mut ws.connected_log_psi,
                product(len, group.len(), what)?,
                what,
            )?;
            Ok(ws)
        },
        |ws, (configs, out)| {
            ws.local_energies(model, group, op, &plans, configs, out);
            Ok(())
        },
    )
}

/// One task's buffers, kept between calls in the model's workspace cache: all but
/// `connected_log_psi` have the model's shape; that one has the operator's too, and each
/// call sizes it.
struct SymmetricWorkspace<F: Real> {
    base: Workspace<F>,
    /// The chunk's samples moved by the current g, `[rows][n_sites]`.
    images: Vec<u8>,
    /// Unsigned ln psi(g s), `[rows][|G|]`.
    sample_log_psi: Vec<Complex64>,
    /// Unsigned ln psi(g s'), `[rows][off-diagonal groups][|G|]`.
    connected_log_psi: Vec<Complex64>,
    /// Per batch row: its sample's row and off-diagonal group.
    batch_keys: Vec<(usize, usize)>,
    /// One connected configuration, for its sign.
    connected: Vec<u8>,
}

impl<F: Real> SymmetricWorkspace<F> {
    fn new(model: &Model, plan: &RestartPlan, size: usize, rows: usize) -> Result<Self> {
        let what = "the symmetrised local-energy workspace";
        Ok(SymmetricWorkspace {
            base: Workspace::new(model, plan, rows)?,
            images: try_zeroed(&[rows, model.num_sites()], what)?,
            sample_log_psi: try_zeroed(&[rows, size], what)?,
            connected_log_psi: Vec::new(),
            batch_keys: Vec::with_capacity(CHUNK_ROWS),
            connected: try_zeroed_vec(model.num_sites(), what)?,
        })
    }

    fn local_energies(
        &mut self,
        model: &Model,
        group: &SymmetryGroup,
        op: &CompiledOperator,
        plans: &[RestartPlan],
        configs: &[u8],
        out: &mut [Complex64],
    ) {
        let (rows, sites, size) = (out.len(), model.num_sites(), group.len());
        let conserves_total = model.config().u1_total.is_some();
        let skipped = |k: usize, config: &[u8]| {
            op.element(k, config) == Complex64::new(0.0, 0.0)
                || (conserves_total && op.changes_total(k, config))
        };
        for (g, plan) in plans.iter().enumerate() {
            let target = &group.elements[g].target;
            let images = &mut self.images[..rows * sites];
            for (config, image) in configs
                .chunks_exact(sites)
                .zip(images.chunks_exact_mut(sites))
            {
                group.apply(g, config, image);
            }
            self.base.run_samples(model, plan, images, rows);
            let own = &mut self.base.sample_log_psi[..rows];
            model.finish_log_psi_unsigned(&self.base.samples, own);
            for (row, &l) in own.iter().enumerate() {
                self.sample_log_psi[row * size + g] = l;
            }
            for (checkpoint, ks) in plan.groups_by_checkpoint.iter().enumerate() {
                let from = checkpoint * plan.stride;
                for &k in ks {
                    for (row, config) in configs.chunks_exact(sites).enumerate() {
                        if skipped(k, config) {
                            continue;
                        }
                        let slot = row * plan.checkpoints + checkpoint;
                        let image = &self.images[row * sites..(row + 1) * sites];
                        let dst = self.base.queue(self.batch_keys.len(), slot, image);
                        for (i, v) in op.connected_values(k, config) {
                            dst[target[i] as usize] = group.image_value(g, v);
                        }
                        self.batch_keys.push((row, k));
                        if self.batch_keys.len() == CHUNK_ROWS {
                            self.flush(model, op, from, g, size);
                        }
                    }
                }
                self.flush(model, op, from, g, size);
            }
        }
        let groups = op.num_off_diagonal();
        for (row, (o, config)) in out.iter_mut().zip(configs.chunks_exact(sites)).enumerate() {
            let sample = group.combine(&self.sample_log_psi[row * size..(row + 1) * size])
                + Complex64::new(0.0, model.sign_phase(config));
            *o = op.diagonal(config);
            for k in 0..groups {
                if skipped(k, config) {
                    continue;
                }
                self.connected.copy_from_slice(config);
                op.apply(k, &mut self.connected);
                let at = (row * groups + k) * size;
                let l = group.combine(&self.connected_log_psi[at..at + size])
                    + Complex64::new(0.0, model.sign_phase(&self.connected));
                *o += ratio_term(op.element(k, config), l, sample);
            }
        }
    }

    /// Evaluates the batch of images from position `from`, keeping their ln psi under g.
    fn flush(&mut self, model: &Model, op: &CompiledOperator, from: usize, g: usize, size: usize) {
        let len = self.batch_keys.len();
        if len == 0 {
            return;
        }
        self.base.restart(model, len, from, false);
        let log_psi = &self.base.batch_log_psi[..len];
        let groups = op.num_off_diagonal();
        for (&(row, k), &l) in self.batch_keys.iter().zip(log_psi.iter()) {
            self.connected_log_psi[(row * groups + k) * size + g] = l;
        }
        self.batch_keys.clear();
    }
}
