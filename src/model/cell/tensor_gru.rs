//! The tensorized gated cell of the 2D RNN papers (docs/method.md).
//!
//! c = the neighbour states side by side and a constant 1, `[h_0 ; ... ; h_{n-1} ; 1]`
//! (`nc = n hidden + 1`; a missing neighbour's part is zero). The 1 lets a neighbour's value
//! enter even where the states are zero (the first sites, with the zero initial biases), as
//! the other cells' `x V` does. Layer 0's tensorised input T has `n * local_dim` blocks of
//! `nc`: block `offset + value` of each neighbour present holds c (the neighbour's one-hot
//! offset as for the other cells), the rest are zero, i.e. T = c (x) [x_0 ; ... ; x_{n-1}].
//! A layer l > 0 reads T = `[c ; x]`, x the layer below's new state.
//!
//! Per layer l (`K` = `n local_dim nc` for l = 0, `nc + hidden` above):
//!   `layer{l}.tensor_weight` `[K x 2 hidden]` (columns `[u | g]`)
//!   `layer{l}.merge_weight`  `[nc x hidden]`
//!   `layer{l}.bias`          `[2 hidden]`
//!
//!   u = sigmoid(T W_u + b_u),  g = tanh(T W_g + b_g),  m = tanh(c M)
//!   h' = u * g + (1 - u) * m
//!
//! Its tape is `[u | g | m | c | T]` (`TensorGruRows`), T padded to the widest layer's.

use super::{
    fill_rows, transposed, Accumulate, Backward, CellShape, Columns, Forward, GradientSink, Input,
    LayerBlocks, Push, Spec,
};
use crate::kernels::{
    gemm, gemm_view, tensor_gru_backward, tensor_gru_update, Real, TensorGruRows, View,
};
use crate::model::widen::Axis;

#[derive(Clone, Debug)]
pub(crate) struct TensorGru {
    shape: CellShape,
    rows: TensorGruRows,
}

impl TensorGru {
    pub fn new(shape: CellShape) -> Self {
        let mut cell = TensorGru {
            shape,
            rows: TensorGruRows {
                dh: shape.dh,
                concat: 0,
                tensor: 0,
            },
        };
        // The widths of c and T come from the axes the blocks are pushed with.
        cell.rows.concat = cell.concat_axis().len(shape.dh);
        cell.rows.tensor = (0..shape.layers.min(2))
            .map(|l| cell.tensor_width(l))
            .max()
            .unwrap_or(0);
        cell
    }

    /// The width of layer `l`'s tensorised input T.
    fn tensor_width(&self, l: usize) -> usize {
        self.tensor_axis(l).len(self.shape.dh)
    }

    /// What layer `l`'s T holds: `n local_dim` copies of c for layer 0, c and the layer
    /// below's state above.
    fn tensor_axis(&self, l: usize) -> Axis {
        let CellShape {
            neighbours,
            local_dim,
            ..
        } = self.shape;
        if l == 0 {
            self.concat_axis().repeat(neighbours * local_dim)
        } else {
            self.concat_axis().then(Axis::units(1))
        }
    }

    /// c: the neighbour states and the constant 1.
    fn concat_axis(&self) -> Axis {
        Axis::units(self.shape.neighbours).then(Axis::other(1))
    }

    pub fn layer_blocks(&self, l: usize, _names: &[&str], push: &mut Push<'_>) -> LayerBlocks {
        let input = push(
            format!("layer{l}.tensor_weight"),
            vec![self.tensor_axis(l), Axis::units(2)],
        );
        let merge = push(
            format!("layer{l}.merge_weight"),
            vec![self.concat_axis(), Axis::units(1)],
        );
        let bias = push(format!("layer{l}.bias"), vec![Axis::units(2)]);
        LayerBlocks {
            input,
            neighbours: Vec::new(),
            bias,
            extra: Some(merge),
        }
    }

