//! The batched autoregressive pass: one step per sampling position for a chunk of rows,
//! shared by sampling and evaluation so that both compute exactly the same numbers. Each
//! step follows the model's [`Topology`](super::Topology): the cells read their neighbours'
//! states from the slots it names and write their own slot (each cell's equations in its file
//! in `model/cell/`).

use super::cell::{At, Forward, Input};
use super::config::PhaseKind;
use super::topology::Step;
use super::Model;
use crate::buffer::{try_zeroed, try_zeroed_layers, try_zeroed_vec};
use crate::error::Result;
use crate::kernels::{head_affine, log_softmax, Real};
use std::f64::consts::PI;

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
    /// position (see [`NeighbourWeight::reads_previous_position`](super::NeighbourWeight)),
    /// the one with gathered index `index` (`NeighbourWeight::gathered_index`).
    fn neighbour_state(&mut self, layer: usize, pos: usize, index: usize, states: &[F]);
    /// Where the cell at layer `layer` and `pos` writes its tape rows
    /// (`[rows x Cell::tape_width]`).
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
    /// With a cell whose output is not its state ([`Cell::separate_output`]), per layer
    /// `[capacity x hidden]`: the output just computed, what the heads and the next layer
    /// read (empty for the other cells).
    ///
    /// [`Cell::separate_output`]: super::Cell::separate_output
    outputs: Vec<Vec<F>>,
    values: Vec<u8>,
    /// The cell's scratch: `[capacity x Cell::input_width]`, `[capacity x hidden_width]`,
    /// `[capacity x scratch_width]`.
    pre_x: Vec<F>,
    pre_h: Vec<F>,
    scratch: Vec<F>,
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
        let cell = model.cell();
        let slots = model.topology().slots();
        let what = "the pass workspace";
        Ok(Pass {
            capacity,
            hidden: try_zeroed_layers(cfg.layers as usize, &[slots, capacity, dh], what)?,
            prev: try_zeroed(&[slots, capacity], what)?,
            partial: try_zeroed_vec(capacity, what)?,
            log_prob: try_zeroed_vec(capacity, what)?,
            phase: try_zeroed_vec(capacity, what)?,
            outputs: try_zeroed_layers(
                cfg.layers as usize,
                &[if cell.separate_output() { capacity } else { 0 }, dh],
                what,
            )?,
            values: try_zeroed_vec(capacity, what)?,
            pre_x: try_zeroed(&[capacity, cell.input_width()], what)?,
            pre_h: try_zeroed(&[capacity, cell.hidden_width()], what)?,
            scratch: try_zeroed(&[capacity, cell.scratch_width()], what)?,
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
        self.layers(model, rows, pos, record.as_deref_mut());
        // The values live in layer 0's slots, the heads read the top layer's.
        let column = model.topology().step(pos).slot;
        let top_layer = cfg.layers as usize - 1;
        let top_slot = model.topology().layer_step(top_layer, pos).slot * self.capacity * dh;
        let top = if model.cell().separate_output() {
            &self.outputs[top_layer][..rows * dh]
        } else {
            &self.hidden[top_layer][top_slot..top_slot + rows * dh]
        };
        let logits = &mut self.logits[..rows * d];
        head_affine(
            rows,
            top,
            &p[layout.amplitude_weight.clone()],
            &p[layout.amplitude_bias.clone()],
            logits,
        );
        let log_probs = &mut self.log_probs[..rows * d];
        if let Some(total) = cfg.u1_total {
            // A value that leaves the U(1) total out of reach gets a -inf logit: the ln
            // softmax then gives it -inf and normalises over the rest, and a NaN logit of such
            // a value does not reach the row.
            let remaining = model.num_sites() - pos;
            for (lg, &partial) in logits.chunks_exact_mut(d).zip(&self.partial) {
                let budget = Some((total as i64 - partial as i64, remaining));
                for (v, x) in lg.iter_mut().enumerate() {
                    if !feasible(v, budget, d) {
                        *x = F::NEG_INFINITY;
                    }
                }
            }
        }
        log_softmax(logits, d, log_probs);

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
            head_affine(rows, top, &p[w], &p[b], pl);
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

    /// Every layer's update at position `pos` for the first `rows` rows: each cell reads its
    /// neighbours' states from the slots its layer's [`Step`] names, then overwrites its own
    /// slot with the new state.
    fn layers(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        mut record: Option<&mut (dyn Recorder<F> + '_)>,
    ) {
        let cell = model.cell();
        let separate = cell.separate_output();
        let dh = model.config().hidden as usize;
        let capacity = self.capacity;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;
        let mut below_own = 0..0;

        for l in 0..model.config().layers as usize {
            let step: Step = model.topology().layer_step(l, pos);
            let own = slot(step.slot);
            let (below, rest) = self.hidden.split_at_mut(l);
            let states = &mut rest[0];
            let (outputs_below, outputs) = self.outputs.split_at_mut(l);
            let input = match l {
                0 => Input::Values(&self.prev),
                _ if separate => Input::States(&outputs_below[l - 1][..rows * dh]),
                _ => Input::States(&below[l - 1][below_own.clone()]),
            };
            if let (Some(rec), true) = (record.as_deref_mut(), cell.tapes_gathered_states()) {
                for n in step.neighbours() {
                    if !n.weight.reads_previous_position() {
                        let index = n.weight.gathered_index();
                        rec.neighbour_state(l, pos, index, &states[slot(n.slot)]);
                    }
                }
            }
            let output = &mut outputs[0][..if separate { rows * dh } else { 0 }];
            let tape = match record.as_deref_mut() {
                Some(rec) => rec.gates(l, pos),
                None => &mut [][..],
            };
            cell.forward(Forward {
                at: At::new(model, l, step, rows, capacity),
                states,
                input,
                pre_x: &mut self.pre_x,
                pre_h: &mut self.pre_h,
                scratch: &mut self.scratch,
                output,
                tape,
            });
            if let Some(rec) = record.as_deref_mut() {
                // What the heads and the next layer read.
                let output = if separate {
                    &outputs[0][..rows * dh]
                } else {
                    &states[own.clone()]
                };
                rec.state(l, pos, output);
            }
            below_own = own;
        }
    }
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
