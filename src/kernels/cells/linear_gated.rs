//! The linear gated cell's elementwise kernels: its rows, the update, the blend of rows that
//! share their gates (its local energies' walk) and the backward.

use crate::kernels::activations::{sigmoid, tanh, Arithmetic};
use crate::kernels::dispatch::dispatched;
use crate::kernels::real::Real;
use std::ops::Range;

/// The rows of the linear gated cell's kernels, for `dh` units. Reading one neighbour (`mix`
/// false): `pre_x` `[a | c]`, the tape `[a | c | m]` (m the state read). Mixing two (`mix`):
/// `pre_x` `[a | b | c]`, the tape `[a | b | c | h_h | h_v]` (the states read, zeros where
/// missing; h_v through the own slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinearRows {
    pub dh: usize,
    pub mix: bool,
}

impl LinearRows {
    /// Block `b`'s columns.
    pub fn block(&self, b: usize) -> Range<usize> {
        b * self.dh..(b + 1) * self.dh
    }

    /// The blocks by name, in `pre_x` and the tape: the keep gate a, the mix b (`mix` only),
    /// the candidate c, and the states read: m (one neighbour), h_h and h_v (`mix`).
    pub const A: usize = 0;
    pub const B: usize = 1;
    pub fn c(&self) -> usize {
        1 + usize::from(self.mix)
    }
    pub fn m(&self) -> usize {
        2
    }
    pub fn h_h(&self) -> usize {
        3
    }
    pub fn h_v(&self) -> usize {
        4
    }

    /// Columns of `pre_x` (and its adjoint).
    pub fn input_width(&self) -> usize {
        self.input_blocks() * self.dh
    }

    /// Blocks of `dh` in `pre_x`: `[a | c]`, or `[a | b | c]` with a mix.
    pub fn input_blocks(&self) -> usize {
        2 + usize::from(self.mix)
    }

    /// Columns of a tape row.
    pub fn tape_width(&self) -> usize {
        (3 + 2 * usize::from(self.mix)) * self.dh
    }
}

/// The linear gated cell's update (`model/cell/linear_gated.rs`, [`LinearRows`]) for `rows`
/// rows of `dh` units. `pre_x` holds `x V + b` per row, `[a | c]` on a chain and `[a | b | c]`
/// on a grid. `h` holds on entry the state read through the own slot (chain: the previous
/// state; grid: the one above; zeros where there is none) and receives the new state; `left`
/// the grid's horizontal neighbour (empty on a chain or where there is none, read as zeros).
/// `out` receives tanh of the new state, what the heads and the next layer read. `tape`, when
/// not empty, receives the tape rows: `[a | c | m]`, or `[a | b | c | h_h | h_v]` on a grid.
#[inline(always)]
pub(super) fn linear_update_body<A: Arithmetic, F: Real>(
    shape: LinearRows,
    pre_x: &[F],
    left: &[F],
    h: &mut [F],
    out: &mut [F],
    tape: &mut [F],
) {
    let record = !tape.is_empty();
    let has_left = !left.is_empty();
    match (shape.mix, has_left, record) {
        (false, _, false) => {
            linear_rows::<A, F, false, false, false>(shape, pre_x, left, h, out, tape)
        }
        (false, _, true) => {
            linear_rows::<A, F, false, false, true>(shape, pre_x, left, h, out, tape)
        }
        (true, false, false) => {
            linear_rows::<A, F, true, false, false>(shape, pre_x, left, h, out, tape)
        }
        (true, false, true) => {
            linear_rows::<A, F, true, false, true>(shape, pre_x, left, h, out, tape)
        }
        (true, true, false) => {
            linear_rows::<A, F, true, true, false>(shape, pre_x, left, h, out, tape)
        }
        (true, true, true) => {
            linear_rows::<A, F, true, true, true>(shape, pre_x, left, h, out, tape)
        }
    }
}