    /// `pre_h` holds the merge's pre-activation q = c M, and its adjoint; the scratch c and
    /// T side by side. It reads its neighbours' states from its tape's c, but the gathered
    /// states are taped as before, so that the backward workspace, hence the chunks and the
    /// order of sums, stay as they were.
    pub fn spec(&self) -> Spec {
        Spec {
            hidden: self.shape.dh,
            adj_hidden: self.shape.dh,
            tape: self.rows.tape_width(),
            scratch: self.rows.concat + self.rows.tensor,
            ..Spec::input_only(self.rows.input_width())
        }
    }

    /// Builds c and T from the neighbours' slots and values, `pre = T W + b`, `q = c M`, and
    /// overwrites the own slot with the new state; a recording also tapes c and T.
    pub fn forward<F: Real>(&self, f: Forward<'_, F>) {
        let Forward {
            at,
            states,
            input,
            pre_x,
            pre_h,
            scratch,
            tape,
            ..
        } = f;
        let (dh, rows, capacity) = (self.shape.dh, at.rows, at.capacity);
        let (nc, k, xw, tw) = (
            self.rows.concat,
            self.tensor_width(at.layer),
            self.rows.input_width(),
            self.rows.tape_width(),
        );
        let (concat, tensor_in) = scratch.split_at_mut(capacity * nc);
        let concat = &mut concat[..rows * nc];
        for c in concat.chunks_exact_mut(nc) {
            c.fill(F::ZERO);
            c[nc - 1] = F::ONE;
        }
        for n in at.step.neighbours() {
            let part = n.weight.index() * dh;
            for (c, h) in concat
                .chunks_exact_mut(nc)
                .zip(states[at.slot(n.slot)].chunks_exact(dh))
            {
                c[part..part + dh].copy_from_slice(h);
            }
        }
        let t = &mut tensor_in[..rows * k];
        match input {
            Input::Values(prev) => {
                // c in the block of each neighbour's value: the tensor product with the
                // one-hots.
                t.fill(F::ZERO);
                for n in at.step.neighbours() {
                    let values = &prev[n.slot * capacity..][..rows];
                    for ((tr, c), &v) in t
                        .chunks_exact_mut(k)
                        .zip(concat.chunks_exact(nc))
                        .zip(values)
                    {
                        let start = (n.input_offset + v as usize) * nc;
                        tr[start..start + nc].copy_from_slice(c);
                    }
                }
            }
            Input::States(x) => {
                for ((tr, c), x) in t
                    .chunks_exact_mut(k)
                    .zip(concat.chunks_exact(nc))
                    .zip(x.chunks_exact(dh))
                {
                    tr[..nc].copy_from_slice(c);
                    tr[nc..].copy_from_slice(x);
                }
            }
        }
        let pre = &mut pre_x[..rows * xw];
        fill_rows(pre, &at.params[at.blocks.bias.clone()]);
        gemm(
            rows,
            k,
            xw,
            t,
            &at.params[at.blocks.input.clone()],
            F::ONE,
            pre,
        );
        let q = &mut pre_h[..rows * dh];
        let merge = at.blocks.extra.clone().expect("a tensorized layout");
        gemm(rows, nc, dh, concat, &at.params[merge], F::ZERO, q);
        tensor_gru_update(self.rows, pre, q, &mut states[at.own()], tape);
        if !tape.is_empty() {
            let (c_at, t_at) = (self.rows.concat_columns(), self.rows.tensor_columns(k));
            for ((row, c), tr) in tape
                .chunks_exact_mut(tw)
                .zip(concat.chunks_exact(nc))
                .zip(t.chunks_exact(k))
            {
                row[c_at.clone()].copy_from_slice(c);
                row[t_at.clone()].copy_from_slice(tr);
            }
        }
    }

