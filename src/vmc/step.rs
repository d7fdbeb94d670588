//! One VMC step: sample, local energies, gradient, update.

use super::{StepTimings, Vmc, VmcStats};
use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::{check_operator, local_energies};
use crate::model::Model;
use crate::optim::{clip_norm, minsr_direction, sr_conjugate_gradient, Optimizer};
use crate::random::derive_seed;
use num_complex::Complex64;
use std::time::Instant;

impl Vmc {
    /// One step on `h`: draws this process's `n_samples` (seed derived from the config's
    /// seed and the step index), then [`Vmc::step_on_samples`]. A NaN or Inf anywhere, or a
    /// failing reduction, returns an error and leaves the parameters and the optimiser state
    /// unchanged.
    pub fn step(&mut self, model: &mut Model, h: &Hamiltonian) -> Result<VmcStats> {
        self.check_model_size(model.num_params())?;
        check_operator(model, h)?;
        let start = Instant::now();
        let ns = self.config.n_samples as usize;
        let mut configs = vec![0u8; ns * model.num_sites()];
        let mut log_psi = vec![Complex64::new(0.0, 0.0); ns];
        model.sample(
            derive_seed(self.config.seed, self.steps),
            ns,
            &mut configs,
            Some(&mut log_psi),
        )?;
        self.update_on_samples(model, h, &configs, &log_psi, start)
    }

    /// The step on given samples of this process: `configs` (`[n][n_sites]`, n >= 1, drawn
    /// from `model`'s |psi|^2) and their `log_psi`. Local energies, the gradient and the
    /// update are as in [`Vmc::step`], averaged over every process's samples through the
    /// reduction hook; the step counter advances. `n` need not be the config's `n_samples`.
    /// On error the parameters, the optimiser state and the step counter are unchanged.
    pub fn step_on_samples(
        &mut self,
        model: &mut Model,
        h: &Hamiltonian,
        configs: &[u8],
        log_psi: &[Complex64],
    ) -> Result<VmcStats> {
        self.check_model_size(model.num_params())?;
        check_operator(model, h)?;
        let ns = log_psi.len();
        if ns == 0 {
            return Err(Error::invalid("a step needs at least one sample (got 0)"));
        }
        model.check_configs(configs, ns)?;
        self.update_on_samples(model, h, configs, log_psi, Instant::now())
    }