/// [`linear_update_body`] with the grid's mix (`GRID`), the horizontal neighbour's presence
/// (`LEFT`) and the taping (`RECORD`) fixed at compile time, so the inner loop vectorises.
#[inline(always)]
fn linear_rows<A: Arithmetic, F: Real, const GRID: bool, const LEFT: bool, const RECORD: bool>(
    shape: LinearRows,
    pre_x: &[F],
    left: &[F],
    h: &mut [F],
    out: &mut [F],
    tape: &mut [F],
) {
    let dh = shape.dh;
    let (xw, tw) = (shape.input_width(), shape.tape_width());
    let (at_a, at_b, at_c) = (
        shape.block(LinearRows::A),
        shape.block(LinearRows::B),
        shape.block(shape.c()),
    );
    let rows = h.len() / dh;
    assert!(pre_x.len() >= rows * xw && out.len() >= rows * dh);
    assert!(!LEFT || left.len() >= rows * dh);
    assert!(!RECORD || tape.len() >= rows * tw);
    for row in 0..rows {
        let px = &pre_x[row * xw..(row + 1) * xw];
        let hr = &mut h[row * dh..(row + 1) * dh];
        let o = &mut out[row * dh..(row + 1) * dh];
        let (px_a, px_c) = (&px[at_a.clone()], &px[at_c.clone()]);
        let px_b = if GRID { &px[at_b.clone()] } else { &px[..0] };
        let l = if LEFT {
            &left[row * dh..(row + 1) * dh]
        } else {
            &left[..0]
        };
        // The tape's blocks, each exactly dh long: `[a | c | m]`, or `[a | b | c | h_h | h_v]`
        // with the mix (the order of `LinearRows`'s names).
        let t = if RECORD {
            &mut tape[row * tw..(row + 1) * tw]
        } else {
            &mut tape[..0]
        };
        let mut blocks = t.chunks_exact_mut(dh);
        let mut next = || blocks.next().unwrap_or_default();
        let t_a = next();
        let t_b = if GRID { next() } else { Default::default() };
        let t_c = next();
        let (t_m, t_hl, t_hv) = if GRID {
            (Default::default(), next(), next())
        } else {
            (next(), Default::default(), Default::default())
        };
        for j in 0..dh {
            let a = sigmoid::<A, F>(px_a[j]);
            let c = px_c[j];
            let (m, b, hl, hv) = if GRID {
                let b = sigmoid::<A, F>(px_b[j]);
                let hl = if LEFT { l[j] } else { F::ZERO };
                let hv = hr[j];
                (b * hl + (F::ONE - b) * hv, b, hl, hv)
            } else {
                (hr[j], F::ZERO, F::ZERO, F::ZERO)
            };
            let new = a * m + (F::ONE - a) * c;
            hr[j] = new;
            o[j] = tanh::<A, F>(new);
            if RECORD {
                t_a[j] = a;
                t_c[j] = c;
                if GRID {
                    t_b[j] = b;
                    t_hl[j] = hl;
                    t_hv[j] = hv;
                } else {
                    t_m[j] = m;
                }
            }
        }
    }
}

dispatched! {
    /// See [`linear_update_body`].
    fn linear_update(
        shape: LinearRows,
        pre_x: &[F],
        left: &[F],
        h: &mut [F],
        out: &mut [F],
        tape: &mut [F],
    ) => linear_update_body::<Arithmetic>
}

/// Rows of the linear gated cell that share their known gates (the tape row `gates` of
/// [`linear_update`]): h = a m + (1 - a) c, m the own-slot state `own` (chain) or
/// b h_h + (1 - b) h_v with h_v = `own`, h_h = `left` (grid); `h`, `out`, and `own` and `left`
/// unless empty (read as zeros), are `[rows x dh]`. `out` receives tanh(h). The same
/// arithmetic as [`linear_update`].
///
/// Rows flagged in `near.rows` (no row if it is empty) have h close to `near.h`: see
/// [`Near`].
#[inline(always)]
pub(super) fn linear_blend_body<A: Arithmetic, F: Real>(
    shape: LinearRows,
    gates: &[F],
    own: &[F],
    left: &[F],
    h: &mut [F],
    out: &mut [F],
    near: Near<'_, F>,
) {
    let args = (shape, gates, own, left, h, out, near);
    match (shape.mix, !own.is_empty(), !left.is_empty()) {
        (false, false, _) => blend_rows::<A, F, false, false, false>(args),
        (false, true, _) => blend_rows::<A, F, false, true, false>(args),
        (true, false, false) => blend_rows::<A, F, true, false, false>(args),
        (true, false, true) => blend_rows::<A, F, true, false, true>(args),
        (true, true, false) => blend_rows::<A, F, true, true, false>(args),
        (true, true, true) => blend_rows::<A, F, true, true, true>(args),
    }
}

