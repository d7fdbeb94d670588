//! Parameter gradients from the adjoints of one chunk: each weight's gradient is
//! (inputs)^T (adjoints) summed over positions, one matrix product per block.

use super::backward::Backward;
use crate::kernels::{Real, View};
use crate::model::cell::{Accumulate, Columns, GradientSink};
use crate::model::Model;
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

    /// Adds the column sums of `adjoints` (its first `range.len()` columns) to the vector
    /// block at `range`.
    fn add_column_sums<F: Real>(&mut self, range: &Range<usize>, adjoints: (View<F>, usize)) {
        let (v, k) = adjoints;
        for i in 0..k {
            let row = &v.data[i * v.rs..];
            for (j, &a) in row[..range.len()].iter().enumerate() {
                self.data[self.base + self.scale * (range.start + j)] += a.to_f64();
            }
        }
    }
}

/// A chunk's gradients into a [`Target`], for the selected rows.
struct Selected<'t, 'a> {
    target: &'t mut Target<'a>,
    select: Rows,
    rows: usize,
}

impl Selected<'_, '_> {
    /// `columns` as the rows of a matrix: the view of its columns, and its row count.
    fn view<'c, F: Real>(&self, columns: &Columns<'c, F>) -> (View<'c, F>, usize) {
        let start = columns.positions.start * columns.rows * columns.width + columns.first;
        rows_of(
            &columns.data[start..],
            columns.positions.len(),
            self.rows,
            columns.width,
            self.select,
        )
    }
}

impl GradientSink for Selected<'_, '_> {
    fn product<F: Real>(&mut self, block: &Range<usize>, inputs: Columns<F>, adjoints: Columns<F>) {
        let (in_dim, out_dim) = (inputs.cols, adjoints.cols);
        let (inputs, adjoints) = (self.view(&inputs), self.view(&adjoints));
        self.target
            .add_product(block, inputs, adjoints, in_dim, out_dim);
    }

    fn column_sums<F: Real>(&mut self, block: &Range<usize>, adjoints: Columns<F>) {
        let adjoints = self.view(&adjoints);
        self.target.add_column_sums(block, adjoints);
    }

    fn selected(&self) -> Range<usize> {
        match self.select {
            Rows::All => 0..self.rows,
            Rows::One(r) => r..r + 1,
        }
    }

    fn add<F: Real>(&mut self, start: usize, values: &[F]) {
        let t = &mut *self.target;
        for (j, &a) in values.iter().enumerate() {
            t.data[t.base + t.scale * (start + j)] += a.to_f64();
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
    let rows = bw.tape.rows;
    let (n, dh, d) = (
        model.num_sites(),
        cfg.hidden as usize,
        cfg.local_dim as usize,
    );
    let states_after = |l: usize| &bw.tape.h[l][rows * dh..(n + 1) * rows * dh];
    let mut sink = Selected {
        target,
        select,
        rows,
    };
    for (l, blocks) in layout.layers.iter().enumerate() {
        let a = Accumulate {
            blocks,
            layer: l,
            rows,
            positions: n,
            dh,
            topology: model.topology(),
            adj_x: &bw.adj_x[l],
            adj_hidden: &bw.adj_h_pre[l],
            tape: &bw.tape.gates[l],
            outputs: &bw.tape.h[l],
            inputs: (l > 0).then(|| &bw.tape.h[l - 1][..]),
            gathered: &bw.tape.gathered[l],
            values: &bw.values,
        };
        model.cell().accumulate(a, &mut sink);
    }
    let target = sink.target;

    let top = rows_of(states_after(cfg.layers as usize - 1), n, rows, dh, select);
    let adj_logits = rows_of(&bw.adj_logits, n, rows, d, select);
    target.add_product(&layout.amplitude_weight, top, adj_logits, dh, d);
    target.add_column_sums(&layout.amplitude_bias, adj_logits);
    if let (Some(w), Some(b)) = (&layout.phase_weight, &layout.phase_bias) {
        let adj_phase = rows_of(&bw.adj_phase, n, rows, d, select);
        target.add_product(w, top, adj_phase, dh, d);
        target.add_column_sums(b, adj_phase);
    }
}