    /// From the adjoint of its new state (the own slot), the adjoints of `[u | g]` (into
    /// `adj_x`) and of q (into `adj_hidden`), then through T and c to the neighbours' slots
    /// and, above layer 0, to the layer below.
    pub fn backward<F: Real>(&self, b: Backward<'_, F>) {
        let Backward {
            at,
            adj,
            adj_input,
            adj_x,
            adj_hidden,
            scratch,
            tape,
            values,
            ..
        } = b;
        let (dh, rows, capacity) = (self.shape.dh, at.rows, at.capacity);
        let (nc, k, xw) = (
            self.rows.concat,
            self.tensor_width(at.layer),
            self.rows.input_width(),
        );
        let own = at.own();
        let adj_pre = adj_x;
        let adj_q = adj_hidden;
        tensor_gru_backward(self.rows, tape, &adj[own.clone()], adj_pre, adj_q);
        // adj T = adj_pre W^T, adj c = adj_q M^T.
        let (adj_c, adj_t) = scratch.split_at_mut(capacity * nc);
        let adj_t = &mut adj_t[..rows * k];
        let pre_view = View {
            data: &*adj_pre,
            rs: xw,
            cs: 1,
        };
        let w = transposed(at.params, at.blocks.input.clone(), xw);
        gemm_view(rows, xw, k, pre_view, w, F::ZERO, adj_t, k, 1);
        let adj_c = &mut adj_c[..rows * nc];
        let q_view = View {
            data: &*adj_q,
            rs: dh,
            cs: 1,
        };
        let merge = at.blocks.extra.clone().expect("a tensorized layout");
        let m = transposed(at.params, merge, dh);
        gemm_view(rows, dh, nc, q_view, m, F::ZERO, adj_c, nc, 1);
        match adj_input {
            None => {
                // c sits in the block of each neighbour's value.
                for n in at.step.neighbours() {
                    let values = &values[n.position * rows..(n.position + 1) * rows];
                    for ((ac, at), &v) in adj_c
                        .chunks_exact_mut(nc)
                        .zip(adj_t.chunks_exact(k))
                        .zip(values)
                    {
                        let start = (n.input_offset + v as usize) * nc;
                        for (a, &b) in ac.iter_mut().zip(&at[start..start + nc]) {
                            *a += b;
                        }
                    }
                }
            }
            Some(below_own) => {
                for ((ac, at), ax) in adj_c
                    .chunks_exact_mut(nc)
                    .zip(adj_t.chunks_exact(k))
                    .zip(below_own.chunks_exact_mut(dh))
                {
                    for (a, &b) in ac.iter_mut().zip(&at[..nc]) {
                        *a += b;
                    }
                    for (a, &b) in ax.iter_mut().zip(&at[nc..]) {
                        *a += b;
                    }
                }
            }
        }
        // Each neighbour's part of c goes to its slot: the own slot's adjoint is used up, so
        // the neighbour that read it starts it afresh; another slot adds to what later
        // positions sent it.
        let mut own_passed_on = false;
        for n in at.step.neighbours() {
            let part = n.weight.index() * dh;
            let reads_own = n.slot == at.step.slot;
            own_passed_on |= reads_own;
            for (dst, ac) in adj[at.slot(n.slot)]
                .chunks_exact_mut(dh)
                .zip(adj_c.chunks_exact(nc))
            {
                let src = &ac[part..part + dh];
                if reads_own {
                    dst.copy_from_slice(src);
                } else {
                    for (a, &b) in dst.iter_mut().zip(src) {
                        *a += b;
                    }
                }
            }
        }
        if !own_passed_on {
            adj[own].fill(F::ZERO);
        }
    }

    /// W += T^T adj_pre, M += c^T adj_q, T and c read from the tape's rows.
    pub fn accumulate<F: Real, S: GradientSink>(&self, a: Accumulate<'_, F>, sink: &mut S) {
        let (dh, xw, tw) = (
            self.shape.dh,
            self.rows.input_width(),
            self.rows.tape_width(),
        );
        let k = self.tensor_width(a.layer);
        let all = |data, width| Columns::all(data, a.rows, width, 0..a.positions);
        let t = all(a.tape, tw).only(self.rows.tensor_columns(k));
        sink.product(&a.blocks.input, t, all(a.adj_x, xw));
        let c = all(a.tape, tw).only(self.rows.concat_columns());
        let merge = a.blocks.extra.as_ref().expect("a tensorized layout");
        sink.product(merge, c, all(a.adj_hidden, dh));
        sink.column_sums(&a.blocks.bias, all(a.adj_x, xw));
    }
}