/// Rows of [`linear_blend`] whose new state h differs from a reference state x
/// (`h`, `[dh]`, with tanh x in `out`) by d, |d| small, elementwise: their tanh is the
/// Taylor polynomial tanh(x + d) = y + (1 - y^2) d (1 - y d + (y^2 - 1/3) d^2), y = tanh x,
/// which is off by at most 0.171 d^4 (|tanh''''| <= 4.1) and takes no exp or division.
#[derive(Clone, Copy)]
pub(crate) struct Near<'a, F> {
    /// Per row, whether it is near (none if empty).
    pub rows: &'a [bool],
    pub h: &'a [F],
    pub out: &'a [F],
}

#[cfg(test)]
impl<F> Near<'_, F> {
    /// No row near.
    pub(crate) fn none() -> Self {
        Near {
            rows: &[],
            h: &[],
            out: &[],
        }
    }
}

/// The arguments of [`linear_blend_body`], passed on whole.
type BlendArgs<'a, F> = (
    LinearRows,
    &'a [F],
    &'a [F],
    &'a [F],
    &'a mut [F],
    &'a mut [F],
    Near<'a, F>,
);

/// [`linear_blend_body`] with the mix and the neighbours' presence fixed at compile time.
#[inline(always)]
fn blend_rows<A: Arithmetic, F: Real, const GRID: bool, const OWN: bool, const LEFT: bool>(
    (shape, gates, own, left, h, out, near): BlendArgs<'_, F>,
) {
    let dh = shape.dh;
    let rows = h.len() / dh;
    assert!(out.len() >= rows * dh);
    assert!(!OWN || own.len() >= rows * dh);
    assert!(!LEFT || left.len() >= rows * dh);
    let (a, c) = (
        &gates[shape.block(LinearRows::A)],
        &gates[shape.block(shape.c())],
    );
    let b = if GRID {
        &gates[shape.block(LinearRows::B)]
    } else {
        &gates[..0]
    };
    for row in 0..rows {
        let range = row * dh..(row + 1) * dh;
        let (h, out) = (&mut h[range.clone()], &mut out[range.clone()]);
        let own = if OWN { &own[range.clone()] } else { &own[..0] };
        let left = if LEFT { &left[range] } else { &left[..0] };
        let state = |j: usize| {
            let hv = if OWN { own[j] } else { F::ZERO };
            let m = if GRID {
                let hl = if LEFT { left[j] } else { F::ZERO };
                b[j] * hl + (F::ONE - b[j]) * hv
            } else {
                hv
            };
            a[j] * m + (F::ONE - a[j]) * c[j]
        };
        if near.rows.get(row).copied().unwrap_or(false) {
            let third = F::from_f64(1.0 / 3.0);
            for j in 0..dh {
                let new = state(j);
                h[j] = new;
                let (d, y) = (new - near.h[j], near.out[j]);
                let slope = F::ONE - y * y;
                out[j] = y + slope * d * (F::ONE - y * d + (y * y - third) * d * d);
            }
        } else {
            for j in 0..dh {
                let new = state(j);
                h[j] = new;
                out[j] = tanh::<A, F>(new);
            }
        }
    }
}

dispatched! {
    /// See [`linear_blend_body`].
    fn linear_blend(
        shape: LinearRows,
        gates: &[F],
        own: &[F],
        left: &[F],
        h: &mut [F],
        out: &mut [F],
        near: Near<'_, F>,
    ) => linear_blend_body::<Arithmetic>
}