    /// The step after sampling; `start` is when the step began (sampling took until now).
    fn update_on_samples(
        &mut self,
        model: &mut Model,
        h: &Hamiltonian,
        configs: &[u8],
        log_psi: &[Complex64],
        start: Instant,
    ) -> Result<VmcStats> {
        let ns = log_psi.len();
        let sampled = Instant::now();

        let mut e_loc = vec![Complex64::new(0.0, 0.0); ns];
        local_energies(model, h, configs, &mut e_loc)?;
        // A non-finite local energy on one process reaches every process through the sums
        // of the first reduction, so all processes fail this step together rather than the
        // others waiting in a reduction this one never joins.
        let bad = e_loc
            .iter()
            .position(|e| !(e.re.is_finite() && e.im.is_finite()));
        let energy = self.reduced_estimate(&e_loc);
        if let Some(i) = bad {
            return Err(Error::numerical(format!(
                "local energy of sample {i} is {}",
                e_loc[i]
            )));
        }
        let energy = energy?;
        let local = Instant::now();

        // Annealing minimises <H> - T S: the gradient of E_loc + T ln P.
        let t = self.config.temperature;
        let objective: Vec<Complex64> = if t > 0.0 {
            e_loc
                .iter()
                .zip(log_psi)
                .map(|(e, l)| e + t * 2.0 * l.re)
                .collect()
        } else {
            e_loc
        };
        let mean = if t > 0.0 {
            self.reduced_estimate(&objective)?.mean
        } else {
            energy.mean
        };
        let n_total = energy.n as f64;
        let centred: Vec<Complex64> = objective.iter().map(|f| f - mean).collect();

        let np = model.num_params();
        let mut grad = vec![0.0; np];
        let mut direction = None;
        if self.config.optimizer == Optimizer::MinSr {
            let (a, b) = self.sample_space_system(model, configs, &centred, n_total)?;
            // f = A^T b over all processes; the energy gradient is 2 f.
            let mut f = vec![0.0; np];
            for (row, &bi) in a.chunks_exact(np).zip(&b) {
                f.iter_mut().zip(row).for_each(|(f, x)| *f += x * bi);
            }
            self.reduce(&mut f)?;
            grad.iter_mut().zip(&f).for_each(|(g, f)| *g = 2.0 * f);
            let shift = self.config.sr_diag_shift;
            let mut d = vec![0.0; np];
            if self.allreduce.is_some() {
                // Samples spread over processes: conjugate gradient in parameter space, one
                // reduction per product, instead of gathering A on every process.
                sr_conjugate_gradient(&a, &f, shift, &mut |buf| self.reduce(buf), &mut d)?;
            } else {
                minsr_direction(&a, &b, shift, &mut d)?;
            }
            direction = Some(d);
        } else {
            let re: Vec<f64> = centred.iter().map(|c| 2.0 * c.re / n_total).collect();
            let im: Vec<f64> = centred.iter().map(|c| 2.0 * c.im / n_total).collect();
            model.log_psi_vjp(configs, &re, &im, &mut grad)?;
            self.reduce(&mut grad)?;
        }
        let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        if !grad_norm.is_finite() {
            return Err(Error::numerical("the energy gradient is not finite"));
        }
        let differentiated = Instant::now();

        let (new_params, adam) = match direction {
            Some(mut d) => {
                clip_norm(&mut d, self.config.grad_clip);
                let lr = self.config.learning_rate;
                let p: Vec<f64> = model
                    .params()
                    .iter()
                    .zip(&d)
                    .map(|(p, d)| p - lr * d)
                    .collect();
                (p, self.adam.clone())
            }
            None => self.propose(model.params(), &mut grad),
        };
        model.set_params(&new_params)?; // refuses non-finite values, model unchanged
        self.adam = adam;
        let stats = VmcStats {
            step: self.steps,
            energy,
            grad_norm,
            seconds: start.elapsed().as_secs_f64(),
            timings: StepTimings {
                sampling: (sampled - start).as_secs_f64(),
                local_energies: (local - sampled).as_secs_f64(),
                gradient: (differentiated - local).as_secs_f64(),
                update: differentiated.elapsed().as_secs_f64(),
            },
        };
        self.steps += 1;
        Ok(stats)
    }

    /// minSR's A (centred log-derivatives over sqrt(N), real rows then imaginary rows) and b
    /// (centred local values over sqrt(N), stacked the same way). Without a phase head the
    /// imaginary rows of A vanish and contribute nothing, so they are left out.
    fn sample_space_system(
        &mut self,
        model: &Model,
        configs: &[u8],
        centred: &[Complex64],
        n_total: f64,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let (ns, np) = (centred.len(), model.num_params());
        let mut o = vec![Complex64::new(0.0, 0.0); ns * np];
        model.log_psi_grad(configs, &mut o)?;
        let mut mean = vec![Complex64::new(0.0, 0.0); np];
        for row in o.chunks_exact(np) {
            mean.iter_mut().zip(row).for_each(|(m, x)| *m += x);
        }
        // The mean over all processes' samples.
        let mut sums: Vec<f64> = mean.iter().flat_map(|m| [m.re, m.im]).collect();
        self.reduce(&mut sums)?;
        for (m, s) in mean.iter_mut().zip(sums.chunks_exact(2)) {
            *m = Complex64::new(s[0], s[1]) / n_total;
        }
        let complex = model.config().phase == crate::model::PhaseKind::Softsign;
        let parts = if complex { 2 } else { 1 };
        let scale = 1.0 / n_total.sqrt();
        let mut a = vec![0.0; parts * ns * np];
        let mut b = vec![0.0; parts * ns];
        for (i, row) in o.chunks_exact(np).enumerate() {
            for (k, (x, m)) in row.iter().zip(&mean).enumerate() {
                let c = (x - m) * scale;
                a[i * np + k] = c.re;
                if complex {
                    a[(ns + i) * np + k] = c.im;
                }
            }
            b[i] = centred[i].re * scale;
            if complex {
                b[ns + i] = centred[i].im * scale;
            }
        }
        Ok((a, b))
    }
}
