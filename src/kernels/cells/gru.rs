//! The GRU's elementwise kernels: its rows, the update and its backward.

use crate::kernels::activations::{sigmoid, tanh, Arithmetic};
use crate::kernels::dispatch::dispatched;
use crate::kernels::real::Real;
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
        self.input_blocks() * self.dh
    }

    /// Blocks of `dh` in `pre_x`: `[r | z | g]`.
    pub fn input_blocks(&self) -> usize {
        3
    }

    /// Columns of `pre_h` and of its adjoint (whose candidate block is that of `a`).
    pub fn hidden_width(&self) -> usize {
        self.hidden_blocks() * self.dh
    }

    /// Blocks of `dh` in `pre_h`: the gates and, with a merge, `[m]`.
    pub fn hidden_blocks(&self) -> usize {
        3 + usize::from(self.merge)
    }

    /// Columns of a tape row.
    pub fn tape_width(&self) -> usize {
        (4 + usize::from(self.merge)) * self.dh
    }
}

/// The GRU update (`model/cell/gru.rs`) for `rows` rows of `dh` units ([`GruRows`]). `pre_x`
/// holds `x V + b` for the gates `[r | z | g]` of each row, `pre_h` the neighbour states times
/// their weights for `[r | z | g]` and, with a merge, `[m]`:
///   r = sigmoid(pre_x_r + pre_h_r), z = sigmoid(pre_x_z + pre_h_z),
///   g = tanh(pre_x_g + r * (pre_h_g + b_hg)), h' = (1 - z) g + z m,
/// where m is `pre_h_m` with a merge (`h` only receives the new state), else the state `h`
/// holds (updated in place). `gates`, when not empty, receives the tape rows.
#[inline(always)]
pub(super) fn gru_update_body<A: Arithmetic, F: Real>(
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
/// compile time, so that the inner loop has no branch and vectorises; without a tape in
/// blocks of four vectors of 256 bits (W units, [`untaped_units`]).
#[inline(always)]
fn gru_rows<A: Arithmetic, F: Real, const MERGE: bool, const RECORD: bool>(
    shape: GruRows,
    pre_x: &[F],
    pre_h: &[F],
    bias_candidate: &[F],
    h: &mut [F],
    gates: &mut [F],
) {
    match std::mem::size_of::<F>() {
        8 => gru_rows_in::<A, F, MERGE, RECORD, 16>(shape, pre_x, pre_h, bias_candidate, h, gates),
        4 => gru_rows_in::<A, F, MERGE, RECORD, 32>(shape, pre_x, pre_h, bias_candidate, h, gates),
        _ => unreachable!("f64 or f32"),
    }
}

/// [`gru_rows`] with W units per untaped block.
#[inline(always)]
fn gru_rows_in<A: Arithmetic, F: Real, const MERGE: bool, const RECORD: bool, const W: usize>(
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
            // Two sweeps (see below), the first leaving r and z in the tape.
            let (g_r, g_z) = (&mut g_r[..dh], &mut g_z[..dh]);
            for j in 0..dh {
                g_r[j] = sigmoid::<A, F>(px_r[j] + ph_r[j]);
                g_z[j] = sigmoid::<A, F>(px_z[j] + ph_z[j]);
            }
            for j in 0..dh {
                let (r, z) = (g_r[j], g_z[j]);
                let a = ph_g[j] + bhg[j];
                let g = tanh::<A, F>(px_g[j] + r * a);
                g_g[j] = g;
                g_a[j] = a;
                let m = if MERGE { ph_m[j] } else { hr[j] };
                if MERGE {
                    g_m[j] = m;
                }
                hr[j] = (F::ONE - z) * g + z * m;
            }
        } else {
            let full = dh - dh % W;
            let row = Untaped {
                px_r,
                px_z,
                px_g,
                ph_r,
                ph_z,
                ph_g,
                ph_m,
                bhg,
            };
            for start in (0..full).step_by(W) {
                untaped_units::<A, F, MERGE, W>(&row, start, W, hr);
            }
            if full < dh {
                untaped_units::<A, F, MERGE, W>(&row, full, dh - full, hr);
            }
        }
    }
}

/// One row's blocks of `pre_x` and `pre_h`, each `dh` long (`ph_m` empty without a merge),
/// and the candidate's bias.
struct Untaped<'a, F> {
    px_r: &'a [F],
    px_z: &'a [F],
    px_g: &'a [F],
    ph_r: &'a [F],
    ph_z: &'a [F],
    ph_g: &'a [F],
    ph_m: &'a [F],
    bhg: &'a [F],
}

/// Units `start..start + n` (n <= W) of one row without a tape, in two sweeps: r and z
/// first, then the candidate, which waits on r (one sweep chained two exponentials and two
/// divisions per unit, too long a chain to overlap at small hidden). [`gru_rows`] calls it
/// with n = W, a constant, for every whole block, so that the compiler interleaves the
/// block's four vectors; at hidden 32 on AVX2 the update took 0.70 to 0.82 of the cycles in
/// f32 and 0.86 to 1.02 in f64 of loops over a length known only at run time
/// (docs/performance.md). The arithmetic of each unit is the same in any block.
#[inline(always)]
fn untaped_units<A: Arithmetic, F: Real, const MERGE: bool, const W: usize>(
    row: &Untaped<'_, F>,
    start: usize,
    n: usize,
    hr: &mut [F],
) {
    let cols = start..start + n;
    let (px_r, px_z, ph_r, ph_z) = (
        &row.px_r[cols.clone()],
        &row.px_z[cols.clone()],
        &row.ph_r[cols.clone()],
        &row.ph_z[cols.clone()],
    );
    let (mut r, mut z) = ([F::ZERO; W], [F::ZERO; W]);
    let (r, z) = (&mut r[..n], &mut z[..n]);
    for j in 0..n {
        r[j] = sigmoid::<A, F>(px_r[j] + ph_r[j]);
        z[j] = sigmoid::<A, F>(px_z[j] + ph_z[j]);
    }
    let (px_g, ph_g, bhg) = (
        &row.px_g[cols.clone()],
        &row.ph_g[cols.clone()],
        &row.bhg[cols.clone()],
    );
    let ph_m = if MERGE {
        &row.ph_m[cols.clone()]
    } else {
        &[][..]
    };
    let hr = &mut hr[cols];
    for j in 0..n {
        let g = tanh::<A, F>(px_g[j] + r[j] * (ph_g[j] + bhg[j]));
        let m = if MERGE { ph_m[j] } else { hr[j] };
        hr[j] = (F::ONE - z[j]) * g + z[j] * m;
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

/// GRU backward for `rows` rows of `dh` units at one position ([`GruRows`]). `gates` is the
/// forward's tape (`[r | z | g | a]` per row, a = `pre_h_g + b_hg`, then `[m]` with a merge)
/// and `adj_h` the adjoint of the new state h' = (1 - z) g + z m. Writes the adjoints of
/// `pre_x` (`adj_x`, `[r | z | g]`) and of `pre_h` (`adj_h_pre`, `[r | z | a]`), and the
/// adjoint of m, `adj_h * z`, wherever m came from: without a merge m is the previous state
/// `h_prev`, and its adjoint replaces `adj_h` (the direct part of the previous state's
/// adjoint); with one, its adjoint lands in `adj_h_pre`'s merge columns (`adj_h` is left as
/// it was and `h_prev` is not read).
#[inline(always)]
pub(super) fn gru_backward_body<F: Real>(
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
