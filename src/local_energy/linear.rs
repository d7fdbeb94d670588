//! Local energies of a one-layer linear gated model by propagation (docs/method.md).
//!
//! The cell's gates read only the values of a position's neighbours, so a connected
//! configuration s' that first differs from its sample s at position k keeps every gate of
//! the sample except at the positions that read a flipped site. From k + 1 on, its states
//! follow h'_t = a_t m'_t + (1 - a_t) c_t (on a grid m' = b h'_h + (1 - b) h'_v) with the
//! sample's a_t, b_t, c_t: elementwise work, no matrix product. Each row keeps its sample's
//! states and gates for all positions (what bounds this path's memory; a larger model takes
//! the prefix-reuse path), then walks its connected configurations from their first flip,
//! evaluating the heads on the way: O(hidden * (1 + local_dim)) per position against the
//! GRU's O(hidden^2).
//!
//! The connected configurations of one sample walk together, up to `BATCH` at a time, in
//! order of their first flip: at each position the rows already under way share the
//! sample's gates, so one kernel call blends them all, one takes tanh, one the heads' dot
//! products. A row whose position reads a flipped site takes the cell's full update alone.
//!
//! A walk stops early. Past a row's flips and their readers its change of state h' - h only
//! shrinks (by the sample's gates a_t at every position), so once it is small the rest of
//! the row's ln psi is the sample's plus a first-order term, R . (h' - h), R the sample's
//! response computed once by a backward pass (`tail_response`); the walk stops when the
//! second-order remainder, bounded by the heads' weights (`Heads::curvature`), is below the
//! precision's rounding. A flip's trace then costs O(memory length) positions instead of
//! O(N): the cost per sample grows like N rather than N^2 on long chains. (On a grid the
//! change travels down the columns, shrinking once per row of the lattice.) While a row's
//! change is tiny, its tanh is a Taylor polynomial around the sample's (`Near`).

