//! The batched autoregressive pass: one step per sampling position for a chunk of rows,
//! shared by sampling and evaluation so that both compute exactly the same numbers.

use super::config::{CellKind, PhaseKind};
use super::layout::{gates, hidden_gates};
use super::Model;
use crate::kernels::{elu_in_place, gemm, gru_update, tanh_in_place};
use std::f64::consts::PI;

/// Picks each row's value at a sampling position: a sampler draws it, an evaluator reads it.
pub(crate) trait ChooseValues {
    /// Fills `values` (one per row) given the masked log conditionals `log_probs`,
    /// `[rows x local_dim]`, with `-inf` where a value is infeasible.
    fn choose(&mut self, pos: usize, log_probs: &[f64], values: &mut [u8]);
}

/// Workspace and per-row state of a pass over up to `capacity` rows. Allocated once per
/// thread; nothing is allocated per step.
pub(crate) struct Pass {
    pub(super) capacity: usize,
    /// Per layer, `[slots x capacity x hidden]`, slots from [`Model::state_slots`]. Chain:
    /// each row's state after the last step taken. Grid: the latest state of each column.
    pub hidden: Vec<Vec<f64>>,
    /// `[slots x capacity]`: the value at the same sites as `hidden` (on a chain, the next
    /// step's input).
    pub prev: Vec<u8>,
    /// Each row's sum of values so far (the U(1) constraint's running total).
    pub partial: Vec<u32>,
    /// Each row's ln P of the values so far.
    pub log_prob: Vec<f64>,
    /// Each row's learned phase of the values so far.
    pub phase: Vec<f64>,
    values: Vec<u8>,
    pub(super) pre_x: Vec<f64>,
    pub(super) pre_h: Vec<f64>,
    logits: Vec<f64>,
    phase_logits: Vec<f64>,
    log_probs: Vec<f64>,
}

impl Pass {
    pub fn new(model: &Model, capacity: usize) -> Self {
        let cfg = model.config();
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let gdh = gates(cfg.cell) * dh;
        let slots = model.state_slots();
        Pass {
            capacity,
            hidden: vec![vec![0.0; slots * capacity * dh]; cfg.layers as usize],
            prev: vec![0; slots * capacity],
            partial: vec![0; capacity],
            log_prob: vec![0.0; capacity],
            phase: vec![0.0; capacity],
            values: vec![0; capacity],
            pre_x: vec![0.0; capacity * gdh],
            pre_h: vec![0.0; capacity * hidden_gates(cfg) * dh],
            logits: vec![0.0; capacity * d],
            phase_logits: vec![0.0; capacity * d],
            log_probs: vec![0.0; capacity * d],
        }
    }

