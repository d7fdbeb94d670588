//! Backpropagation through time over one chunk of rows: a taped forward pass, then a sweep
//! from the last position to the first that leaves the adjoint of every pre-activation,
//! laid out `[position][row][...]` for the weight gradients.
//!
//! Like the forward pass, the sweep follows the model's topology and keeps one adjoint per
//! state slot and layer: going backwards, a slot holds the adjoint of the state it held at
//! that point of the forward pass. A position adds its heads' adjoint to its own slot, uses
//! it, and leaves there the adjoint of the state the slot held before the position
//! overwrote it: the neighbour that read this slot (the chain's previous site, the grid's
//! site above), or nothing. Its other neighbours' slots (the grid's horizontal one) collect
//! their share on top of what later positions sent them.

use super::tape::Tape;
use crate::buffer::{try_zeroed, try_zeroed_layers};
use crate::error::{Error, Result};
use crate::kernels::{gemm_view, Real, View};
use crate::model::cell::{transposed, At, Backward as CellBackward};
use crate::model::forward::{softsign_derivative, Pass};
use crate::model::ReadValues;
use crate::model::{Model, PhaseKind, Step};
use num_complex::Complex64;
use std::f64::consts::PI;

/// In the pass's float type `F`.
pub(crate) struct Backward<F: Real> {
    pub tape: Tape<F>,
    pass: Pass<F>,
    /// Rows the buffers have room for: the stride between the slots of `adj_h`.
    capacity: usize,
    /// Per layer, `[slots x capacity x hidden]` (slots as the pass's states): the adjoint of
    /// the states carried back in time.
    adj_h: Vec<Vec<F>>,
    /// With a cell whose output is not its state, per layer `[capacity x hidden]`: the
    /// adjoint of the output at the current position (from the heads or the next layer),
    /// kept apart from the state's own adjoint in `adj_h` (empty for the other cells).
    adj_out: Vec<Vec<F>>,
    /// Per layer, `[n_sites x rows x Cell::input_width]`: adjoint of `pre_x`.
    pub adj_x: Vec<Vec<F>>,
    /// Per layer, `[n_sites x rows x Cell::adj_hidden_width]`: the adjoint the cell's
    /// neighbour weights (or its other block) read, when not `adj_x` (empty then).
    pub adj_h_pre: Vec<Vec<F>>,
    /// `[capacity x Cell::scratch_width]`: the cell's scratch at one position.
    adj_scratch: Vec<F>,
    /// `[n_sites x rows x local_dim]`: adjoints of the amplitude and phase logits.
    pub adj_logits: Vec<F>,
    pub adj_phase: Vec<F>,
    /// `[n_sites x rows]`: each row's value at each position.
    pub values: Vec<u8>,
}

