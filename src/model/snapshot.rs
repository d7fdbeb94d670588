//! Saved per-row states of a pass, so that another pass can restart part-way: a
//! configuration that agrees with a sample on the first k positions shares the sample's
//! state before position k.

use super::forward::Pass;
use super::Model;

/// Slots of row states: every layer's hidden vector, the previous value, the running
/// total, ln P and phase. Allocated once; saving and loading copy without allocating.
pub(crate) struct RowSnapshots {
    hidden_width: usize,
    /// `[slots x layers*hidden]`.
    hidden: Vec<f64>,
    prev: Vec<u8>,
    partial: Vec<u32>,
    log_prob: Vec<f64>,
    phase: Vec<f64>,
}

impl RowSnapshots {
    pub fn new(model: &Model, slots: usize) -> Self {
        let hidden_width = model.config().layers as usize * model.config().hidden as usize;
        RowSnapshots {
            hidden_width,
            hidden: vec![0.0; slots * hidden_width],
            prev: vec![0; slots],
            partial: vec![0; slots],
            log_prob: vec![0.0; slots],
            phase: vec![0.0; slots],
        }
    }

    /// Bytes one slot takes, for sizing a store within a memory budget.
    pub fn bytes_per_slot(model: &Model) -> usize {
        let width = model.config().layers as usize * model.config().hidden as usize;
        (width + 2) * size_of::<f64>() + size_of::<u8>() + size_of::<u32>()
    }

    /// Copies row `row` of `pass` into `slot`.
    pub fn save(&mut self, slot: usize, pass: &Pass, row: usize) {
        let dh = self.hidden_width / pass.hidden.len();
        let dst = &mut self.hidden[slot * self.hidden_width..(slot + 1) * self.hidden_width];
        for (layer, d) in pass.hidden.iter().zip(dst.chunks_exact_mut(dh)) {
            d.copy_from_slice(&layer[row * dh..(row + 1) * dh]);
        }
        self.prev[slot] = pass.prev[row];
        self.partial[slot] = pass.partial[row];
        self.log_prob[slot] = pass.log_prob[row];
        self.phase[slot] = pass.phase[row];
    }

    /// Puts the state in `slot` into row `row` of `pass`.
    pub fn load(&self, slot: usize, pass: &mut Pass, row: usize) {
        let dh = self.hidden_width / pass.hidden.len();
        let src = &self.hidden[slot * self.hidden_width..(slot + 1) * self.hidden_width];
        for (layer, s) in pass.hidden.iter_mut().zip(src.chunks_exact(dh)) {
            layer[row * dh..(row + 1) * dh].copy_from_slice(s);
        }
        pass.prev[row] = self.prev[slot];
        pass.partial[row] = self.partial[slot];
        pass.log_prob[row] = self.log_prob[slot];
        pass.phase[row] = self.phase[slot];
    }
}
