//! The linear gated cell (minGRU-like, docs/method.md). Its gates read the input x only, so it
//! has no neighbour weights: per layer only `layer{l}.input_weight` `[in x G hidden]` and
//! `layer{l}.bias` `[G hidden]` (`in` as for the vanilla cell), with G = 2 for one neighbour
//! (columns `[a | c]`) and G = 3 for two (`[a | b | c]`):
//!   a = sigmoid(x V_a + b_a), c = x V_c + b_c,
//!   one neighbour:  h' = a * h + (1 - a) * c
//!   two:            b = sigmoid(x V_b + b_b), h' = a * (b * h_h + (1 - b) * h_v) + (1 - a) * c
//! (h_v the state read through the own slot, h_h the other). The heads and the next layer
//! read tanh(h'), its output, not h'. A flip changes later states by elementwise products
//! only, which its local energies exploit (`local_energy/linear.rs`). More than two
//! neighbours would need a mix over more states, which this cell does not define.

use super::{
    accumulate_input, input_axis, input_stage, own_and_other, pass_to_input, Accumulate, Backward,
    CellShape, Forward, GradientSink, LayerBlocks, Push, Spec,
};
use crate::kernels::{linear_backward, linear_update, LinearRows, Real};
use crate::model::topology::Step;
use crate::model::widen::Axis;
use std::ops::Range;

#[derive(Clone, Debug)]
pub(crate) struct LinearGated {
    shape: CellShape,
    rows: LinearRows,
}

impl LinearGated {
    pub fn new(shape: CellShape) -> Self {
        LinearGated {
            shape,
            rows: LinearRows {
                dh: shape.dh,
                mix: shape.neighbours > 1,
            },
        }
    }

    /// Its kernels' rows.
    pub fn rows(&self) -> LinearRows {
        self.rows
    }

    pub fn layer_blocks(&self, l: usize, names: &[&str], push: &mut Push<'_>) -> LayerBlocks {
        let xw = self.rows.input_blocks();
        let input = push(
            format!("layer{l}.input_weight"),
            vec![input_axis(l, names, self.shape), Axis::units(xw)],
        );
        let bias = push(format!("layer{l}.bias"), vec![Axis::units(xw)]);
        LayerBlocks {
            input,
            neighbours: Vec::new(),
            bias,
            extra: None,
        }
    }

    /// Its output is tanh of its state; it tapes the neighbour states it read with its gates.
    pub fn spec(&self) -> Spec {
        Spec {
            tape: self.rows.tape_width(),
            separate_output: true,
            tapes_gathered_states: false,
            ..Spec::input_only(self.rows.input_width())
        }
    }

    /// The slot of the neighbour read through another slot than the own one (the grid's
    /// horizontal neighbour), if any: the own slot holds the other state read (chain: the
    /// previous one; grid: the one above).
    fn other_slot(step: Step, slot: impl Fn(usize) -> Range<usize>) -> Option<Range<usize>> {
        step.neighbours()
            .find(|n| n.slot != step.slot)
            .map(|n| slot(n.slot))
    }

    pub fn forward<F: Real>(&self, f: Forward<'_, F>) {
        let xw = self.rows.input_width();
        let Forward {
            at,
            states,
            input,
            pre_x,
            output,
            tape,
            ..
        } = f;
        input_stage(&at, input, pre_x, xw);
        let left = Self::other_slot(at.step, |s| at.slot(s));
        let (h, left) = own_and_other(states, at.own(), left);
        linear_update(self.rows, &pre_x[..at.rows * xw], left, h, output, tape);
    }

    pub fn backward<F: Real>(&self, b: Backward<'_, F>) {
        let xw = self.rows.input_width();
        let Backward {
            at,
            adj,
            adj_out,
            adj_input,
            adj_x,
            tape,
            output,
            ..
        } = b;
        // Each neighbour's adjoint comes out of the kernel, elementwise.
        let reads_own = at.step.neighbours().any(|n| n.slot == at.step.slot);
        let left = Self::other_slot(at.step, |s| at.slot(s));
        let (adj_own, adj_left) = own_and_other(adj, at.own(), left);
        linear_backward(self.rows, tape, output, adj_out, adj_own, adj_left, adj_x);
        if !reads_own {
            // Nothing was read through the slot (the zero initial state): no adjoint.
            adj_own.fill(F::ZERO);
        }
        pass_to_input(&at, adj_input, adj_x, xw, F::ZERO);
    }

    pub fn accumulate<F: Real, S: GradientSink>(&self, a: Accumulate<'_, F>, sink: &mut S) {
        accumulate_input(&a, sink, self.rows.input_width());
    }

    /// How much of a change of a reader's neighbour state reaches the reader's state, per
    /// unit, into `carry`: a with one neighbour; with two, a b through the other slot's
    /// neighbour (`through_other`), a (1 - b) through the own slot (`gates` the reader's
    /// tape row).
    pub fn carried<F: Real>(&self, gates: &[F], through_other: bool, carry: &mut [f64]) {
        let a = &gates[self.rows.block(LinearRows::A)];
        if !self.rows.mix {
            for (k, &a) in carry.iter_mut().zip(a) {
                *k = a.to_f64();
            }
            return;
        }
        let b = &gates[self.rows.block(LinearRows::B)];
        for ((k, &a), &b) in carry.iter_mut().zip(a).zip(b) {
            let b = b.to_f64();
            *k = a.to_f64() * if through_other { b } else { 1.0 - b };
        }
    }
}
