//! The elementwise halves of the cell updates, one dispatched call per layer and step.

use super::activations::{exp, sigmoid, tanh, Arithmetic};
use super::dispatch::dispatched;
use super::real::Real;
use std::ops::Range;

/// The rows the GRU kernels read and write, for `dh` units: `pre_x` `[r | z | g]`, `pre_h`
/// (and its adjoint) `[r | z | g]` plus, when the state blends towards a learned merge of
/// several neighbours (`merge`), `[m]`; the tape `[r | z | g | a]` (a = `pre_h_g + b_hg`) and
/// with a merge `[m]`. Without a merge the state blends towards the state it overwrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GruRows {
    pub dh: usize,
    pub merge: bool,
}

impl GruRows {
    /// Blocks of `dh` in a row, by name: the gates (everywhere; in `pre_h`'s adjoint G's
    /// block is that of `a`), and in the tape the candidate's `a` and the merge `M`; the
    /// merge's block in `pre_h` and its adjoint is `PRE_M`.
    pub const R: usize = 0;
    pub const Z: usize = 1;
    pub const G: usize = 2;
    pub const A: usize = 3;
    pub const M: usize = 4;
    pub const PRE_M: usize = 3;

    /// Block `b`'s columns.
    pub fn block(&self, b: usize) -> Range<usize> {
        b * self.dh..(b + 1) * self.dh
    }

    /// Columns of `pre_x` (and its adjoint).
    pub fn input_width(&self) -> usize {
        3 * self.dh
    }

    /// Columns of `pre_h` and of its adjoint (whose candidate block is that of `a`).
    pub fn hidden_width(&self) -> usize {
        (3 + usize::from(self.merge)) * self.dh
    }

    /// Columns of a tape row.
    pub fn tape_width(&self) -> usize {
        (4 + usize::from(self.merge)) * self.dh
    }
}

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
        (2 + usize::from(self.mix)) * self.dh
    }

    /// Columns of a tape row.
    pub fn tape_width(&self) -> usize {
        (3 + 2 * usize::from(self.mix)) * self.dh
    }
}

#[inline(always)]
fn tanh_in_place_body<A: Arithmetic, F: Real>(x: &mut [F]) {
    for v in x.iter_mut() {
        *v = tanh::<A, F>(*v);
    }
}

dispatched! {
    /// `x <- tanh(x)`, elementwise.
    fn tanh_in_place(x: &mut [F]) => tanh_in_place_body::<Arithmetic>
}

