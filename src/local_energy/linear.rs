//! Local energies of a one-layer linear gated model by propagation (docs/method.md).
//!
//! The cell's gates read only the values of a position's neighbours, so a connected
//! configuration s' that first differs from its sample s at position k keeps every gate of
//! the sample except at the positions that read a flipped site. From k + 1 on, its states
//! follow h'_t = a_t m'_t + (1 - a_t) c_t (on a grid m' = b h'_h + (1 - b) h'_v) with the
//! sample's a_t, b_t, c_t: elementwise work, no matrix product. Each row keeps its sample's
//! states and gates for all positions (what bounds this path's memory; a larger model takes
//! the prefix-reuse path), then walks each connected configuration from k to the end,
//! evaluating the heads on the way: O(hidden * (1 + local_dim)) per position against the
//! GRU's O(hidden^2).

use super::{changes_total, ratio_term, SNAPSHOT_BUDGET_BYTES};
use crate::buffer::{try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::hamiltonian::compiled::CompiledOperator;
use crate::kernels::{
    head_logits, linear_blend, linear_update, softmax_probability, tanh_in_place, Real,
};
use crate::model::forward::softsign;
use crate::model::{Model, PhaseKind, Step};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;
use std::f64::consts::PI;

/// Whether the propagation applies: one layer of the linear gated cell whose per-row
/// workspace fits the snapshots' budget.
pub(super) fn applies<F: Real>(model: &Model) -> bool {
    model.gate_layout().is_linear()
        && model.config().layers == 1
        && bytes_per_row::<F>(model).is_some_and(|b| b <= SNAPSHOT_BUDGET_BYTES)
}

/// Bytes of one row's workspace: the sample's states and gates in `F`, the connected states,
/// and the running sums.
fn bytes_per_row<F: Real>(model: &Model) -> Option<usize> {
    let layout = model.gate_layout();
    let states = (2 * layout.dh + layout.tape_width()).checked_mul(size_of::<F>())?;
    let per_position = states.checked_add(3 * 8)?;
    model.num_sites().checked_mul(per_position)
}

/// E_loc of each configuration in `configs` (checked by the caller), row by row; chunks of
/// CHUNK_ROWS rows spread over the threads, so nothing depends on the thread count.
pub(super) fn local_energies<F: Real>(
    model: &Model,
    op: &CompiledOperator,
    configs: &[u8],
    out: &mut [Complex64],
) -> Result<()> {
    let sites = model.num_sites();
    let tasks = configs
        .chunks(CHUNK_ROWS * sites)
        .zip(out.chunks_mut(CHUNK_ROWS));
    for_each_task(
        tasks,
        || {
            model
                .workspaces()
                .lease(1, |_| Propagation::<F>::new(model))
        },
        |ws, (configs, out)| {
            ws.load_heads(model);
            for (o, config) in out.iter_mut().zip(configs.chunks_exact(sites)) {
                *o = ws.local_energy(model, op, config);
            }
            Ok(())
        },
    )
}

/// One row's buffers, kept between calls in the model's workspace cache. Buffers by
/// position are in sampling order.
struct Propagation<F: Real> {
    /// Site index -> sampling position.
    position_of: Vec<usize>,
    /// `[n x hidden]`: the sample's states.
    h: Vec<F>,
    /// `[n x tape_width]`: the sample's gates and the neighbour states they mixed.
    gates: Vec<F>,
    /// `[n + 1]`: the sample's ln P, phase and sum of values over the positions before each.
    log_prob: Vec<f64>,
    phase: Vec<f64>,
    partial: Vec<u32>,
    /// `[n]`: the sample's values, and a connected configuration's.
    values: Vec<u8>,
    new_values: Vec<u8>,
    /// `[n]`: whether a position's site is flipped in the current connected configuration.
    flipped: Vec<bool>,
    /// `[n x hidden]`: the connected configuration's states (from its first flip on).
    new_h: Vec<F>,
    /// The connected configuration in site order (for the sign rule).
    connected: Vec<u8>,
    pre_x: Vec<F>,
    /// tanh of the state the heads read.
    out: Vec<F>,
    logits: Vec<F>,
    /// The one probability `softmax_probability` returns.
    probability: Vec<F>,
    /// `[local_dim x hidden]`: the amplitude and phase heads' weights transposed.
    amplitude_t: Vec<F>,
    phase_t: Vec<F>,
}

impl<F: Real> Propagation<F> {
    /// Refuses (naming the bytes) buffers no memory can hold.
    fn new(model: &Model) -> Result<Self> {
        let what = "the linear cell's local-energy workspace";
        let n = model.num_sites();
        let layout = model.gate_layout();
        let (dh, d) = (layout.dh, model.config().local_dim as usize);
        let mut position_of: Vec<usize> = try_zeroed_vec(n, what)?;
        for (pos, &site) in model.order().iter().enumerate() {
            position_of[site] = pos;
        }
        Ok(Propagation {
            position_of,
            h: try_zeroed(&[n, dh], what)?,
            gates: try_zeroed(&[n, layout.tape_width()], what)?,
            log_prob: try_zeroed_vec(n + 1, what)?,
            phase: try_zeroed_vec(n + 1, what)?,
            partial: try_zeroed_vec(n + 1, what)?,
            values: try_zeroed_vec(n, what)?,
            new_values: try_zeroed_vec(n, what)?,
            flipped: try_zeroed_vec(n, what)?,
            new_h: try_zeroed(&[n, dh], what)?,
            connected: try_zeroed_vec(n, what)?,
            pre_x: try_zeroed_vec(layout.input_width(), what)?,
            out: try_zeroed_vec(dh, what)?,
            logits: try_zeroed_vec(d, what)?,
            probability: try_zeroed_vec(1, what)?,
            amplitude_t: try_zeroed(&[d, dh], what)?,
            phase_t: try_zeroed(&[d, dh], what)?,
        })
    }

    /// Copies the heads' weights, transposed, from the model's current parameters.
    fn load_heads(&mut self, model: &Model) {
        let (p, layout) = (model.params_in::<F>(), model.layout());
        let d = model.config().local_dim as usize;
        transpose(
            &p[layout.amplitude_weight.clone()],
            d,
            &mut self.amplitude_t,
        );
        if let Some(w) = &layout.phase_weight {
            transpose(&p[w.clone()], d, &mut self.phase_t);
        }
    }

    /// E_loc(s) for one configuration `config` (site order).
    fn local_energy(&mut self, model: &Model, op: &CompiledOperator, config: &[u8]) -> Complex64 {
        let n = model.num_sites();
        let sign_rule = model.config().sign_rule != crate::model::SignRule::None;
        self.run_sample(model, config);
        let sample = Complex64::new(
            0.5 * self.log_prob[n],
            self.phase[n] + model.sign_phase(config),
        );
        let conserves_total = model.config().u1_total.is_some();
        let mut e = op.diagonal(config);
        for g in 0..op.num_off_diagonal() {
            let element = op.element(g, config);
            let flips = op.flips(g);
            if element == Complex64::new(0.0, 0.0)
                || (conserves_total && changes_total(flips, config))
            {
                continue;
            }
            let sign = if sign_rule {
                self.connected.copy_from_slice(config);
                for &i in flips {
                    self.connected[i as usize] ^= 1;
                }
                model.sign_phase(&self.connected)
            } else {
                0.0
            };
            let connected = self.connected_log_psi(model, flips, sign);
            e += ratio_term(element, connected, sample);
        }
        e
    }

    /// The sample's pass, keeping its states, gates and running sums at every position.
    fn run_sample(&mut self, model: &Model, config: &[u8]) {
        let n = model.num_sites();
        let layout = model.gate_layout();
        let (dh, tw) = (layout.dh, layout.tape_width());
        for (v, &site) in self.values.iter_mut().zip(model.order()) {
            *v = config[site];
        }
        self.log_prob[0] = 0.0;
        self.phase[0] = 0.0;
        self.partial[0] = 0;
        for t in 0..n {
            let step = model.topology().step(t);
            gather_inputs(model, step, &self.values, &mut self.pre_x);
            let (done, rest) = self.h.split_at_mut(t * dh);
            let h = &mut rest[..dh];
            let (own, left) = neighbour_states(step, dh, n, done, done);
            match own {
                Some(s) => h.copy_from_slice(s),
                None => h.fill(F::ZERO),
            }
            let tape = &mut self.gates[t * tw..(t + 1) * tw];
            linear_update(layout, &self.pre_x, left, h, &mut self.out, tape);
            let (p, ph) = self.head(model, t, self.values[t], self.partial[t]);
            self.log_prob[t + 1] = self.log_prob[t] + p.ln();
            self.phase[t + 1] = self.phase[t] + ph;
            self.partial[t + 1] = self.partial[t] + self.values[t] as u32;
        }
    }

    /// ln psi of the sample with `flips` (site indices) flipped, whose sign phase is `sign`.
    fn connected_log_psi(&mut self, model: &Model, flips: &[u32], sign: f64) -> Complex64 {
        let n = model.num_sites();
        let layout = model.gate_layout();
        let (dh, tw) = (layout.dh, layout.tape_width());
        let first = flips
            .iter()
            .map(|&i| self.position_of[i as usize])
            .min()
            .expect("an off-diagonal group flips a site");
        // All of them: a grid's position reads the row above, which may lie before `first`.
        self.new_values.copy_from_slice(&self.values);
        for &i in flips {
            let pos = self.position_of[i as usize];
            self.new_values[pos] ^= 1;
            self.flipped[pos] = true;
        }
        // ln P is the sum of ln p over the positions; one logarithm of their running product
        // per many positions instead of one per position.
        let (mut log_prob, mut product, mut phase) = (0.0, 1.0, 0.0);
        let mut partial = self.partial[first];
        for t in first..n {
            if t == first {
                // Its inputs and state are the sample's; only its value differs.
                self.out.copy_from_slice(&self.h[t * dh..(t + 1) * dh]);
                tanh_in_place(&mut self.out);
            } else {
                let step = model.topology().step(t);
                // States of positions after `first` are the connected configuration's.
                let (done, rest) = self.new_h.split_at_mut(t * dh);
                let h = &mut rest[..dh];
                let (own, left) = neighbour_states(step, dh, first, done, &self.h);
                if step.neighbours().any(|nb| self.flipped[nb.position]) {
                    // A flipped neighbour: new gates, from the kernel (which also applies tanh).
                    gather_inputs(model, step, &self.new_values, &mut self.pre_x);
                    match own {
                        Some(s) => h.copy_from_slice(s),
                        None => h.fill(F::ZERO),
                    }
                    linear_update(layout, &self.pre_x, left, h, &mut self.out, &mut []);
                } else {
                    let gates = &self.gates[t * tw..(t + 1) * tw];
                    linear_blend(layout, gates, own.unwrap_or(&[]), left, h, &mut self.out);
                }
            }
            let value = self.new_values[t];
            let (p, ph) = self.head(model, t, value, partial);
            product *= p;
            if product < 1e-200 {
                log_prob += product.ln();
                product = 1.0;
            }
            phase += ph;
            partial += value as u32;
        }
        for &i in flips {
            self.flipped[self.position_of[i as usize]] = false;
        }
        log_prob += product.ln();
        Complex64::new(
            0.5 * (self.log_prob[first] + log_prob),
            self.phase[first] + phase + sign,
        )
    }

    /// The heads at position `t` on `self.out` (tanh of the state): P(value | before) under the
    /// U(1) mask with `partial` placed so far, and the phase's term.
    fn head(&mut self, model: &Model, t: usize, value: u8, partial: u32) -> (f64, f64) {
        let cfg = model.config();
        let (p, layout) = (model.params_in::<F>(), model.layout());
        let d = cfg.local_dim as usize;
        let bias = &p[layout.amplitude_bias.clone()];
        head_logits(&self.out, &self.amplitude_t, bias, &mut self.logits);
        // The feasible values form a range: v <= what is left to place, and what remains
        // after v fits on the sites after this one (as `forward::feasible`).
        let (lo, hi) = match cfg.u1_total {
            None => (0, d as i64 - 1),
            Some(q) => {
                let left = q as i64 - partial as i64;
                let room = (d as i64 - 1) * (model.num_sites() - t - 1) as i64;
                ((left - room).max(0), left.min(d as i64 - 1))
            }
        };
        let (lo, hi) = if lo > hi || hi < 0 {
            (1, 0)
        } else {
            (lo as usize, hi as usize)
        };
        softmax_probability(&self.logits, lo, hi, value as usize, &mut self.probability);
        let probability = self.probability[0].to_f64();
        let ph = if cfg.phase == PhaseKind::Softsign {
            let bias = &p[layout.phase_bias.clone().expect("a phase head")];
            head_logits(&self.out, &self.phase_t, bias, &mut self.logits);
            PI * softsign(self.logits[value as usize].to_f64())
        } else {
            0.0
        };
        (probability, ph)
    }
}

/// `pre_x` = the bias plus the input weight's rows of the neighbours' values, added in the
/// order the pass adds them.
fn gather_inputs<F: Real>(model: &Model, step: Step, values: &[u8], pre_x: &mut [F]) {
    let p = model.params_in::<F>();
    let lay = &model.layout().layers[0];
    let width = pre_x.len();
    pre_x.copy_from_slice(&p[lay.bias.clone()]);
    let w = &p[lay.input_weight.clone()];
    for nb in step.neighbours() {
        let start = (nb.input_offset + values[nb.position] as usize) * width;
        for (a, b) in pre_x.iter_mut().zip(&w[start..start + width]) {
            *a += *b;
        }
    }
}

/// The states a position reads, `[dh]` each: through its own slot (chain: the previous; grid:
/// above; `None` if there is none) and the grid's horizontal neighbour (empty if none).
/// Positions after `first` read `new`, the others `old` (both `[positions x dh]`).
fn neighbour_states<'a, F>(
    step: Step,
    dh: usize,
    first: usize,
    new: &'a [F],
    old: &'a [F],
) -> (Option<&'a [F]>, &'a [F]) {
    let mut own = None;
    let mut left: &[F] = &[];
    for nb in step.neighbours() {
        let range = nb.position * dh..(nb.position + 1) * dh;
        let state = if nb.position > first {
            &new[range]
        } else {
            &old[range]
        };
        if nb.slot == step.slot {
            own = Some(state);
        } else {
            left = state;
        }
    }
    (own, left)
}

/// `wt` = `w` (`[rows x d]` row-major) transposed.
fn transpose<F: Real>(w: &[F], d: usize, wt: &mut [F]) {
    let rows = w.len() / d;
    for (j, row) in w.chunks_exact(d).enumerate() {
        for (v, &x) in row.iter().enumerate() {
            wt[v * rows + j] = x;
        }
    }
}
