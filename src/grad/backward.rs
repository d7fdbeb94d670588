//! Backpropagation through time over one chunk of rows: a taped forward pass, then a sweep
//! from the last position to the first that leaves the adjoint of every pre-activation,
//! laid out `[position][row][...]` for the weight gradients.
//!
//! Like the forward pass, the sweep follows the model's topology and keeps one adjoint per
//! state slot and layer: going backwards, a slot holds the adjoint of the state it held at
//! that point of the forward pass. A position adds its heads' adjoint to its own slot, uses
//! it, and leaves there the adjoint of the state the slot held before the position
//! overwrote it: the neighbour that read this slot (the chain's previous site, the grid's
//! site above), or nothing. Its other neighbours' slots (the grid's horizontal one) collect
//! their share on top of what later positions sent them.

use super::tape::Tape;
use crate::buffer::{try_zeroed, try_zeroed_layers};
use crate::error::{Error, Result};
use crate::kernels::{
    elu_backward, gemm_view, gru_backward, linear_backward, tanh_backward, tensor_gru_backward,
    Real, View,
};
use crate::model::forward::{own_and_other, softsign_derivative, Pass};
use crate::model::ReadValues;
use crate::model::{Blend, CellKind, Model, PhaseKind, Step};
use num_complex::Complex64;
use std::f64::consts::PI;

/// In the pass's float type `F`.
pub(crate) struct Backward<F: Real> {
    pub tape: Tape<F>,
    pass: Pass<F>,
    /// Rows the buffers have room for: the stride between the slots of `adj_h`.
    capacity: usize,
    /// Per layer, `[slots x capacity x hidden]` (slots as the pass's states): the adjoint of
    /// the states carried back in time.
    adj_h: Vec<Vec<F>>,
    /// Linear gated cell only, per layer `[capacity x hidden]`: the adjoint of tanh of the
    /// state at the current position (from the heads or the next layer), kept apart from the
    /// state's own adjoint in `adj_h` (empty for the other cells).
    adj_out: Vec<Vec<F>>,
    /// Per layer, `[n_sites x rows x G*hidden]`: adjoint of `pre_x = x W_in + b`.
    pub adj_x: Vec<Vec<F>>,
    /// Per layer (GRU only), `[n_sites x rows x GateLayout::adj_h_pre_width]`: adjoint of
    /// `pre_h` (the neighbour states times their weights) with the candidate gate's part
    /// taken at `pre_h_g + b_hg`, and on a grid the merge last. The vanilla cells use `adj_x`.
    pub adj_h_pre: Vec<Vec<F>>,
    /// Tensorized cell only, `[capacity x GateLayout::max_tensor_width]` and
    /// `[capacity x GateLayout::concat_width]`: the adjoints of T and of c at one position.
    adj_tensor: Vec<F>,
    adj_concat: Vec<F>,
    /// `[n_sites x rows x local_dim]`: adjoints of the amplitude and phase logits.
    pub adj_logits: Vec<F>,
    pub adj_phase: Vec<F>,
    /// `[n_sites x rows]`: each row's value at each position.
    pub values: Vec<u8>,
}

