//! The vanilla cell's elementwise kernels: tanh or ELU in place, and their backward.

use crate::kernels::activations::{exp, tanh, Arithmetic};
use crate::kernels::dispatch::dispatched;
use crate::kernels::real::Real;

#[inline(always)]
pub(super) fn tanh_in_place_body<A: Arithmetic, F: Real>(x: &mut [F]) {
    for v in x.iter_mut() {
        *v = tanh::<A, F>(*v);
    }
}

dispatched! {
    /// `x <- tanh(x)`, elementwise.
    fn tanh_in_place(x: &mut [F]) => tanh_in_place_body::<Arithmetic>
}

#[inline(always)]
pub(super) fn elu_in_place_body<A: Arithmetic, F: Real>(x: &mut [F]) {
    for v in x.iter_mut() {
        // Both branches computed, then selected: the loop stays branch-free and vectorises.
        let negative = exp::<A, F>(*v) - F::ONE;
        *v = if *v > F::ZERO { *v } else { negative };
    }
}

dispatched! {
    /// `x <- elu(x)`: x for x > 0, e^x - 1 otherwise, elementwise.
    fn elu_in_place(x: &mut [F]) => elu_in_place_body::<Arithmetic>
}

/// Vanilla backward: `adj_pre = adj_h * (1 - h^2)` for h = tanh(pre).
#[inline(always)]
pub(super) fn tanh_backward_body<F: Real>(h: &[F], adj_h: &[F], adj_pre: &mut [F]) {
    for ((o, &a), &h) in adj_pre.iter_mut().zip(adj_h).zip(h) {
        *o = a * (F::ONE - h * h);
    }
}

dispatched! {
    /// See [`tanh_backward_body`].
    fn tanh_backward(h: &[F], adj_h: &[F], adj_pre: &mut [F]) => tanh_backward_body
}

/// Vanilla ELU backward: `adj_pre = adj_h * elu'(pre)` with elu'(pre) = 1 above zero and
/// e^pre = h + 1 below, read off the output h.
#[inline(always)]
pub(super) fn elu_backward_body<F: Real>(h: &[F], adj_h: &[F], adj_pre: &mut [F]) {
    for ((o, &a), &h) in adj_pre.iter_mut().zip(adj_h).zip(h) {
        let slope = if h > F::ZERO { F::ONE } else { h + F::ONE };
        *o = a * slope;
    }
}

dispatched! {
    /// See [`elu_backward_body`].
    fn elu_backward(h: &[F], adj_h: &[F], adj_pre: &mut [F]) => elu_backward_body
}
