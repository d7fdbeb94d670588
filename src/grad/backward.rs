//! Backpropagation through time over one chunk of rows: a recorded forward pass, then a
//! sweep from the last position to the first that leaves the adjoint of every
//! pre-activation, laid out `[position][row][...]` for the weight gradients.

use crate::error::{Error, Result};
use crate::kernels::{elu_backward, gemm_view, gru_backward, tanh_backward, View};
use crate::model::forward::{softsign_derivative, Pass, Recording};
use crate::model::ReadValues;
use crate::model::{CellKind, Model, PhaseKind};
use std::f64::consts::PI;

pub(crate) struct Backward {
    pub record: Recording,
    pass: Pass,
    /// Rows the buffers have room for: the stride between the slots of `adj_h`.
    pub(super) capacity: usize,
    /// Per layer, `[slots x capacity x hidden]` (slots as the pass's states): the adjoint of
    /// the states carried back in time. Chain: of the previous state. Grid: of each column's
    /// next site in the reverse sweep (`grad/grid_backward.rs`).
    pub(super) adj_h: Vec<Vec<f64>>,
    /// Per layer, `[n_sites x rows x G*hidden]`: adjoint of `pre_x = x W_in + b`.
    pub adj_x: Vec<Vec<f64>>,
    /// Per layer (GRU only), `[n_sites x rows x H*hidden]`: adjoint of `U h` with the
    /// candidate gate's part taken at `U_g h + b_hg` (H = 3; on a grid H = 4, the merge
    /// last). The vanilla cells use `adj_x`.
    pub adj_h_pre: Vec<Vec<f64>>,
    /// `[n_sites x rows x local_dim]`: adjoints of the amplitude and phase logits.
    pub adj_logits: Vec<f64>,
    pub adj_phase: Vec<f64>,
    /// `[n_sites x rows]`: each row's value at each position.
    pub values: Vec<u8>,
}

