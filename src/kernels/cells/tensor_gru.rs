//! The tensorized gated cell's elementwise kernels: its rows, the update and its backward.

use crate::kernels::activations::{sigmoid, tanh, Arithmetic};
use crate::kernels::dispatch::dispatched;
use crate::kernels::real::Real;
use std::ops::Range;

/// The rows of the tensorized cell's kernels, for `dh` units: `pre` `[u | g]`, `q` `[dh]`;
/// the tape `[u | g | m | c | T]`, c of `concat` columns and T padded to `tensor` columns
/// (the widest layer's input). The kernels write `[u | g | m]`; the caller c and T.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TensorGruRows {
    pub dh: usize,
    pub concat: usize,
    pub tensor: usize,
}

impl TensorGruRows {
    /// Blocks of `dh` in `pre` and the tape, by name.
    pub const U: usize = 0;
    pub const G: usize = 1;
    pub const M: usize = 2;

    /// Block `b`'s columns.
    pub fn block(&self, b: usize) -> Range<usize> {
        b * self.dh..(b + 1) * self.dh
    }

    /// Columns of `pre` (and its adjoint).
    pub fn input_width(&self) -> usize {
        2 * self.dh
    }

    /// The tape's columns of c.
    pub fn concat_columns(&self) -> Range<usize> {
        3 * self.dh..3 * self.dh + self.concat
    }

    /// The tape's columns of a T of `width` columns.
    pub fn tensor_columns(&self, width: usize) -> Range<usize> {
        let start = self.concat_columns().end;
        start..start + width
    }

    /// Columns of a tape row.
    pub fn tape_width(&self) -> usize {
        self.tensor_columns(self.tensor).end
    }
}

/// The tensorized cell's update (`model/cell/tensor_gru.rs`) for `rows` rows of `dh` units
/// ([`TensorGruRows`]). `pre` holds `T W + b` for `[u | g]` of each row, `q` the merge's
/// pre-activation `c M`:
///   u = sigmoid(pre_u), g = tanh(pre_g), m = tanh(q), h = u g + (1 - u) m,
/// written to `h`. `tape`, when not empty, receives `[u | g | m]` of each tape row (the rest
/// of the row is the caller's).
#[inline(always)]
pub(super) fn tensor_gru_update_body<A: Arithmetic, F: Real>(
    shape: TensorGruRows,
    pre: &[F],
    q: &[F],
    h: &mut [F],
    tape: &mut [F],
) {
    if tape.is_empty() {
        tensor_gru_rows::<A, F, false>(shape, pre, q, h, tape)
    } else {
        tensor_gru_rows::<A, F, true>(shape, pre, q, h, tape)
    }
}

/// [`tensor_gru_update_body`] with the taping fixed at compile time.
#[inline(always)]
fn tensor_gru_rows<A: Arithmetic, F: Real, const RECORD: bool>(
    shape: TensorGruRows,
    pre: &[F],
    q: &[F],
    h: &mut [F],
    tape: &mut [F],
) {
    let dh = shape.dh;
    let (xw, tw) = (shape.input_width(), shape.tape_width());
    let rows = h.len() / dh;
    for row in 0..rows {
        let pr = &pre[row * xw..(row + 1) * xw];
        let (pre_u, pre_g) = (
            &pr[shape.block(TensorGruRows::U)],
            &pr[shape.block(TensorGruRows::G)],
        );
        let qr = &q[row * dh..(row + 1) * dh];
        let hr = &mut h[row * dh..(row + 1) * dh];
        if RECORD {
            // [u | g | m], in that order.
            let tr = &mut tape[row * tw..(row + 1) * tw];
            let (t_u, rest) = tr.split_at_mut(dh);
            let (t_g, rest) = rest.split_at_mut(dh);
            let (t_g, t_m) = (&mut t_g[..dh], &mut rest[..dh]);
            for j in 0..dh {
                let u = sigmoid::<A, F>(pre_u[j]);
                let g = tanh::<A, F>(pre_g[j]);
                let m = tanh::<A, F>(qr[j]);
                t_u[j] = u;
                t_g[j] = g;
                t_m[j] = m;
                hr[j] = u * g + (F::ONE - u) * m;
            }
        } else {
            for j in 0..dh {
                let u = sigmoid::<A, F>(pre_u[j]);
                let g = tanh::<A, F>(pre_g[j]);
                let m = tanh::<A, F>(qr[j]);
                hr[j] = u * g + (F::ONE - u) * m;
            }
        }
    }
}

dispatched! {
    /// See [`tensor_gru_update_body`].
    fn tensor_gru_update(
        shape: TensorGruRows,
        pre: &[F],
        q: &[F],
        h: &mut [F],
        tape: &mut [F],
    ) => tensor_gru_update_body::<Arithmetic>
}

/// The tensorized cell's backward for `rows` rows of `dh` units at one position
/// ([`TensorGruRows`]). `tape` is the forward's (its `[u | g | m]` read) and `adj_h` the
/// adjoint of h = u g + (1 - u) m. Writes the adjoints of the pre-activations `[u | g]`
/// (`adj_pre`) and of the merge's `q` (`adj_q`).
#[inline(always)]
pub(super) fn tensor_gru_backward_body<F: Real>(
    shape: TensorGruRows,
    tape: &[F],
    adj_h: &[F],
    adj_pre: &mut [F],
    adj_q: &mut [F],
) {
    let dh = shape.dh;
    let (xw, tw) = (shape.input_width(), shape.tape_width());
    let rows = adj_h.len() / dh;
    assert!(tape.len() >= rows * tw && adj_pre.len() >= rows * xw && adj_q.len() >= rows * dh);
    let block = |b: usize| shape.block(b);
    for row in 0..rows {
        let tr = &tape[row * tw..(row + 1) * tw];
        let (u, g, m) = (
            &tr[block(TensorGruRows::U)],
            &tr[block(TensorGruRows::G)],
            &tr[block(TensorGruRows::M)],
        );
        let ah = &adj_h[row * dh..(row + 1) * dh];
        // [u | g], in that order.
        let (ap_u, ap_g) = adj_pre[row * xw..(row + 1) * xw].split_at_mut(dh);
        let ap_g = &mut ap_g[..dh];
        let aq = &mut adj_q[row * dh..(row + 1) * dh];
        for j in 0..dh {
            let d = ah[j];
            ap_u[j] = d * (g[j] - m[j]) * u[j] * (F::ONE - u[j]);
            ap_g[j] = d * u[j] * (F::ONE - g[j] * g[j]);
            aq[j] = d * (F::ONE - u[j]) * (F::ONE - m[j] * m[j]);
        }
    }
}

dispatched! {
    /// See [`tensor_gru_backward_body`].
    fn tensor_gru_backward(
        shape: TensorGruRows,
        tape: &[F],
        adj_h: &[F],
        adj_pre: &mut [F],
        adj_q: &mut [F],
    ) => tensor_gru_backward_body
}
