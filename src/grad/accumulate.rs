//! Parameter gradients from the adjoints of one chunk: each weight's gradient is
//! (inputs)^T (adjoints) summed over positions, one matrix product per block.

use super::backward::Backward;
use crate::kernels::{gemm_view, View};
use crate::model::{CellKind, LayerLayout, Model};
use std::ops::Range;

/// Where gradients go: parameter k lands at `data[base + scale * k]`.
pub(crate) struct Target<'a> {
    pub data: &'a mut [f64],
    pub base: usize,
    pub scale: usize,
}

/// Whose gradients are summed: every row of the chunk, or one row.
#[derive(Clone, Copy)]
pub(crate) enum Rows {
    All,
    One(usize),
}

/// A `[positions x rows x width]` buffer seen as the `k` rows of a matrix of `width`
/// columns, k running over (position, selected row). Returns the view and k.
fn rows_of(
    buf: &[f64],
    positions: usize,
    rows: usize,
    width: usize,
    select: Rows,
) -> (View<'_>, usize) {
    match select {
        Rows::All => (
            View {
                data: buf,
                rs: width,
                cs: 1,
            },
            positions * rows,
        ),
        Rows::One(row) => (
            View {
                data: &buf[row * width..],
                rs: rows * width,
                cs: 1,
            },
            positions,
        ),
    }
}

/// [`rows_of`] for the positions in `positions` only.
fn rows_in(
    buf: &[f64],
    positions: Range<usize>,
    rows: usize,
    width: usize,
    select: Rows,
) -> (View<'_>, usize) {
    let start = positions.start * rows * width;
    rows_of(&buf[start..], positions.len(), rows, width, select)
}

fn transpose(v: View) -> View {
    View {
        data: v.data,
        rs: v.cs,
        cs: v.rs,
    }
}

impl Target<'_> {
    /// Adds `inputs^T adjoints` to the `[in x out]` block at `range`.
    fn add_product(
        &mut self,
        range: &Range<usize>,
        inputs: (View, usize),
        adjoints: (View, usize),
        in_dim: usize,
        out_dim: usize,
    ) {
        debug_assert_eq!(inputs.1, adjoints.1);
        debug_assert_eq!(range.len(), in_dim * out_dim);
        let start = self.base + self.scale * range.start;
        let c = &mut self.data[start..];
        gemm_view(
            in_dim,
            inputs.1,
            out_dim,
            transpose(inputs.0),
            adjoints.0,
            1.0,
            c,
            self.scale * out_dim,
            self.scale,
        );
    }

    /// Adds the column sums of `adjoints` (only `cols` of its columns from `first_col`) to
    /// the vector block at `range`.
    fn add_column_sums(&mut self, range: &Range<usize>, adjoints: (View, usize), first_col: usize) {
        let (v, k) = adjoints;
        for i in 0..k {
            let row = &v.data[i * v.rs + first_col..];
            for (j, &a) in row[..range.len()].iter().enumerate() {
                self.data[self.base + self.scale * (range.start + j)] += a;
            }
        }
    }
}

