//! The elementwise halves of the cells' backward passes (adjoints of the pre-activations).

use super::dispatch::dispatched;

/// GRU backward for `rows` rows of `dh` units at one position. `gates` is the forward's
/// `[r | z | g | a]` per row (a = U_g h + b_hg), `h_prev` the state before the step, and
/// `adj_h` the adjoint of the new state on entry. Writes the adjoints of `pre_x = W x + b`
/// (`adj_x`, `[r | z | g]`) and of `pre_h = U h` (`adj_h_pre`, `[r | z | a]`), and leaves in
/// `adj_h` the direct part of the previous state's adjoint, `adj_h * z`.
#[inline(always)]
fn gru_backward_body(
    dh: usize,
    gates: &[f64],
    h_prev: &[f64],
    adj_h: &mut [f64],
    adj_x: &mut [f64],
    adj_h_pre: &mut [f64],
) {
    let rows = adj_h.len() / dh;
    assert!(gates.len() >= rows * 4 * dh && h_prev.len() >= rows * dh);
    assert!(adj_x.len() >= rows * 3 * dh && adj_h_pre.len() >= rows * 3 * dh);
    for row in 0..rows {
        let gr = &gates[row * 4 * dh..(row + 1) * 4 * dh];
        let (r, rest) = gr.split_at(dh);
        let (z, rest) = rest.split_at(dh);
        let (g, a) = rest.split_at(dh);
        let (z, g, a) = (&z[..dh], &g[..dh], &a[..dh]);
        let hp = &h_prev[row * dh..(row + 1) * dh];
        let ah = &mut adj_h[row * dh..(row + 1) * dh];
        let ax = &mut adj_x[row * 3 * dh..(row + 1) * 3 * dh];
        let (ax_r, rest) = ax.split_at_mut(dh);
        let (ax_z, ax_g) = rest.split_at_mut(dh);
        let (ax_z, ax_g) = (&mut ax_z[..dh], &mut ax_g[..dh]);
        let ahp = &mut adj_h_pre[row * 3 * dh..(row + 1) * 3 * dh];
        let (ahp_r, rest) = ahp.split_at_mut(dh);
        let (ahp_z, ahp_a) = rest.split_at_mut(dh);
        let (ahp_z, ahp_a) = (&mut ahp_z[..dh], &mut ahp_a[..dh]);
        for j in 0..dh {
            let d = ah[j];
            let adj_pre_g = d * (1.0 - z[j]) * (1.0 - g[j] * g[j]);
            let adj_pre_r = adj_pre_g * a[j] * r[j] * (1.0 - r[j]);
            let adj_pre_z = d * (hp[j] - g[j]) * z[j] * (1.0 - z[j]);
            ax_r[j] = adj_pre_r;
            ax_z[j] = adj_pre_z;
            ax_g[j] = adj_pre_g;
            ahp_r[j] = adj_pre_r;
            ahp_z[j] = adj_pre_z;
            ahp_a[j] = adj_pre_g * r[j];
            ah[j] = d * z[j];
        }
    }
}

dispatched! {
    /// See [`gru_backward_body`].
    fn gru_backward(
        dh: usize,
        gates: &[f64],
        h_prev: &[f64],
        adj_h: &mut [f64],
        adj_x: &mut [f64],
        adj_h_pre: &mut [f64],
    ) => gru_backward_body
}

/// Vanilla backward: `adj_pre = adj_h * (1 - h^2)` for h = tanh(pre).
#[inline(always)]
fn tanh_backward_body(h: &[f64], adj_h: &[f64], adj_pre: &mut [f64]) {
    for ((o, &a), &h) in adj_pre.iter_mut().zip(adj_h).zip(h) {
        *o = a * (1.0 - h * h);
    }
}

dispatched! {
    /// See [`tanh_backward_body`].
    fn tanh_backward(h: &[f64], adj_h: &[f64], adj_pre: &mut [f64]) => tanh_backward_body
}

/// Vanilla ELU backward: `adj_pre = adj_h * elu'(pre)` with elu'(pre) = 1 above zero and
/// e^pre = h + 1 below, read off the output h.
#[inline(always)]
fn elu_backward_body(h: &[f64], adj_h: &[f64], adj_pre: &mut [f64]) {
    for ((o, &a), &h) in adj_pre.iter_mut().zip(adj_h).zip(h) {
        let slope = if h > 0.0 { 1.0 } else { h + 1.0 };
        *o = a * slope;
    }
}

dispatched! {
    /// See [`elu_backward_body`].
    fn elu_backward(h: &[f64], adj_h: &[f64], adj_pre: &mut [f64]) => elu_backward_body
}

