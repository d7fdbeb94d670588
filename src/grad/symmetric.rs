//! Derivatives of the symmetrised ln psi_S (docs/method.md): each chunk of configurations is
//! expanded into its |G| images, whose taped pass and backward sweep run as one batch; the
//! sweep's seeds weight each image by its share of psi_S, so that
//! d Re ln psi_S = sum_g w_g d Re ln psi(g s) and
//! d Im ln psi_S = sum_g (Im c_g d Re ln psi(g s) + Re c_g d Im ln psi(g s)),
//! with w_g = P(g s) / sum P and c_g = psi(g s) / sum psi (`symmetry::combine_weights`, which
//! also says what a conjugated element changes).
//! A configuration costs |G| times the bare RNN's gradient.

use super::accumulate::{accumulate, Rows, Target};
use super::backward::Backward;
use super::{chunk_rows, sum_in_chunk_order};
use crate::buffer::{product, try_zeroed, try_zeroed_vec};
use crate::error::Result;
use crate::kernels::Real;
use crate::model::{Model, Precision, SymmetryGroup};
use crate::parallel::for_each_task;
use num_complex::Complex64;

/// A chunk's images and their weights, beside its backward workspace (in `F`).
struct Images<F: Real> {
    bw: Backward<F>,
    /// `[configurations][|G|][n_sites]`.
    configs: Vec<u8>,
    /// Per image: w_g and c_g.
    w: Vec<f64>,
    c: Vec<Complex64>,
    l: Vec<Complex64>,
    /// Per image: the sweep's seeds.
    alpha: Vec<f64>,
    beta: Vec<f64>,
    /// One gradient.
    scratch: Vec<f64>,
}

impl<F: Real> Images<F> {
    fn new(model: &Model, group: &SymmetryGroup, configs: usize) -> Result<Self> {
        let rows = product(configs, group.len(), "the symmetrised backward workspace")?;
        let what = "the symmetrised backward workspace";
        Ok(Images {
            bw: Backward::new(model, rows)?,
            configs: try_zeroed(&[rows, model.num_sites()], what)?,
            w: try_zeroed_vec(rows, what)?,
            c: try_zeroed_vec(rows, what)?,
            l: try_zeroed_vec(rows, what)?,
            alpha: try_zeroed_vec(rows, what)?,
            beta: try_zeroed_vec(rows, what)?,
            scratch: try_zeroed_vec(model.num_params(), what)?,
        })
    }

    /// The taped pass over the images of `configs`, and each image's weights. Returns the
    /// number of images.
    fn forward(
        &mut self,
        model: &Model,
        group: &SymmetryGroup,
        configs: &[u8],
        first_sample: usize,
    ) -> Result<usize> {
        let (sites, size) = (model.num_sites(), group.len());
        let rows = configs.len() / sites * size;
        let images = &mut self.configs[..rows * sites];
        for (config, out) in configs
            .chunks_exact(sites)
            .zip(images.chunks_exact_mut(size * sites))
        {
            group.expand(config, out);
        }
        // The callers have refused configurations outside the U(1) subspace already.
        self.bw.forward(model, images, first_sample * size)?;
        for (row, l) in self.l[..rows].iter_mut().enumerate() {
            *l = self.bw.log_psi_unsigned(row);
        }
        for ((l, w), c) in self.l[..rows]
            .chunks_exact(size)
            .zip(self.w.chunks_exact_mut(size))
            .zip(self.c.chunks_exact_mut(size))
        {
            group.combine_weights(l, w, c);
        }
        Ok(rows)
    }
}

/// Configurations per chunk of the backward pass: its rows per chunk (which depend on the
/// model and the precision, unlike the forward pass's `CHUNK_ROWS`), shared among the images.
fn configs_per_backward_chunk<F: Real>(model: &Model, group: &SymmetryGroup) -> Result<usize> {
    Ok((chunk_rows::<F>(model)? / group.len()).max(1))
}

impl Model {
    /// [`Model::log_psi_grad`] of a symmetrised model, for checked configurations.
    pub(super) fn log_psi_grad_symmetric(
        &self,
        group: &SymmetryGroup,
        configs: &[u8],
        out: &mut [Complex64],
    ) -> Result<()> {
        match self.precision() {
            Precision::F64 => self.log_psi_grad_symmetric_in::<f64>(group, configs, out),
            Precision::F32 => self.log_psi_grad_symmetric_in::<f32>(group, configs, out),
        }
    }