use super::ratio_term;
use crate::buffer::{room_for, try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::hamiltonian::compiled::CompiledOperator;
use crate::kernels::{
    head_logits, linear_blend, linear_update, softmax_probabilities, two_value_probabilities, Near,
    Real,
};
use crate::model::cell::LinearGated;
use crate::model::forward::{softsign, softsign_derivative};
use crate::model::{Model, ModelConfig, PhaseKind, Step};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;
use std::f64::consts::PI;
use std::ops::Range;

/// Positions between exact measurements of a walking row's change of state.
const EXACT_CHANGE_EVERY: usize = 8;

/// Connected configurations walked together: enough for every single flip of a
/// hundred-site chain in one walk.
const BATCH: usize = 128;

/// Whether the propagation applies: one layer of the linear gated cell, whatever its size.
/// Its workspace grows like the sites (about (7 hidden + 3) x 8 bytes a site on a chain in
/// f64, `Propagation::new`, refused as `OutOfMemory` when no memory holds it), and its work
/// about like the sites too; the prefix-reuse path it replaces takes less memory (its
/// snapshots' budget) but work growing like the square of the sites: past 10^4 sites, hours
/// where this path takes seconds.
pub(super) fn applies(model: &Model) -> bool {
    // A symmetrised model needs every image's amplitude: the restarts of symmetric.rs.
    model.cell().linear_gated().is_some()
        && model.config().layers == 1
        && model.symmetry_group().is_none()
}

/// The model's cell, which [`applies`] found to be the linear gated one.
fn cell(model: &Model) -> &LinearGated {
    model.cell().linear_gated().expect("the linear gated cell")
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
            let mut ws = model
                .workspaces()
                .lease(1, |_| Propagation::<F>::new(model))?;
            // Before any task writes: a refusal then leaves the caller's energies alone.
            ws.make_room(op)?;
            Ok(ws)
        },
        |ws, (configs, out)| {
            ws.heads.load(model);
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
    /// `[n]`: the sample's largest gate a_t,j at each position (how little a change of
    /// state shrinks there at least).
    keep: Vec<f64>,
    /// `[n]`: a bound on sum over u > t of (|h'_u - h_u|_max / |h'_t - h_t|_max)^2 for a
    /// change that follows the sample's gates after t: on a chain the sum over u of the
    /// products of keep_w^2 for t < w <= u; on a grid, where the change travels down the
    /// columns, n - 1 - t.
    tail_weight: Vec<f64>,
    /// `[n + 1]`: the sample's ln P, phase and sum of values over the positions before each.
    log_prob: Vec<f64>,
    phase: Vec<f64>,
    partial: Vec<u32>,
    /// `[n]`: the sample's values.
    values: Vec<u8>,
    /// `[local_dim]`: scratch for one position's logits and probabilities.
    logit_weight: Vec<f64>,
    /// `[hidden]`: scratch for `carried`.
    carry: Vec<f64>,
    /// `[n x hidden]`: the first-order response of the sample's ln psi after position t
    /// (its real and imaginary parts) to a change of its state at t, the later positions'
    /// states following by the sample's gates (see `tail_response`).
    response_re: Vec<f64>,
    response_im: Vec<f64>,
    /// Whether the responses are the current sample's: computed when a walk first stops
    /// early (on short chains none do).
    responses_ready: bool,
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
    /// The connected configuration (index into `connected`) walking in each slot.
    slot_row: Vec<usize>,
    /// `[BATCH x window]`: a bound on each walking row's largest change of state against the
    /// sample's, max_j |h'_j - h_j|, at the last `window` positions (position t in column
    /// t % window): exact after a full update (and every `EXACT_CHANGE_EVERY` positions when
    /// smaller), otherwise shrunk by the sample's `keep`.
    change: Vec<f64>,
    /// Whether each walking row's change of state is below `near_change` at the current
    /// position, and that bound: (epsilon / 16)^(1/4), where the Taylor polynomial's error
    /// in tanh, 0.171 d^4, is about 1% of the precision's epsilon.
    near: Vec<bool>,
    near_change: f64,
    /// The walking rows' values and feasible ranges at the current position.
    walk_values: Vec<u8>,
    feasible: Vec<(u32, u32)>,
    /// A connected configuration in site order (for the sign rule).
    connected_config: Vec<u8>,
    pre_x: Vec<F>,
    heads: Heads<F>,
    /// (row, position) steps walked since creation: what settling saves, for the tests.
    steps_walked: usize,
}

impl<F: Real> Propagation<F> {
    /// Refuses (naming the bytes) buffers no memory can hold.
    fn new(model: &Model) -> Result<Self> {
        let what = "the linear cell's local-energy workspace";
        let n = model.num_sites();
        let layout = cell(model).rows();
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
            keep: try_zeroed_vec(n, what)?,
            tail_weight: try_zeroed_vec(n, what)?,
            log_prob: try_zeroed_vec(n + 1, what)?,
            phase: try_zeroed_vec(n + 1, what)?,
            partial: try_zeroed_vec(n + 1, what)?,
            values: try_zeroed_vec(n, what)?,
            logit_weight: try_zeroed_vec(model.config().local_dim as usize, what)?,
            carry: try_zeroed_vec(dh, what)?,
            response_re: try_zeroed_vec(n * dh, what)?,
            response_im: try_zeroed_vec(n * dh, what)?,
            responses_ready: false,
            connected: Vec::new(),
            flip_positions: Vec::new(),
            reader_positions: Vec::new(),
            order: Vec::new(),
            log_psi: Vec::new(),
            ring,
            window,
            walk_out: try_zeroed(&[BATCH, dh], what)?,
            walks: vec![Walk::default(); BATCH],
            slot_row: vec![0; BATCH],
            change: try_zeroed_vec(BATCH * window, what)?,
            near: vec![false; BATCH],
            near_change: (F::EPSILON / 16.0).powf(0.25),
            walk_values: vec![0; BATCH],
            feasible: vec![(0, 0); BATCH],
            connected_config: try_zeroed_vec(n, what)?,
            pre_x: try_zeroed_vec(layout.input_width(), what)?,
            heads: Heads::new(model)?,
            steps_walked: 0,
        })
    }

    /// Room for all of `op`'s connected configurations of a sample (its off-diagonal groups,
    /// their flips, and the readers of those), allocated fallibly once per call and thread,
    /// so that collecting them never allocates.
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
        self.responses_ready = false;
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
        let layout = cell(model).rows();
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
            self.keep[t] = tape[..dh].iter().map(|a| a.to_f64()).fold(0.0, f64::max);
            let value = self.values[t];
            let feasible = feasible_values(model.config(), n, t, self.partial[t]);
            self.heads.evaluate(model, out, &[feasible], &[value]);
            self.log_prob[t + 1] = self.log_prob[t] + self.heads.probability[0].to_f64().ln();
            self.phase[t + 1] = self.phase[t] + self.heads.phase[0];
            self.partial[t + 1] = self.partial[t] + value as u32;
        }
        for t in (0..n).rev() {
            self.tail_weight[t] = match t + 1 {
                u if u == n => 0.0,
                u if layout.mix => (n - u) as f64,
                u => self.keep[u] * self.keep[u] * (1.0 + self.tail_weight[u]),
            };
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
                || (conserves_total && op.changes_total(g, config))
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
    /// their first flip), walked together from the first one's first flip. Live rows fill the
    /// slots `0..live`; once a row's ln psi is known (`settled`) the last live row takes its
    /// slot.
    fn walk(&mut self, model: &Model, batch: &[usize]) {
        let n = model.num_sites();
        let layout = cell(model).rows();
        let (dh, tw, window) = (layout.dh, layout.tape_width(), self.window);
        let (mut started, mut live) = (0, 0);
        let mut t = self.connected[batch[0]].first;
        while live > 0 || started < batch.len() {
            let step = model.topology().step(t);
            let (own, left) = neighbour_positions(step);
            // Ring columns: of the positions t and read at t (no division per row).
            let column = t % window;
            let (own_column, left_column) = (own.map(|u| u % window), left.map(|u| u % window));
            let mut block = std::mem::take(&mut self.ring[column]);
            // Rows under way: the sample's gates at t, blended with their own states. With
            // those gates the change of state only shrinks: a bound on it in O(1), and the
            // rows whose change is small take tanh as a Taylor polynomial around the sample's.
            let under_way = live;
            for slot in 0..under_way {
                let changes = &self.change[slot * window..(slot + 1) * window];
                let read = |u: Option<usize>| u.map_or(0.0, |u| changes[u]);
                let change = self.keep[t] * read(own_column).max(read(left_column));
                self.change[slot * window + column] = change;
                self.near[slot] = change <= self.near_change;
            }
            let sample = t * dh..(t + 1) * dh;
            let near = Near {
                rows: &self.near[..under_way],
                h: &self.h[sample.clone()],
                out: &self.out[sample],
            };
            let rows = under_way * dh;
            let own_states = own_column.map_or(&[][..], |u| &self.ring[u][..rows]);
            let left_states = left_column.map_or(&[][..], |u| &self.ring[u][..rows]);
            let gates = &self.gates[t * tw..(t + 1) * tw];
            let (h, out) = (&mut block[..rows], &mut self.walk_out[..rows]);
            linear_blend(layout, gates, own_states, left_states, h, out, near);
            // Rows starting at t: the sample's state, and its states before t in the window
            // (later positions read them).
            while started < batch.len() && self.connected[batch[started]].first == t {
                let (slot, i) = (live, batch[started]);
                let c = &self.connected[i];
                self.slot_row[slot] = i;
                self.walks[slot] = Walk {
                    next_flip: c.flips.start,
                    next_reader: c.readers.start,
                    partial: self.partial[t],
                    log_prob: 0.0,
                    product: 1.0,
                    phase: 0.0,
                };
                let r = slot * dh..(slot + 1) * dh;
                block[r.clone()].copy_from_slice(&self.h[t * dh..(t + 1) * dh]);
                self.walk_out[r.clone()].copy_from_slice(&self.out[t * dh..(t + 1) * dh]);
                for u in t.saturating_sub(window - 1)..t {
                    self.ring[u % window][r.clone()].copy_from_slice(&self.h[u * dh..(u + 1) * dh]);
                }
                self.change[slot * window..(slot + 1) * window].fill(0.0);
                started += 1;
                live += 1;
            }
            for slot in 0..live {
                let c = &self.connected[self.slot_row[slot]];
                let walk = &mut self.walks[slot];
                let flips = &self.flip_positions[c.flips.clone()];
                let r = slot * dh..(slot + 1) * dh;
                if walk.next_reader < c.readers.end && self.reader_positions[walk.next_reader] == t
                {
                    // A flipped neighbour: new gates, from the full update.
                    walk.next_reader += 1;
                    let values = &self.values;
                    let value = |p: usize| values[p] ^ flips.contains(&p) as u8;
                    gather_inputs(model, step, value, &mut self.pre_x);
                    let h = &mut block[r.clone()];
                    match own_column {
                        Some(u) => h.copy_from_slice(&self.ring[u][r.clone()]),
                        None => h.fill(F::ZERO),
                    }
                    let left = left_column.map_or(&[][..], |u| &self.ring[u][r.clone()]);
                    let out = &mut self.walk_out[r.clone()];
                    linear_update(layout, &self.pre_x, left, h, out, &mut []);
                    let change = max_abs_difference(&block[r], &self.h[t * dh..(t + 1) * dh]);
                    self.change[slot * window + column] = change;
                } else if (t - c.first).is_multiple_of(EXACT_CHANGE_EVERY) {
                    // The bound follows the slowest unit's gate from the largest change;
                    // the exact change, taken now and then, is often far smaller.
                    let change = max_abs_difference(&block[r], &self.h[t * dh..(t + 1) * dh]);
                    let bound = &mut self.change[slot * window + column];
                    *bound = bound.min(change);
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
            self.ring[column] = block;
            self.steps_walked += live;
            let (out, feasible) = (&self.walk_out[..live * dh], &self.feasible[..live]);
            self.heads
                .evaluate(model, out, feasible, &self.walk_values[..live]);
            let mut slot = 0;
            while slot < live {
                let walk = &mut self.walks[slot];
                walk.product *= self.heads.probability[slot].to_f64();
                if walk.product < 1e-200 {
                    walk.log_prob += walk.product.ln();
                    walk.product = 1.0;
                }
                walk.phase += self.heads.phase[slot];
                if self.settled(model, slot, t, (t + 1) % window) {
                    self.finish(model, slot, t);
                    live -= 1;
                    self.move_slot(live, slot, dh);
                } else {
                    slot += 1;
                }
            }
            t += 1;
        }
    }

    /// Whether the rest of the row in `slot`, after position `t`, is its first-order change
    /// to within the rounding of the precision. Past its flips and their readers, its later
    /// gates, values and masks are the sample's, so its state's change only shrinks
    /// (h' - h = a (m' - m), m a convex mix of earlier states) and stays below `change`, the
    /// largest bound over the states later positions read. Each later term of ln psi then
    /// differs from its first-order change by at most `curvature * change^2`, and their sum
    /// by `curvature * change^2 * tail_weight`. `oldest` is the ring column of position
    /// t + 1 - window, which no later position reads.
    fn settled(&self, model: &Model, slot: usize, t: usize, oldest: usize) -> bool {
        let n = model.num_sites();
        let c = &self.connected[self.slot_row[slot]];
        let walk = &self.walks[slot];
        if t + 1 == n {
            return true;
        }
        let masks_differ = model.config().u1_total.is_some() && walk.partial != self.partial[t + 1];
        if walk.next_flip < c.flips.end || walk.next_reader < c.readers.end || masks_differ {
            return false;
        }
        // Later states mix the states of the `window - 1` positions up to t.
        let window = self.window;
        let ring = &self.change[slot * window..(slot + 1) * window];
        let change = (ring.iter().enumerate())
            .filter(|&(column, _)| column != oldest)
            .fold(0.0, |max, (_, &c)| f64::max(max, c));
        let remainder = self.tail_weight[t] * self.heads.curvature * change * change;
        remainder <= F::EPSILON
    }

    /// ln psi of the row in `slot`, settled after position `t`: its own sums so far, the
    /// sample's before its first flip and after `t`, and the first-order change of the
    /// latter: each position p <= t that a later reader r reads passes its change of state
    /// on through r's gates, against r's response.
    fn finish(&mut self, model: &Model, slot: usize, t: usize) {
        let n = model.num_sites();
        if t + 1 < n && !self.responses_ready {
            self.tail_response(model);
            self.responses_ready = true;
        }
        let layout = cell(model).rows();
        let (dh, tw, window) = (layout.dh, layout.tape_width(), self.window);
        let mut first_order = Complex64::new(0.0, 0.0);
        for p in (t + 1).saturating_sub(window - 1)..=t {
            let state = &self.ring[p % window][slot * dh..(slot + 1) * dh];
            let sample = &self.h[p * dh..(p + 1) * dh];
            let readers = &self.readers[self.reader_start[p]..self.reader_start[p + 1]];
            for &r in readers.iter().filter(|&&r| r > t) {
                let through_left = neighbour_positions(model.topology().step(r)).1 == Some(p);
                let gates = &self.gates[r * tw..(r + 1) * tw];
                let response = r * dh..(r + 1) * dh;
                let (re, im) = (
                    &self.response_re[response.clone()],
                    &self.response_im[response],
                );
                cell(model).carried(gates, through_left, &mut self.carry);
                let (mut sum_re, mut sum_im) = (0.0, 0.0);
                for j in 0..dh {
                    let passed = self.carry[j] * (state[j] - sample[j]).to_f64();
                    sum_re += passed * re[j];
                    sum_im += passed * im[j];
                }
                first_order += Complex64::new(sum_re, sum_im);
            }
        }
        let i = self.slot_row[slot];
        let (c, walk) = (&self.connected[i], &self.walks[slot]);
        let after = |sums: &[f64]| sums[n] - sums[t + 1];
        self.log_psi[i] = first_order
            + Complex64::new(
                0.5 * (self.log_prob[c.first]
                    + walk.log_prob
                    + walk.product.ln()
                    + after(&self.log_prob)),
                self.phase[c.first] + walk.phase + after(&self.phase) + c.sign,
            );
    }

    /// The sample's responses, by a backward pass over the positions. With the sample's gates
    /// the states are linear in each other: a change d of the state at p changes that of a
    /// reader r by `carried` * d. So the first-order change of the terms of ln psi from p on
    /// (0.5 ln p_u + i phase_u) is R_p . d, with
    ///     R_p = grad_p + sum over the readers r of p of carried * R_r,
    /// grad_p the gradient of position p's own term in its state.
    fn tail_response(&mut self, model: &Model) {
        let n = model.num_sites();
        let cfg = model.config();
        let layout = cell(model).rows();
        let (dh, tw) = (layout.dh, layout.tape_width());
        let (params, param_layout) = (model.params_in::<F>(), model.layout());
        let amplitude_bias = &params[param_layout.amplitude_bias.clone()];
        let phase_bias = match cfg.phase {
            PhaseKind::Softsign => param_layout.phase_bias.clone().map(|b| &params[b]),
            PhaseKind::None => None,
        };
        let heads = &self.heads;
        for p in (0..n).rev() {
            let y = &self.out[p * dh..(p + 1) * dh];
            let value = self.values[p] as usize;
            let (re, later_re) = self.response_re[p * dh..].split_at_mut(dh);
            let (im, later_im) = self.response_im[p * dh..].split_at_mut(dh);
            // Its own term: d(0.5 ln p_value)/d logit_v = 0.5 ([v = value] - p_v) over the
            // feasible values v, and d logit_v/d h_j = w_vj (1 - y_j^2).
            let (lo, hi) = feasible_values(cfg, n, p, self.partial[p]);
            let feasible = lo as usize..=hi as usize;
            let weight = &mut self.logit_weight;
            let mut top = f64::NEG_INFINITY;
            for v in feasible.clone() {
                weight[v] = amplitude_bias[v].to_f64() + dot(&heads.amplitude_t[v * dh..], y);
                top = top.max(weight[v]);
            }
            let mut total = 0.0;
            for v in feasible.clone() {
                weight[v] = (weight[v] - top).exp();
                total += weight[v];
            }
            re.fill(0.0);
            for v in feasible {
                let g = 0.5 * (f64::from(u8::from(v == value)) - weight[v] / total);
                let w = &heads.amplitude_t[v * dh..(v + 1) * dh];
                for (r, w) in re.iter_mut().zip(w) {
                    *r += g * w.to_f64();
                }
            }
            im.fill(0.0);
            if let Some(bias) = phase_bias {
                // d(pi softsign(z_value))/d h_j = pi softsign'(z) w_value,j (1 - y_j^2).
                let w = &heads.phase_t[value * dh..(value + 1) * dh];
                let g = PI * softsign_derivative(bias[value].to_f64() + dot(w, y));
                for (i, w) in im.iter_mut().zip(w) {
                    *i = g * w.to_f64();
                }
            }
            for (r, y) in re.iter_mut().zip(y) {
                *r *= 1.0 - y.to_f64() * y.to_f64();
            }
            for (i, y) in im.iter_mut().zip(y) {
                *i *= 1.0 - y.to_f64() * y.to_f64();
            }
            // Then what its readers pass on.
            for &r in &self.readers[self.reader_start[p]..self.reader_start[p + 1]] {
                let through_left = neighbour_positions(model.topology().step(r)).1 == Some(p);
                let gates = &self.gates[r * tw..(r + 1) * tw];
                let reader = (r - p - 1) * dh..(r - p) * dh;
                let (r_re, r_im) = (&later_re[reader.clone()], &later_im[reader]);
                cell(model).carried(gates, through_left, &mut self.carry);
                for j in 0..dh {
                    re[j] += self.carry[j] * r_re[j];
                }
                if phase_bias.is_some() {
                    for j in 0..dh {
                        im[j] += self.carry[j] * r_im[j];
                    }
                }
            }
        }
    }

    /// Moves the row in slot `from` (its states and changes over the window, its progress
    /// and its heads' outputs at the current position) to slot `to`; `dh` the hidden size.
    fn move_slot(&mut self, from: usize, to: usize, dh: usize) {
        if from == to {
            return;
        }
        let window = self.window;
        for block in &mut self.ring {
            block.copy_within(from * dh..(from + 1) * dh, to * dh);
        }
        self.change
            .copy_within(from * window..(from + 1) * window, to * window);
        self.walks[to] = self.walks[from];
        self.slot_row[to] = self.slot_row[from];
        self.heads.probability[to] = self.heads.probability[from];
        self.heads.phase[to] = self.heads.phase[from];
    }
}

/// The heads' transposed weights and outputs for up to BATCH rows.
struct Heads<F: Real> {
    /// `[local_dim x hidden]`: the amplitude and phase heads' weights transposed.
    amplitude_t: Vec<F>,
    phase_t: Vec<F>,
    /// With two values, `[hidden]` and `[1]`: the amplitude head's weights and bias for
    /// logit 1 - logit 0, all a probability needs (empty otherwise).
    difference_t: Vec<F>,
    difference_bias: Vec<F>,
    /// `[BATCH x local_dim]`.
    logits: Vec<F>,
    /// Each row's probability of its value, and its phase term.
    probability: Vec<F>,
    phase: Vec<f64>,
    /// How far a position's term of ln psi (0.5 ln p + i phase) can be from its first-order
    /// change, per squared largest change of state: with L_a, L_p the largest sums of
    /// |weights| into one logit of the amplitude and phase heads, a logit's first and second
    /// derivatives along the change are below L and 0.77 L (tanh' <= 1, |tanh''| <= 0.77), so
    /// a log-softmax's second derivative is below 1.54 L_a + L_a^2 and pi softsign's below
    /// pi (2 L_p^2 + 0.77 L_p) (|softsign'| <= 1, |softsign''| <= 2); half of each bounds
    /// the Taylor remainder.
    curvature: f64,
}

impl<F: Real> Heads<F> {
    fn new(model: &Model) -> Result<Self> {
        let what = "the linear cell's local-energy workspace";
        let (dh, d) = (cell(model).rows().dh, model.config().local_dim as usize);
        Ok(Heads {
            amplitude_t: try_zeroed(&[d, dh], what)?,
            phase_t: try_zeroed(&[d, dh], what)?,
            difference_t: try_zeroed_vec(if d == 2 { dh } else { 0 }, what)?,
            difference_bias: try_zeroed_vec(if d == 2 { 1 } else { 0 }, what)?,
            logits: try_zeroed(&[BATCH, d], what)?,
            probability: try_zeroed_vec(BATCH, what)?,
            phase: try_zeroed_vec(BATCH, what)?,
            curvature: 0.0,
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
        let largest_row_sum = |wt: &[F]| {
            let rows = wt.chunks_exact(cell(model).rows().dh);
            let sums = rows.map(|w| w.iter().map(|x| x.to_f64().abs()).sum::<f64>());
            sums.fold(0.0, f64::max)
        };
        if d == 2 {
            let (w0, w1) = self.amplitude_t.split_at(self.difference_t.len());
            for ((diff, &w0), &w1) in self.difference_t.iter_mut().zip(w0).zip(w1) {
                *diff = w1 - w0;
            }
            let bias = &p[layout.amplitude_bias.clone()];
            self.difference_bias[0] = bias[1] - bias[0];
        }
        // 4 / (3 sqrt 3): the largest |tanh''|, rounded up.
        const TANH_CURVATURE: f64 = 0.7699;
        let l = largest_row_sum(&self.amplitude_t);
        self.curvature = 0.25 * (2.0 * TANH_CURVATURE * l + l * l);
        if let Some(w) = &layout.phase_weight {
            transpose(&p[w.clone()], d, &mut self.phase_t);
            let l = largest_row_sum(&self.phase_t);
            self.curvature += 0.5 * PI * (2.0 * l * l + TANH_CURVATURE * l);
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
        let probability = &mut self.probability[..rows];
        if d == 2 {
            let differences = &mut logits[..rows];
            head_logits(out, &self.difference_t, &self.difference_bias, differences);
            two_value_probabilities(differences, feasible, values, probability);
        } else {
            let bias = &p[layout.amplitude_bias.clone()];
            head_logits(out, &self.amplitude_t, bias, logits);
            softmax_probabilities(logits, feasible, values, probability);
        }
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
    let w = &p[lay.input.clone()];
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

/// `w[..y.len()] . y`, summed in f64.
fn dot<F: Real>(w: &[F], y: &[F]) -> f64 {
    w.iter()
        .zip(y)
        .map(|(&w, &y)| w.to_f64() * y.to_f64())
        .sum()
}

/// max_j |a_j - b_j|, in f64 (NaN if any difference is NaN, so that no row settles on one).
fn max_abs_difference<F: Real>(a: &[F], b: &[F]) -> f64 {
    let larger = |max: f64, d: f64| if d > max || d.is_nan() { d } else { max };
    // Eight running maxima, so that the loop vectorises.
    let mut lanes = [0.0f64; 8];
    let body = a.len() / 8 * 8;
    for (a, b) in a[..body].chunks_exact(8).zip(b.chunks_exact(8)) {
        for j in 0..8 {
            lanes[j] = larger(lanes[j], (a[j] - b[j]).abs().to_f64());
        }
    }
    let tail = a[body..]
        .iter()
        .zip(&b[body..])
        .map(|(&x, &y)| (x - y).abs().to_f64());
    lanes.into_iter().chain(tail).fold(0.0, larger)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::LinearRows;
    use crate::{Hamiltonian, ModelConfig};

    /// Long chains take the propagation whatever its workspace (2^16 sites with 64 hidden
    /// units: 236 MB, far above the prefix-reuse snapshots' 32 MB budget that once sent
    /// them to that path's work growing like the square of the sites).
    #[test]
    fn long_chains_take_the_propagation() {
        let cfg = ModelConfig::default()
            .with_cell(crate::CellKind::LinearGated)
            .with_lx(1 << 16)
            .with_hidden(64);
        assert!(applies(&Model::new(cfg.clone()).unwrap()));
        assert!(!applies(&Model::new(cfg.with_layers(2)).unwrap()));
    }

    /// On a 400-site chain the walks settle (the initial gates keep about half of a change
    /// per position, so a flip's trace falls below rounding within about a hundred
    /// positions) and take under half the steps of walks to the end; a 16-site chain's
    /// walks never settle early.
    #[test]
    fn walks_settle_on_long_chains_only() {
        for (sites, most) in [(400u32, 0.5), (16, 1.0)] {
            let cfg = ModelConfig::default()
                .with_cell(crate::CellKind::LinearGated)
                .with_lx(sites)
                .with_hidden(16);
            let model = Model::new(cfg).unwrap();
            let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).unwrap();
            let op = h.compiled();
            let mut config = vec![0u8; sites as usize];
            model.sample(3, 1, &mut config, None).unwrap();
            let mut ws = Propagation::<f64>::new(&model).unwrap();
            ws.heads.load(&model);
            ws.make_room(op).unwrap();
            ws.local_energy(&model, op, &config);
            // Each site's flip walks from its position to the end without settling.
            let to_the_end: usize = (1..=sites as usize).sum();
            let fraction = ws.steps_walked as f64 / to_the_end as f64;
            assert!(fraction <= most, "{sites} sites: {fraction}");
            if sites == 16 {
                assert_eq!(ws.steps_walked, to_the_end);
            }
        }
    }

    /// The sample's responses are the derivatives of its terms of ln psi from position p on
    /// in p's state, later states following by the sample's gates: against central finite
    /// differences, on a chain and on a grid (both of a grid's neighbours), with the phase
    /// head and U(1).
    #[test]
    fn responses_match_finite_differences() {
        for (lx, ly) in [(7u32, 1u32), (3, 4)] {
            let n = (lx * ly) as usize;
            let cfg = ModelConfig::default()
                .with_cell(crate::CellKind::LinearGated)
                .with_lx(lx)
                .with_ly(ly)
                .with_hidden(5)
                .with_phase(PhaseKind::Softsign)
                .with_u1_total(Some(lx * ly / 2))
                .with_seed(8);
            let model = Model::new(cfg).unwrap();
            let layout = cell(&model).rows();
            let (dh, tw) = (layout.dh, layout.tape_width());
            let at = |b: usize| layout.block(b).start;
            let mut config = vec![0u8; n];
            model.sample(6, 1, &mut config, None).unwrap();
            let mut ws = Propagation::<f64>::new(&model).unwrap();
            ws.heads.load(&model);
            ws.run_sample(&model, &config);
            ws.tail_response(&model);
            // The terms from p on with the state at p moved by `eps * direction`.
            let terms_from = |ws: &mut Propagation<f64>, p: usize, direction: &[f64], eps: f64| {
                let mut h = ws.h.clone();
                for j in 0..dh {
                    h[p * dh + j] += eps * direction[j];
                }
                let mut total = Complex64::new(0.0, 0.0);
                for u in p..n {
                    let (own, left) = neighbour_positions(model.topology().step(u));
                    let gates = &ws.gates[u * tw..(u + 1) * tw];
                    let mut out = vec![0.0; dh];
                    for j in 0..dh {
                        if u > p {
                            let hv = own.map_or(0.0, |o| h[o * dh + j]);
                            let m = if layout.mix {
                                let b = gates[at(LinearRows::B) + j];
                                let hl = left.map_or(0.0, |l| h[l * dh + j]);
                                b * hl + (1.0 - b) * hv
                            } else {
                                hv
                            };
                            let (a, c) = (gates[at(LinearRows::A) + j], gates[at(layout.c()) + j]);
                            h[u * dh + j] = a * m + (1.0 - a) * c;
                        }
                        out[j] = h[u * dh + j].tanh();
                    }
                    let feasible = feasible_values(model.config(), n, u, ws.partial[u]);
                    ws.heads
                        .evaluate(&model, &out, &[feasible], &[ws.values[u]]);
                    total += Complex64::new(0.5 * ws.heads.probability[0].ln(), ws.heads.phase[0]);
                }
                total
            };
            for p in [0, 1, n / 2, n - 2] {
                let direction: Vec<f64> = (0..dh).map(|j| 0.3 + 0.2 * j as f64).collect();
                // Small: softsign's second derivative jumps at 0, where the phase logits start.
                let eps = 1e-7;
                let numeric = (terms_from(&mut ws, p, &direction, eps)
                    - terms_from(&mut ws, p, &direction, -eps))
                    / (2.0 * eps);
                let response = &ws.response_re[p * dh..(p + 1) * dh];
                let response_im = &ws.response_im[p * dh..(p + 1) * dh];
                let analytic = Complex64::new(
                    response.iter().zip(&direction).map(|(r, d)| r * d).sum(),
                    response_im.iter().zip(&direction).map(|(r, d)| r * d).sum(),
                );
                assert!(
                    (numeric - analytic).norm() <= 1e-6 * analytic.norm().max(1.0),
                    "{lx}x{ly}, p = {p}: {numeric} against {analytic}"
                );
            }
        }
    }
}