    /// Puts the first `rows` rows at the start: no site visited yet.
    pub fn reset(&mut self, rows: usize) {
        assert!(rows <= self.capacity);
        let slots = self.prev.len() / self.capacity;
        for h in &mut self.hidden {
            let per_row = h.len() / (slots * self.capacity);
            for slot in h.chunks_exact_mut(per_row * self.capacity) {
                slot[..per_row * rows].fill(0.0);
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
        chooser: &mut dyn ChooseValues,
    ) {
        for pos in from..model.num_sites() {
            self.step(model, rows, pos, chooser);
        }
    }

    /// One position for the first `rows` rows: every layer's update, the conditional, the
    /// choice, and the running ln P, phase and total.
    pub fn step(&mut self, model: &Model, rows: usize, pos: usize, chooser: &mut dyn ChooseValues) {
        self.step_recorded(model, rows, pos, chooser, None);
    }

    /// [`Pass::step`] that also keeps, in `record`, what the backward pass needs.
    pub fn step_recorded(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        chooser: &mut dyn ChooseValues,
        mut record: Option<&mut Recording>,
    ) {
        assert!(rows <= self.capacity);
        if let Some(rec) = record.as_deref() {
            assert_eq!(rec.rows, rows);
        }
        let cfg = model.config();
        let p = model.params();
        let layout = model.layout();
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let column = match model.grid_step(pos) {
            None => {
                self.chain_layers(model, rows, pos, record.as_deref_mut());
                0
            }
            Some(step) => {
                self.grid_layers(model, rows, pos, step, record.as_deref_mut());
                step.column
            }
        };

        let top_slot = column * self.capacity * dh;
        let top = &self.hidden[cfg.layers as usize - 1][top_slot..top_slot + rows * dh];
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
            let probs = &mut rec.probs[pos * rows * d..(pos + 1) * rows * d];
            for (p, &lp) in probs.iter_mut().zip(log_probs.iter()) {
                *p = lp.exp();
            }
        }

        if cfg.phase == PhaseKind::Softsign {
            let pl = &mut self.phase_logits[..rows * d];
            let (w, b) = (
                layout.phase_weight.clone().unwrap(),
                layout.phase_bias.clone().unwrap(),
            );
            affine(rows, dh, d, top, &p[w], &p[b], pl);
            if let Some(rec) = record {
                rec.phase_logits[pos * rows * d..(pos + 1) * rows * d].copy_from_slice(pl);
            }
            for (row, &v) in values.iter().enumerate() {
                self.phase[row] += PI * softsign(pl[row * d + v as usize]);
            }
        }
        for (row, &v) in values.iter().enumerate() {
            self.log_prob[row] += log_probs[row * d + v as usize];
            self.partial[row] += v as u32;
            self.prev[column * self.capacity + row] = v;
        }
    }

    /// Every layer's update at chain position `pos`: each reads the previous site's state.
    fn chain_layers(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        mut record: Option<&mut Recording>,
    ) {
        let cfg = model.config();
        let p = model.params();
        let layout = model.layout();
        let dh = cfg.hidden as usize;
        let gdh = gates(cfg.cell) * dh;
        let first = pos == 0;

        for (l, lay) in layout.layers.iter().enumerate() {
            let (below, rest) = self.hidden.split_at_mut(l);
            let h = &mut rest[0][..rows * dh];
            let pre_x = &mut self.pre_x[..rows * gdh];
            let bias = &p[lay.bias.clone()];
            let w_in = &p[lay.input_weight.clone()];
            if l == 0 && !first {
                // One-hot input: the bias plus the weight row of the previous value, a gather.
                for (row, &v) in pre_x.chunks_exact_mut(gdh).zip(&self.prev[..rows]) {
                    let w = &w_in[v as usize * gdh..(v as usize + 1) * gdh];
                    for ((a, b), w) in row.iter_mut().zip(bias).zip(w) {
                        *a = b + w;
                    }
                }
            } else {
                for row in pre_x.chunks_exact_mut(gdh) {
                    row.copy_from_slice(bias);
                }
                if l > 0 {
                    gemm(rows, dh, gdh, &below[l - 1][..rows * dh], w_in, 1.0, pre_x);
                }
            }
            let w_h = &p[lay.hidden_weight.clone()];
            match cfg.cell {
                CellKind::Vanilla | CellKind::VanillaElu => {
                    if !first {
                        gemm(rows, dh, dh, h, w_h, 1.0, pre_x);
                    }
                    activate(cfg.cell, pre_x);
                    h.copy_from_slice(pre_x);
                }
                CellKind::Gru => {
                    let pre_h = &mut self.pre_h[..rows * gdh];
                    if first {
                        pre_h.fill(0.0);
                    } else {
                        gemm(rows, dh, gdh, h, w_h, 0.0, pre_h);
                    }
                    let bhg = &p[lay.candidate_bias.clone().expect("GRU layout")];
                    let gates_out = match record.as_deref_mut() {
                        Some(rec) => {
                            &mut rec.gates[l][pos * rows * 4 * dh..(pos + 1) * rows * 4 * dh]
                        }
                        None => &mut [][..],
                    };
                    gru_update(dh, pre_x, pre_h, bhg, h, gates_out);
                }
            }
            if let Some(rec) = record.as_deref_mut() {
                rec.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh].copy_from_slice(h);
            }
        }
    }
}

/// The vanilla cells' activation, in place.
pub(super) fn activate(cell: CellKind, x: &mut [f64]) {
    match cell {
        CellKind::VanillaElu => elu_in_place(x),
        _ => tanh_in_place(x),
    }
}