impl<F: Real> Backward<F> {
    /// Refuses (naming the bytes) a workspace no memory can hold.
    pub fn new(model: &Model, capacity: usize) -> Result<Self> {
        let cfg = model.config();
        let (n, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let layers = cfg.layers as usize;
        let cell = model.cell();
        let phase = cfg.phase == PhaseKind::Softsign;
        let what = "the backward workspace";
        let slots = model.topology().slots();
        Ok(Backward {
            tape: Tape::new(model, capacity)?,
            pass: Pass::new(model, capacity)?,
            capacity,
            adj_h: try_zeroed_layers(layers, &[slots, capacity, dh], what)?,
            adj_out: try_zeroed_layers(
                layers,
                &[if cell.separate_output() { capacity } else { 0 }, dh],
                what,
            )?,
            adj_x: try_zeroed_layers(layers, &[n, capacity, cell.input_width()], what)?,
            adj_h_pre: try_zeroed_layers(layers, &[n, capacity, cell.adj_hidden_width()], what)?,
            adj_scratch: try_zeroed(&[capacity, cell.scratch_width()], what)?,
            adj_logits: try_zeroed(&[n, capacity, d], what)?,
            adj_phase: try_zeroed(&[n, capacity, if phase { d } else { 0 }], what)?,
            values: try_zeroed(&[n, capacity], what)?,
        })
    }

    /// Bytes per row of a chunk's workspace, to size chunks within a memory budget.
    pub fn bytes_per_row(model: &Model) -> Result<usize> {
        let b = Backward::<F>::new(model, 1)?;
        Ok(b.tape.bytes()
            + size_of::<F>()
                * (b.adj_x
                    .iter()
                    .chain(&b.adj_h_pre)
                    .map(Vec::len)
                    .sum::<usize>()
                    + b.adj_scratch.len()
                    + b.adj_logits.len()
                    + b.adj_phase.len()))
    }

    /// The taped forward pass over `configs` (`[rows][n_sites]`). `first_sample` numbers
    /// the rows in error messages. Refuses a configuration with P = 0, where ln psi has no
    /// derivative: outside the U(1) subspace (`InvalidArgument`) or from a pass that
    /// overflowed, like any other non-finite ln psi (`Numerical`).
    ///
    /// In a VMC step this repeats the samples' pass a third time. Its tape holds what the
    /// local energies' snapshots hold and more, but it cannot be taken from an earlier pass:
    /// the sweep's seeds need every sample's local energy less their mean over all processes,
    /// so the tape of every chunk would have to outlive that reduction. The tape is far
    /// larger than a pass's states (a 100-site GRU chain with 64 hidden units: 258 KB per
    /// row, 264 MB for 1024 samples, against the 64 MB a thread's workspace may take), so it
    /// is recomputed per chunk: this pass measured 10 to 23% of the gradient (1.7 to 3.8% of
    /// a GRU step).
    pub fn forward(&mut self, model: &Model, configs: &[u8], first_sample: usize) -> Result<()> {
        let n = model.num_sites();
        let rows = configs.len() / n;
        self.tape.set_rows(rows);
        self.pass.reset(rows);
        let mut reader = ReadValues {
            configs,
            order: model.order(),
        };
        for pos in 0..n {
            self.pass
                .step_recorded(model, rows, pos, &mut reader, Some(&mut self.tape));
        }
        let (log_prob, phase) = (&self.pass.log_prob[..rows], &self.pass.phase[..rows]);
        if let Some(row) = (0..rows).position(|r| !log_prob[r].is_finite() || !phase[r].is_finite())
        {
            let row_number = first_sample + row;
            let lp = log_prob[row];
            // Under U(1), P = 0 is a configuration outside the subspace; otherwise (and for
            // NaN or Inf anywhere) the pass overflowed or underflowed.
            return Err(
                if lp == f64::NEG_INFINITY && model.config().u1_total.is_some() {
                    Error::invalid(format!(
                    "configuration {row_number} has probability 0 (outside the U(1) subspace): ln psi has no derivative there"
                ))
                } else {
                    Error::numerical(format!(
                    "configuration {row_number} has a non-finite amplitude (ln P = {lp}, phase = {}): the parameters are too large for the pass (it overflows)",
                    phase[row]
                ))
                },
            );
        }
        for (pos, &site) in model.order().iter().enumerate() {
            for row in 0..rows {
                self.values[pos * rows + row] = configs[row * n + site];
            }
        }
        Ok(())
    }

    /// Row `row`'s ln psi from the last [`Backward::forward`], without the sign rule.
    pub fn log_psi_unsigned(&self, row: usize) -> Complex64 {
        Complex64::new(0.5 * self.pass.log_prob[row], self.pass.phase[row])
    }

    /// The sweep for seeds: row i's objective is `alpha[i] ln P_i + beta[i] phase_i`.
    pub fn sweep(&mut self, model: &Model, alpha: &[f64], beta: &[f64]) {
        let cfg = model.config();
        let p = model.params_in::<F>();
        let layout = model.layout();
        let rows = self.tape.rows;
        let (n_sites, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let top = cfg.layers as usize - 1;
        let phase = cfg.phase == PhaseKind::Softsign;
        for a in &mut self.adj_h {
            a.fill(F::ZERO);
        }
        for pos in (0..n_sites).rev() {
            let block = |w: usize| pos * rows * w..(pos + 1) * rows * w;
            // Heads: d ln P / d logits = onehot(s) - p; d phase / d phase-logit[s].
            let probs = &self.tape.probs[block(d)];
            let values = &self.values[pos * rows..(pos + 1) * rows];
            let adj_logits = &mut self.adj_logits[block(d)];
            for row in 0..rows {
                let s = values[row] as usize;
                let alpha = F::from_f64(alpha[row]);
                for v in 0..d {
                    let onehot = if v == s { F::ONE } else { F::ZERO };
                    adj_logits[row * d + v] = alpha * (onehot - probs[row * d + v]);
                }
            }
            let top_slot = model.topology().layer_step(top, pos).slot * self.capacity * dh;
            let adj_top = if model.cell().separate_output() {
                let adj_out = &mut self.adj_out[top][..rows * dh];
                adj_out.fill(F::ZERO);
                adj_out
            } else {
                &mut self.adj_h[top][top_slot..top_slot + rows * dh]
            };
            let amp = transposed(p, layout.amplitude_weight.clone(), d);
            gemm_view(
                rows,
                d,
                dh,
                View {
                    data: adj_logits,
                    rs: d,
                    cs: 1,
                },
                amp,
                F::ONE,
                adj_top,
                dh,
                1,
            );
            if phase {
                let logits = &self.tape.phase_logits[block(d)];
                let adj_phase = &mut self.adj_phase[block(d)];
                for row in 0..rows {
                    let s = values[row] as usize;
                    for v in 0..d {
                        adj_phase[row * d + v] = if v == s {
                            F::from_f64(
                                beta[row] * PI * softsign_derivative(logits[row * d + v].to_f64()),
                            )
                        } else {
                            F::ZERO
                        };
                    }
                }
                let w = transposed(p, layout.phase_weight.clone().unwrap(), d);
                gemm_view(
                    rows,
                    d,
                    dh,
                    View {
                        data: adj_phase,
                        rs: d,
                        cs: 1,
                    },
                    w,
                    F::ONE,
                    adj_top,
                    dh,
                    1,
                );
            }
            self.layers(model, pos);
        }
    }

    /// Every layer's part of the sweep at position `pos` (each layer's slot and neighbours
    /// from its [`Step`]), after the heads.
    fn layers(&mut self, model: &Model, pos: usize) {
        let cell = model.cell();
        let separate = cell.separate_output();
        let rows = self.tape.rows;
        let dh = model.config().hidden as usize;
        let (xw, hw, tw) = (
            cell.input_width(),
            cell.adj_hidden_width(),
            cell.tape_width(),
        );
        let capacity = self.capacity;
        let block = |width: usize| pos * rows * width..(pos + 1) * rows * width;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;

        for l in (0..model.config().layers as usize).rev() {
            let step: Step = model.topology().layer_step(l, pos);
            // The layer below's output here lives in its own slot (a dilated chain's differs).
            let below_own = slot(model.topology().layer_step(l.saturating_sub(1), pos).slot);
            // The state the cell read through its own slot: position p - d's, at tape index
            // p + 1 - d (0, the zero initial state, where p < d).
            let read = (pos + 1).saturating_sub(model.topology().dilation(l));
            let (below, rest) = self.adj_h.split_at_mut(l);
            let (out_below, out_rest) = self.adj_out.split_at_mut(l);
            let adj_input = match l {
                0 => None,
                _ if separate => Some(&mut out_below[l - 1][..rows * dh]),
                _ => Some(&mut below[l - 1][below_own]),
            };
            cell.backward(CellBackward {
                at: At::new(model, l, step, rows, capacity),
                adj: &mut rest[0],
                adj_out: &out_rest[0][..if separate { rows * dh } else { 0 }],
                adj_input,
                adj_x: &mut self.adj_x[l][block(xw)],
                adj_hidden: &mut self.adj_h_pre[l][block(hw)],
                scratch: &mut self.adj_scratch,
                tape: &self.tape.gates[l][block(tw)],
                output: &self.tape.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh],
                previous_output: &self.tape.h[l][read * rows * dh..(read + 1) * rows * dh],
                values: &self.values,
            });
        }
    }
}