impl<F: Real> Backward<F> {
    /// Refuses (naming the bytes) a workspace no memory can hold.
    pub fn new(model: &Model, capacity: usize) -> Result<Self> {
        let cfg = model.config();
        let (n, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let layers = cfg.layers as usize;
        let gates = model.gate_layout();
        let phase = cfg.phase == PhaseKind::Softsign;
        let what = "the backward workspace";
        let slots = model.topology().slots();
        Ok(Backward {
            tape: Tape::new(model, capacity)?,
            pass: Pass::new(model, capacity)?,
            capacity,
            adj_h: try_zeroed_layers(layers, &[slots, capacity, dh], what)?,
            adj_out: try_zeroed_layers(
                layers,
                &[if gates.is_linear() { capacity } else { 0 }, dh],
                what,
            )?,
            adj_x: try_zeroed_layers(layers, &[n, capacity, gates.input_width()], what)?,
            adj_h_pre: try_zeroed_layers(layers, &[n, capacity, gates.adj_h_pre_width()], what)?,
            adj_tensor: try_zeroed(&[capacity, gates.max_tensor_width()], what)?,
            adj_concat: try_zeroed(&[capacity, gates.concat_width()], what)?,
            adj_logits: try_zeroed(&[n, capacity, d], what)?,
            adj_phase: try_zeroed(&[n, capacity, if phase { d } else { 0 }], what)?,
            values: try_zeroed(&[n, capacity], what)?,
        })
    }

    /// Bytes per row of a chunk's workspace, to size chunks within a memory budget.
    pub fn bytes_per_row(model: &Model) -> Result<usize> {
        let b = Backward::<F>::new(model, 1)?;
        Ok(b.tape.bytes()
            + size_of::<F>()
                * (b.adj_x
                    .iter()
                    .chain(&b.adj_h_pre)
                    .map(Vec::len)
                    .sum::<usize>()
                    + b.adj_tensor.len()
                    + b.adj_concat.len()
                    + b.adj_logits.len()
                    + b.adj_phase.len()))
    }

    /// The taped forward pass over `configs` (`[rows][n_sites]`). `first_sample` numbers
    /// the rows in error messages. Refuses a configuration with P = 0, where ln psi has no
    /// derivative.
    ///
    /// In a VMC step this repeats the samples' pass a third time. Its tape holds what the
    /// local energies' snapshots hold and more, but it cannot be taken from an earlier pass:
    /// the sweep's seeds need every sample's local energy less their mean over all processes,
    /// so the tape of every chunk would have to outlive that reduction. The tape is far
    /// larger than a pass's states (a 100-site GRU chain with 64 hidden units: 258 KB per
    /// row, 264 MB for 1024 samples, against the 64 MB a thread's workspace may take), so it
    /// is recomputed per chunk: this pass measured 10 to 23% of the gradient (1.7 to 3.8% of
    /// a GRU step).
    pub fn forward(&mut self, model: &Model, configs: &[u8], first_sample: usize) -> Result<()> {
        let n = model.num_sites();
        let rows = configs.len() / n;
        self.tape.set_rows(rows);
        self.pass.reset(rows);
        let mut reader = ReadValues {
            configs,
            order: model.order(),
        };
        for pos in 0..n {
            self.pass
                .step_recorded(model, rows, pos, &mut reader, Some(&mut self.tape));
        }
        if let Some(row) = self.pass.log_prob[..rows]
            .iter()
            .position(|lp| !lp.is_finite())
        {
            return Err(Error::invalid(format!(
                "configuration {} has probability 0 (outside the U(1) subspace): ln psi has no derivative there",
                first_sample + row
            )));
        }
        for (pos, &site) in model.order().iter().enumerate() {
            for row in 0..rows {
                self.values[pos * rows + row] = configs[row * n + site];
            }
        }
        Ok(())
    }

    /// Row `row`'s ln psi from the last [`Backward::forward`], without the sign rule.
    pub fn log_psi_unsigned(&self, row: usize) -> Complex64 {
        Complex64::new(0.5 * self.pass.log_prob[row], self.pass.phase[row])
    }

    /// The sweep for seeds: row i's objective is `alpha[i] ln P_i + beta[i] phase_i`.
    pub fn sweep(&mut self, model: &Model, alpha: &[f64], beta: &[f64]) {
        let cfg = model.config();
        let p = model.params_in::<F>();
        let layout = model.layout();
        let rows = self.tape.rows;
        let (n_sites, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let top = cfg.layers as usize - 1;
        let phase = cfg.phase == PhaseKind::Softsign;
        for a in &mut self.adj_h {
            a.fill(F::ZERO);
        }
        for pos in (0..n_sites).rev() {
            let block = |w: usize| pos * rows * w..(pos + 1) * rows * w;
            // Heads: d ln P / d logits = onehot(s) - p; d phase / d phase-logit[s].
            let probs = &self.tape.probs[block(d)];
            let values = &self.values[pos * rows..(pos + 1) * rows];
            let adj_logits = &mut self.adj_logits[block(d)];
            for row in 0..rows {
                let s = values[row] as usize;
                let alpha = F::from_f64(alpha[row]);
                for v in 0..d {
                    let onehot = if v == s { F::ONE } else { F::ZERO };
                    adj_logits[row * d + v] = alpha * (onehot - probs[row * d + v]);
                }
            }
            let step = model.topology().step(pos);
            let top_slot = step.slot * self.capacity * dh;
            let adj_top = if model.gate_layout().is_linear() {
                let adj_out = &mut self.adj_out[top][..rows * dh];
                adj_out.fill(F::ZERO);
                adj_out
            } else {
                &mut self.adj_h[top][top_slot..top_slot + rows * dh]
            };
            let amp = transposed(p, layout.amplitude_weight.clone(), d);
            gemm_view(
                rows,
                d,
                dh,
                View {
                    data: adj_logits,
                    rs: d,
                    cs: 1,
                },
                amp,
                F::ONE,
                adj_top,
                dh,
                1,
            );
            if phase {
                let logits = &self.tape.phase_logits[block(d)];
                let adj_phase = &mut self.adj_phase[block(d)];
                for row in 0..rows {
                    let s = values[row] as usize;
                    for v in 0..d {
                        adj_phase[row * d + v] = if v == s {
                            F::from_f64(
                                beta[row] * PI * softsign_derivative(logits[row * d + v].to_f64()),
                            )
                        } else {
                            F::ZERO
                        };
                    }
                }
                let w = transposed(p, layout.phase_weight.clone().unwrap(), d);
                gemm_view(
                    rows,
                    d,
                    dh,
                    View {
                        data: adj_phase,
                        rs: d,
                        cs: 1,
                    },
                    w,
                    F::ONE,
                    adj_top,
                    dh,
                    1,
                );
            }
            self.layers(model, pos, step);
        }
    }

    /// Every layer's part of the sweep at position `pos` (whose slot and neighbours `step`
    /// names), after the heads.
    fn layers(&mut self, model: &Model, pos: usize, step: Step) {
        if model.gate_layout().is_linear() {
            self.linear_layers(model, pos, step);
            return;
        }
        let cfg = model.config();
        let p = model.params_in::<F>();
        let gate_layout = model.gate_layout();
        let rows = self.tape.rows;
        let dh = cfg.hidden as usize;
        let (gdh, hdh) = (gate_layout.input_width(), gate_layout.hidden_width());
        let capacity = self.capacity;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;
        let own = slot(step.slot);
        let block = |width: usize| pos * rows * width..(pos + 1) * rows * width;

        for (l, lay) in model.layout().layers.iter().enumerate().rev() {
            if cfg.cell == CellKind::TensorGru {
                self.tensor_layer(model, pos, step, l);
                continue;
            }
            let (below, rest) = self.adj_h.split_at_mut(l);
            let adj = &mut rest[0];
            let adj_x = &mut self.adj_x[l][block(gdh)];
            // The cell's own backward; `kept` says whether it left in the own slot the part
            // of the previous state's adjoint that bypasses the weights (the chain GRU's
            // adjoint of m).
            let (adj_hidden, kept) = match gate_layout.blend() {
                Some(blend) => {
                    let gates = &self.tape.gates[l][block(gate_layout.tape_width())];
                    let h_prev = &self.tape.h[l][block(dh)];
                    let adj_hp = &mut self.adj_h_pre[l][block(hdh)];
                    gru_backward(
                        gate_layout.gru(),
                        gates,
                        h_prev,
                        &mut adj[own.clone()],
                        adj_x,
                        adj_hp,
                    );
                    (&self.adj_h_pre[l][block(hdh)], blend == Blend::Previous)
                }
                None => {
                    let h = &self.tape.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh];
                    activation_backward(cfg.cell, h, &adj[own.clone()], adj_x);
                    (&self.adj_x[l][block(gdh)], false)
                }
            };
            let a = View {
                data: adj_hidden,
                rs: hdh,
                cs: 1,
            };
            let mut own_passed_on = kept;
            for n in step.neighbours() {
                let w = transposed(p, n.weight.range(lay).clone(), hdh);
                // The own slot's adjoint is used up: the neighbour that read the slot starts
                // it afresh (unless the cell kept a part there); any other slot adds.
                let beta = if n.slot == step.slot && !kept {
                    F::ZERO
                } else {
                    F::ONE
                };
                own_passed_on |= n.slot == step.slot;
                gemm_view(rows, hdh, dh, a, w, beta, &mut adj[slot(n.slot)], dh, 1);
            }
            if !own_passed_on {
                // Nothing read the slot before (the zero initial state): no adjoint.
                adj[own.clone()].fill(F::ZERO);
            }
            if l > 0 {
                let w_in = transposed(p, lay.input_weight.clone(), gdh);
                let a = View {
                    data: &self.adj_x[l][block(gdh)],
                    rs: gdh,
                    cs: 1,
                };
                gemm_view(
                    rows,
                    gdh,
                    dh,
                    a,
                    w_in,
                    F::ONE,
                    &mut below[l - 1][own.clone()],
                    dh,
                    1,
                );
            }
        }
    }
}

impl<F: Real> Backward<F> {
    /// [`Backward::layers`] for the linear gated cell: no neighbour weights, so each
    /// neighbour's adjoint comes out of the cell's own kernel, elementwise.
    fn linear_layers(&mut self, model: &Model, pos: usize, step: Step) {
        let p = model.params_in::<F>();
        let gate_layout = model.gate_layout();
        let rows = self.tape.rows;
        let dh = gate_layout.dh;
        let (gdh, tw) = (gate_layout.input_width(), gate_layout.tape_width());
        let capacity = self.capacity;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;
        let own = slot(step.slot);
        let block = |width: usize| pos * rows * width..(pos + 1) * rows * width;
        // The state read through the own slot (chain: previous; grid: above), if any, and
        // the grid's horizontal neighbour, which lives in another slot.
        let reads_own = step.neighbours().any(|n| n.slot == step.slot);
        let left = step
            .neighbours()
            .find(|n| n.slot != step.slot)
            .map(|n| slot(n.slot));

        for (l, lay) in model.layout().layers.iter().enumerate().rev() {
            let (adj_own, adj_left) = own_and_other(&mut self.adj_h[l], own.clone(), left.clone());
            let out = &self.tape.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh];
            linear_backward(
                gate_layout.linear(),
                &self.tape.gates[l][block(tw)],
                out,
                &self.adj_out[l][..rows * dh],
                adj_own,
                adj_left,
                &mut self.adj_x[l][block(gdh)],
            );
            if !reads_own {
                // Nothing was read through the slot (the zero initial state): no adjoint.
                adj_own.fill(F::ZERO);
            }
            if l > 0 {
                let w_in = transposed(p, lay.input_weight.clone(), gdh);
                let a = View {
                    data: &self.adj_x[l][block(gdh)],
                    rs: gdh,
                    cs: 1,
                };
                let below = &mut self.adj_out[l - 1][..rows * dh];
                gemm_view(rows, gdh, dh, a, w_in, F::ZERO, below, dh, 1);
            }
        }
    }
}

