//! The 2D RNN's part of the backward sweep at one snake position: the adjoint of a site's
//! state flows to its horizontal predecessor and to the site above.
//!
//! Like the forward pass, the sweep keeps one adjoint per column and layer. Going backwards,
//! column x's slot holds the adjoint of the next site of column x to be visited, the one in
//! the current row: its successors are the site below (row y + 1, already swept, which wrote
//! the slot) and the next site of its own row (already swept, which added to it). Having
//! used it, the site overwrites the slot with what it sends up to (x, y - 1), which nothing
//! else has reached yet: that site's other successor lies in row y - 1, swept later.

use super::backward::{activation_backward, transposed, Backward};
use crate::kernels::{gemm_view, grid_gru_backward, View};
use crate::model::{gates, hidden_gates, CellKind, GridStep, Model};

impl Backward {
    /// Every layer's part of the sweep at grid position `pos`, after the heads.
    pub(super) fn grid_layers(&mut self, model: &Model, pos: usize, step: GridStep) {
        let cfg = model.config();
        let p = model.params();
        let rows = self.record.rows;
        let dh = cfg.hidden as usize;
        let gdh = gates(cfg.cell) * dh;
        let hdh = hidden_gates(cfg) * dh;
        let capacity = self.capacity;
        let slot = |column: usize| column * capacity * dh..column * capacity * dh + rows * dh;
        let own = slot(step.column);
        let block = |width: usize| pos * rows * width..(pos + 1) * rows * width;

        for (l, lay) in model.layout().layers.iter().enumerate().rev() {
            let (below, rest) = self.adj_h.split_at_mut(l);
            let adj = &mut rest[0];
            let adj_x = &mut self.adj_x[l][block(gdh)];
            let adj_hidden = match cfg.cell {
                CellKind::Gru => {
                    let gates = &self.record.gates[l][block(5 * dh)];
                    let adj_hp = &mut self.adj_h_pre[l][block(hdh)];
                    grid_gru_backward(dh, gates, &adj[own.clone()], adj_x, adj_hp);
                    &self.adj_h_pre[l][block(hdh)]
                }
                CellKind::Vanilla | CellKind::VanillaElu => {
                    let h = &self.record.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh];
                    activation_backward(cfg.cell, h, &adj[own.clone()], adj_x);
                    &self.adj_x[l][block(gdh)]
                }
            };
            let a = View {
                data: adj_hidden,
                rs: hdh,
                cs: 1,
            };
            match step.vertical {
                Some(_) => {
                    let w_v = transposed(p, lay.vertical_weight.clone().expect("grid"), hdh);
                    gemm_view(rows, hdh, dh, a, w_v, 0.0, &mut adj[own.clone()], dh, 1);
                }
                // Row 0: nothing above to send to.
                None => adj[own.clone()].fill(0.0),
            }
            if let Some(left) = step.horizontal {
                let w_h = transposed(p, lay.hidden_weight.clone(), hdh);
                gemm_view(
                    rows,
                    hdh,
                    dh,
                    a,
                    w_h,
                    1.0,
                    &mut adj[slot(left.column)],
                    dh,
                    1,
                );
            }
            if l > 0 {
                let w_in = transposed(p, lay.input_weight.clone(), gdh);
                let a = View {
                    data: &self.adj_x[l][block(gdh)],
                    rs: gdh,
                    cs: 1,
                };
                gemm_view(
                    rows,
                    gdh,
                    dh,
                    a,
                    w_in,
                    1.0,
                    &mut below[l - 1][own.clone()],
                    dh,
                    1,
                );
            }
        }
    }
}
