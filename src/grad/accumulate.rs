//! Parameter gradients from the adjoints of one chunk: each weight's gradient is
//! (inputs)^T (adjoints) summed over positions, one matrix product per block.

use super::backward::Backward;
use crate::kernels::{Real, View};
use crate::model::{CellKind, Model};
use std::ops::Range;

/// Where gradients go: parameter k lands at `data[base + scale * k]`, always in f64; an f32
/// chunk's products are formed in f32 and added to these f64 totals.
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
fn rows_of<F: Real>(
    buf: &[F],
    positions: usize,
    rows: usize,
    width: usize,
    select: Rows,
) -> (View<'_, F>, usize) {
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
fn rows_in<F: Real>(
    buf: &[F],
    positions: Range<usize>,
    rows: usize,
    width: usize,
    select: Rows,
) -> (View<'_, F>, usize) {
    let start = positions.start * rows * width;
    rows_of(&buf[start..], positions.len(), rows, width, select)
}

fn transpose<F: Real>(v: View<F>) -> View<F> {
    View {
        data: v.data,
        rs: v.cs,
        cs: v.rs,
    }
}

impl Target<'_> {
    /// Adds `inputs^T adjoints` to the `[in x out]` block at `range`.
    fn add_product<F: Real>(
        &mut self,
        range: &Range<usize>,
        inputs: (View<F>, usize),
        adjoints: (View<F>, usize),
        in_dim: usize,
        out_dim: usize,
    ) {
        debug_assert_eq!(inputs.1, adjoints.1);
        debug_assert_eq!(range.len(), in_dim * out_dim);
        let start = self.base + self.scale * range.start;
        let c = &mut self.data[start..];
        F::add_product_to_f64(
            in_dim,
            inputs.1,
            out_dim,
            transpose(inputs.0),
            adjoints.0,
            c,
            self.scale * out_dim,
            self.scale,
        );
    }

    /// Adds the column sums of `adjoints` (only `cols` of its columns from `first_col`) to
    /// the vector block at `range`.
    fn add_column_sums<F: Real>(
        &mut self,
        range: &Range<usize>,
        adjoints: (View<F>, usize),
        first_col: usize,
    ) {
        let (v, k) = adjoints;
        for i in 0..k {
            let row = &v.data[i * v.rs + first_col..];
            for (j, &a) in row[..range.len()].iter().enumerate() {
                self.data[self.base + self.scale * (range.start + j)] += a.to_f64();
            }
        }
    }
}

/// Adds the gradient of the sweep's objective, for the selected rows, to `target`.
pub(crate) fn accumulate<F: Real>(
    model: &Model,
    bw: &Backward<F>,
    select: Rows,
    target: &mut Target,
) {
    let cfg = model.config();
    let layout = model.layout();
    let topology = model.topology();
    let gate_layout = model.gate_layout();
    let rows = bw.tape.rows;
    let (n, dh, d) = (
        model.num_sites(),
        cfg.hidden as usize,
        cfg.local_dim as usize,
    );
    let (gdh, hdh) = (gate_layout.input_width(), gate_layout.hidden_width());
    let states_after = |l: usize| &bw.tape.h[l][rows * dh..(n + 1) * rows * dh];
    let selected = match select {
        Rows::All => 0..rows,
        Rows::One(r) => r..r + 1,
    };

    for (l, lay) in layout.layers.iter().enumerate() {
        let adj_x = rows_of(&bw.adj_x[l], n, rows, gdh, select);
        if cfg.cell == CellKind::TensorGru {
            // W += T^T adj_pre, M += c^T adj_q, T and c read from the tape's rows.
            let (nc, k, tw) = (
                gate_layout.concat_width(),
                gate_layout.tensor_width(l),
                gate_layout.tape_width(),
            );
            let tape = &bw.tape.gates[l];
            let t = rows_of(&tape[3 * dh + nc..], n, rows, tw, select);
            target.add_product(&lay.input_weight, t, adj_x, k, gdh);
            let c = rows_of(&tape[3 * dh..], n, rows, tw, select);
            let adj_q = rows_of(&bw.adj_h_pre[l], n, rows, dh, select);
            target.add_product(&lay.hidden_weight, c, adj_q, nc, dh);
            target.add_column_sums(&lay.bias, adj_x, 0);
            continue;
        }
        if l == 0 {
            // One-hot inputs: each neighbour's value picks the weight row that collects the
            // adjoint, at the neighbour's offset.
            for pos in 0..n {
                let step = topology.step(pos);
                for row in selected.clone() {
                    let adj = &bw.adj_x[0][(pos * rows + row) * gdh..(pos * rows + row + 1) * gdh];
                    for neighbour in step.neighbours() {
                        let v = bw.values[neighbour.position * rows + row] as usize;
                        let start = lay.input_weight.start + (neighbour.input_offset + v) * gdh;
                        for (j, &a) in adj.iter().enumerate() {
                            target.data[target.base + target.scale * (start + j)] += a.to_f64();
                        }
                    }
                }
            }
        } else {
            let inputs = rows_of(states_after(l - 1), n, rows, dh, select);
            target.add_product(&lay.input_weight, inputs, adj_x, dh, gdh);
        }
        let adj_hidden_buf = match cfg.cell {
            CellKind::Gru => &bw.adj_h_pre[l],
            CellKind::Vanilla | CellKind::VanillaElu | CellKind::LinearGated => &bw.adj_x[l],
            CellKind::TensorGru => unreachable!("taken above"),
        };
        // The linear gated cell has no neighbour weights.
        let weights = if gate_layout.is_linear() {
            &[][..]
        } else {
            topology.weights()
        };
        for &weight in weights {
            // A neighbour at the previous position: the tape's state at index p is position
            // p - 1's. Another neighbour: its state as recorded when read.
            let states = if weight.reads_previous_position() {
                &bw.tape.h[l]
            } else {
                &bw.tape.gathered[l]
            };
            for run in topology.runs(weight) {
                let inputs = rows_in(states, run.clone(), rows, dh, select);
                let adjoints = rows_in(adj_hidden_buf, run, rows, hdh, select);
                target.add_product(weight.range(lay), inputs, adjoints, dh, hdh);
            }
        }
        target.add_column_sums(&lay.bias, adj_x, 0);
        if let Some(cb) = &lay.candidate_bias {
            let adj_hidden = rows_of(adj_hidden_buf, n, rows, hdh, select);
            target.add_column_sums(cb, adj_hidden, gate_layout.candidate_column());
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