impl<F: Real> Backward<F> {
    /// The tensorized cell's layer `l` at position `pos`: from the adjoint of its new state
    /// (the own slot), the adjoints of `[u | g]` (into `adj_x`) and of q (into `adj_h_pre`),
    /// then through T and c to the neighbours' slots and, above layer 0, to the layer below.
    fn tensor_layer(&mut self, model: &Model, pos: usize, step: Step, l: usize) {
        let p = model.params_in::<F>();
        let gl = model.gate_layout();
        let lay = &model.layout().layers[l];
        let rows = self.tape.rows;
        let dh = gl.dh;
        let (nc, k, xw, tw) = (
            gl.concat_width(),
            gl.tensor_width(l),
            gl.input_width(),
            gl.tape_width(),
        );
        let capacity = self.capacity;
        let slot = |s: usize| s * capacity * dh..s * capacity * dh + rows * dh;
        let own = slot(step.slot);
        let block = |width: usize| pos * rows * width..(pos + 1) * rows * width;
        let (below, rest) = self.adj_h.split_at_mut(l);
        let adj = &mut rest[0];
        let adj_pre = &mut self.adj_x[l][block(xw)];
        let adj_q = &mut self.adj_h_pre[l][block(dh)];
        let tape = &self.tape.gates[l][block(tw)];
        tensor_gru_backward(gl.tensor(), tape, &adj[own.clone()], adj_pre, adj_q);
        // adj T = adj_pre W^T, adj c = adj_q M^T.
        let adj_t = &mut self.adj_tensor[..rows * k];
        let pre_view = View {
            data: adj_pre,
            rs: xw,
            cs: 1,
        };
        let w = transposed(p, lay.input_weight.clone(), xw);
        gemm_view(rows, xw, k, pre_view, w, F::ZERO, adj_t, k, 1);
        let adj_c = &mut self.adj_concat[..rows * nc];
        let q_view = View {
            data: adj_q,
            rs: dh,
            cs: 1,
        };
        let m = transposed(p, lay.hidden_weight.clone(), dh);
        gemm_view(rows, dh, nc, q_view, m, F::ZERO, adj_c, nc, 1);
        if l == 0 {
            // c sits in the block of each neighbour's value.
            for n in step.neighbours() {
                let values = &self.values[n.position * rows..(n.position + 1) * rows];
                for ((ac, at), &v) in adj_c
                    .chunks_exact_mut(nc)
                    .zip(adj_t.chunks_exact(k))
                    .zip(values)
                {
                    let start = (n.input_offset + v as usize) * nc;
                    for (a, &b) in ac.iter_mut().zip(&at[start..start + nc]) {
                        *a += b;
                    }
                }
            }
        } else {
            let below_own = &mut below[l - 1][own.clone()];
            for ((ac, at), ax) in adj_c
                .chunks_exact_mut(nc)
                .zip(adj_t.chunks_exact(k))
                .zip(below_own.chunks_exact_mut(dh))
            {
                for (a, &b) in ac.iter_mut().zip(&at[..nc]) {
                    *a += b;
                }
                for (a, &b) in ax.iter_mut().zip(&at[nc..]) {
                    *a += b;
                }
            }
        }
        // Each neighbour's part of c goes to its slot: the own slot's adjoint is used up, so
        // the neighbour that read it (chain: previous site; grid: the site above) starts it
        // afresh; another slot adds to what later positions sent it.
        let mut own_passed_on = false;
        for n in step.neighbours() {
            let part = n.weight.index() * dh;
            let reads_own = n.slot == step.slot;
            own_passed_on |= reads_own;
            for (dst, ac) in adj[slot(n.slot)]
                .chunks_exact_mut(dh)
                .zip(adj_c.chunks_exact(nc))
            {
                let src = &ac[part..part + dh];
                if reads_own {
                    dst.copy_from_slice(src);
                } else {
                    for (a, &b) in dst.iter_mut().zip(src) {
                        *a += b;
                    }
                }
            }
        }
        if !own_passed_on {
            adj[own].fill(F::ZERO);
        }
    }
}

/// The vanilla cells' activation backward: `adj_pre = adj_h f'(pre)`, read off `h = f(pre)`.
fn activation_backward<F: Real>(cell: CellKind, h: &[F], adj_h: &[F], adj_pre: &mut [F]) {
    match cell {
        CellKind::VanillaElu => elu_backward(h, adj_h, adj_pre),
        _ => tanh_backward(h, adj_h, adj_pre),
    }
}

/// The adjoint of h through `h W` (W a `[.. x w]` block at `range`) is `adj W^T`: the block
/// seen transposed, by swapped strides.
fn transposed<F: Real>(p: &[F], range: std::ops::Range<usize>, w: usize) -> View<'_, F> {
    View {
        data: &p[range],
        rs: 1,
        cs: w,
    }
}