/// The linear gated cell's backward for `rows` rows at one position. `tape` is the forward's
/// (`[a | c | m]`, or `[a | b | c | h_h | h_v]` on a grid), `out` = tanh(h') and `adj_out` its
/// adjoint (from the heads or the next layer). `adj_h` holds on entry the adjoint of h' from
/// later positions and receives the adjoint of the state read through the own slot (chain: m;
/// grid: h_v); `adj_left`, when not empty, collects (adds) the horizontal neighbour's. Writes
/// the adjoints of `pre_x` (`[a | c]` or `[a | b | c]`) to `adj_x`.
#[inline(always)]
pub(super) fn linear_backward_body<F: Real>(
    shape: LinearRows,
    tape: &[F],
    out: &[F],
    adj_out: &[F],
    adj_h: &mut [F],
    adj_left: &mut [F],
    adj_x: &mut [F],
) {
    if shape.mix {
        linear_backward_rows::<F, true>(shape, tape, out, adj_out, adj_h, adj_left, adj_x)
    } else {
        linear_backward_rows::<F, false>(shape, tape, out, adj_out, adj_h, adj_left, adj_x)
    }
}

/// [`linear_backward_body`] with the grid's mix fixed at compile time (`GRID`).
#[inline(always)]
fn linear_backward_rows<F: Real, const GRID: bool>(
    shape: LinearRows,
    tape: &[F],
    out: &[F],
    adj_out: &[F],
    adj_h: &mut [F],
    adj_left: &mut [F],
    adj_x: &mut [F],
) {
    let dh = shape.dh;
    let (xw, tw) = (shape.input_width(), shape.tape_width());
    let rows = adj_h.len() / dh;
    let has_left = !adj_left.is_empty();
    assert!(tape.len() >= rows * tw && out.len() >= rows * dh && adj_out.len() >= rows * dh);
    assert!(adj_x.len() >= rows * xw && (!has_left || adj_left.len() >= rows * dh));
    for row in 0..rows {
        let t = &tape[row * tw..(row + 1) * tw];
        let block = |b: usize| &t[shape.block(b)][..dh];
        let (a, c) = (block(LinearRows::A), block(shape.c()));
        let (b, hl, hv, m) = if GRID {
            (
                block(LinearRows::B),
                block(shape.h_h()),
                block(shape.h_v()),
                &t[..0],
            )
        } else {
            (&t[..0], &t[..0], &t[..0], block(shape.m()))
        };
        let o = &out[row * dh..(row + 1) * dh];
        let ao = &adj_out[row * dh..(row + 1) * dh];
        let ah = &mut adj_h[row * dh..(row + 1) * dh];
        // `[a | c]`, or `[a | b | c]` with the mix (the order of `LinearRows`'s names).
        let ax = &mut adj_x[row * xw..(row + 1) * xw];
        let (ax_a, rest) = ax.split_at_mut(dh);
        let (ax_b, ax_c) = rest.split_at_mut(if GRID { dh } else { 0 });
        let ax_c = &mut ax_c[..dh];
        for j in 0..dh {
            let d = ah[j] + ao[j] * (F::ONE - o[j] * o[j]);
            let (a, c) = (a[j], c[j]);
            if GRID {
                let (b, hl, hv) = (b[j], hl[j], hv[j]);
                let m = b * hl + (F::ONE - b) * hv;
                ax_a[j] = d * (m - c) * a * (F::ONE - a);
                ax_b[j] = d * a * (hl - hv) * b * (F::ONE - b);
                ax_c[j] = d * (F::ONE - a);
                if has_left {
                    adj_left[row * dh + j] += d * a * b;
                }
                ah[j] = d * a * (F::ONE - b);
            } else {
                ax_a[j] = d * (m[j] - c) * a * (F::ONE - a);
                ax_c[j] = d * (F::ONE - a);
                ah[j] = d * a;
            }
        }
    }
}

dispatched! {
    /// See [`linear_backward_body`].
    fn linear_backward(
        shape: LinearRows,
        tape: &[F],
        out: &[F],
        adj_out: &[F],
        adj_h: &mut [F],
        adj_left: &mut [F],
        adj_x: &mut [F],
    ) => linear_backward_body
}
