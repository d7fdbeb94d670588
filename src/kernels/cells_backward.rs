//! The elementwise halves of the cells' backward passes (adjoints of the pre-activations).

use super::cells::{GruRows, LinearRows, TensorGruRows};
use super::dispatch::dispatched;
use super::real::Real;

/// GRU backward for `rows` rows of `dh` units at one position ([`GruRows`]). `gates` is the
/// forward's tape (`[r | z | g | a]` per row, a = `pre_h_g + b_hg`, then `[m]` with a merge)
/// and `adj_h` the adjoint of the new state h' = (1 - z) g + z m. Writes the adjoints of
/// `pre_x` (`adj_x`, `[r | z | g]`) and of `pre_h` (`adj_h_pre`, `[r | z | a]`), and the
/// adjoint of m, `adj_h * z`, wherever m came from: without a merge m is the previous state
/// `h_prev`, and its adjoint replaces `adj_h` (the direct part of the previous state's
/// adjoint); with one, its adjoint lands in `adj_h_pre`'s merge columns (`adj_h` is left as
/// it was and `h_prev` is not read).
#[inline(always)]
fn gru_backward_body<F: Real>(
    shape: GruRows,
    gates: &[F],
    h_prev: &[F],
    adj_h: &mut [F],
    adj_x: &mut [F],
    adj_h_pre: &mut [F],
) {
    if shape.merge {
        gru_backward_rows::<F, true>(shape, gates, h_prev, adj_h, adj_x, adj_h_pre)
    } else {
        gru_backward_rows::<F, false>(shape, gates, h_prev, adj_h, adj_x, adj_h_pre)
    }
}

/// [`gru_backward_body`] with the blend target fixed at compile time (`MERGE`).
#[inline(always)]
fn gru_backward_rows<F: Real, const MERGE: bool>(
    shape: GruRows,
    gates: &[F],
    h_prev: &[F],
    adj_h: &mut [F],
    adj_x: &mut [F],
    adj_h_pre: &mut [F],
) {
    let dh = shape.dh;
    let (xw, hw, tw) = (
        shape.input_width(),
        shape.hidden_width(),
        shape.tape_width(),
    );
    let rows = adj_h.len() / dh;
    assert!(gates.len() >= rows * tw && (MERGE || h_prev.len() >= rows * dh));
    assert!(adj_x.len() >= rows * xw && adj_h_pre.len() >= rows * hw);
    for row in 0..rows {
        let gr = &gates[row * tw..(row + 1) * tw];
        let block = |b: usize| shape.block(b);
        let (r, z, g, a) = (
            &gr[block(GruRows::R)],
            &gr[block(GruRows::Z)],
            &gr[block(GruRows::G)],
            &gr[block(GruRows::A)],
        );
        let m = if MERGE {
            &gr[block(GruRows::M)]
        } else {
            &h_prev[row * dh..(row + 1) * dh]
        };
        let ah = &mut adj_h[row * dh..(row + 1) * dh];
        let ax = &mut adj_x[row * xw..(row + 1) * xw];
        let (ax_r, rest) = ax.split_at_mut(dh);
        let (ax_z, ax_g) = rest.split_at_mut(dh);
        let (ax_z, ax_g) = (&mut ax_z[..dh], &mut ax_g[..dh]);
        let ahp = &mut adj_h_pre[row * hw..(row + 1) * hw];
        let (ahp_r, rest) = ahp.split_at_mut(dh);
        let (ahp_z, rest) = rest.split_at_mut(dh);
        let (ahp_a, ahp_m) = rest.split_at_mut(dh);
        let (ahp_z, ahp_a) = (&mut ahp_z[..dh], &mut ahp_a[..dh]);
        let ahp_m = if MERGE { &mut ahp_m[..dh] } else { &mut [][..] };
        for j in 0..dh {
            let d = ah[j];
            let adj_pre_g = d * (F::ONE - z[j]) * (F::ONE - g[j] * g[j]);
            let adj_pre_r = adj_pre_g * a[j] * r[j] * (F::ONE - r[j]);
            let adj_pre_z = d * (m[j] - g[j]) * z[j] * (F::ONE - z[j]);
            ax_r[j] = adj_pre_r;
            ax_z[j] = adj_pre_z;
            ax_g[j] = adj_pre_g;
            ahp_r[j] = adj_pre_r;
            ahp_z[j] = adj_pre_z;
            ahp_a[j] = adj_pre_g * r[j];
            if MERGE {
                ahp_m[j] = d * z[j];
            } else {
                ah[j] = d * z[j];
            }
        }
    }
}

