//! The host's reduction over processes and the sums a step takes through it.

use crate::error::{Error, ErrorKind, Result};
use crate::estimators::Estimate;
use crate::fingerprint::{compare_fingerprints, Fingerprints};
use num_complex::Complex64;

/// Sums a buffer elementwise over all processes, in place (e.g. MPI_Allreduce). `Send`, so
/// that a driver can move to (and be freed on) another thread.
pub type AllReduce = Box<dyn FnMut(&mut [f64]) -> std::result::Result<(), String> + Send>;

pub(crate) use crate::fingerprint::{fingerprint_values, FINGERPRINT_SUMS};

/// Values in a step's first reduction: the settings' fingerprint (`Vmc::fingerprint`, see
/// `crate::fingerprint`), then `[sum Re E_loc, sum Im E_loc, n]`.
pub(crate) const ENERGY_SUMS: usize = FINGERPRINT_SUMS + 3;
/// Values in a fit step's first reduction: the fingerprint, then `[sum -ln P, n]`.
pub(crate) const FIT_SUMS: usize = FINGERPRINT_SUMS + 2;

/// Refuses reduced fingerprint values whose processes did not all have the same settings
/// (`InvalidArgument`, on every process alike).
pub(crate) fn check_fingerprint(sums: &[f64]) -> Result<()> {
    match compare_fingerprints(sums) {
        Fingerprints::Agree => Ok(()),
        Fingerprints::NotWhole => Err(Error::numerical(
            "the allreduce returned settings fingerprints that are not whole numbers: the hook does not sum",
        )),
        Fingerprints::Differ => Err(Error::invalid(
            "the processes train with different model shapes, lattices or optimiser \
             settings (their fingerprints differ in the step's first reduction): give \
             every process the same model config and the same optimiser settings",
        )),
    }
}

/// The reduction hook of a driver; without one every sum is this process's own.
#[derive(Default)]
pub(crate) struct Reduction {
    pub hook: Option<AllReduce>,
}

impl Reduction {
    /// Whether samples are spread over processes.
    pub fn is_distributed(&self) -> bool {
        self.hook.is_some()
    }

    /// Sums `buf` over processes through the host's reduction, if any.
    pub fn sum(&mut self, buf: &mut [f64]) -> Result<()> {
        if let Some(f) = self.hook.as_mut() {
            crate::cancel::outside(|| f(buf)).map_err(|msg| {
                Error::new(
                    ErrorKind::Callback,
                    format!(
                        "allreduce callback failed on a buffer of {} values: {msg}",
                        buf.len()
                    ),
                )
            })?;
            if crate::cancel::cancelled_elsewhere(buf) {
                return Err(crate::cancel::cancelled_on_another_process());
            }
            if buf.iter().any(|x| !x.is_finite()) {
                return Err(Error::numerical("allreduce returned a non-finite value"));
            }
        }
        Ok(())
    }

    /// Mean and statistics of complex values summed over processes (two reductions).
    pub fn estimate(&mut self, values: &[Complex64]) -> Result<Estimate> {
        self.estimate_with(values, None)
    }

    /// [`Self::estimate`] as a step's first reduction: the settings' `fingerprint` ahead of
    /// the sums, refused unless the same on every process.
    pub fn first_estimate(&mut self, values: &[Complex64], fingerprint: u64) -> Result<Estimate> {
        self.estimate_with(values, Some(fingerprint))
    }

    fn estimate_with(
        &mut self,
        values: &[Complex64],
        fingerprint: Option<u64>,
    ) -> Result<Estimate> {
        let mut buf = [0.0; ENERGY_SUMS];
        let first = match fingerprint {
            Some(f) => {
                fingerprint_values(f, &mut buf);
                &mut buf[..]
            }
            None => &mut buf[FINGERPRINT_SUMS..],
        };
        let at = first.len() - 3;
        first[at] = values.iter().map(|v| v.re).sum::<f64>();
        first[at + 1] = values.iter().map(|v| v.im).sum::<f64>();
        first[at + 2] = values.len() as f64;
        self.sum(first)?;
        if fingerprint.is_some() {
            check_fingerprint(first)?;
        }
        let sums = &first[at..];
        let n = check_count(sums[2])?;
        let mean = Complex64::new(sums[0] / n, sums[1] / n);
        let mut sq = [values.iter().map(|v| (v - mean).norm_sqr()).sum::<f64>()];
        self.sum(&mut sq)?;
        let variance = sq[0] / n;
        if !(mean.re.is_finite() && mean.im.is_finite() && variance.is_finite()) {
            return Err(Error::numerical(format!(
                "the mean {mean} or the variance {variance} over {n} samples is not finite"
            )));
        }
        Ok(Estimate {
            mean,
            error: (variance / n).sqrt(),
            variance,
            n: n as u64,
        })
    }

    /// Fails a step that this process cannot take (e.g. memory refused) together with the
    /// others: joins the step's first reduction, of `len` values whose last is the sample
    /// count `n`, with non-finite sums that every process sees, then returns `error`. A
    /// cancellation fills every value with +inf, the count too, so that every process
    /// returns `Cancelled` (`crate::cancel::failure_fill`).
    pub fn fail_together(&mut self, len: usize, n: usize, error: Error) -> Error {
        let fill = crate::cancel::failure_fill(&error);
        let mut sums = [fill; ENERGY_SUMS];
        let first = &mut sums[..len];
        if fill.is_nan() {
            first[len - 1] = n as f64;
        }
        // The reduction's own verdict (non-finite) is expected; this process reports `error`.
        let _ = self.sum(first);
        error
    }
}

/// The sample count a reduction returned, refused (`Numerical`) unless a whole number of at
/// least 1: a hook that does not sum (zeroes, say) would otherwise make every mean NaN. The
/// verdict is the same on every process, which all hold the same sums.
pub(crate) fn check_count(n: f64) -> Result<f64> {
    if n >= 1.0 && n.fract() == 0.0 {
        Ok(n)
    } else {
        Err(Error::numerical(format!(
            "the allreduce returned a sample count of {n}, not a whole number >= 1: the hook does not sum"
        )))
    }
}
