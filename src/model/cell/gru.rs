//! The gated recurrent unit (docs/method.md). Gate columns `[r | z | g]`; with several
//! neighbours the neighbour weights also have merge columns M, and the state blends towards
//! the learned merge m = sum_i h_i M_i rather than towards the one neighbour's state:
//!   r = sigmoid(x V_r + sum_i h_i W_i,r + b_r)
//!   z = sigmoid(x V_z + sum_i h_i W_i,z + b_z)
//!   g = tanh(x V_g + b_g + r * (sum_i h_i W_i,g + b_hg))
//!   h' = (1 - z) * g + z * m        (m = h, the one neighbour's state, on a chain)
//!
//! Per layer l (`in` as for the vanilla cell; H = 3, or 4 with a merge):
//!   `layer{l}.input_weight` `[in x 3 hidden]`, one `layer{l}.<neighbour weight>`
//!   `[hidden x H hidden]` per neighbour weight, `layer{l}.bias` `[3 hidden]`,
//!   `layer{l}.candidate_bias` `[hidden]` (b_hg).

use super::{
    accumulate_input, accumulate_neighbours, input_axis, input_stage, neighbour_products,
    pass_to_input, pass_to_neighbours, Accumulate, Backward, CellShape, Columns, Forward,
    GradientSink, LayerBlocks, Push, Spec,
};
use crate::kernels::{gru_backward, gru_update, GruRows, Real};
use crate::model::widen::Axis;

#[derive(Clone, Debug)]
pub(crate) struct Gru {
    shape: CellShape,
    rows: GruRows,
}

impl Gru {
    pub fn new(shape: CellShape) -> Self {
        Gru {
            shape,
            rows: GruRows {
                dh: shape.dh,
                merge: shape.neighbours > 1,
            },
        }
    }

    pub fn layer_blocks(&self, l: usize, names: &[&str], push: &mut Push<'_>) -> LayerBlocks {
        let (xw, hw) = (self.rows.input_blocks(), self.rows.hidden_blocks());
        let input = push(
            format!("layer{l}.input_weight"),
            vec![input_axis(l, names, self.shape), Axis::units(xw)],
        );
        let neighbours = names
            .iter()
            .map(|name| {
                push(
                    format!("layer{l}.{name}"),
                    vec![Axis::units(1), Axis::units(hw)],
                )
            })
            .collect();
        let bias = push(format!("layer{l}.bias"), vec![Axis::units(xw)]);
        let candidate = push(format!("layer{l}.candidate_bias"), vec![Axis::units(1)]);
        LayerBlocks {
            input,
            neighbours,
            bias,
            extra: Some(candidate),
        }
    }

    pub fn spec(&self) -> Spec {
        Spec {
            hidden: self.rows.hidden_width(),
            adj_hidden: self.rows.hidden_width(),
            tape: self.rows.tape_width(),
            ..Spec::input_only(self.rows.input_width())
        }
    }

    pub fn forward<F: Real>(&self, f: Forward<'_, F>) {
        let (xw, hw) = (self.rows.input_width(), self.rows.hidden_width());
        let Forward {
            at,
            states,
            input,
            pre_x,
            pre_h,
            tape,
            ..
        } = f;
        input_stage(&at, input, pre_x, xw);
        let pre_h = &mut pre_h[..at.rows * hw];
        neighbour_products(&at, states, hw, pre_h, F::ZERO);
        let bhg = &at.params[at.blocks.extra.clone().expect("a GRU layout")];
        // Without a merge the state blends towards the previous one, the own slot's content.
        let h = &mut states[at.own()];
        gru_update(self.rows, &pre_x[..at.rows * xw], pre_h, bhg, h, tape);
    }

    pub fn backward<F: Real>(&self, b: Backward<'_, F>) {
        let (xw, hw) = (self.rows.input_width(), self.rows.hidden_width());
        let Backward {
            at,
            adj,
            adj_input,
            adj_x,
            adj_hidden,
            tape,
            previous_output,
            ..
        } = b;
        let own = at.own();
        gru_backward(
            self.rows,
            tape,
            previous_output,
            &mut adj[own],
            adj_x,
            adj_hidden,
        );
        // Without a merge the kernel left the adjoint of m, the previous state, in the own
        // slot: the part that bypasses the weights.
        pass_to_neighbours(&at, adj, adj_hidden, hw, !self.rows.merge);
        pass_to_input(&at, adj_input, adj_x, xw, F::ONE);
    }

    pub fn accumulate<F: Real, S: GradientSink>(&self, a: Accumulate<'_, F>, sink: &mut S) {
        let (xw, hw) = (self.rows.input_width(), self.rows.hidden_width());
        accumulate_input(&a, sink, xw);
        accumulate_neighbours(&a, sink, a.adj_hidden, hw);
        // b_hg adds to the candidate's `a`, whose adjoint is in the candidate's columns.
        let candidate = Columns::all(a.adj_hidden, a.rows, hw, 0..a.positions)
            .only(self.rows.block(GruRows::G));
        sink.column_sums(a.blocks.extra.as_ref().expect("a GRU layout"), candidate);
    }
}
