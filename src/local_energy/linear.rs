//! Local energies of a one-layer linear gated model by propagation (docs/method.md).
//!
//! The cell's gates read only the values of a position's neighbours, so a connected
//! configuration s' that first differs from its sample s at position k keeps every gate of
//! the sample except at the positions that read a flipped site. From k + 1 on, its states
//! follow h'_t = a_t m'_t + (1 - a_t) c_t (on a grid m' = b h'_h + (1 - b) h'_v) with the
//! sample's a_t, b_t, c_t: elementwise work, no matrix product. Each row keeps its sample's
//! states and gates for all positions (what bounds this path's memory; a larger model takes
//! the prefix-reuse path), then walks its connected configurations from their first flip to
//! the end, evaluating the heads on the way: O(hidden * (1 + local_dim)) per position against
//! the GRU's O(hidden^2).
//!
//! The connected configurations of one sample walk together, up to `BATCH` at a time, in
//! order of their first flip: at each position the rows already under way share the
//! sample's gates, so one kernel call blends them all, one takes tanh, one the heads' dot
//! products. A row whose position reads a flipped site takes the cell's full update alone.

use super::{changes_total, ratio_term, SNAPSHOT_BUDGET_BYTES};
use crate::buffer::{room_for, try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::hamiltonian::compiled::CompiledOperator;
use crate::kernels::{head_logits, linear_blend, linear_update, softmax_probabilities, Real};
use crate::model::forward::softsign;
use crate::model::{Model, ModelConfig, PhaseKind, Step};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;
use std::f64::consts::PI;
use std::ops::Range;

/// Connected configurations walked together: enough for every single flip of a
/// hundred-site chain in one walk.
const BATCH: usize = 128;

/// Whether the propagation applies: one layer of the linear gated cell whose per-row
/// workspace fits the snapshots' budget.
pub(super) fn applies<F: Real>(model: &Model) -> bool {
    model.gate_layout().is_linear()
        && model.config().layers == 1
        && workspace_bytes::<F>(model).is_some_and(|b| b <= SNAPSHOT_BUDGET_BYTES)
}

/// Bytes of one thread's workspace: the sample's states, heads' inputs and gates in `F` and
/// its running sums at every position, and the walking rows' states over the window of
/// positions they read back.
fn workspace_bytes<F: Real>(model: &Model) -> Option<usize> {
    let layout = model.gate_layout();
    let states = (2 * layout.dh + layout.tape_width()).checked_mul(size_of::<F>())?;
    let per_position = states.checked_add(3 * 8)?;
    let sample = model.num_sites().checked_mul(per_position)?;
    let walk = (lookback(model) + 2)
        .checked_mul(BATCH)?
        .checked_mul(layout.dh)?
        .checked_mul(size_of::<F>())?;
    sample.checked_add(walk)
}

/// How far back (in positions) any position reads a neighbour: 1 on a chain, up to twice
/// the row length on the grid's snake.
fn lookback(model: &Model) -> usize {
    let mut back = 0;
    for t in 0..model.num_sites() {
        for nb in model.topology().step(t).neighbours() {
            back = back.max(t - nb.position);
        }
    }
    back
}

/// E_loc of each configuration in `configs` (checked by the caller), row by row; chunks of
/// CHUNK_ROWS rows spread over the threads, so nothing depends on the thread count.
pub(super) fn local_energies<F: Real>(
    model: &Model,
    op: &CompiledOperator,
    configs: &[u8],
    out: &mut [Complex64],
) -> Result<()> {
    let sites = model.num_sites();
    let tasks = configs
        .chunks(CHUNK_ROWS * sites)
        .zip(out.chunks_mut(CHUNK_ROWS));
    for_each_task(
        tasks,
        || {
            model
                .workspaces()
                .lease(1, |_| Propagation::<F>::new(model))
        },
        |ws, (configs, out)| {
            ws.heads.load(model);
            ws.make_room(op)?;
            for (o, config) in out.iter_mut().zip(configs.chunks_exact(sites)) {
                *o = ws.local_energy(model, op, config);
            }
            Ok(())
        },
    )
}

/// A connected configuration of the current sample.
struct Connected {
    /// <s|H|s'>.
    element: Complex64,
    /// The sign rule's phase of s'.
    sign: f64,
    /// Its first flipped position.
    first: usize,
    /// Its flipped positions, ascending, in `Propagation::flip_positions`.
    flips: Range<usize>,
    /// The positions that read a flipped one (all after `first`), ascending, in
    /// `Propagation::reader_positions`.
    readers: Range<usize>,
}

/// A walking row's progress through the positions.
#[derive(Clone, Copy, Default)]
struct Walk {
    /// Indices of its next flipped position and next reader of one.
    next_flip: usize,
    next_reader: usize,
    /// Values placed so far (the U(1) mask's count).
    partial: u32,
    /// ln P so far is `log_prob + ln product`: one logarithm per many positions.
    log_prob: f64,
    product: f64,
    phase: f64,
}

/// One thread's buffers, kept between calls in the model's workspace cache. Buffers by
/// position are in sampling order.
struct Propagation<F: Real> {
    /// Site index -> sampling position.
    position_of: Vec<usize>,
    /// Position p -> the positions that read p as a neighbour, `readers[reader_start[p]..
    /// reader_start[p + 1]]`.
    reader_start: Vec<usize>,
    readers: Vec<usize>,
    /// The most positions that read any one position.
    max_readers: usize,
    /// `[n x hidden]`: the sample's states, and tanh of them (what its heads read).
    h: Vec<F>,
    out: Vec<F>,
    /// `[n x tape_width]`: the sample's gates and the neighbour states they mixed.
    gates: Vec<F>,
    /// `[n + 1]`: the sample's ln P, phase and sum of values over the positions before each.
    log_prob: Vec<f64>,
    phase: Vec<f64>,
    partial: Vec<u32>,
    /// `[n]`: the sample's values.
    values: Vec<u8>,
    /// The sample's connected configurations, their flipped positions and the positions
    /// reading those, their walking order, and their ln psi.
    connected: Vec<Connected>,
    flip_positions: Vec<usize>,
    reader_positions: Vec<usize>,
    order: Vec<usize>,
    log_psi: Vec<Complex64>,
    /// The walking rows' states, `[BATCH x hidden]` per position, for the last `window`
    /// positions (position t in block t % window).
    ring: Vec<Vec<F>>,
    window: usize,
    /// `[BATCH x hidden]`: tanh of the walking rows' states at the current position.
    walk_out: Vec<F>,
    walks: Vec<Walk>,
    /// The walking rows' values and feasible ranges at the current position.
    walk_values: Vec<u8>,
    feasible: Vec<(u32, u32)>,
    /// A connected configuration in site order (for the sign rule).
    connected_config: Vec<u8>,
    pre_x: Vec<F>,
    heads: Heads<F>,
}

impl<F: Real> Propagation<F> {
    /// Refuses (naming the bytes) buffers no memory can hold.
    fn new(model: &Model) -> Result<Self> {
        let what = "the linear cell's local-energy workspace";
        let n = model.num_sites();
        let layout = model.gate_layout();
        let dh = layout.dh;
        let mut position_of: Vec<usize> = try_zeroed_vec(n, what)?;
        for (pos, &site) in model.order().iter().enumerate() {
            position_of[site] = pos;
        }
        let mut reader_start: Vec<usize> = try_zeroed_vec(n + 1, what)?;
        for t in 0..n {
            for nb in model.topology().step(t).neighbours() {
                reader_start[nb.position + 1] += 1;
            }
        }
        for p in 0..n {
            reader_start[p + 1] += reader_start[p];
        }
        let mut readers: Vec<usize> = try_zeroed_vec(reader_start[n], what)?;
        let mut filled = reader_start.clone();
        for t in 0..n {
            for nb in model.topology().step(t).neighbours() {
                readers[filled[nb.position]] = t;
                filled[nb.position] += 1;
            }
        }
        let max_readers = reader_start.windows(2).map(|w| w[1] - w[0]).max();
        let window = lookback(model) + 1;
        let ring = (0..window)
            .map(|_| try_zeroed(&[BATCH, dh], what))
            .collect::<Result<_>>()?;
        Ok(Propagation {
            position_of,
            reader_start,
            readers,
            max_readers: max_readers.unwrap_or(0),
            h: try_zeroed(&[n, dh], what)?,
            out: try_zeroed(&[n, dh], what)?,
            gates: try_zeroed(&[n, layout.tape_width()], what)?,
            log_prob: try_zeroed_vec(n + 1, what)?,
            phase: try_zeroed_vec(n + 1, what)?,
            partial: try_zeroed_vec(n + 1, what)?,
            values: try_zeroed_vec(n, what)?,
            connected: Vec::new(),
            flip_positions: Vec::new(),
            reader_positions: Vec::new(),
            order: Vec::new(),
            log_psi: Vec::new(),
            ring,
            window,
            walk_out: try_zeroed(&[BATCH, dh], what)?,
            walks: vec![Walk::default(); BATCH],
            walk_values: vec![0; BATCH],
            feasible: vec![(0, 0); BATCH],
            connected_config: try_zeroed_vec(n, what)?,
            pre_x: try_zeroed_vec(layout.input_width(), what)?,
            heads: Heads::new(model)?,
        })
    }

    /// Room for all of `op`'s connected configurations of a sample (its off-diagonal groups,
    /// their flips, and the readers of those), allocated fallibly once per chunk, so that
    /// collecting them never allocates.
    fn make_room(&mut self, op: &CompiledOperator) -> Result<()> {
        let what = "the linear cell's connected configurations";
        let groups = op.num_off_diagonal();
        let flips: usize = (0..groups).map(|g| op.flips(g).len()).sum();
        room_for(&mut self.connected, groups, what)?;
        room_for(&mut self.order, groups, what)?;
        room_for(&mut self.log_psi, groups, what)?;
        room_for(&mut self.flip_positions, flips, what)?;
        let readers = flips.saturating_mul(self.max_readers);
        room_for(&mut self.reader_positions, readers, what)
    }

    /// E_loc(s) for one configuration `config` (site order).
    fn local_energy(&mut self, model: &Model, op: &CompiledOperator, config: &[u8]) -> Complex64 {
        let n = model.num_sites();
        self.run_sample(model, config);
        let sample = Complex64::new(
            0.5 * self.log_prob[n],
            self.phase[n] + model.sign_phase(config),
        );
        self.collect_connected(model, op, config);
        let connected = &self.connected;
        self.order.clear();
        self.order.extend(0..connected.len());
        self.order.sort_by_key(|&i| connected[i].first);
        let order = std::mem::take(&mut self.order);
        for batch in order.chunks(BATCH) {
            self.walk(model, batch);
        }
        self.order = order;
        let mut e = op.diagonal(config);
        for (c, &log_psi) in self.connected.iter().zip(&self.log_psi) {
            e += ratio_term(c.element, log_psi, sample);
        }
        e
    }

    /// The sample's pass, keeping its states, gates and running sums at every position.
    fn run_sample(&mut self, model: &Model, config: &[u8]) {
        let n = model.num_sites();
        let layout = model.gate_layout();
        let (dh, tw) = (layout.dh, layout.tape_width());
        for (v, &site) in self.values.iter_mut().zip(model.order()) {
            *v = config[site];
        }
        self.log_prob[0] = 0.0;
        self.phase[0] = 0.0;
        self.partial[0] = 0;
        for t in 0..n {
            let step = model.topology().step(t);
            let values = &self.values;
            gather_inputs(model, step, |p| values[p], &mut self.pre_x);
            let (own, left) = neighbour_positions(step);
            let (done, rest) = self.h.split_at_mut(t * dh);
            let h = &mut rest[..dh];
            match own {
                Some(u) => h.copy_from_slice(&done[u * dh..(u + 1) * dh]),
                None => h.fill(F::ZERO),
            }
            let left = left.map_or(&[][..], |u| &done[u * dh..(u + 1) * dh]);
            let out = &mut self.out[t * dh..(t + 1) * dh];
            let tape = &mut self.gates[t * tw..(t + 1) * tw];
            linear_update(layout, &self.pre_x, left, h, out, tape);
            let value = self.values[t];
            let feasible = feasible_values(model.config(), n, t, self.partial[t]);
            self.heads.evaluate(model, out, &[feasible], &[value]);
            self.log_prob[t + 1] = self.log_prob[t] + self.heads.probability[0].to_f64().ln();
            self.phase[t + 1] = self.phase[t] + self.heads.phase[0];
            self.partial[t + 1] = self.partial[t] + value as u32;
        }
    }

    /// The sample's connected configurations with a non-zero element (and, under U(1), in
    /// its sector): each one's element, sign, flipped positions and their readers.
    fn collect_connected(&mut self, model: &Model, op: &CompiledOperator, config: &[u8]) {
        let sign_rule = model.config().sign_rule != crate::model::SignRule::None;
        let conserves_total = model.config().u1_total.is_some();
        self.connected.clear();
        self.flip_positions.clear();
        self.reader_positions.clear();
        for g in 0..op.num_off_diagonal() {
            let element = op.element(g, config);
            let flips = op.flips(g);
            if element == Complex64::new(0.0, 0.0)
                || (conserves_total && changes_total(flips, config))
            {
                continue;
            }
            let sign = if sign_rule {
                self.connected_config.copy_from_slice(config);
                for &i in flips {
                    self.connected_config[i as usize] ^= 1;
                }
                model.sign_phase(&self.connected_config)
            } else {
                0.0
            };
            let flip_start = self.flip_positions.len();
            let positions = flips.iter().map(|&i| self.position_of[i as usize]);
            self.flip_positions.extend(positions);
            self.flip_positions[flip_start..].sort_unstable();
            let reader_start = self.reader_positions.len();
            for &p in &self.flip_positions[flip_start..] {
                let readers = &self.readers[self.reader_start[p]..self.reader_start[p + 1]];
                self.reader_positions.extend_from_slice(readers);
            }
            self.reader_positions[reader_start..].sort_unstable();
            let mut kept = reader_start;
            for i in reader_start..self.reader_positions.len() {
                if kept == reader_start
                    || self.reader_positions[kept - 1] != self.reader_positions[i]
                {
                    self.reader_positions[kept] = self.reader_positions[i];
                    kept += 1;
                }
            }
            self.reader_positions.truncate(kept);
            self.connected.push(Connected {
                element,
                sign,
                first: self.flip_positions[flip_start],
                flips: flip_start..self.flip_positions.len(),
                readers: reader_start..kept,
            });
        }
        self.log_psi
            .resize(self.connected.len(), Complex64::new(0.0, 0.0));
    }

    /// ln psi of the connected configurations `batch` (indices into `connected`, in order of
    /// their first flip), walked together from the first one's first flip to the end.
    fn walk(&mut self, model: &Model, batch: &[usize]) {
        let n = model.num_sites();
        let layout = model.gate_layout();
        let (dh, tw, window) = (layout.dh, layout.tape_width(), self.window);
        for (walk, &i) in self.walks.iter_mut().zip(batch) {
            let c = &self.connected[i];
            *walk = Walk {
                next_flip: c.flips.start,
                next_reader: c.readers.start,
                partial: self.partial[c.first],
                log_prob: 0.0,
                product: 1.0,
                phase: 0.0,
            };
        }
        let mut active = 0;
        for t in self.connected[batch[0]].first..n {
            let under_way = active;
            while active < batch.len() && self.connected[batch[active]].first == t {
                active += 1;
            }
            let step = model.topology().step(t);
            let (own, left) = neighbour_positions(step);
            let mut block = std::mem::take(&mut self.ring[t % window]);
            // Rows under way: the sample's gates at t, blended with their own states.
            let rows = under_way * dh;
            let own_states = own.map_or(&[][..], |u| &self.ring[u % window][..rows]);
            let left_states = left.map_or(&[][..], |u| &self.ring[u % window][..rows]);
            let gates = &self.gates[t * tw..(t + 1) * tw];
            let (h, out) = (&mut block[..rows], &mut self.walk_out[..rows]);
            linear_blend(layout, gates, own_states, left_states, h, out);
            // Rows starting at t: the sample's state, and its states before t in the window
            // (later positions read them).
            for slot in under_way..active {
                let r = slot * dh..(slot + 1) * dh;
                block[r.clone()].copy_from_slice(&self.h[t * dh..(t + 1) * dh]);
                self.walk_out[r.clone()].copy_from_slice(&self.out[t * dh..(t + 1) * dh]);
                for u in t.saturating_sub(window - 1)..t {
                    self.ring[u % window][r.clone()].copy_from_slice(&self.h[u * dh..(u + 1) * dh]);
                }
            }
            for (slot, &i) in batch[..active].iter().enumerate() {
                let c = &self.connected[i];
                let walk = &mut self.walks[slot];
                let flips = &self.flip_positions[c.flips.clone()];
                if walk.next_reader < c.readers.end && self.reader_positions[walk.next_reader] == t
                {
                    // A flipped neighbour: new gates, from the full update.
                    walk.next_reader += 1;
                    let values = &self.values;
                    let value = |p: usize| values[p] ^ flips.contains(&p) as u8;
                    gather_inputs(model, step, value, &mut self.pre_x);
                    let r = slot * dh..(slot + 1) * dh;
                    let h = &mut block[r.clone()];
                    match own {
                        Some(u) => h.copy_from_slice(&self.ring[u % window][r.clone()]),
                        None => h.fill(F::ZERO),
                    }
                    let left = left.map_or(&[][..], |u| &self.ring[u % window][r.clone()]);
                    linear_update(layout, &self.pre_x, left, h, &mut self.walk_out[r], &mut []);
                }
                let mut value = self.values[t];
                if walk.next_flip < c.flips.end && self.flip_positions[walk.next_flip] == t {
                    value ^= 1;
                    walk.next_flip += 1;
                }
                self.walk_values[slot] = value;
                self.feasible[slot] = feasible_values(model.config(), n, t, walk.partial);
                walk.partial += value as u32;
            }
            self.ring[t % window] = block;
            let (out, feasible) = (&self.walk_out[..active * dh], &self.feasible[..active]);
            self.heads
                .evaluate(model, out, feasible, &self.walk_values[..active]);
            for (slot, walk) in self.walks[..active].iter_mut().enumerate() {
                walk.product *= self.heads.probability[slot].to_f64();
                if walk.product < 1e-200 {
                    walk.log_prob += walk.product.ln();
                    walk.product = 1.0;
                }
                walk.phase += self.heads.phase[slot];
            }
        }
        for (walk, &i) in self.walks.iter().zip(batch) {
            let c = &self.connected[i];
            self.log_psi[i] = Complex64::new(
                0.5 * (self.log_prob[c.first] + walk.log_prob + walk.product.ln()),
                self.phase[c.first] + walk.phase + c.sign,
            );
        }
    }
}

/// The heads' transposed weights and outputs for up to BATCH rows.
struct Heads<F: Real> {
    /// `[local_dim x hidden]`: the amplitude and phase heads' weights transposed.
    amplitude_t: Vec<F>,
    phase_t: Vec<F>,
    /// `[BATCH x local_dim]`.
    logits: Vec<F>,
    /// Each row's probability of its value, and its phase term.
    probability: Vec<F>,
    phase: Vec<f64>,
}

impl<F: Real> Heads<F> {
    fn new(model: &Model) -> Result<Self> {
        let what = "the linear cell's local-energy workspace";
        let (dh, d) = (model.gate_layout().dh, model.config().local_dim as usize);
        Ok(Heads {
            amplitude_t: try_zeroed(&[d, dh], what)?,
            phase_t: try_zeroed(&[d, dh], what)?,
            logits: try_zeroed(&[BATCH, d], what)?,
            probability: try_zeroed_vec(BATCH, what)?,
            phase: try_zeroed_vec(BATCH, what)?,
        })
    }

    /// Copies the heads' weights, transposed, from the model's current parameters.
    fn load(&mut self, model: &Model) {
        let (p, layout) = (model.params_in::<F>(), model.layout());
        let d = model.config().local_dim as usize;
        transpose(
            &p[layout.amplitude_weight.clone()],
            d,
            &mut self.amplitude_t,
        );
        if let Some(w) = &layout.phase_weight {
            transpose(&p[w.clone()], d, &mut self.phase_t);
        }
    }

    /// The heads on the rows of `out` (`[rows x hidden]`, tanh of the states): each row's
    /// probability of `values[r]` among its `feasible[r]` values into `probability[r]`, and
    /// its phase term into `phase[r]` (0 without a phase head).
    fn evaluate(&mut self, model: &Model, out: &[F], feasible: &[(u32, u32)], values: &[u8]) {
        let (p, layout) = (model.params_in::<F>(), model.layout());
        let rows = values.len();
        let d = model.config().local_dim as usize;
        let logits = &mut self.logits[..rows * d];
        let bias = &p[layout.amplitude_bias.clone()];
        head_logits(out, &self.amplitude_t, bias, logits);
        softmax_probabilities(logits, feasible, values, &mut self.probability[..rows]);
        let phase = &mut self.phase[..rows];
        if model.config().phase == PhaseKind::Softsign {
            let bias = &p[layout.phase_bias.clone().expect("a phase head")];
            head_logits(out, &self.phase_t, bias, logits);
            for ((ph, l), &v) in phase.iter_mut().zip(logits.chunks_exact(d)).zip(values) {
                *ph = PI * softsign(l[v as usize].to_f64());
            }
        } else {
            phase.fill(0.0);
        }
    }
}

/// The values position `t` may take under the U(1) mask with `partial` placed before it: a
/// range, v <= what is left to place with what remains after v fitting on the sites after t
/// (as `forward::feasible`); the empty range (1, 0) if none.
fn feasible_values(cfg: &ModelConfig, n: usize, t: usize, partial: u32) -> (u32, u32) {
    let d = cfg.local_dim as i64;
    let (lo, hi) = match cfg.u1_total {
        None => (0, d - 1),
        Some(q) => {
            let left = q as i64 - partial as i64;
            let room = (d - 1) * (n - t - 1) as i64;
            ((left - room).max(0), left.min(d - 1))
        }
    };
    if lo > hi || hi < 0 {
        (1, 0)
    } else {
        (lo as u32, hi as u32)
    }
}

/// `pre_x` = the bias plus the input weight's rows of the neighbours' values (`value` of a
/// position), added in the order the pass adds them.
fn gather_inputs<F: Real>(model: &Model, step: Step, value: impl Fn(usize) -> u8, pre_x: &mut [F]) {
    let p = model.params_in::<F>();
    let lay = &model.layout().layers[0];
    let width = pre_x.len();
    pre_x.copy_from_slice(&p[lay.bias.clone()]);
    let w = &p[lay.input_weight.clone()];
    for nb in step.neighbours() {
        let start = (nb.input_offset + value(nb.position) as usize) * width;
        for (a, b) in pre_x.iter_mut().zip(&w[start..start + width]) {
            *a += *b;
        }
    }
}

/// The positions a step reads: through its own slot (chain: the previous; grid: above) and
/// the grid's horizontal neighbour.
fn neighbour_positions(step: Step) -> (Option<usize>, Option<usize>) {
    let (mut own, mut left) = (None, None);
    for nb in step.neighbours() {
        if nb.slot == step.slot {
            own = Some(nb.position);
        } else {
            left = Some(nb.position);
        }
    }
    (own, left)
}

/// `wt` = `w` (`[rows x d]` row-major) transposed.
fn transpose<F: Real>(w: &[F], d: usize, wt: &mut [F]) {
    let rows = w.len() / d;
    for (j, row) in w.chunks_exact(d).enumerate() {
        for (v, &x) in row.iter().enumerate() {
            wt[v * rows + j] = x;
        }
    }
}