#[inline(always)]
fn elu_in_place_body<A: Arithmetic, F: Real>(x: &mut [F]) {
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

/// The GRU update (`model/cell/gru.rs`) for `rows` rows of `dh` units ([`GruRows`]). `pre_x`
/// holds `x V + b` for the gates `[r | z | g]` of each row, `pre_h` the neighbour states times
/// their weights for `[r | z | g]` and, with a merge, `[m]`:
///   r = sigmoid(pre_x_r + pre_h_r), z = sigmoid(pre_x_z + pre_h_z),
///   g = tanh(pre_x_g + r * (pre_h_g + b_hg)), h' = (1 - z) g + z m,
/// where m is `pre_h_m` with a merge (`h` only receives the new state), else the state `h`
/// holds (updated in place). `gates`, when not empty, receives the tape rows.
#[inline(always)]
fn gru_update_body<A: Arithmetic, F: Real>(
    shape: GruRows,
    pre_x: &[F],
    pre_h: &[F],
    bias_candidate: &[F],
    h: &mut [F],
    gates: &mut [F],
) {
    let record = !gates.is_empty();
    match (shape.merge, record) {
        (false, false) => {
            gru_rows::<A, F, false, false>(shape, pre_x, pre_h, bias_candidate, h, gates)
        }
        (false, true) => {
            gru_rows::<A, F, false, true>(shape, pre_x, pre_h, bias_candidate, h, gates)
        }
        (true, false) => {
            gru_rows::<A, F, true, false>(shape, pre_x, pre_h, bias_candidate, h, gates)
        }
        (true, true) => gru_rows::<A, F, true, true>(shape, pre_x, pre_h, bias_candidate, h, gates),
    }
}

/// [`gru_update_body`] with the blend target (`MERGE`) and the taping (`RECORD`) fixed at
/// compile time, so that the inner loop has no branch and vectorises.
#[inline(always)]
fn gru_rows<A: Arithmetic, F: Real, const MERGE: bool, const RECORD: bool>(
    shape: GruRows,
    pre_x: &[F],
    pre_h: &[F],
    bias_candidate: &[F],
    h: &mut [F],
    gates: &mut [F],
) {
    let dh = shape.dh;
    let (xw, hw, tw) = (
        shape.input_width(),
        shape.hidden_width(),
        shape.tape_width(),
    );
    let rows = h.len() / dh;
    for row in 0..rows {
        let px = &pre_x[row * xw..(row + 1) * xw];
        let ph = &pre_h[row * hw..(row + 1) * hw];
        let hr = &mut h[row * dh..(row + 1) * dh];
        let block = |b: usize| shape.block(b);
        // Every slice exactly dh long: the compiler drops the bounds checks and vectorises.
        let (px_r, px_z, px_g) = (
            &px[block(GruRows::R)],
            &px[block(GruRows::Z)],
            &px[block(GruRows::G)],
        );
        let (ph_r, ph_z, ph_g, bhg) = (
            &ph[block(GruRows::R)],
            &ph[block(GruRows::Z)],
            &ph[block(GruRows::G)],
            &bias_candidate[..dh],
        );
        let ph_m = if MERGE {
            &ph[block(GruRows::PRE_M)]
        } else {
            &[][..]
        };
        if RECORD {
            let gr = &mut gates[row * tw..(row + 1) * tw];
            let (g_r, rest) = gr.split_at_mut(dh);
            let (g_z, rest) = rest.split_at_mut(dh);
            let (g_g, rest) = rest.split_at_mut(dh);
            let (g_a, g_m) = rest.split_at_mut(dh);
            let (g_g, g_a) = (&mut g_g[..dh], &mut g_a[..dh]);
            let g_m = if MERGE { &mut g_m[..dh] } else { &mut [][..] };
            for j in 0..dh {
                let r = sigmoid::<A, F>(px_r[j] + ph_r[j]);
                let z = sigmoid::<A, F>(px_z[j] + ph_z[j]);
                let a = ph_g[j] + bhg[j];
                let g = tanh::<A, F>(px_g[j] + r * a);
                g_r[j] = r;
                g_z[j] = z;
                g_g[j] = g;
                g_a[j] = a;
                let m = if MERGE { ph_m[j] } else { hr[j] };
                if MERGE {
                    g_m[j] = m;
                }
                hr[j] = (F::ONE - z) * g + z * m;
            }
        } else {
            for j in 0..dh {
                let r = sigmoid::<A, F>(px_r[j] + ph_r[j]);
                let z = sigmoid::<A, F>(px_z[j] + ph_z[j]);
                let g = tanh::<A, F>(px_g[j] + r * (ph_g[j] + bhg[j]));
                let m = if MERGE { ph_m[j] } else { hr[j] };
                hr[j] = (F::ONE - z) * g + z * m;
            }
        }
    }
}

dispatched! {
    /// See [`gru_update_body`].
    fn gru_update(
        shape: GruRows,
        pre_x: &[F],
        pre_h: &[F],
        bias_candidate: &[F],
        h: &mut [F],
        gates: &mut [F],
    ) => gru_update_body::<Arithmetic>
}

/// The tensorized cell's update (`model/cell/tensor_gru.rs`) for `rows` rows of `dh` units
/// ([`TensorGruRows`]). `pre` holds `T W + b` for `[u | g]` of each row, `q` the merge's
/// pre-activation `c M`:
///   u = sigmoid(pre_u), g = tanh(pre_g), m = tanh(q), h = u g + (1 - u) m,
/// written to `h`. `tape`, when not empty, receives `[u | g | m]` of each tape row (the rest
/// of the row is the caller's).
#[inline(always)]
fn tensor_gru_update_body<A: Arithmetic, F: Real>(
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

/// The linear gated cell's update (`model/cell/linear_gated.rs`, [`LinearRows`]) for `rows` rows of `dh` units. `pre_x`
/// holds `x V + b` per row, `[a | c]` on a chain and `[a | b | c]` on a grid. `h` holds on entry
/// the state read through the own slot (chain: the previous state; grid: the one above; zeros
/// where there is none) and receives the new state; `left` the grid's horizontal neighbour
/// (empty on a chain or where there is none, read as zeros). `out` receives tanh of the new
/// state, what the heads and the next layer read. `tape`, when not empty, receives the tape rows:
/// `[a | c | m]`, or `[a | b | c | h_h | h_v]` on a grid.
#[inline(always)]
fn linear_update_body<A: Arithmetic, F: Real>(
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
    let block = |b: usize| shape.block(b);
    let (at_a, at_b, at_c) = (block(LinearRows::A), block(LinearRows::B), block(shape.c()));
    let (at_m, at_hl, at_hv) = (block(shape.m()), block(shape.h_h()), block(shape.h_v()));
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
        let t = if RECORD {
            &mut tape[row * tw..(row + 1) * tw]
        } else {
            &mut tape[..0]
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
                t[at_a.start + j] = a;
                t[at_c.start + j] = c;
                if GRID {
                    t[at_b.start + j] = b;
                    t[at_hl.start + j] = hl;
                    t[at_hv.start + j] = hv;
                } else {
                    t[at_m.start + j] = m;
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
fn linear_blend_body<A: Arithmetic, F: Real>(
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

/// `out[r, v] = bias[v] + x[r] . wt[v]` for the rows `x[r]` of `x` (`[rows x k]`), `wt` the
/// `[d x k]` weight transposed, `d = bias.len()`: a head's logits as dot products that
/// vectorise (eight partial sums).
#[inline(always)]
fn head_logits_body<F: Real>(x: &[F], wt: &[F], bias: &[F], out: &mut [F]) {
    let d = bias.len();
    let k = wt.len() / d;
    for (x, out) in x.chunks_exact(k).zip(out.chunks_exact_mut(d)) {
        for ((o, w), &b) in out.iter_mut().zip(wt.chunks_exact(k)).zip(bias) {
            let mut acc = [F::ZERO; 8];
            let (xc, xr) = x.split_at(k - k % 8);
            let (wc, wr) = w.split_at(k - k % 8);
            for (xs, ws) in xc.chunks_exact(8).zip(wc.chunks_exact(8)) {
                for i in 0..8 {
                    acc[i] += xs[i] * ws[i];
                }
            }
            let mut sum =
                ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            for (xv, wv) in xr.iter().zip(wr) {
                sum += *xv * *wv;
            }
            *o = b + sum;
        }
    }
}

dispatched! {
    /// See [`head_logits_body`].
    fn head_logits(x: &[F], wt: &[F], bias: &[F], out: &mut [F]) => head_logits_body
}

/// `out[r]` = the softmax probability of `values[r]` among the values `feasible[r]` (an
/// inclusive range; 0 if the value is not in it) of the logits `logits[r]` (`[rows x d]`,
/// `rows = out.len()`), with the vectorised exp: what the linear cell's local energies
/// multiply up instead of adding logarithms.
#[inline(always)]
fn softmax_probabilities_body<A: Arithmetic, F: Real>(
    logits: &[F],
    feasible: &[(u32, u32)],
    values: &[u8],
    out: &mut [F],
) {
    let d = logits.len() / out.len().max(1);
    for (((o, logits), &(lo, hi)), &value) in out
        .iter_mut()
        .zip(logits.chunks_exact(d))
        .zip(feasible)
        .zip(values)
    {
        let (lo, hi, value) = (lo as usize, hi as usize, value as usize);
        if value < lo || value > hi || hi >= d {
            *o = F::ZERO;
            continue;
        }
        let feasible = &logits[lo..=hi];
        let max = feasible
            .iter()
            .copied()
            .fold(F::NEG_INFINITY, |m, x| if x > m { x } else { m });
        let (mut sum, mut own) = (F::ZERO, F::ZERO);
        for (v, &l) in (lo..).zip(feasible) {
            let e = exp::<A, F>(l - max);
            sum += e;
            if v == value {
                own = e;
            }
        }
        *o = own / sum;
    }
}

dispatched! {
    /// See [`softmax_probabilities_body`].
    fn softmax_probabilities(
        logits: &[F],
        feasible: &[(u32, u32)],
        values: &[u8],
        out: &mut [F],
    ) => softmax_probabilities_body::<Arithmetic>
}

/// [`softmax_probabilities_body`] for two values from their logits' difference
/// `differences[r]` = logit 1 - logit 0: sigmoid(+-difference), one dot product per row in
/// the head instead of two.
#[inline(always)]
fn two_value_probabilities_body<A: Arithmetic, F: Real>(
    differences: &[F],
    feasible: &[(u32, u32)],
    values: &[u8],
    out: &mut [F],
) {
    for (((o, &difference), &(lo, hi)), &value) in
        out.iter_mut().zip(differences).zip(feasible).zip(values)
    {
        let (lo, hi) = (lo as u8, hi.min(1) as u8);
        *o = if value < lo || value > hi {
            F::ZERO
        } else if lo == hi {
            F::ONE
        } else if value == 1 {
            sigmoid::<A, F>(difference)
        } else {
            sigmoid::<A, F>(-difference)
        };
    }
}

dispatched! {
    /// See [`two_value_probabilities_body`].
    fn two_value_probabilities(
        differences: &[F],
        feasible: &[(u32, u32)],
        values: &[u8],
        out: &mut [F],
    ) => two_value_probabilities_body::<Arithmetic>
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::kernels::activations::{Fused, Portable, Unfused};
    use crate::kernels::dispatch::{simd_level, SimdLevel};

    type Update<F> = fn(GruRows, &[F], &[F], &[F], &mut [F], &mut [F]);
    type TensorUpdate<F> = fn(TensorGruRows, &[F], &[F], &mut [F], &mut [F]);
    type InPlace<F> = fn(&mut [F]);

    /// One way to run the three kernels: the dispatched functions or a body instantiation,
    /// in f64 or f32.
    struct Kernels<F> {
        gru: Update<F>,
        tensor: TensorUpdate<F>,
        tanh: InPlace<F>,
        elu: InPlace<F>,
    }

    fn dispatched<F: Real>() -> Kernels<F> {
        Kernels {
            gru: gru_update::<F>,
            tensor: tensor_gru_update::<F>,
            tanh: tanh_in_place::<F>,
            elu: elu_in_place::<F>,
        }
    }

    fn bodies<A: Arithmetic, F: Real>() -> Kernels<F> {
        Kernels {
            gru: gru_update_body::<A, F>,
            tensor: tensor_gru_update_body::<A, F>,
            tanh: tanh_in_place_body::<A, F>,
            elu: elu_in_place_body::<A, F>,
        }
    }

    /// Every output (states and recorded gates, with and without recording) of `kernels` on
    /// fixed inputs spanning the activations' whole useful range (|pre-activation| up to 12).
    fn outputs<F: Real>(kernels: &Kernels<F>) -> Vec<Vec<F>> {
        let (rows, dh) = (7, 53);
        let wave = |n: usize, f: f64| -> Vec<F> {
            (0..n)
                .map(|i| F::from_f64(6.0 * ((i as f64 * f).sin())))
                .collect()
        };
        let bhg = wave(dh, 1.3);
        let h0 = wave(rows * dh, 0.11);
        let mut out = Vec::new();
        // Both blend targets: the previous state (chain) and the learned merge (grid).
        for grid in [false, true] {
            let layout = GruRows { dh, merge: grid };
            let pre_x = wave(rows * layout.input_width(), 0.37);
            let pre_h = wave(rows * layout.hidden_width(), 0.91);
            for record in [false, true] {
                let mut gates = vec![
                    F::ZERO;
                    if record {
                        rows * layout.tape_width()
                    } else {
                        0
                    }
                ];
                let mut h = h0.clone();
                (kernels.gru)(layout, &pre_x, &pre_h, &bhg, &mut h, &mut gates);
                out.extend([h, gates]);
            }
        }
        // The tensorized cell, on a chain and a grid, with and without its tape.
        for grid in [false, true] {
            // Two layers of two values: T is widest at layer 0, `neighbours * 2` blocks of c.
            let neighbours = if grid { 2 } else { 1 };
            let concat = neighbours * dh + 1;
            let layout = TensorGruRows {
                dh,
                concat,
                tensor: (neighbours * 2 * concat).max(concat + dh),
            };
            let pre = wave(rows * layout.input_width(), 0.37);
            let q = wave(rows * dh, 0.91);
            for record in [false, true] {
                let mut tape = vec![
                    F::ZERO;
                    if record {
                        rows * layout.tape_width()
                    } else {
                        0
                    }
                ];
                let mut h = vec![F::ZERO; rows * dh];
                (kernels.tensor)(layout, &pre, &q, &mut h, &mut tape);
                out.extend([h, tape]);
            }
        }
        let pre_x = wave(rows * 3 * dh, 0.37);
        for kernel in [kernels.tanh, kernels.elu] {
            let mut x = pre_x.clone();
            kernel(&mut x);
            out.push(x);
        }
        out
    }

    /// The FMA variants (AVX2, AVX-512) must round exactly like the bodies with fused
    /// multiply-adds, the portable variant exactly like the bodies with the portable ones, so
    /// that results depend on the CPU only through that one choice.
    #[test]
    fn dispatched_kernels_match_generic_bit_for_bit() {
        let reference = if simd_level() == SimdLevel::Generic {
            outputs(&bodies::<Portable, f64>())
        } else {
            outputs(&bodies::<Fused, f64>())
        };
        assert_eq!(outputs(&dispatched::<f64>()), reference);
        let reference = if simd_level() == SimdLevel::Generic {
            outputs(&bodies::<Portable, f32>())
        } else {
            outputs(&bodies::<Fused, f32>())
        };
        assert_eq!(outputs(&dispatched::<f32>()), reference);
    }

    /// Every f32 kernel, fused and unfused, agrees with the f64 one on the same inputs
    /// (rounded to f32) to f32 accuracy: at most 1e-6 relative to max(1, |value|).
    #[test]
    fn f32_kernels_match_f64_within_1e_6() {
        let exact = outputs(&bodies::<Fused, f64>());
        for run in [
            outputs(&bodies::<Fused, f32>()),
            outputs(&bodies::<Unfused, f32>()),
            outputs(&dispatched::<f32>()),
        ] {
            let widened: Vec<Vec<f64>> = run
                .iter()
                .map(|v| v.iter().map(|&x| x as f64).collect())
                .collect();
            let worst = worst_difference(&widened, &exact);
            assert!(worst <= 1e-6, "worst difference {worst}");
            assert!(worst > 0.0, "f32 kernels must compute in f32");
        }
    }

    /// Worst |a - b| / max(1, |b|) between two runs' outputs.
    fn worst_difference(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
        assert_eq!(a.len(), b.len());
        let mut worst: f64 = 0.0;
        for (a, b) in a.iter().zip(b) {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                worst = worst.max((x - y).abs() / y.abs().max(1.0));
            }
        }
        worst
    }

    /// The unfused arithmetic (the portable variant's on targets without FMA) rounds
    /// differently from the fused one, but agrees with it to a few units in the last place:
    /// at most 2e-15 relative to max(1, |value|) (9.2e-16 at worst on these inputs, where
    /// about one value in ten differs). On targets with FMA the portable variant is the fused
    /// one and the second check holds exactly.
    #[test]
    fn portable_kernels_match_fused_within_2e_15() {
        let fused = outputs(&bodies::<Fused, f64>());
        let unfused = outputs(&bodies::<Unfused, f64>());
        let worst = worst_difference(&unfused, &fused);
        assert!(worst <= 2e-15, "worst difference {worst}");
        let worst = worst_difference(&outputs(&bodies::<Portable, f64>()), &fused);
        assert!(worst <= 2e-15, "worst difference {worst}");
    }

    #[test]
    fn elu_is_identity_above_zero_and_exp_minus_one_below() {
        let mut x = vec![-30.0, -1.0, -1e-3, 0.0, 1e-3, 2.5];
        elu_in_place::<f64>(&mut x);
        let expected = [
            (-30.0f64).exp_m1(),
            (-1.0f64).exp_m1(),
            (-1e-3f64).exp_m1(),
            0.0,
            1e-3,
            2.5,
        ];
        for (a, b) in x.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }

    type LinearUpdateF64 = fn(LinearRows, &[f64], &[f64], &mut [f64], &mut [f64], &mut [f64]);
    type BlendF64 = fn(LinearRows, &[f64], &[f64], &[f64], &mut [f64], &mut [f64], Near<'_, f64>);
    type HeadF64 = fn(&[f64], &[f64], &[f64], &mut [f64]);
    type SoftmaxF64 = fn(&[f64], &[(u32, u32)], &[u8], &mut [f64]);

    /// Every output of the linear gated cell's kernels (update with and without tape, on a
    /// chain and on a grid with and without a horizontal neighbour; blend; head logits;
    /// softmax probability), run through `update`, `blend`, `head` and `softmax`.
    fn linear_outputs(
        update: LinearUpdateF64,
        blend: BlendF64,
        head: HeadF64,
        softmax: SoftmaxF64,
    ) -> Vec<Vec<f64>> {
        let (rows, dh) = (5, 19);
        let wave = |n: usize, f: f64| -> Vec<f64> {
            (0..n).map(|i| 6.0 * ((i as f64 * f).sin())).collect()
        };
        let mut out = Vec::new();
        for (grid, with_left) in [(false, false), (true, false), (true, true)] {
            let layout = LinearRows { dh, mix: grid };
            let pre_x = wave(rows * layout.input_width(), 0.37);
            let left = if with_left {
                wave(rows * dh, 0.23)
            } else {
                vec![]
            };
            for record in [false, true] {
                let mut h = wave(rows * dh, 0.11);
                let mut o = vec![0.0; rows * dh];
                let mut tape = vec![
                    0.0;
                    if record {
                        rows * layout.tape_width()
                    } else {
                        0
                    }
                ];
                update(layout, &pre_x, &left, &mut h, &mut o, &mut tape);
                if record {
                    // The blend with the taped gates repeats the update's state bit for bit.
                    let tw = layout.tape_width();
                    let own = wave(rows * dh, 0.11);
                    for row in 0..rows {
                        let (mut h1, mut o1) = (vec![0.0; dh], vec![0.0; dh]);
                        let l = if with_left {
                            &left[row * dh..(row + 1) * dh]
                        } else {
                            &[][..]
                        };
                        blend(
                            layout,
                            &tape[row * tw..(row + 1) * tw],
                            &own[row * dh..(row + 1) * dh],
                            l,
                            &mut h1,
                            &mut o1,
                            Near::none(),
                        );
                        assert_eq!(h1, h[row * dh..(row + 1) * dh]);
                        assert_eq!(o1, o[row * dh..(row + 1) * dh]);
                    }
                    // All rows at once, sharing the first row's gates, as row by row.
                    let (mut h_all, mut o_all) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
                    let l = if with_left { &left[..] } else { &[][..] };
                    blend(
                        layout,
                        &tape[..tw],
                        &own,
                        l,
                        &mut h_all,
                        &mut o_all,
                        Near::none(),
                    );
                    for row in 0..rows {
                        let (mut h1, mut o1) = (vec![0.0; dh], vec![0.0; dh]);
                        let range = row * dh..(row + 1) * dh;
                        let l = if with_left {
                            &left[range.clone()]
                        } else {
                            &[][..]
                        };
                        blend(
                            layout,
                            &tape[..tw],
                            &own[range.clone()],
                            l,
                            &mut h1,
                            &mut o1,
                            Near::none(),
                        );
                        assert_eq!(
                            (h1, o1),
                            (h_all[range.clone()].to_vec(), o_all[range].to_vec())
                        );
                    }
                }
                out.extend([h, o, tape]);
            }
        }
        let (x, wt, bias) = (wave(21, 0.3), wave(3 * 21, 0.7), wave(3, 1.1));
        let mut logits = vec![0.0; 3];
        head(&x, &wt, &bias, &mut logits);
        let mut p = vec![0.0; 4];
        // The same logits in four rows, under four ranges.
        let rows = [
            logits.clone(),
            logits.clone(),
            logits.clone(),
            logits.clone(),
        ]
        .concat();
        softmax(
            &rows,
            &[(0, 2), (1, 2), (0, 0), (1, 2)],
            &[1, 2, 0, 0],
            &mut p,
        );
        out.extend([logits, p]);
        out
    }

    /// Near rows of the blend take tanh as a Taylor polynomial around the sample's state:
    /// within 1e-15 of tanh for changes up to the walk's bound (6e-5 in f64) and beyond, the
    /// states bit for bit, far rows exactly as without near rows, dispatched as the body.
    #[test]
    fn near_rows_of_the_blend_match_tanh() {
        let dh = 13;
        let layout = LinearRows { dh, mix: false };
        let wave =
            |n: usize, f: f64| -> Vec<f64> { (0..n).map(|i| 2.0 * (i as f64 * f).sin()).collect() };
        let sigmoid_gates: Vec<f64> = wave(dh, 0.7)
            .iter()
            .map(|x| 1.0 / (1.0 + (-x).exp()))
            .collect();
        let gates = [sigmoid_gates, wave(dh, 0.3), vec![0.0; dh]].concat();
        let rows = 4;
        let own = wave(rows * dh, 0.19);
        let (mut h_far, mut out_far) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
        linear_blend::<f64>(
            layout,
            &gates,
            &own,
            &[],
            &mut h_far,
            &mut out_far,
            Near::none(),
        );
        for change in [1e-9, 6e-5, 1e-4] {
            // The sample's state: row 1's new state, moved by about `change`.
            let sample_h: Vec<f64> = (0..dh)
                .map(|j| h_far[dh + j] - change * (0.5 + 0.5 * (j as f64).cos()))
                .collect();
            let sample_out: Vec<f64> = sample_h.iter().map(|x| x.tanh()).collect();
            let near = Near {
                rows: &[false, true, false, false],
                h: &sample_h,
                out: &sample_out,
            };
            let (mut h, mut out) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            linear_blend::<f64>(layout, &gates, &own, &[], &mut h, &mut out, near);
            assert_eq!(h, h_far);
            assert_eq!(out[..dh], out_far[..dh]);
            assert_eq!(out[2 * dh..], out_far[2 * dh..]);
            for j in 0..dh {
                let exact = h_far[dh + j].tanh();
                assert!(
                    (out[dh + j] - exact).abs() <= 1e-15,
                    "{change}: {} vs {exact}",
                    out[dh + j]
                );
            }
            let (mut h_body, mut out_body) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            let blend_body: BlendF64 = if simd_level() == SimdLevel::Generic {
                linear_blend_body::<Portable, f64>
            } else {
                linear_blend_body::<Fused, f64>
            };
            blend_body(layout, &gates, &own, &[], &mut h_body, &mut out_body, near);
            assert_eq!((h_body, out_body), (h, out));
        }
    }

    /// The linear cell's dispatched kernels round like their bodies (as the GRU's do), and
    /// the head's logits and probability agree with a plain evaluation.
    #[test]
    fn linear_kernels_match_generic_bit_for_bit() {
        let dispatched = linear_outputs(
            linear_update::<f64>,
            linear_blend::<f64>,
            head_logits::<f64>,
            softmax_probabilities::<f64>,
        );
        let reference = if simd_level() == SimdLevel::Generic {
            linear_outputs(
                linear_update_body::<Portable, f64>,
                linear_blend_body::<Portable, f64>,
                head_logits_body::<f64>,
                softmax_probabilities_body::<Portable, f64>,
            )
        } else {
            linear_outputs(
                linear_update_body::<Fused, f64>,
                linear_blend_body::<Fused, f64>,
                head_logits_body::<f64>,
                softmax_probabilities_body::<Fused, f64>,
            )
        };
        assert_eq!(dispatched, reference);
        // Two values: from the logits' difference as from the logits, under every range.
        let ranges = [(0, 1), (0, 0), (1, 1), (1, 0), (0, 1), (0, 1)];
        let values = [0, 0, 0, 1, 1, 1];
        let differences = [0.3, -2.0, 4.0, 1.0, -37.5, 12.25];
        let logits: Vec<f64> = differences.iter().flat_map(|&d| [0.5, 0.5 + d]).collect();
        let (mut from_logits, mut from_differences) = ([0.0; 6], [0.0; 6]);
        softmax_probabilities::<f64>(&logits, &ranges, &values, &mut from_logits);
        two_value_probabilities::<f64>(&differences, &ranges, &values, &mut from_differences);
        for (a, b) in from_logits.iter().zip(&from_differences) {
            assert!((a - b).abs() <= 1e-15 * a.max(1e-300), "{a} vs {b}");
        }
        let mut body = [0.0; 6];
        let two_value_body: SoftmaxF64 = if simd_level() == SimdLevel::Generic {
            two_value_probabilities_body::<Portable, f64>
        } else {
            two_value_probabilities_body::<Fused, f64>
        };
        two_value_body(&differences, &ranges, &values, &mut body);
        assert_eq!(body, from_differences);
        let logits = &dispatched[dispatched.len() - 2];
        let x: Vec<f64> = (0..21).map(|i| 6.0 * (i as f64 * 0.3).sin()).collect();
        for (v, &l) in logits.iter().enumerate() {
            let plain = 6.0 * (v as f64 * 1.1).sin()
                + (0..21)
                    .map(|j| x[j] * 6.0 * (((v * 21 + j) as f64) * 0.7).sin())
                    .sum::<f64>();
            assert!((l - plain).abs() < 1e-12, "{l} vs {plain}");
        }
        // Several rows at once, as each row alone.
        let (wt, bias) = (
            (0..63)
                .map(|i| 6.0 * (i as f64 * 0.7).sin())
                .collect::<Vec<f64>>(),
            (0..3)
                .map(|i| 6.0 * (i as f64 * 1.1).sin())
                .collect::<Vec<f64>>(),
        );
        let x2: Vec<f64> = x.iter().chain(x.iter().rev()).copied().collect();
        let mut both = vec![0.0; 6];
        head_logits(&x2, &wt, &bias, &mut both);
        let mut second = vec![0.0; 3];
        head_logits(&x2[21..], &wt, &bias, &mut second);
        assert_eq!((&both[..3], &both[3..]), (&logits[..], &second[..]));
        let p = &dispatched[dispatched.len() - 1];
        let e: Vec<f64> = logits.iter().map(|l| l.exp()).collect();
        assert!((p[0] - e[1] / (e[0] + e[1] + e[2])).abs() < 1e-14);
        assert!((p[1] - e[2] / (e[1] + e[2])).abs() < 1e-14);
        assert_eq!(p[2], 1.0, "the only feasible value");
        assert_eq!(p[3], 0.0, "a value outside the feasible range");
    }
}
