//! The batched autoregressive pass: one step per sampling position for a chunk of rows,
//! shared by sampling and evaluation so that both compute exactly the same numbers. Each
//! step follows the model's [`Topology`](super::Topology): the cells read their neighbours'
//! states from the slots it names and write their own slot (equations in `model/layout.rs`).

use super::config::{CellKind, PhaseKind};
use super::topology::Step;
use super::Model;
use crate::buffer::{try_zeroed, try_zeroed_layers, try_zeroed_vec};
use crate::error::Result;
use crate::kernels::{
    elu_in_place, gemm, gru_update, linear_update, tanh_in_place, tensor_gru_update, Real,
};
use std::f64::consts::PI;
use std::ops::Range;

/// Picks each row's value at a sampling position: a sampler draws it, an evaluator reads it.
/// `F` is the pass's float type.
pub(crate) trait ChooseValues<F> {
    /// Fills `values` (one per row) given the masked log conditionals `log_probs`,
    /// `[rows x local_dim]`, with `-inf` where a value is infeasible.
    fn choose(&mut self, pos: usize, log_probs: &[F], values: &mut [u8]);
}

/// What a recorded pass hands on, for backpropagation: each receives all rows at one position,
/// `[rows x ...]`, and keeps them as it sees fit. `F` is the pass's float type.
pub(crate) trait Recorder<F> {
    /// Layer `layer`'s new states at `pos`, `[rows x hidden]`.
    fn state(&mut self, layer: usize, pos: usize, states: &[F]);
    /// The state that layer `layer` at `pos` read from a neighbour other than the previous
    /// position (see [`NeighbourWeight::reads_previous_position`](super::NeighbourWeight)).
    fn neighbour_state(&mut self, layer: usize, pos: usize, states: &[F]);
    /// Where the GRU at layer `layer` and `pos` writes its tape rows
    /// (`[rows x GateLayout::tape_width]`, see `kernels::gru_update`).
    fn gates(&mut self, layer: usize, pos: usize) -> &mut [F];
    /// The masked ln conditionals at `pos`, `[rows x local_dim]`.
    fn log_probs(&mut self, pos: usize, log_probs: &[F]);
    /// The phase head's logits at `pos`, `[rows x local_dim]` (phase head only).
    fn phase_logits(&mut self, pos: usize, logits: &[F]);
}

/// Workspace and per-row state of a pass over up to `capacity` rows. Allocated once per
/// thread; nothing is allocated per step. The pass computes in `F` (f64, or f32 with
/// `Precision::F32`, on the model's parameters rounded to f32); each row's ln P and phase
/// are summed over positions in f64.
pub(crate) struct Pass<F: Real> {
    pub(super) capacity: usize,
    /// Per layer, `[slots x capacity x hidden]`, slots from [`Topology::slots`](super::Topology):
    /// each row's latest state of each slot (chain: the state after the last step taken;
    /// grid: the latest state of each column).
    pub hidden: Vec<Vec<F>>,
    /// `[slots x capacity]`: the value at the same sites as `hidden` (on a chain, the next
    /// step's input).
    pub prev: Vec<u8>,
    /// Each row's sum of values so far (the U(1) constraint's running total).
    pub partial: Vec<u32>,
    /// Each row's ln P of the values so far.
    pub log_prob: Vec<f64>,
    /// Each row's learned phase of the values so far.
    pub phase: Vec<f64>,
    /// Linear gated cell only, per layer `[capacity x hidden]`: tanh of the state just
    /// computed, what the heads and the next layer read (empty for the other cells).
    activated: Vec<Vec<F>>,
    values: Vec<u8>,
    pub(super) pre_x: Vec<F>,
    pub(super) pre_h: Vec<F>,
    /// Tensorized cell only, `[capacity x GateLayout::concat_width]`: the neighbour states
    /// side by side (c).
    concat: Vec<F>,
    /// Tensorized cell only, `[capacity x GateLayout::max_tensor_width]`: its input T.
    tensor_in: Vec<F>,
    logits: Vec<F>,
    phase_logits: Vec<F>,
    log_probs: Vec<F>,
}