/// What the backward pass needs from a forward pass over `rows` rows, each buffer laid out
/// `[position][row][...]` so that all rows at a position are one contiguous matrix.
pub(crate) struct Recording {
    capacity: usize,
    positions: usize,
    /// Rows of the current pass: the stride of every buffer.
    pub rows: usize,
    /// Per layer, `[(n_sites + 1) x rows x hidden]`: position 0 is the zero initial state,
    /// position n + 1 the state after site n.
    pub h: Vec<Vec<f64>>,
    /// Per layer (GRU only), `[n_sites x rows x W]`: chain, W = 4 hidden,
    /// `[r | z | g | U_g h + b_hg]`; grid, W = 5 hidden, `[r | z | g | a | merge]`.
    pub gates: Vec<Vec<f64>>,
    /// Grid only, per layer, `[n_sites x rows x hidden]`: the vertical neighbour's state
    /// each position read (unwritten in row 0, which has none).
    pub vertical: Vec<Vec<f64>>,
    /// `[n_sites x rows x local_dim]`: the masked conditional probabilities.
    pub probs: Vec<f64>,
    /// `[n_sites x rows x local_dim]`: the phase head's logits (phase head only).
    pub phase_logits: Vec<f64>,
}

impl Recording {
    pub fn new(model: &Model, rows: usize) -> Self {
        let cfg = model.config();
        let (n, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let layers = cfg.layers as usize;
        let gate_width = match (cfg.cell, cfg.is_grid()) {
            (CellKind::Gru, false) => 4 * dh,
            (CellKind::Gru, true) => 5 * dh,
            _ => 0,
        };
        let vertical = if cfg.is_grid() { n * rows * dh } else { 0 };
        let phase = cfg.phase == PhaseKind::Softsign;
        Recording {
            capacity: rows,
            positions: n,
            rows,
            h: vec![vec![0.0; (n + 1) * rows * dh]; layers],
            gates: vec![vec![0.0; n * rows * gate_width]; layers],
            vertical: vec![vec![0.0; vertical]; layers],
            probs: vec![0.0; n * rows * d],
            phase_logits: vec![0.0; if phase { n * rows * d } else { 0 }],
        }
    }

    /// Lays the buffers out for a pass over `rows` rows (at most the capacity).
    pub fn set_rows(&mut self, rows: usize) {
        assert!(rows <= self.capacity);
        self.rows = rows;
        // Position 0 is the zero initial state; under a new stride it covers other elements.
        for h in &mut self.h {
            let hidden = h.len() / ((self.positions + 1) * self.capacity);
            h[..rows * hidden].fill(0.0);
        }
    }

    /// Bytes a recording of one row takes, to size chunks within a memory budget.
    pub fn bytes_per_row(model: &Model) -> usize {
        let r = Recording::new(model, 1);
        8 * (r
            .h
            .iter()
            .chain(&r.gates)
            .chain(&r.vertical)
            .map(Vec::len)
            .sum::<usize>()
            + r.probs.len()
            + r.phase_logits.len())
    }
}

/// `out[rows x n] = x[rows x k] w[k x n] + bias`.
fn affine(rows: usize, k: usize, n: usize, x: &[f64], w: &[f64], bias: &[f64], out: &mut [f64]) {
    for row in out.chunks_exact_mut(n) {
        row.copy_from_slice(bias);
    }
    gemm(rows, k, n, x, w, 1.0, out);
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
fn masked_log_softmax(logits: &[f64], out: &mut [f64], budget: Option<(i64, usize)>, d: usize) {
    let mut max = f64::NEG_INFINITY;
    for (v, &x) in logits.iter().enumerate() {
        if feasible(v, budget, d) && x > max {
            max = x;
        }
    }
    if max == f64::NEG_INFINITY {
        out.fill(f64::NEG_INFINITY);
        return;
    }
    let mut sum = 0.0;
    for (v, &x) in logits.iter().enumerate() {
        if feasible(v, budget, d) {
            sum += (x - max).exp();
        }
    }
    let lse = max + sum.ln();
    for (v, (o, &x)) in out.iter_mut().zip(logits).enumerate() {
        *o = if feasible(v, budget, d) {
            x - lse
        } else {
            f64::NEG_INFINITY
        };
    }
}