    /// [`Model::log_psi_grad_symmetric`] with passes and sweeps in `F`.
    fn log_psi_grad_symmetric_in<F: Real>(
        &self,
        group: &SymmetryGroup,
        configs: &[u8],
        out: &mut [Complex64],
    ) -> Result<()> {
        let (sites, np, size) = (self.num_sites(), self.num_params(), group.len());
        let n = out.len() / np;
        let per_chunk = configs_per_backward_chunk::<F>(self, group)?;
        let has_phase = self.layout().phase_weight.is_some();
        let tasks = configs
            .chunks(per_chunk * sites)
            .zip(out.chunks_mut(per_chunk * np))
            .enumerate();
        for_each_task(
            tasks,
            || {
                self.workspaces()
                    .lease(per_chunk.min(n), |r| Images::<F>::new(self, group, r))
            },
            |ws, (chunk, (configs, out))| {
                let ws: &mut Images<F> = ws;
                let rows = ws.forward(self, group, configs, chunk * per_chunk)?;
                for imaginary in [false, true] {
                    if imaginary && !has_phase {
                        out.iter_mut().for_each(|o| o.im = 0.0);
                        continue;
                    }
                    for row in 0..rows {
                        (ws.alpha[row], ws.beta[row]) = if imaginary {
                            (0.5 * ws.c[row].im, ws.c[row].re)
                        } else {
                            (0.5 * ws.w[row], 0.0)
                        };
                    }
                    ws.bw.sweep(self, &ws.alpha[..rows], &ws.beta[..rows]);
                    for (i, grad) in out.chunks_exact_mut(np).enumerate() {
                        ws.scratch.fill(0.0);
                        let mut target = Target {
                            data: &mut ws.scratch,
                            base: 0,
                            scale: 1,
                        };
                        for image in i * size..(i + 1) * size {
                            accumulate(self, &ws.bw, Rows::One(image), &mut target);
                        }
                        for (o, &g) in grad.iter_mut().zip(ws.scratch.iter()) {
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

    /// [`Model::log_psi_vjp`] of a symmetrised model, for checked arguments.
    pub(super) fn log_psi_vjp_symmetric(
        &self,
        group: &SymmetryGroup,
        configs: &[u8],
        re_weights: &[f64],
        im_weights: &[f64],
        grad_out: &mut [f64],
    ) -> Result<()> {
        self.check_inside_u1(configs)?;
        match self.precision() {
            Precision::F64 => {
                self.vjp_symmetric_in::<f64>(group, configs, re_weights, im_weights, grad_out)
            }
            Precision::F32 => {
                self.vjp_symmetric_in::<f32>(group, configs, re_weights, im_weights, grad_out)
            }
        }
    }

    /// [`Model::log_psi_vjp_symmetric`] with passes and sweeps in `F`.
    fn vjp_symmetric_in<F: Real>(
        &self,
        group: &SymmetryGroup,
        configs: &[u8],
        re_weights: &[f64],
        im_weights: &[f64],
        grad_out: &mut [f64],
    ) -> Result<()> {
        let (sites, np, n, size) = (
            self.num_sites(),
            self.num_params(),
            re_weights.len(),
            group.len(),
        );
        let per_chunk = configs_per_backward_chunk::<F>(self, group)?;
        let chunks = n.div_ceil(per_chunk);
        let what = "the per-chunk gradients";
        let mut partial = self
            .workspaces()
            .lease_vec::<f64>(product(chunks, np, what)?, what)?;
        let tasks = configs
            .chunks(per_chunk * sites)
            .zip(
                re_weights
                    .chunks(per_chunk)
                    .zip(im_weights.chunks(per_chunk)),
            )
            .zip(partial.chunks_mut(np))
            .enumerate();
        for_each_task(
            tasks,
            || {
                self.workspaces()
                    .lease(per_chunk.min(n), |r| Images::<F>::new(self, group, r))
            },
            |ws, (chunk, ((configs, (re, im)), partial))| {
                let ws: &mut Images<F> = ws;
                let rows = ws.forward(self, group, configs, chunk * per_chunk)?;
                for row in 0..rows {
                    let (a, b) = (re[row / size], im[row / size]);
                    ws.alpha[row] = 0.5 * (a * ws.w[row] + b * ws.c[row].im);
                    ws.beta[row] = b * ws.c[row].re;
                }
                ws.bw.sweep(self, &ws.alpha[..rows], &ws.beta[..rows]);
                let mut target = Target {
                    data: partial,
                    base: 0,
                    scale: 1,
                };
                accumulate(self, &ws.bw, Rows::All, &mut target);
                Ok(())
            },
        )?;
        sum_in_chunk_order(&partial, grad_out);
        Ok(())
    }
}
