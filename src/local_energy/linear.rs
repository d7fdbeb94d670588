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
use crate::kernels::{linear_update, tanh_in_place, Real};
use crate::model::forward::{masked_log_softmax, softsign};
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
            for (o, config) in out.iter_mut().zip(configs.chunks_exact(sites)) {
                *o = ws.local_energy(model, op, config);
            }
            Ok(())
        },
    )
}

/// One row's buffers, kept between calls in the model's workspace cache. Buffers by
/// position are in sampling order. States, gates and heads in `F`, sums in f64.
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
    log_probs: Vec<F>,
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
            log_probs: try_zeroed_vec(d, what)?,
        })
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
            let (lp, ph) = self.head(model, t, self.values[t], self.partial[t]);
            self.log_prob[t + 1] = self.log_prob[t] + lp;
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
        let (mut log_prob, mut phase, mut partial) = (0.0, 0.0, self.partial[first]);
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
                    blend(layout.mixes_neighbours(), dh, gates, own, left, h);
                    self.out.copy_from_slice(h);
                    tanh_in_place(&mut self.out);
                }
            }
            let value = self.new_values[t];
            let (lp, ph) = self.head(model, t, value, partial);
            log_prob += lp;
            phase += ph;
            partial += value as u32;
        }
        for &i in flips {
            self.flipped[self.position_of[i as usize]] = false;
        }
        Complex64::new(
            0.5 * (self.log_prob[first] + log_prob),
            self.phase[first] + phase + sign,
        )
    }

    /// The heads at position `t` on `self.out` (tanh of the state): ln P(value | before) under
    /// the U(1) mask with `partial` placed so far, and the phase's term.
    fn head(&mut self, model: &Model, t: usize, value: u8, partial: u32) -> (f64, f64) {
        let cfg = model.config();
        let (p, layout) = (model.params_in::<F>(), model.layout());
        let d = cfg.local_dim as usize;
        affine_row(
            &self.out,
            &p[layout.amplitude_weight.clone()],
            &p[layout.amplitude_bias.clone()],
            &mut self.logits,
        );
        let budget = cfg
            .u1_total
            .map(|q| (q as i64 - partial as i64, model.num_sites() - t));
        masked_log_softmax(&self.logits, &mut self.log_probs, budget, d);
        let lp = self.log_probs[value as usize].to_f64();
        let ph = if cfg.phase == PhaseKind::Softsign {
            let (w, b) = (
                layout.phase_weight.clone().expect("a phase head"),
                layout.phase_bias.clone().expect("a phase head"),
            );
            affine_row(&self.out, &p[w], &p[b], &mut self.logits);
            PI * softsign(self.logits[value as usize].to_f64())
        } else {
            0.0
        };
        (lp, ph)
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

/// The cell's state update with the gates of the tape row `gates` (inputs unchanged):
/// h = a m + (1 - a) c, m = the own-slot state (chain) or b h_h + (1 - b) h_v (grid), as
/// `kernels::linear_update` computes it.
fn blend<F: Real>(grid: bool, dh: usize, gates: &[F], own: Option<&[F]>, left: &[F], h: &mut [F]) {
    let a = &gates[..dh];
    if grid {
        let (b, c) = (&gates[dh..2 * dh], &gates[2 * dh..3 * dh]);
        for j in 0..dh {
            let hl = if left.is_empty() { F::ZERO } else { left[j] };
            let hv = own.map_or(F::ZERO, |s| s[j]);
            let m = b[j] * hl + (F::ONE - b[j]) * hv;
            h[j] = a[j] * m + (F::ONE - a[j]) * c[j];
        }
    } else {
        let c = &gates[dh..2 * dh];
        for j in 0..dh {
            let m = own.map_or(F::ZERO, |s| s[j]);
            h[j] = a[j] * m + (F::ONE - a[j]) * c[j];
        }
    }
}

/// `out = x w + bias` for one row, `w` `[dh x d]` row-major.
fn affine_row<F: Real>(x: &[F], w: &[F], bias: &[F], out: &mut [F]) {
    let d = out.len();
    out.copy_from_slice(bias);
    for (xj, wj) in x.iter().zip(w.chunks_exact(d)) {
        for (o, &wv) in out.iter_mut().zip(wj) {
            *o += *xj * wv;
        }
    }
}
