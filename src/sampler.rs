//! Exact, independent, batched autoregressive sampling.

use crate::error::{check_len, zeroed_on_numerical, Error, Result};
use crate::kernels::Real;
use crate::model::evaluate::check_log_psi;
use crate::model::forward::{ChooseValues, Pass};
use crate::model::{Model, Precision};
use crate::parallel::{for_each_task, CHUNK_ROWS};
use crate::random::{stream, uniform, Rng};
use num_complex::Complex64;

/// Draws each row's value from its conditional and writes it into the configuration.
struct DrawValues<'a> {
    rng: Rng,
    configs: &'a mut [u8],
    order: &'a [usize],
    local_dim: usize,
}

/// The draw is exact for the pass's own conditionals: each probability is e^(ln p) of the
/// ln p (f32 in an F32 pass) whose sum over sites the pass reports as ln P.
impl<F: Real> ChooseValues<F> for DrawValues<'_> {
    fn choose(&mut self, pos: usize, log_probs: &[F], values: &mut [u8]) {
        let d = self.local_dim;
        let sites = self.order.len();
        let site = self.order[pos];
        for (row, v) in values.iter_mut().enumerate() {
            let lp = &log_probs[row * d..(row + 1) * d];
            let u = uniform(&mut self.rng);
            // Inverse CDF; rounding can leave u above the last partial sum, so fall back to
            // the last value with non-zero probability.
            let mut cumulative = 0.0;
            let mut chosen = None;
            let mut last_possible = 0;
            for (value, &l) in lp.iter().enumerate() {
                let p = l.to_f64().exp();
                if p > 0.0 {
                    last_possible = value;
                }
                cumulative += p;
                if chosen.is_none() && u < cumulative && p > 0.0 {
                    chosen = Some(value);
                }
            }
            *v = chosen.unwrap_or(last_possible) as u8;
            self.configs[row * sites + site] = *v;
        }
    }
}

impl Model {
    /// Draws `n` independent samples of P into `configs_out` (`[n][n_sites]`) and, when asked,
    /// their ln psi from the same pass. The result depends only on the parameters, `seed`
    /// and `n`: never on the thread count. With a symmetry, samples of |psi_S|^2 and their
    /// ln psi_S (docs/method.md). Parameters so large that the pass overflows (NaN) give
    /// `Numerical`, with both arrays zeroed.
    pub fn sample(
        &self,
        seed: u64,
        n: usize,
        configs_out: &mut [u8],
        log_psi_out: Option<&mut [Complex64]>,
    ) -> Result<()> {
        self.sample_chunks(seed, 0, n, configs_out, log_psi_out)
    }

    /// Like [`Model::sample`], with the random streams of the chunks from `first_chunk` on:
    /// samples `first_chunk * CHUNK_ROWS ..` of a larger draw, exactly as that draw gives
    /// them when its chunks there hold as many rows as these (all full, or the same last one).
    ///
    /// With a symmetry, each sample of the RNN is then moved by a group element drawn
    /// uniformly from the rest of its chunk's stream, which samples |psi_S|^2 exactly
    /// (docs/method.md); its ln psi_S takes |G| more amplitudes.
    pub(crate) fn sample_chunks(
        &self,
        seed: u64,
        first_chunk: usize,
        n: usize,
        configs_out: &mut [u8],
        log_psi_out: Option<&mut [Complex64]>,
    ) -> Result<()> {
        let sites = self.num_sites();
        let values = n.checked_mul(sites).ok_or_else(|| {
            Error::buffer_size(format!(
                "configs_out: {n} samples of {sites} sites are more values than memory holds"
            ))
        })?;
        check_len("configs_out", configs_out.len(), values)?;
        if let Some(out) = &log_psi_out {
            check_len("log_psi_out", out.len(), n)?;
        }
        let mut log_psi_out = log_psi_out;
        let result = match self.symmetry_group() {
            Some(group) => self
                .draw_chunks(seed, first_chunk, n, configs_out, None)
                .and_then(|()| match log_psi_out.as_deref_mut() {
                    Some(out) => self.log_psi_symmetric(group, configs_out, out),
                    None => Ok(()),
                }),
            None => self.draw_chunks(
                seed,
                first_chunk,
                n,
                configs_out,
                log_psi_out.as_deref_mut(),
            ),
        };
        let result = zeroed_on_numerical(result, configs_out);
        match log_psi_out {
            Some(out) => zeroed_on_numerical(result, out),
            None => result,
        }
    }

    /// [`Model::sample_chunks`] on checked buffers, without the symmetrised ln psi.
    fn draw_chunks(
        &self,
        seed: u64,
        first_chunk: usize,
        n: usize,
        configs_out: &mut [u8],
        log_psi_out: Option<&mut [Complex64]>,
    ) -> Result<()> {
        match self.precision() {
            Precision::F64 => {
                self.draw_chunks_in::<f64>(seed, first_chunk, n, configs_out, log_psi_out)
            }
            Precision::F32 => {
                self.draw_chunks_in::<f32>(seed, first_chunk, n, configs_out, log_psi_out)
            }
        }
    }

    /// [`Model::draw_chunks`] in passes over `F`.
    fn draw_chunks_in<F: Real>(
        &self,
        seed: u64,
        first_chunk: usize,
        n: usize,
        configs_out: &mut [u8],
        log_psi_out: Option<&mut [Complex64]>,
    ) -> Result<()> {
        let sites = self.num_sites();
        // Without the caller's ln psi, each task keeps its chunk's in its workspace: no
        // buffer grows with n.
        let mut log_psi_chunks = log_psi_out.map(|out| out.chunks_mut(CHUNK_ROWS));
        let tasks = configs_out
            .chunks_mut(CHUNK_ROWS * sites)
            .map(move |configs| (configs, log_psi_chunks.as_mut().and_then(Iterator::next)))
            .enumerate();
        let rows_per_task = CHUNK_ROWS.min(n);
        for_each_task(
            tasks,
            || {
                let cache = self.workspaces();
                let pass = cache.lease(rows_per_task, |r| Pass::<F>::new(self, r))?;
                let row = cache.lease_vec::<u8>(
                    if self.symmetry_group().is_some() {
                        sites
                    } else {
                        0
                    },
                    "a configuration",
                )?;
                Ok((
                    pass,
                    cache.lease_vec::<Complex64>(rows_per_task, "ln psi")?,
                    row,
                ))
            },
            |(pass, scratch, row), (chunk, (configs, caller_out))| {
                let rows = configs.len() / sites;
                let out = match caller_out {
                    Some(out) => out,
                    None => &mut scratch[..rows],
                };
                pass.reset(rows);
                let mut drawer = DrawValues {
                    rng: stream(seed, (first_chunk + chunk) as u64),
                    configs,
                    order: self.order(),
                    local_dim: self.config().local_dim as usize,
                };
                pass.run_from(self, rows, 0, &mut drawer);
                // Checked before a symmetry moves the samples: an overflowed pass draws
                // from NaN conditionals, whatever ln psi_S of the moved samples says.
                self.finish_log_psi(pass, drawer.configs, out);
                check_log_psi(out)?;
                if let Some(group) = self.symmetry_group() {
                    for config in drawer.configs.chunks_exact_mut(sites) {
                        let g = ((uniform(&mut drawer.rng) * group.len() as f64) as usize)
                            .min(group.len() - 1);
                        row.copy_from_slice(config);
                        group.apply(g, row, config);
                    }
                }
                Ok(())
            },
        )
    }
}