impl<F: Real> Pass<F> {
    /// Refuses (naming the bytes) a workspace no memory can hold.
    pub fn new(model: &Model, capacity: usize) -> Result<Self> {
        let cfg = model.config();
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let gates = model.gate_layout();
        let slots = model.topology().slots();
        let what = "the pass workspace";
        Ok(Pass {
            capacity,
            hidden: try_zeroed_layers(cfg.layers as usize, &[slots, capacity, dh], what)?,
            prev: try_zeroed(&[slots, capacity], what)?,
            partial: try_zeroed_vec(capacity, what)?,
            log_prob: try_zeroed_vec(capacity, what)?,
            phase: try_zeroed_vec(capacity, what)?,
            activated: try_zeroed_layers(
                cfg.layers as usize,
                &[if gates.is_linear() { capacity } else { 0 }, dh],
                what,
            )?,
            values: try_zeroed_vec(capacity, what)?,
            pre_x: try_zeroed(&[capacity, gates.input_width()], what)?,
            pre_h: try_zeroed(&[capacity, gates.hidden_width()], what)?,
            concat: try_zeroed(&[capacity, gates.concat_width()], what)?,
            tensor_in: try_zeroed(&[capacity, gates.max_tensor_width()], what)?,
            logits: try_zeroed(&[capacity, d], what)?,
            phase_logits: try_zeroed(&[capacity, d], what)?,
            log_probs: try_zeroed(&[capacity, d], what)?,
        })
    }

    /// Puts the first `rows` rows at the start: no site visited yet.
    pub fn reset(&mut self, rows: usize) {
        assert!(rows <= self.capacity);
        let slots = self.prev.len() / self.capacity;
        for h in &mut self.hidden {
            let per_row = h.len() / (slots * self.capacity);
            for slot in h.chunks_exact_mut(per_row * self.capacity) {
                slot[..per_row * rows].fill(F::ZERO);
            }
        }
        for slot in self.prev.chunks_exact_mut(self.capacity) {
            slot[..rows].fill(0);
        }
        self.partial[..rows].fill(0);
        self.log_prob[..rows].fill(0.0);
        self.phase[..rows].fill(0.0);
    }

    /// Runs every position from `from` to the end for the first `rows` rows.
    pub fn run_from(
        &mut self,
        model: &Model,
        rows: usize,
        from: usize,
        chooser: &mut dyn ChooseValues<F>,
    ) {
        for pos in from..model.num_sites() {
            self.step(model, rows, pos, chooser);
        }
    }

    /// One position for the first `rows` rows: every layer's update, the conditional, the
    /// choice, and the running ln P, phase and total.
    pub fn step(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        chooser: &mut dyn ChooseValues<F>,
    ) {
        self.step_recorded(model, rows, pos, chooser, None);
    }