impl Backward {
    pub fn new(model: &Model, capacity: usize) -> Self {
        let cfg = model.config();
        let (n, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let layers = cfg.layers as usize;
        let gdh = crate::model::gates(cfg.cell) * dh;
        let hdh = crate::model::hidden_gates(cfg) * dh;
        let gru = cfg.cell == CellKind::Gru;
        let phase = cfg.phase == PhaseKind::Softsign;
        Backward {
            record: Recording::new(model, capacity),
            pass: Pass::new(model, capacity),
            capacity,
            adj_h: vec![vec![0.0; model.state_slots() * capacity * dh]; layers],
            adj_x: vec![vec![0.0; n * capacity * gdh]; layers],
            adj_h_pre: vec![vec![0.0; if gru { n * capacity * hdh } else { 0 }]; layers],
            adj_logits: vec![0.0; n * capacity * d],
            adj_phase: vec![0.0; if phase { n * capacity * d } else { 0 }],
            values: vec![0; n * capacity],
        }
    }

    /// Bytes per row of a chunk's workspace, to size chunks within a memory budget.
    pub fn bytes_per_row(model: &Model) -> usize {
        let b = Backward::new(model, 1);
        Recording::bytes_per_row(model)
            + 8 * (b
                .adj_x
                .iter()
                .chain(&b.adj_h_pre)
                .map(Vec::len)
                .sum::<usize>()
                + b.adj_logits.len()
                + b.adj_phase.len())
    }

    /// The recorded forward pass over `configs` (`[rows][n_sites]`). `first_sample` numbers
    /// the rows in error messages. Refuses a configuration with P = 0, where ln psi has no
    /// derivative.
    pub fn forward(&mut self, model: &Model, configs: &[u8], first_sample: usize) -> Result<()> {
        let n = model.num_sites();
        let rows = configs.len() / n;
        self.record.set_rows(rows);
        self.pass.reset(rows);
        let mut reader = ReadValues {
            configs,
            order: model.order(),
        };
        for pos in 0..n {
            self.pass
                .step_recorded(model, rows, pos, &mut reader, Some(&mut self.record));
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

    /// The sweep for seeds: row i's objective is `alpha[i] ln P_i + beta[i] phase_i`.
    pub fn sweep(&mut self, model: &Model, alpha: &[f64], beta: &[f64]) {
        let cfg = model.config();
        let p = model.params();
        let layout = model.layout();
        let rows = self.record.rows;
        let (n_sites, dh, d) = (
            model.num_sites(),
            cfg.hidden as usize,
            cfg.local_dim as usize,
        );
        let top = cfg.layers as usize - 1;
        let phase = cfg.phase == PhaseKind::Softsign;
        for a in &mut self.adj_h {
            a.fill(0.0);
        }
        for pos in (0..n_sites).rev() {
            let block = |w: usize| pos * rows * w..(pos + 1) * rows * w;
            // Heads: d ln P / d logits = onehot(s) - p; d phase / d phase-logit[s].
            let probs = &self.record.probs[block(d)];
            let values = &self.values[pos * rows..(pos + 1) * rows];
            let adj_logits = &mut self.adj_logits[block(d)];
            for row in 0..rows {
                let s = values[row] as usize;
                for v in 0..d {
                    let onehot = if v == s { 1.0 } else { 0.0 };
                    adj_logits[row * d + v] = alpha[row] * (onehot - probs[row * d + v]);
                }
            }
            let step = model.grid_step(pos);
            let column = step.map_or(0, |s| s.column);
            let top_slot = column * self.capacity * dh;
            let adj_top = &mut self.adj_h[top][top_slot..top_slot + rows * dh];
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
                1.0,
                adj_top,
                dh,
                1,
            );
            if phase {
                let logits = &self.record.phase_logits[block(d)];
                let adj_phase = &mut self.adj_phase[block(d)];
                for row in 0..rows {
                    let s = values[row] as usize;
                    for v in 0..d {
                        adj_phase[row * d + v] = if v == s {
                            beta[row] * PI * softsign_derivative(logits[row * d + v])
                        } else {
                            0.0
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
                    1.0,
                    adj_top,
                    dh,
                    1,
                );
            }
            match step {
                None => self.chain_layers(model, pos),
                Some(step) => self.grid_layers(model, pos, step),
            }
        }
    }

    /// Every layer's part of the sweep at chain position `pos`, after the heads.
    fn chain_layers(&mut self, model: &Model, pos: usize) {
        let cfg = model.config();
        let p = model.params();
        let layout = model.layout();
        let rows = self.record.rows;
        let dh = cfg.hidden as usize;
        let gdh = crate::model::gates(cfg.cell) * dh;
        let block = |w: usize| pos * rows * w..(pos + 1) * rows * w;
        for (l, lay) in layout.layers.iter().enumerate().rev() {
            let (below, rest) = self.adj_h.split_at_mut(l);
            let adj_h = &mut rest[0][..rows * dh];
            let h_prev = &self.record.h[l][pos * rows * dh..(pos + 1) * rows * dh];
            let adj_x = &mut self.adj_x[l][block(gdh)];
            let w_h = transposed(p, lay.hidden_weight.clone(), gdh);
            match cfg.cell {
                CellKind::Gru => {
                    let gates = &self.record.gates[l][block(4 * dh)];
                    let adj_hp = &mut self.adj_h_pre[l][block(gdh)];
                    gru_backward(dh, gates, h_prev, adj_h, adj_x, adj_hp);
                    if pos > 0 {
                        let a = View {
                            data: adj_hp,
                            rs: gdh,
                            cs: 1,
                        };
                        gemm_view(rows, gdh, dh, a, w_h, 1.0, adj_h, dh, 1);
                    }
                }
                CellKind::Vanilla | CellKind::VanillaElu => {
                    let h = &self.record.h[l][(pos + 1) * rows * dh..(pos + 2) * rows * dh];
                    activation_backward(cfg.cell, h, adj_h, adj_x);
                    // Before the first site the state is the constant zero: no adjoint.
                    let beta = 0.0;
                    let a = View {
                        data: adj_x,
                        rs: gdh,
                        cs: 1,
                    };
                    if pos > 0 {
                        gemm_view(rows, gdh, dh, a, w_h, beta, adj_h, dh, 1);
                    }
                }
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
                    1.0,
                    &mut below[l - 1][..rows * dh],
                    dh,
                    1,
                );
            }
        }
    }
}

/// The vanilla cells' activation backward: `adj_pre = adj_h f'(pre)`, read off `h = f(pre)`.
pub(super) fn activation_backward(cell: CellKind, h: &[f64], adj_h: &[f64], adj_pre: &mut [f64]) {
    match cell {
        CellKind::VanillaElu => elu_backward(h, adj_h, adj_pre),
        _ => tanh_backward(h, adj_h, adj_pre),
    }
}

/// The adjoint of h through `h W` (W a `[.. x w]` block at `range`) is `adj W^T`: the block
/// seen transposed, by swapped strides.
pub(super) fn transposed(p: &[f64], range: std::ops::Range<usize>, w: usize) -> View<'_> {
    View {
        data: &p[range],
        rs: 1,
        cs: w,
    }
}
