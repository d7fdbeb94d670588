//! Reverse-mode derivatives of ln psi with respect to the parameters: per sample, and as
//! the weighted sum over a batch that the training driver needs.

mod accumulate;
mod backward;
mod symmetric;
mod tape;

use crate::buffer::product;
use crate::error::{check_len, zeroed_on_numerical, Error, Result};
use crate::kernels::Real;
use crate::model::{Model, Precision};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use accumulate::{accumulate, Rows, Target};
use backward::Backward;
use num_complex::Complex64;

/// Memory one thread's backward workspace may take; chunks shrink to fit it, down to one
/// row. One row's workspace grows with the sites (the tape holds every position), so a
/// row larger than this is a chunk of its own: on a 2^20-site chain about 1 GB, allocated
/// fallibly (`OutOfMemory` when refused), the bound stated in docs/architecture.md.
const MEMORY_PER_THREAD: usize = 64 << 20;

/// Rows per chunk of a backward pass in `F`: fixed by the model's shape and precision alone,
/// so that sums over chunks come out the same for any thread count.
fn chunk_rows<F: Real>(model: &Model) -> Result<usize> {
    Ok((MEMORY_PER_THREAD / Backward::<F>::bytes_per_row(model)?).clamp(1, CHUNK_ROWS))
}

impl Model {
    /// d ln psi(s_i) / d theta_k for each configuration: `out` is `[n][num_params]`, the real
    /// part from 0.5 d ln P, the imaginary part from the phase. Refuses configurations with
    /// P = 0 (outside the U(1) subspace); a pass that overflows is `Numerical`, with `out`
    /// zeroed. With a symmetry, the derivatives of ln psi_S
    /// (docs/method.md), at |G| times the cost.
    pub fn log_psi_grad(&self, configs: &[u8], out: &mut [Complex64]) -> Result<()> {
        let np = self.num_params();
        if !out.len().is_multiple_of(np) {
            return Err(Error::buffer_size(format!(
                "out: {} elements is not a whole number of gradients of {np} parameters",
                out.len()
            )));
        }
        let n = out.len() / np;
        self.check_configs(configs, n)?;
        // Refused before any gradient is written, so that a failure leaves `out` untouched.
        self.check_inside_u1(configs)?;
        let result = match (self.symmetry_group(), self.precision()) {
            (Some(group), _) => self.log_psi_grad_symmetric(group, configs, out),
            (None, Precision::F64) => self.log_psi_grad_in::<f64>(configs, out),
            (None, Precision::F32) => self.log_psi_grad_in::<f32>(configs, out),
        };
        zeroed_on_numerical(result, out)
    }

    /// [`Model::log_psi_grad`] of the bare RNN on checked inputs, with passes and sweeps in
    /// `F`.
    fn log_psi_grad_in<F: Real>(&self, configs: &[u8], out: &mut [Complex64]) -> Result<()> {
        let (sites, np) = (self.num_sites(), self.num_params());
        let n = out.len() / np;
        let rows = chunk_rows::<F>(self)?;
        let tasks = configs
            .chunks(rows * sites)
            .zip(out.chunks_mut(rows * np))
            .enumerate();
        for_each_task(
            tasks,
            || {
                let cache = self.workspaces();
                let bw = cache.lease(rows.min(n), |r| Backward::<F>::new(self, r))?;
                Ok((bw, cache.lease_vec::<f64>(np, "a gradient")?))
            },
            |(bw, scratch), (chunk, (configs, out))| {
                let r = configs.len() / sites;
                bw.forward(self, configs, chunk * rows)?;
                let has_phase = self.layout().phase_weight.is_some();
                for imaginary in [false, true] {
                    let (alpha, beta) = if imaginary { (0.0, 1.0) } else { (0.5, 0.0) };
                    if imaginary && !has_phase {
                        out.iter_mut().for_each(|o| o.im = 0.0);
                        continue;
                    }
                    bw.sweep(self, &vec![alpha; r], &vec![beta; r]);
                    for (row, grad) in out.chunks_exact_mut(np).enumerate() {
                        scratch.fill(0.0);
                        let mut target = Target {
                            data: scratch,
                            base: 0,
                            scale: 1,
                        };
                        accumulate(self, bw, Rows::One(row), &mut target);
                        for (o, &g) in grad.iter_mut().zip(scratch.iter()) {
                            if imaginary {
                                o.im = g;
                            } else {
                                o.re = g;
                            }
                        }
                    }
                }
                Ok(())
            },
        )
    }

