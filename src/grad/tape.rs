//! The backprop tape: what the backward sweep needs from a forward pass over one chunk of
//! rows, each buffer laid out `[position][row][...]` so that all rows at a position are one
//! contiguous matrix.

use crate::buffer::{try_zeroed, try_zeroed_layers};
use crate::error::Result;
use crate::kernels::Real;
use crate::model::forward::Recorder;
use crate::model::{Model, PhaseKind};

/// In the pass's float type `F`.
pub(crate) struct Tape<F: Real> {
    capacity: usize,
    hidden: usize,
    local_dim: usize,
    gate_width: usize,
    /// Rows of the current pass: the stride of every buffer.
    pub rows: usize,
    /// Per layer, `[(n_sites + 1) x rows x hidden]`: position 0 is the zero initial state,
    /// position n + 1 the state after site n. So index p holds the state of position p - 1,
    /// the one a neighbour reading the previous position sees. For the linear gated cell,
    /// tanh of the state instead (what the heads and the next layer read).
    pub h: Vec<Vec<F>>,
    /// Per layer, `[n_sites x rows x Cell::tape_width]` (the cell's tape rows).
    pub gates: Vec<Vec<F>>,
    /// Per layer, `[n_sites x rows x gathered x hidden]`: the states each position read from
    /// neighbours other than the previous position, by `NeighbourWeight::gathered_index` (a
    /// grid's vertical one, then a periodic grid's wrapped ones; unwritten where there is
    /// none, and empty on a chain).
    pub gathered: Vec<Vec<F>>,
    /// States gathered per position and row, times hidden: the stride of `gathered`.
    gathered_width: usize,
    /// `[n_sites x rows x local_dim]`: the masked conditional probabilities.
    pub probs: Vec<F>,
    /// `[n_sites x rows x local_dim]`: the phase head's logits (phase head only).
    pub phase_logits: Vec<F>,
}

impl<F: Real> Tape<F> {
    /// Refuses (naming the bytes) a tape no memory can hold.
    pub fn new(model: &Model, rows: usize) -> Result<Self> {
        let cfg = model.config();
        let (n, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let layers = cfg.layers as usize;
        let gate_width = model.cell().tape_width();
        let gathered = if model.cell().tapes_gathered_states() {
            model.topology().gathered() * dh
        } else {
            0
        };
        let phase = cfg.phase == PhaseKind::Softsign;
        let what = "the gradient tape";
        Ok(Tape {
            capacity: rows,
            hidden: dh,
            local_dim: d,
            gate_width,
            gathered_width: gathered,
            rows,
            h: try_zeroed_layers(layers, &[n + 1, rows, dh], what)?,
            gates: try_zeroed_layers(layers, &[n, rows, gate_width], what)?,
            gathered: try_zeroed_layers(layers, &[n, rows, gathered], what)?,
            probs: try_zeroed(&[n, rows, d], what)?,
            phase_logits: try_zeroed(&[n, rows, if phase { d } else { 0 }], what)?,
        })
    }

    /// Lays the buffers out for a pass over `rows` rows (at most the capacity).
    pub fn set_rows(&mut self, rows: usize) {
        assert!(rows <= self.capacity);
        self.rows = rows;
        // Position 0 is the zero initial state; under a new stride it covers other elements.
        for h in &mut self.h {
            h[..rows * self.hidden].fill(F::ZERO);
        }
    }

    /// Bytes this tape's buffers take.
    pub fn bytes(&self) -> usize {
        size_of::<F>()
            * (self
                .h
                .iter()
                .chain(&self.gates)
                .chain(&self.gathered)
                .map(Vec::len)
                .sum::<usize>()
                + self.probs.len()
                + self.phase_logits.len())
    }

    /// The elements of position `pos`'s block of `width` per row.
    fn block(&self, pos: usize, width: usize) -> std::ops::Range<usize> {
        pos * self.rows * width..(pos + 1) * self.rows * width
    }
}

impl<F: Real> Recorder<F> for Tape<F> {
    fn state(&mut self, layer: usize, pos: usize, states: &[F]) {
        let block = self.block(pos + 1, self.hidden);
        self.h[layer][block].copy_from_slice(states);
    }

    fn neighbour_state(&mut self, layer: usize, pos: usize, index: usize, states: &[F]) {
        let (rows, dh) = (self.rows, self.hidden);
        let block = self.block(pos, self.gathered_width);
        for (dst, src) in self.gathered[layer][block]
            .chunks_exact_mut(self.gathered_width)
            .zip(states.chunks_exact(dh))
            .take(rows)
        {
            dst[index * dh..(index + 1) * dh].copy_from_slice(src);
        }
    }

    fn gates(&mut self, layer: usize, pos: usize) -> &mut [F] {
        let block = self.block(pos, self.gate_width);
        &mut self.gates[layer][block]
    }

    fn log_probs(&mut self, pos: usize, log_probs: &[F]) {
        let block = self.block(pos, self.local_dim);
        for (p, &lp) in self.probs[block].iter_mut().zip(log_probs) {
            *p = lp.std_exp();
        }
    }

    fn phase_logits(&mut self, pos: usize, logits: &[F]) {
        let block = self.block(pos, self.local_dim);
        self.phase_logits[block].copy_from_slice(logits);
    }
}
