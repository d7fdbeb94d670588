//! The 2D RNN's layer updates at one snake position (equations in `model/layout.rs`): each
//! cell reads its horizontal neighbour from that neighbour's column slot and its vertical
//! neighbour from its own column's slot, then overwrites its own slot with the new state.

use super::config::CellKind;
use super::forward::{activate, Pass, Recording};
use super::layout::{gates, hidden_gates};
use super::snake::GridStep;
use super::Model;
use crate::kernels::{gemm, grid_gru_update};

impl Pass {
    /// Every layer's update at grid position `pos` (whose neighbours `step` names) for the
    /// first `rows` rows.
    pub(super) fn grid_layers(
        &mut self,
        model: &Model,
        rows: usize,
        pos: usize,
        step: GridStep,
        mut record: Option<&mut Recording>,
    ) {
        let cfg = model.config();
        let p = model.params();
        let dh = cfg.hidden as usize;
        let d = cfg.local_dim as usize;
        let gdh = gates(cfg.cell) * dh;
        let hdh = hidden_gates(cfg) * dh;
        let capacity = self.capacity;
        let slot = |column: usize| column * capacity * dh..column * capacity * dh + rows * dh;
        let own = slot(step.column);
        let block = |width: usize| pos * rows * width..(pos + 1) * rows * width;

        for (l, lay) in model.layout().layers.iter().enumerate() {
            let (below, rest) = self.hidden.split_at_mut(l);
            let states = &mut rest[0];
            let pre_x = &mut self.pre_x[..rows * gdh];
            for row in pre_x.chunks_exact_mut(gdh) {
                row.copy_from_slice(&p[lay.bias.clone()]);
            }
            let w_in = &p[lay.input_weight.clone()];
            if l == 0 {
                // One-hot inputs: gathers of the weight rows of the neighbours' values. A
                // column's value is still the row above's until this site overwrites it.
                if let Some(left) = step.horizontal {
                    let values = &self.prev[left.column * capacity..][..rows];
                    add_weight_rows(pre_x, w_in, values, 0, gdh);
                }
                if step.vertical.is_some() {
                    let values = &self.prev[step.column * capacity..][..rows];
                    add_weight_rows(pre_x, w_in, values, d, gdh);
                }
            } else {
                gemm(rows, dh, gdh, &below[l - 1][own.clone()], w_in, 1.0, pre_x);
            }

            let horizontal = step.horizontal.map(|left| &states[slot(left.column)]);
            let vertical = step.vertical.map(|_| &states[own.clone()]);
            if let (Some(rec), Some(above)) = (record.as_deref_mut(), vertical) {
                rec.vertical[l][block(dh)].copy_from_slice(above);
            }
            let w_h = &p[lay.hidden_weight.clone()];
            let w_v = &p[lay.vertical_weight.clone().expect("grid layout")];
            match cfg.cell {
                CellKind::Vanilla | CellKind::VanillaElu => {
                    for (h, w) in [(horizontal, w_h), (vertical, w_v)] {
                        if let Some(h) = h {
                            gemm(rows, dh, dh, h, w, 1.0, pre_x);
                        }
                    }
                    activate(cfg.cell, pre_x);
                    states[own.clone()].copy_from_slice(pre_x);
                }
                CellKind::Gru => {
                    let pre_h = &mut self.pre_h[..rows * hdh];
                    let mut beta = 0.0;
                    for (h, w) in [(horizontal, w_h), (vertical, w_v)] {
                        if let Some(h) = h {
                            gemm(rows, dh, hdh, h, w, beta, pre_h);
                            beta = 1.0;
                        }
                    }
                    if beta == 0.0 {
                        pre_h.fill(0.0);
                    }
                    let bhg = &p[lay.candidate_bias.clone().expect("GRU layout")];
                    let gates_out = match record.as_deref_mut() {
                        Some(rec) => &mut rec.gates[l][block(5 * dh)],
                        None => &mut [][..],
                    };
                    grid_gru_update(dh, pre_x, pre_h, bhg, &mut states[own.clone()], gates_out);
                }
            }
            if let Some(rec) = record.as_deref_mut() {
                rec.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh]
                    .copy_from_slice(&states[own.clone()]);
            }
        }
    }
}

/// Adds to each row of `pre` (`[rows x width]`) row `offset + value` of `weight`.
fn add_weight_rows(pre: &mut [f64], weight: &[f64], values: &[u8], offset: usize, width: usize) {
    for (row, &v) in pre.chunks_exact_mut(width).zip(values) {
        let start = (offset + v as usize) * width;
        for (a, w) in row.iter_mut().zip(&weight[start..start + width]) {
            *a += w;
        }
    }
}