    /// [`Pass::step`] that also hands `record` what the backward pass needs.
    pub fn step_recorded(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        chooser: &mut dyn ChooseValues<F>,
        mut record: Option<&mut (dyn Recorder<F> + '_)>,
    ) {
        assert!(rows <= self.capacity);
        let cfg = model.config();
        let p = model.params_in::<F>();
        let layout = model.layout();
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let step = model.topology().step(pos);
        self.layers(model, rows, pos, step, record.as_deref_mut());
        let column = step.slot;

        let top_slot = column * self.capacity * dh;
        let top_layer = cfg.layers as usize - 1;
        let top = if model.gate_layout().is_linear() {
            &self.activated[top_layer][..rows * dh]
        } else {
            &self.hidden[top_layer][top_slot..top_slot + rows * dh]
        };
        let logits = &mut self.logits[..rows * d];
        affine(
            rows,
            dh,
            d,
            top,
            &p[layout.amplitude_weight.clone()],
            &p[layout.amplitude_bias.clone()],
            logits,
        );
        let log_probs = &mut self.log_probs[..rows * d];
        let remaining = model.num_sites() - pos;
        for (row, (lg, lp)) in logits
            .chunks_exact(d)
            .zip(log_probs.chunks_exact_mut(d))
            .enumerate()
        {
            let budget = cfg
                .u1_total
                .map(|q| (q as i64 - self.partial[row] as i64, remaining));
            masked_log_softmax(lg, lp, budget, d);
        }

        let values = &mut self.values[..rows];
        chooser.choose(pos, log_probs, values);
        if let Some(rec) = record.as_deref_mut() {
            rec.log_probs(pos, log_probs);
        }

        if cfg.phase == PhaseKind::Softsign {
            let pl = &mut self.phase_logits[..rows * d];
            let (w, b) = (
                layout.phase_weight.clone().unwrap(),
                layout.phase_bias.clone().unwrap(),
            );
            affine(rows, dh, d, top, &p[w], &p[b], pl);
            if let Some(rec) = record {
                rec.phase_logits(pos, pl);
            }
            for (row, &v) in values.iter().enumerate() {
                self.phase[row] += PI * softsign(pl[row * d + v as usize].to_f64());
            }
        }
        for (row, &v) in values.iter().enumerate() {
            // Summed in f64 whatever the pass's precision.
            self.log_prob[row] += log_probs[row * d + v as usize].to_f64();
            self.partial[row] += v as u32;
            self.prev[column * self.capacity + row] = v;
        }
    }

    /// Every layer's update at position `pos` (whose slot and neighbours `step` names) for
    /// the first `rows` rows: each cell reads its neighbours' states from their slots, then
    /// overwrites its own slot with the new state.
    fn layers(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        step: Step,
        mut record: Option<&mut (dyn Recorder<F> + '_)>,
    ) {
        let cfg = model.config();
        let p = model.params_in::<F>();
        let gate_layout = model.gate_layout();
        let dh = cfg.hidden as usize;
        let (gdh, hdh) = (gate_layout.input_width(), gate_layout.hidden_width());
        let capacity = self.capacity;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;
        let own = slot(step.slot);

        for (l, lay) in model.layout().layers.iter().enumerate() {
            if cfg.cell == CellKind::TensorGru {
                self.tensor_layer(model, rows, pos, step, l, record.as_deref_mut());
                if let Some(rec) = record.as_deref_mut() {
                    rec.state(l, pos, &self.hidden[l][own.clone()]);
                }
                continue;
            }
            let (below, rest) = self.hidden.split_at_mut(l);
            let states = &mut rest[0];
            let pre_x = &mut self.pre_x[..rows * gdh];
            let bias = &p[lay.bias.clone()];
            let w_in = &p[lay.input_weight.clone()];
            if l == 0 {
                // One-hot inputs: the bias plus gathers of the weight rows of the neighbours'
                // values, the first fused with the bias (one pass over `pre_x`). A slot's
                // value is still the neighbour's until this site overwrites it.
                let mut neighbours = step.neighbours();
                match neighbours.next() {
                    Some(n) => {
                        let values = &self.prev[n.slot * capacity..][..rows];
                        bias_plus_weight_rows(pre_x, bias, w_in, values, n.input_offset);
                    }
                    None => fill_rows(pre_x, bias),
                }
                for n in neighbours {
                    let values = &self.prev[n.slot * capacity..][..rows];
                    add_weight_rows(pre_x, w_in, values, n.input_offset, gdh);
                }
            } else {
                fill_rows(pre_x, bias);
                let input = if gate_layout.is_linear() {
                    &self.activated[l - 1][..rows * dh]
                } else {
                    &below[l - 1][own.clone()]
                };
                gemm(rows, dh, gdh, input, w_in, F::ONE, pre_x);
            }
            if let (Some(rec), false) = (record.as_deref_mut(), gate_layout.is_linear()) {
                for n in step.neighbours() {
                    if !n.weight.reads_previous_position() {
                        rec.neighbour_state(l, pos, &states[slot(n.slot)]);
                    }
                }
            }
            match cfg.cell {
                CellKind::Vanilla | CellKind::VanillaElu => {
                    for n in step.neighbours() {
                        let w = &p[n.weight.range(lay).clone()];
                        gemm(rows, dh, hdh, &states[slot(n.slot)], w, F::ONE, pre_x);
                    }
                    activate(cfg.cell, pre_x);
                    states[own.clone()].copy_from_slice(pre_x);
                }
                CellKind::TensorGru => unreachable!("taken above"),
                CellKind::Gru => {
                    let pre_h = &mut self.pre_h[..rows * hdh];
                    let mut beta = F::ZERO;
                    for n in step.neighbours() {
                        let w = &p[n.weight.range(lay).clone()];
                        gemm(rows, dh, hdh, &states[slot(n.slot)], w, beta, pre_h);
                        beta = F::ONE;
                    }
                    if beta == F::ZERO {
                        pre_h.fill(F::ZERO);
                    }
                    let bhg = &p[lay.candidate_bias.clone().expect("GRU layout")];
                    let gates_out = match record.as_deref_mut() {
                        Some(rec) => rec.gates(l, pos),
                        None => &mut [][..],
                    };
                    // On a chain the state blends towards the previous one, which is the
                    // own slot's content; on a grid towards the merge in `pre_h`.
                    let h = &mut states[own.clone()];
                    gru_update(gate_layout.gru(), pre_x, pre_h, bhg, h, gates_out);
                }
                CellKind::LinearGated => {
                    // The own slot holds the state read through it (chain: the previous one;
                    // grid: the one above); another slot, the grid's horizontal neighbour.
                    let left = step
                        .neighbours()
                        .find(|n| n.slot != step.slot)
                        .map(|n| slot(n.slot));
                    let (h, left) = own_and_other(states, own.clone(), left);
                    let tape = match record.as_deref_mut() {
                        Some(rec) => rec.gates(l, pos),
                        None => &mut [][..],
                    };
                    let out = &mut self.activated[l][..rows * dh];
                    linear_update(gate_layout.linear(), pre_x, left, h, out, tape);
                }
            }
            if let Some(rec) = record.as_deref_mut() {
                // What the heads and the next layer read: the state, or tanh of the linear
                // cell's state.
                let output = if gate_layout.is_linear() {
                    &self.activated[l][..rows * dh]
                } else {
                    &states[own.clone()]
                };
                rec.state(l, pos, output);
            }
        }
    }
}

/// The slot `own` of `states` mutably, beside the disjoint slot `other` (empty when `None`).
pub(crate) fn own_and_other<F>(
    states: &mut [F],
    own: Range<usize>,
    other: Option<Range<usize>>,
) -> (&mut [F], &mut [F]) {
    match other {
        None => (&mut states[own], &mut []),
        Some(other) if other.start >= own.end => {
            let (low, high) = states.split_at_mut(other.start);
            (&mut low[own], &mut high[..other.len()])
        }
        Some(other) => {
            let (low, high) = states.split_at_mut(own.start);
            (&mut high[..own.len()], &mut low[other])
        }
    }
}

impl<F: Real> Pass<F> {
    /// The tensorized cell's layer `l` at position `pos` (equations in `model/layout.rs`):
    /// builds c and T from the neighbours' slots and values, `pre = T W + b`, `q = c M`, and
    /// overwrites the own slot with the new state; a recording also tapes c and T.
    fn tensor_layer(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        step: Step,
        l: usize,
        record: Option<&mut (dyn Recorder<F> + '_)>,
    ) {
        let p = model.params_in::<F>();
        let gl = model.gate_layout();
        let lay = &model.layout().layers[l];
        let dh = gl.dh;
        let (nc, k, xw, tw) = (
            gl.concat_width(),
            gl.tensor_width(l),
            gl.input_width(),
            gl.tape_width(),
        );
        let capacity = self.capacity;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;
        let own = slot(step.slot);
        let (below, rest) = self.hidden.split_at_mut(l);
        let states = &mut rest[0];
        let concat = &mut self.concat[..rows * nc];
        for c in concat.chunks_exact_mut(nc) {
            c.fill(F::ZERO);
            c[nc - 1] = F::ONE;
        }
        for n in step.neighbours() {
            let part = n.weight.index() * dh;
            for (c, h) in concat
                .chunks_exact_mut(nc)
                .zip(states[slot(n.slot)].chunks_exact(dh))
            {
                c[part..part + dh].copy_from_slice(h);
            }
        }
        let t = &mut self.tensor_in[..rows * k];
        if l == 0 {
            // c in the block of each neighbour's value: the tensor product with the one-hots.
            t.fill(F::ZERO);
            for n in step.neighbours() {
                let values = &self.prev[n.slot * capacity..][..rows];
                for ((tr, c), &v) in t
                    .chunks_exact_mut(k)
                    .zip(concat.chunks_exact(nc))
                    .zip(values)
                {
                    let start = (n.input_offset + v as usize) * nc;
                    tr[start..start + nc].copy_from_slice(c);
                }
            }
        } else {
            let x = &below[l - 1][own.clone()];
            for ((tr, c), x) in t
                .chunks_exact_mut(k)
                .zip(concat.chunks_exact(nc))
                .zip(x.chunks_exact(dh))
            {
                tr[..nc].copy_from_slice(c);
                tr[nc..].copy_from_slice(x);
            }
        }
        let pre = &mut self.pre_x[..rows * xw];
        fill_rows(pre, &p[lay.bias.clone()]);
        gemm(rows, k, xw, t, &p[lay.input_weight.clone()], F::ONE, pre);
        let q = &mut self.pre_h[..rows * dh];
        gemm(
            rows,
            nc,
            dh,
            concat,
            &p[lay.hidden_weight.clone()],
            F::ZERO,
            q,
        );
        let tape = match record {
            Some(rec) => rec.gates(l, pos),
            None => &mut [][..],
        };
        tensor_gru_update(gl.tensor(), pre, q, &mut states[own], tape);
        if !tape.is_empty() {
            for ((row, c), tr) in tape
                .chunks_exact_mut(tw)
                .zip(concat.chunks_exact(nc))
                .zip(t.chunks_exact(k))
            {
                row[3 * dh..3 * dh + nc].copy_from_slice(c);
                row[3 * dh + nc..3 * dh + nc + k].copy_from_slice(tr);
            }
        }
    }
}

/// Sets every row of `pre` (`[rows x width]`, width = `bias.len()`) to `bias`.
fn fill_rows<F: Real>(pre: &mut [F], bias: &[F]) {
    for row in pre.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

/// Sets each row of `pre` to `bias` plus row `offset + value` of `weight`.
fn bias_plus_weight_rows<F: Real>(
    pre: &mut [F],
    bias: &[F],
    weight: &[F],
    values: &[u8],
    offset: usize,
) {
    let width = bias.len();
    for (row, &v) in pre.chunks_exact_mut(width).zip(values) {
        let start = (offset + v as usize) * width;
        for ((a, b), w) in row.iter_mut().zip(bias).zip(&weight[start..start + width]) {
            *a = *b + *w;
        }
    }
}

/// Adds to each row of `pre` (`[rows x width]`) row `offset + value` of `weight`.
fn add_weight_rows<F: Real>(
    pre: &mut [F],
    weight: &[F],
    values: &[u8],
    offset: usize,
    width: usize,
) {
    for (row, &v) in pre.chunks_exact_mut(width).zip(values) {
        let start = (offset + v as usize) * width;
        for (a, w) in row.iter_mut().zip(&weight[start..start + width]) {
            *a += *w;
        }
    }
}

/// The vanilla cells' activation, in place.
fn activate<F: Real>(cell: CellKind, x: &mut [F]) {
    match cell {
        CellKind::VanillaElu => elu_in_place(x),
        _ => tanh_in_place(x),
    }
}

/// `out[rows x n] = x[rows x k] w[k x n] + bias`.
fn affine<F: Real>(rows: usize, k: usize, n: usize, x: &[F], w: &[F], bias: &[F], out: &mut [F]) {
    for row in out.chunks_exact_mut(n) {
        row.copy_from_slice(bias);
    }
    gemm(rows, k, n, x, w, F::ONE, out);
}

pub(crate) fn softsign(x: f64) -> f64 {
    x / (1.0 + x.abs())
}

pub(crate) fn softsign_derivative(x: f64) -> f64 {
    let t = 1.0 + x.abs();
    1.0 / (t * t)
}

/// Whether value `v` keeps the U(1) total reachable: `budget` is (total still to place,
/// sites left including this one); the rest can absorb 0..=(d-1)(sites left - 1).
#[inline]
pub(crate) fn feasible(v: usize, budget: Option<(i64, usize)>, d: usize) -> bool {
    match budget {
        None => true,
        Some((left, sites)) => {
            let after = left - v as i64;
            after >= 0 && after <= (d as i64 - 1) * (sites as i64 - 1)
        }
    }
}

/// Numerically stable log-softmax over the feasible values; `-inf` elsewhere (and
/// everywhere when nothing is feasible, which only an invalid configuration reaches).
fn masked_log_softmax<F: Real>(
    logits: &[F],
    out: &mut [F],
    budget: Option<(i64, usize)>,
    d: usize,
) {
    let mut max = F::NEG_INFINITY;
    for (v, &x) in logits.iter().enumerate() {
        if feasible(v, budget, d) && x > max {
            max = x;
        }
    }
    if max == F::NEG_INFINITY {
        out.fill(F::NEG_INFINITY);
        return;
    }
    let mut sum = F::ZERO;
    for (v, &x) in logits.iter().enumerate() {
        if feasible(v, budget, d) {
            sum += (x - max).std_exp();
        }
    }
    let lse = max + sum.std_ln();
    for (v, (o, &x)) in out.iter_mut().zip(logits).enumerate() {
        *o = if feasible(v, budget, d) {
            x - lse
        } else {
            F::NEG_INFINITY
        };
    }
}