/// Grid GRU backward for `rows` rows of `dh` units at one position. `gates` is the forward's
/// `[r | z | g | a | m]` per row (a = h_h W_h,g + h_v W_v,g + b_hg, m the merge), `adj_h` the
/// adjoint of the new state. Writes the adjoints of `pre_x` (`adj_x`, `[r | z | g]`) and of
/// `pre_h` (`adj_h_pre`, `[r | z | a | m]`). Unlike the chain's GRU there is no direct path
/// to a previous state: the neighbours reach h only through `pre_h`.
#[inline(always)]
fn grid_gru_backward_body(
    dh: usize,
    gates: &[f64],
    adj_h: &[f64],
    adj_x: &mut [f64],
    adj_h_pre: &mut [f64],
) {
    let rows = adj_h.len() / dh;
    assert!(gates.len() >= rows * 5 * dh);
    assert!(adj_x.len() >= rows * 3 * dh && adj_h_pre.len() >= rows * 4 * dh);
    for row in 0..rows {
        let gr = &gates[row * 5 * dh..(row + 1) * 5 * dh];
        let (r, rest) = gr.split_at(dh);
        let (z, rest) = rest.split_at(dh);
        let (g, rest) = rest.split_at(dh);
        let (a, m) = rest.split_at(dh);
        let (z, g, a, m) = (&z[..dh], &g[..dh], &a[..dh], &m[..dh]);
        let ah = &adj_h[row * dh..(row + 1) * dh];
        let ax = &mut adj_x[row * 3 * dh..(row + 1) * 3 * dh];
        let (ax_r, rest) = ax.split_at_mut(dh);
        let (ax_z, ax_g) = rest.split_at_mut(dh);
        let (ax_z, ax_g) = (&mut ax_z[..dh], &mut ax_g[..dh]);
        let ahp = &mut adj_h_pre[row * 4 * dh..(row + 1) * 4 * dh];
        let (ahp_r, rest) = ahp.split_at_mut(dh);
        let (ahp_z, rest) = rest.split_at_mut(dh);
        let (ahp_a, ahp_m) = rest.split_at_mut(dh);
        let (ahp_z, ahp_a, ahp_m) = (&mut ahp_z[..dh], &mut ahp_a[..dh], &mut ahp_m[..dh]);
        for j in 0..dh {
            let d = ah[j];
            let adj_pre_g = d * (1.0 - z[j]) * (1.0 - g[j] * g[j]);
            let adj_pre_r = adj_pre_g * a[j] * r[j] * (1.0 - r[j]);
            let adj_pre_z = d * (m[j] - g[j]) * z[j] * (1.0 - z[j]);
            ax_r[j] = adj_pre_r;
            ax_z[j] = adj_pre_z;
            ax_g[j] = adj_pre_g;
            ahp_r[j] = adj_pre_r;
            ahp_z[j] = adj_pre_z;
            ahp_a[j] = adj_pre_g * r[j];
            ahp_m[j] = d * z[j];
        }
    }
}

dispatched! {
    /// See [`grid_gru_backward_body`].
    fn grid_gru_backward(
        dh: usize,
        gates: &[f64],
        adj_h: &[f64],
        adj_x: &mut [f64],
        adj_h_pre: &mut [f64],
    ) => grid_gru_backward_body
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

        let gates4 = wave(rows * 4 * dh, 0.37);
        let (mut ha, mut hb) = (adj.clone(), adj.clone());
        let (mut xa, mut xb) = (vec![0.0; rows * 3 * dh], vec![0.0; rows * 3 * dh]);
        let (mut pa, mut pb) = (vec![0.0; rows * 3 * dh], vec![0.0; rows * 3 * dh]);
        gru_backward(dh, &gates4, &h, &mut ha, &mut xa, &mut pa);
        gru_backward_body(dh, &gates4, &h, &mut hb, &mut xb, &mut pb);
        assert_eq!((ha, xa, pa), (hb, xb, pb));

        let gates5 = wave(rows * 5 * dh, 0.43);
        let (mut xa, mut xb) = (vec![0.0; rows * 3 * dh], vec![0.0; rows * 3 * dh]);
        let (mut pa, mut pb) = (vec![0.0; rows * 4 * dh], vec![0.0; rows * 4 * dh]);
        grid_gru_backward(dh, &gates5, &adj, &mut xa, &mut pa);
        grid_gru_backward_body(dh, &gates5, &adj, &mut xb, &mut pb);
        assert_eq!((xa, pa), (xb, pb));

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
