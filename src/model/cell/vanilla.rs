//! The vanilla cell, with tanh or ELU: h' = f(x V + sum over neighbours i of h_i W_i + b).
//!
//! Per layer l (`in` = `neighbours * local_dim` for l = 0, the neighbours' one-hot values
//! side by side; hidden above):
//!   `layer{l}.input_weight` `[in x hidden]`, then one `layer{l}.<neighbour weight>`
//!   `[hidden x hidden]` per neighbour weight of the topology (a chain's `hidden_weight`, a
//!   grid's `horizontal_weight` and `vertical_weight`), then `layer{l}.bias` `[hidden]`.

use super::{
    accumulate_input, accumulate_neighbours, input_axis, input_stage, neighbour_products,
    pass_to_input, pass_to_neighbours, Accumulate, Backward, CellShape, Forward, GradientSink,
    LayerBlocks, Push, Spec,
};
use crate::kernels::{elu_backward, elu_in_place, tanh_backward, tanh_in_place, Real};
use crate::model::widen::Axis;

/// The vanilla cell's activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Activation {
    Tanh,
    /// elu(a) = a for a > 0, e^a - 1 otherwise.
    Elu,
}

#[derive(Clone, Debug)]
pub(crate) struct Vanilla {
    shape: CellShape,
    activation: Activation,
}

impl Vanilla {
    pub fn new(shape: CellShape, activation: Activation) -> Self {
        Vanilla { shape, activation }
    }

    pub fn layer_blocks(&self, l: usize, names: &[&str], push: &mut Push<'_>) -> LayerBlocks {
        let input = push(
            format!("layer{l}.input_weight"),
            vec![input_axis(l, names, self.shape), Axis::units(1)],
        );
        let neighbours = names
            .iter()
            .map(|name| push(format!("layer{l}.{name}"), vec![Axis::units(1); 2]))
            .collect();
        let bias = push(format!("layer{l}.bias"), vec![Axis::units(1)]);
        LayerBlocks {
            input,
            neighbours,
            bias,
            extra: None,
        }
    }

    /// `pre_x` and the neighbours' products share one buffer; no tape (the backward reads
    /// the new state).
    pub fn spec(&self) -> Spec {
        Spec {
            hidden: self.shape.dh,
            ..Spec::input_only(self.shape.dh)
        }
    }

    pub fn forward<F: Real>(&self, f: Forward<'_, F>) {
        let dh = self.shape.dh;
        let Forward {
            at,
            states,
            input,
            pre_x,
            ..
        } = f;
        input_stage(&at, input, pre_x, dh);
        let pre_x = &mut pre_x[..at.rows * dh];
        neighbour_products(&at, states, dh, pre_x, F::ONE);
        match self.activation {
            Activation::Tanh => tanh_in_place(pre_x),
            Activation::Elu => elu_in_place(pre_x),
        }
        states[at.own()].copy_from_slice(pre_x);
    }

    pub fn backward<F: Real>(&self, b: Backward<'_, F>) {
        let dh = self.shape.dh;
        let Backward {
            at,
            adj,
            adj_input,
            adj_x,
            output,
            ..
        } = b;
        // adj_pre = adj_h f'(pre), read off h = f(pre).
        match self.activation {
            Activation::Tanh => tanh_backward(output, &adj[at.own()], adj_x),
            Activation::Elu => elu_backward(output, &adj[at.own()], adj_x),
        }
        pass_to_neighbours(&at, adj, adj_x, dh, false);
        pass_to_input(&at, adj_input, adj_x, dh, F::ONE);
    }

    pub fn accumulate<F: Real, S: GradientSink>(&self, a: Accumulate<'_, F>, sink: &mut S) {
        let dh = self.shape.dh;
        accumulate_input(&a, sink, dh);
        accumulate_neighbours(&a, sink, a.adj_x, dh);
    }
}