dispatched! {
    /// See [`gru_backward_body`].
    fn gru_backward(
        shape: GruRows,
        gates: &[F],
        h_prev: &[F],
        adj_h: &mut [F],
        adj_x: &mut [F],
        adj_h_pre: &mut [F],
    ) => gru_backward_body
}

/// The tensorized cell's backward for `rows` rows of `dh` units at one position
/// ([`TensorGruRows`]). `tape` is the forward's (its `[u | g | m]` read) and `adj_h` the adjoint of h = u g + (1 - u) m. Writes the adjoints of the pre-activations
/// `[u | g]` (`adj_pre`) and of the merge's `q` (`adj_q`).
#[inline(always)]
fn tensor_gru_backward_body<F: Real>(
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

/// Vanilla backward: `adj_pre = adj_h * (1 - h^2)` for h = tanh(pre).
#[inline(always)]
fn tanh_backward_body<F: Real>(h: &[F], adj_h: &[F], adj_pre: &mut [F]) {
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
fn elu_backward_body<F: Real>(h: &[F], adj_h: &[F], adj_pre: &mut [F]) {
    for ((o, &a), &h) in adj_pre.iter_mut().zip(adj_h).zip(h) {
        let slope = if h > F::ZERO { F::ONE } else { h + F::ONE };
        *o = a * slope;
    }
}

dispatched! {
    /// See [`elu_backward_body`].
    fn elu_backward(h: &[F], adj_h: &[F], adj_pre: &mut [F]) => elu_backward_body
}

/// The linear gated cell's backward for `rows` rows at one position. `tape` is the forward's
/// (`[a | c | m]`, or `[a | b | c | h_h | h_v]` on a grid), `out` = tanh(h') and `adj_out` its
/// adjoint (from the heads or the next layer). `adj_h` holds on entry the adjoint of h' from
/// later positions and receives the adjoint of the state read through the own slot (chain: m;
/// grid: h_v); `adj_left`, when not empty, collects (adds) the horizontal neighbour's. Writes
/// the adjoints of `pre_x` (`[a | c]` or `[a | b | c]`) to `adj_x`.
#[inline(always)]
fn linear_backward_body<F: Real>(
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
    let at = |b: usize| shape.block(b).start;
    let (at_a, at_b, at_c) = (at(LinearRows::A), at(LinearRows::B), at(shape.c()));
    let (at_m, at_hl, at_hv) = (at(shape.m()), at(shape.h_h()), at(shape.h_v()));
    let rows = adj_h.len() / dh;
    let has_left = !adj_left.is_empty();
    assert!(tape.len() >= rows * tw && out.len() >= rows * dh && adj_out.len() >= rows * dh);
    assert!(adj_x.len() >= rows * xw && (!has_left || adj_left.len() >= rows * dh));
    for row in 0..rows {
        let t = &tape[row * tw..(row + 1) * tw];
        let o = &out[row * dh..(row + 1) * dh];
        let ao = &adj_out[row * dh..(row + 1) * dh];
        let ah = &mut adj_h[row * dh..(row + 1) * dh];
        let ax = &mut adj_x[row * xw..(row + 1) * xw];
        for j in 0..dh {
            let d = ah[j] + ao[j] * (F::ONE - o[j] * o[j]);
            let (a, c) = (t[at_a + j], t[at_c + j]);
            if GRID {
                let (b, hl, hv) = (t[at_b + j], t[at_hl + j], t[at_hv + j]);
                let m = b * hl + (F::ONE - b) * hv;
                ax[at_a + j] = d * (m - c) * a * (F::ONE - a);
                ax[at_b + j] = d * a * (hl - hv) * b * (F::ONE - b);
                ax[at_c + j] = d * (F::ONE - a);
                if has_left {
                    adj_left[row * dh + j] += d * a * b;
                }
                ah[j] = d * a * (F::ONE - b);
            } else {
                let m = t[at_m + j];
                ax[at_a + j] = d * (m - c) * a * (F::ONE - a);
                ax[at_c + j] = d * (F::ONE - a);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// These bodies are plain arithmetic (no activations, no multiply-adds), so every
    /// instruction-set variant, the portable one included, must round exactly like the body
    /// compiled for the baseline: the backward pass adds no dependence on the CPU's features.
    #[test]
    fn dispatched_backward_kernels_match_generic_bit_for_bit() {
        let (rows, dh) = (5, 13);
        let wave = |n: usize, f: f64| -> Vec<f64> {
            (0..n).map(|i| 0.9 * ((i as f64 * f).sin())).collect()
        };
        let adj = wave(rows * dh, 0.29);
        let h = wave(rows * dh, 0.71);

        for grid in [false, true] {
            let layout = GruRows { dh, merge: grid };
            let gates = wave(rows * layout.tape_width(), 0.37);
            let (xw, hw) = (layout.input_width(), layout.hidden_width());
            let (mut ha, mut hb) = (adj.clone(), adj.clone());
            let (mut xa, mut xb) = (vec![0.0; rows * xw], vec![0.0; rows * xw]);
            let (mut pa, mut pb) = (vec![0.0; rows * hw], vec![0.0; rows * hw]);
            gru_backward(layout, &gates, &h, &mut ha, &mut xa, &mut pa);
            gru_backward_body(layout, &gates, &h, &mut hb, &mut xb, &mut pb);
            assert_eq!((ha, xa, pa), (hb, xb, pb));
        }

        for grid in [false, true] {
            let concat = if grid { 2 * dh + 1 } else { dh + 1 };
            let layout = TensorGruRows {
                dh,
                concat,
                tensor: if grid { 4 } else { 2 } * concat,
            };
            let tape = wave(rows * layout.tape_width(), 0.37);
            let (mut pa, mut pb) = (vec![0.0; rows * 2 * dh], vec![0.0; rows * 2 * dh]);
            let (mut qa, mut qb) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            tensor_gru_backward(layout, &tape, &adj, &mut pa, &mut qa);
            tensor_gru_backward_body(layout, &tape, &adj, &mut pb, &mut qb);
            assert_eq!((pa, qa), (pb, qb));
        }

        for (grid, with_left) in [(false, false), (true, false), (true, true)] {
            let layout = LinearRows { dh, mix: grid };
            let tape = wave(rows * layout.tape_width(), 0.37);
            let xw = layout.input_width();
            let (mut ha, mut hb) = (adj.clone(), adj.clone());
            let left = if with_left {
                wave(rows * dh, 0.53)
            } else {
                vec![]
            };
            let (mut la, mut lb) = (left.clone(), left.clone());
            let (mut xa, mut xb) = (vec![0.0; rows * xw], vec![0.0; rows * xw]);
            let out = wave(rows * dh, 0.19);
            linear_backward(layout, &tape, &h, &out, &mut ha, &mut la, &mut xa);
            linear_backward_body(layout, &tape, &h, &out, &mut hb, &mut lb, &mut xb);
            assert_eq!((ha, la, xa), (hb, lb, xb));
        }

        type Kernel = fn(&[f64], &[f64], &mut [f64]);
        let activations: [(Kernel, Kernel); 2] = [
            (tanh_backward, tanh_backward_body),
            (elu_backward, elu_backward_body),
        ];
        for (dispatched, generic) in activations {
            let (mut a, mut b) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            dispatched(&h, &adj, &mut a);
            generic(&h, &adj, &mut b);
            assert_eq!(a, b);
        }
    }
}