/// Adds the gradient of the sweep's objective, for the selected rows, to `target`.
pub(crate) fn accumulate(model: &Model, bw: &Backward, select: Rows, target: &mut Target) {
    let cfg = model.config();
    let layout = model.layout();
    let rows = bw.record.rows;
    let (n, dh, d) = (
        model.num_sites(),
        cfg.hidden as usize,
        cfg.local_dim as usize,
    );
    let gdh = crate::model::gates(cfg.cell) * dh;
    let states_after = |l: usize| &bw.record.h[l][rows * dh..(n + 1) * rows * dh];
    let states_before = |l: usize| &bw.record.h[l][..n * rows * dh];

    let hdh = crate::model::hidden_gates(cfg) * dh;
    let selected = match select {
        Rows::All => 0..rows,
        Rows::One(r) => r..r + 1,
    };
    // Adds `adj` to row `weight_row` of layer 0's input weight: a one-hot input's gradient.
    let add_input_row = |target: &mut Target, lay: &LayerLayout, weight_row: usize, adj: &[f64]| {
        let start = lay.input_weight.start + weight_row * gdh;
        for (j, &a) in adj.iter().enumerate() {
            target.data[target.base + target.scale * (start + j)] += a;
        }
    };

    for (l, lay) in layout.layers.iter().enumerate() {
        let adj_x = rows_of(&bw.adj_x[l], n, rows, gdh, select);
        let adj_of = |pos: usize, row: usize| {
            &bw.adj_x[0][(pos * rows + row) * gdh..(pos * rows + row + 1) * gdh]
        };
        match (l, cfg.is_grid()) {
            (0, false) => {
                // One-hot input: the previous value's weight row collects the adjoint.
                for pos in 1..n {
                    for row in selected.clone() {
                        let v = bw.values[(pos - 1) * rows + row] as usize;
                        add_input_row(target, lay, v, adj_of(pos, row));
                    }
                }
            }
            (0, true) => {
                // One-hot inputs [x_h ; x_v]: the rows of both neighbours' values.
                for pos in 0..n {
                    let step = model.grid_step(pos).expect("a grid");
                    for row in selected.clone() {
                        if let Some(left) = step.horizontal {
                            let v = bw.values[left.position * rows + row] as usize;
                            add_input_row(target, lay, v, adj_of(pos, row));
                        }
                        if let Some(above) = step.vertical {
                            let v = bw.values[above * rows + row] as usize;
                            add_input_row(target, lay, d + v, adj_of(pos, row));
                        }
                    }
                }
            }
            _ => {
                let inputs = rows_of(states_after(l - 1), n, rows, dh, select);
                target.add_product(&lay.input_weight, inputs, adj_x, dh, gdh);
            }
        }
        let adj_hidden_buf = match cfg.cell {
            CellKind::Gru => &bw.adj_h_pre[l],
            CellKind::Vanilla | CellKind::VanillaElu => &bw.adj_x[l],
        };
        let adj_hidden = rows_of(adj_hidden_buf, n, rows, hdh, select);
        if cfg.is_grid() {
            // Within a grid row, position p reads the state of position p - 1, which
            // sits at index p of the recorded states: one product per row of the grid.
            let (lx, ly) = (cfg.lx as usize, cfg.ly as usize);
            for y in 0..ly {
                let reading = y * lx + 1..(y + 1) * lx;
                if reading.is_empty() {
                    continue;
                }
                let inputs = rows_in(&bw.record.h[l], reading.clone(), rows, dh, select);
                let adjoints = rows_in(adj_hidden_buf, reading, rows, hdh, select);
                target.add_product(&lay.hidden_weight, inputs, adjoints, dh, hdh);
            }
            // Every position past row 0 read the state above, recorded as it was read.
            let reading = lx..n;
            let inputs = rows_in(&bw.record.vertical[l], reading.clone(), rows, dh, select);
            let adjoints = rows_in(adj_hidden_buf, reading, rows, hdh, select);
            let vertical = lay.vertical_weight.as_ref().expect("grid layout");
            target.add_product(vertical, inputs, adjoints, dh, hdh);
        } else {
            let before = rows_of(states_before(l), n, rows, dh, select);
            target.add_product(&lay.hidden_weight, before, adj_hidden, dh, gdh);
        }
        target.add_column_sums(&lay.bias, adj_x, 0);
        if let Some(cb) = &lay.candidate_bias {
            target.add_column_sums(cb, adj_hidden, 2 * dh);
        }
    }

    let top = rows_of(states_after(cfg.layers as usize - 1), n, rows, dh, select);
    let adj_logits = rows_of(&bw.adj_logits, n, rows, d, select);
    target.add_product(&layout.amplitude_weight, top, adj_logits, dh, d);
    target.add_column_sums(&layout.amplitude_bias, adj_logits, 0);
    if let (Some(w), Some(b)) = (&layout.phase_weight, &layout.phase_bias) {
        let adj_phase = rows_of(&bw.adj_phase, n, rows, d, select);
        target.add_product(w, top, adj_phase, dh, d);
        target.add_column_sums(b, adj_phase, 0);
    }
}