    /// `grad_out = sum_i (re_weights[i] d Re ln psi_i + im_weights[i] d Im ln psi_i)`, from one
    /// backward pass without per-sample gradients. With `re_weights = 2 Re(E_i - E)/N` and
    /// `im_weights = 2 Im(E_i - E)/N` this is the VMC energy gradient.
    pub fn log_psi_vjp(
        &self,
        configs: &[u8],
        re_weights: &[f64],
        im_weights: &[f64],
        grad_out: &mut [f64],
    ) -> Result<()> {
        let (np, n) = (self.num_params(), re_weights.len());
        check_len("im_weights", im_weights.len(), n)?;
        check_len("grad_out", grad_out.len(), np)?;
        self.check_configs(configs, n)?;
        if let Some(i) = re_weights
            .iter()
            .chain(im_weights)
            .position(|w| !w.is_finite())
        {
            return Err(Error::numerical(format!(
                "weight {} is not finite",
                i % n.max(1)
            )));
        }
        if let Some(group) = self.symmetry_group() {
            return self.log_psi_vjp_symmetric(group, configs, re_weights, im_weights, grad_out);
        }
        match self.precision() {
            Precision::F64 => self.log_psi_vjp_in::<f64>(configs, re_weights, im_weights, grad_out),
            Precision::F32 => self.log_psi_vjp_in::<f32>(configs, re_weights, im_weights, grad_out),
        }
    }

    /// [`Model::log_psi_vjp`] of the bare RNN on checked inputs, with passes and sweeps in `F`;
    /// each chunk's sums are kept in f64.
    fn log_psi_vjp_in<F: Real>(
        &self,
        configs: &[u8],
        re_weights: &[f64],
        im_weights: &[f64],
        grad_out: &mut [f64],
    ) -> Result<()> {
        let (sites, np, n) = (self.num_sites(), self.num_params(), re_weights.len());
        let rows = chunk_rows::<F>(self)?;
        let chunks = n.div_ceil(rows);
        let what = "the per-chunk gradients";
        let mut partial = self
            .workspaces()
            .lease_vec::<f64>(product(chunks, np, what)?, what)?;
        let tasks = configs
            .chunks(rows * sites)
            .zip(re_weights.chunks(rows).zip(im_weights.chunks(rows)))
            .zip(partial.chunks_mut(np))
            .enumerate();
        for_each_task(
            tasks,
            || {
                self.workspaces()
                    .lease(rows.min(n), |r| Backward::<F>::new(self, r))
            },
            |bw, (chunk, ((configs, (re, im)), partial))| {
                bw.forward(self, configs, chunk * rows)?;
                let alpha: Vec<f64> = re.iter().map(|w| 0.5 * w).collect();
                bw.sweep(self, &alpha, im);
                let mut target = Target {
                    data: partial,
                    base: 0,
                    scale: 1,
                };
                accumulate(self, bw, Rows::All, &mut target);
                Ok(())
            },
        )?;
        sum_in_chunk_order(&partial, grad_out);
        Ok(())
    }
}

/// `out` = the sum of the `out.len()`-long parts of `partial`, added in chunk order: the
/// same bits for any thread count (threads fill the parts in any order).
pub(super) fn sum_in_chunk_order(partial: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    for part in partial.chunks_exact(out.len()) {
        out.iter_mut().zip(part).for_each(|(g, p)| *g += p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::model::forward::Pass;
    use crate::model::ModelConfig;
    use tape::Tape;

    #[test]
    fn workspaces_no_memory_can_hold_are_errors_naming_them() {
        for cfg in [
            ModelConfig::default().with_lx(6).with_ly(1).with_hidden(8),
            ModelConfig::default().with_lx(4).with_ly(3).with_hidden(8),
        ] {
            let m = Model::new(cfg).unwrap();
            // Row counts whose buffers overflow the element count or exceed isize::MAX bytes.
            for rows in [usize::MAX / 2, 1 << 57] {
                let e = Pass::<f64>::new(&m, rows).err().expect("refused");
                assert_eq!(e.kind, ErrorKind::OutOfMemory);
                assert!(e.message.contains("the pass workspace"), "{}", e.message);
                let e = Tape::<f64>::new(&m, rows).err().expect("refused");
                assert!(e.message.contains("the gradient tape"), "{}", e.message);
                let e = Backward::<f64>::new(&m, rows).err().expect("refused");
                assert_eq!(e.kind, ErrorKind::OutOfMemory);
            }
            // The same shapes with a row or a chunk are fine.
            assert!(
                Backward::<f32>::new(&m, 1).is_ok() && Pass::<f64>::new(&m, CHUNK_ROWS).is_ok()
            );
        }
    }
}
