//! log psi of given configurations: the same pass as sampling, reading values instead of
//! drawing them.

use super::forward::{ChooseValues, Pass};
use super::Model;
use super::Precision;
use crate::error::{check_len, zeroed_on_numerical, Error, Result};
use crate::kernels::Real;
use crate::parallel::{for_each_task, CHUNK_ROWS};
use num_complex::Complex64;

/// Reads each row's value at a position from the caller's configurations.
pub(crate) struct ReadValues<'a> {
    /// Row-major `[rows][n_sites]`.
    pub configs: &'a [u8],
    /// Sampling position -> site index.
    pub order: &'a [usize],
}

impl<F> ChooseValues<F> for ReadValues<'_> {
    fn choose(&mut self, pos: usize, _log_probs: &[F], values: &mut [u8]) {
        let sites = self.order.len();
        let site = self.order[pos];
        for (row, v) in values.iter_mut().enumerate() {
            *v = self.configs[row * sites + site];
        }
    }
}

/// Reads values like [`ReadValues`] and keeps each row's ln conditional of the value read,
/// at the value's site.
struct ReadConditionals<'a> {
    reader: ReadValues<'a>,
    local_dim: usize,
    /// Row-major `[rows][n_sites]`.
    out: &'a mut [f64],
}

impl<F: Real> ChooseValues<F> for ReadConditionals<'_> {
    fn choose(&mut self, pos: usize, log_probs: &[F], values: &mut [u8]) {
        self.reader.choose(pos, log_probs, values);
        let (sites, d) = (self.reader.order.len(), self.local_dim);
        let site = self.reader.order[pos];
        for (row, &v) in values.iter().enumerate() {
            self.out[row * sites + site] = log_probs[row * d + v as usize].to_f64();
        }
    }
}

impl Model {
    /// ln P(s_i | the values of the sites visited before i) for every site i of each
    /// configuration: `out` is `[n][n_sites]` in site order, like `configs`. The sites are
    /// visited in [`Model::order`]; the conditionals sum to ln P(s). `-inf` where the U(1)
    /// constraint rules the value out.
    /// A symmetrised model (docs/method.md) is not autoregressive: refused as `Unsupported`.
    /// Parameters so large that the pass overflows (NaN or +inf) give `Numerical`, with `out`
    /// zeroed, as [`Model::log_psi`] does.
    pub fn log_conditionals(&self, configs: &[u8], out: &mut [f64]) -> Result<()> {
        if self.symmetry_group().is_some() {
            return Err(Error::unsupported(
                "log_conditionals: a symmetrised wave function (symmetry other than NONE) has no autoregressive conditionals",
            ));
        }
        let sites = self.num_sites();
        check_len("out", out.len(), configs.len())?;
        let n = configs.len() / sites;
        self.check_configs(configs, n)?;
        let result = match self.precision() {
            Precision::F64 => self.log_conditionals_in::<f64>(configs, out),
            Precision::F32 => self.log_conditionals_in::<f32>(configs, out),
        };
        zeroed_on_numerical(result, out)
    }

    /// [`Model::log_conditionals`] on checked inputs, in passes over `F`.
    fn log_conditionals_in<F: Real>(&self, configs: &[u8], out: &mut [f64]) -> Result<()> {
        let sites = self.num_sites();
        let n = configs.len() / sites;
        let tasks = configs
            .chunks(CHUNK_ROWS * sites)
            .zip(out.chunks_mut(CHUNK_ROWS * sites));
        for_each_task(
            tasks,
            || {
                self.workspaces()
                    .lease(CHUNK_ROWS.min(n), |r| Pass::<F>::new(self, r))
            },
            |pass, (configs, out)| {
                let rows = configs.len() / sites;
                pass.reset(rows);
                let mut reader = ReadConditionals {
                    reader: ReadValues {
                        configs,
                        order: self.order(),
                    },
                    local_dim: self.config().local_dim as usize,
                    out,
                };
                pass.run_from(self, rows, 0, &mut reader);
                check_log_conditionals(reader.out)
            },
        )
    }

