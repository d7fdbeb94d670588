//! Saved per-row states of a pass, so that another pass can restart part-way: a
//! configuration that agrees with a sample on the first k positions shares the sample's
//! state before position k.

use super::forward::Pass;
use super::Model;
use crate::buffer::{try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::kernels::Real;

/// Slots of row states: every layer's hidden vectors and the values beside them (one on a
/// chain, one per column on a grid: everything the remaining positions read), the running
/// total, ln P and phase. Allocated once; saving and loading copy without allocating.
pub(crate) struct RowSnapshots<F: Real> {
    /// Hidden vectors a pass keeps per row and layer ([`Topology::slots`](super::Topology::slots)).
    states: usize,
    hidden_width: usize,
    /// `[slots x layers*states*hidden]`, in the pass's float type.
    hidden: Vec<F>,
    /// `[slots x states]`.
    prev: Vec<u8>,
    partial: Vec<u32>,
    log_prob: Vec<f64>,
    phase: Vec<f64>,
}

impl<F: Real> RowSnapshots<F> {
    /// Refuses (naming the bytes) a store no memory can hold.
    pub fn new(model: &Model, slots: usize) -> Result<Self> {
        let states = model.topology().slots();
        let hidden_width = states * model.config().layers as usize * model.config().hidden as usize;
        let what = "the local energies' snapshots";
        Ok(RowSnapshots {
            states,
            hidden_width,
            hidden: try_zeroed(&[slots, hidden_width], what)?,
            prev: try_zeroed(&[slots, states], what)?,
            partial: try_zeroed_vec(slots, what)?,
            log_prob: try_zeroed_vec(slots, what)?,
            phase: try_zeroed_vec(slots, what)?,
        })
    }

    /// Bytes one slot takes, for sizing a store within a memory budget.
    pub fn bytes_per_slot(model: &Model) -> usize {
        let states = model.topology().slots();
        let width = states * model.config().layers as usize * model.config().hidden as usize;
        width * size_of::<F>() + 2 * size_of::<f64>() + states * size_of::<u8>() + size_of::<u32>()
    }

    /// Copies row `row` of `pass` into `slot`.
    pub fn save(&mut self, slot: usize, pass: &Pass<F>, row: usize) {
        let dh = self.hidden_width / (self.states * pass.hidden.len());
        let stride = pass.capacity * dh;
        let dst = &mut self.hidden[slot * self.hidden_width..(slot + 1) * self.hidden_width];
        let sources = pass
            .hidden
            .iter()
            .flat_map(|layer| layer.chunks_exact(stride));
        for (state, d) in sources.zip(dst.chunks_exact_mut(dh)) {
            d.copy_from_slice(&state[row * dh..(row + 1) * dh]);
        }
        let values = pass.prev.iter().skip(row).step_by(pass.capacity);
        for (d, &v) in self.prev[slot * self.states..(slot + 1) * self.states]
            .iter_mut()
            .zip(values)
        {
            *d = v;
        }
        self.partial[slot] = pass.partial[row];
        self.log_prob[slot] = pass.log_prob[row];
        self.phase[slot] = pass.phase[row];
    }

    /// Puts the state in `slot` into row `row` of `pass`.
    pub fn load(&self, slot: usize, pass: &mut Pass<F>, row: usize) {
        let dh = self.hidden_width / (self.states * pass.hidden.len());
        let stride = pass.capacity * dh;
        let src = &self.hidden[slot * self.hidden_width..(slot + 1) * self.hidden_width];
        let targets = pass
            .hidden
            .iter_mut()
            .flat_map(|layer| layer.chunks_exact_mut(stride));
        for (state, s) in targets.zip(src.chunks_exact(dh)) {
            state[row * dh..(row + 1) * dh].copy_from_slice(s);
        }
        let values = pass.prev.iter_mut().skip(row).step_by(pass.capacity);
        for (v, &s) in values.zip(&self.prev[slot * self.states..(slot + 1) * self.states]) {
            *v = s;
        }
        pass.partial[row] = self.partial[slot];
        pass.log_prob[row] = self.log_prob[slot];
        pass.phase[row] = self.phase[slot];
    }
}