    /// ln psi(s) = 0.5 ln P(s) + i (phase(s) + sign(s)) for each of the `out.len()`
    /// configurations in `configs` (row-major `[n][n_sites]`). A configuration outside the
    /// U(1) subspace has P = 0: its real part is -inf. Parameters so large that the pass
    /// overflows (NaN) give `Numerical`, with `out` zeroed.
    ///
    /// With a symmetry, ln psi_S(s) of docs/method.md: |G| RNN amplitudes per configuration.
    pub fn log_psi(&self, configs: &[u8], out: &mut [Complex64]) -> Result<()> {
        let n = out.len();
        self.check_configs(configs, n)?;
        let result = match (self.symmetry_group(), self.precision()) {
            (Some(group), _) => self.log_psi_symmetric(group, configs, out),
            (None, Precision::F64) => self.log_psi_in::<f64>(configs, out),
            (None, Precision::F32) => self.log_psi_in::<f32>(configs, out),
        };
        zeroed_on_numerical(result, out)
    }

    /// [`Model::log_psi`] of the bare RNN on checked inputs, in passes over `F`.
    fn log_psi_in<F: Real>(&self, configs: &[u8], out: &mut [Complex64]) -> Result<()> {
        let n = out.len();
        let sites = self.num_sites();
        let tasks = configs
            .chunks(CHUNK_ROWS * sites)
            .zip(out.chunks_mut(CHUNK_ROWS));
        for_each_task(
            tasks,
            || {
                self.workspaces()
                    .lease(CHUNK_ROWS.min(n), |r| Pass::<F>::new(self, r))
            },
            |pass, (configs, out)| {
                let rows = out.len();
                pass.reset(rows);
                let mut reader = ReadValues {
                    configs,
                    order: self.order(),
                };
                pass.run_from(self, rows, 0, &mut reader);
                self.finish_log_psi(pass, configs, out);
                check_log_psi(out)
            },
        )
    }

    /// ln P(s) for each configuration, the quantity reconstruction from data maximises.
    pub fn log_prob(&self, configs: &[u8], out: &mut [f64]) -> Result<()> {
        let mut psi = self
            .workspaces()
            .lease_vec::<Complex64>(out.len(), "ln psi")?;
        check_len("out", out.len(), psi.len())?;
        self.log_psi(configs, &mut psi)?;
        for (o, p) in out.iter_mut().zip(psi.iter()) {
            *o = 2.0 * p.re;
        }
        Ok(())
    }

    /// Turns a finished pass into ln psi of its rows (checked by [`check_log_psi`]).
    pub(crate) fn finish_log_psi<F: Real>(
        &self,
        pass: &Pass<F>,
        configs: &[u8],
        out: &mut [Complex64],
    ) {
        let sites = self.num_sites();
        for (row, (o, config)) in out.iter_mut().zip(configs.chunks_exact(sites)).enumerate() {
            *o = Complex64::new(
                0.5 * pass.log_prob[row],
                pass.phase[row] + self.sign_phase(config),
            );
        }
    }
}

impl Model {
    /// The RNN's ln psi of a finished pass's rows without the sign rule: 0.5 ln P + i phase.
    pub(crate) fn finish_log_psi_unsigned<F: Real>(&self, pass: &Pass<F>, out: &mut [Complex64]) {
        for (row, o) in out.iter_mut().enumerate() {
            *o = Complex64::new(0.5 * pass.log_prob[row], pass.phase[row]);
        }
    }
}

/// Refuses ln psi values that are not numbers: the one check of every ln psi the model hands
/// out (evaluation and sampling). A real part of -inf is P = 0 (outside the U(1) subspace, or
/// a conditional that underflows), not an error; NaN, +inf or a non-finite phase come from
/// parameters so large that the pass overflows (finite values such as 1e308 pass
/// `set_params`).
pub(crate) fn check_log_psi(values: &[Complex64]) -> Result<()> {
    match values.iter().find(|v| overflowed(v)) {
        None => Ok(()),
        Some(v) => Err(Error::numerical(format!(
            "ln psi = {v} is not a number: the parameters are too large for the pass (it overflows)"
        ))),
    }
}

/// Refuses ln conditionals that are not numbers: NaN or +inf (a probability above 1) come
/// from a pass that overflowed; -inf is a value the U(1) constraint rules out.
fn check_log_conditionals(values: &[f64]) -> Result<()> {
    match values.iter().find(|v| v.is_nan() || **v == f64::INFINITY) {
        None => Ok(()),
        Some(v) => Err(Error::numerical(format!(
            "ln conditional = {v} is not a number: the parameters are too large for the pass (it overflows)"
        ))),
    }
}

/// Whether a ln psi is not a number (NaN, +inf, a non-finite phase): a pass that
/// overflowed. A real part of -inf (P = 0) is a number.
pub(crate) fn overflowed(v: &Complex64) -> bool {
    v.re.is_nan() || v.re == f64::INFINITY || !v.im.is_finite()
}
