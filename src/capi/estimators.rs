//! Monte Carlo estimates from the model's exact samples: expectation values of operators
//! and the second Renyi entropy.

use super::args::{borrow, slice, OutSlot};
use super::boundary::ffi_call;
use super::hamiltonian::rnnwf_hamiltonian;
use super::model::rnnwf_model;
use super::status::rnnwf_status;
use crate::estimators::Estimate;

/// A sample mean with its statistics. Samples are independent (exact sampling, no Markov
/// chain), so error = sqrt(variance / n).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(non_camel_case_types)]
pub struct rnnwf_estimate {
    /// Real part of the sample mean.
    pub mean_re: f64,
    /// Imaginary part of the sample mean (0 up to rounding for a Hermitian operator's mean
    /// over many samples; single local values can be complex).
    pub mean_im: f64,
    /// Standard error of the mean.
    pub error: f64,
    /// Population variance of the values, mean of |x - mean|^2.
    pub variance: f64,
    /// Samples, summed over processes.
    pub n: u64,
}

impl From<Estimate> for rnnwf_estimate {
    fn from(e: Estimate) -> Self {
        rnnwf_estimate {
            mean_re: e.mean.re,
            mean_im: e.mean.im,
            error: e.error,
            variance: e.variance,
            n: e.n,
        }
    }
}

/// `<op>` from `n_samples` exact samples drawn with `seed`: the mean of the local values
/// sum_s' <s|op|s'> psi(s') / psi(s). `n_samples` is 1 to 2^32 = 4294967296; outside, and for
/// an operator on another number of sites than the model or a model that is not spin-1/2,
/// RNNWF_ERR_INVALID_ARGUMENT. The result depends only on the parameters, `seed` and
/// `n_samples`. A local value or statistic that overflows is RNNWF_ERR_NUMERICAL. Memory:
/// the samples are drawn and evaluated in blocks of at most 64 MiB, whatever `n_samples`,
/// plus the workspaces of rnnwf_local_energies.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_expectation(
    m: *const rnnwf_model,
    op: *const rnnwf_hamiltonian,
    seed: u64,
    n_samples: usize,
    out: *mut rnnwf_estimate,
) -> rnnwf_status {
    ffi_call("rnnwf_expectation", || {
        // SAFETY: live handles (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: as above.
        let op = unsafe { borrow(op, "op")? }.hamiltonian();
        let out = OutSlot::new(out, "out")?;
        let estimate = crate::estimators::expectation(m, op, seed, n_samples)?;
        // SAFETY: the caller gives a writable rnnwf_estimate (checked for NULL).
        unsafe { out.write(estimate.into()) };
        Ok(())
    })
}

/// Second Renyi entropy S2(A) = -ln <Swap_A> of the sites `region[0..region_len]` by the swap
/// trick, from `n_samples` (1 to 2^32) pairs of exact samples drawn with `seed`, in blocks of
/// at most 64 MiB as rnnwf_expectation's: out->mean_re = S2,
/// out->mean_im = 0, out->error its standard error (error of `<Swap>` / `<Swap>`),
/// out->variance the swap values' variance / `<Swap>`^2, out->n the pairs used. An empty
/// region gives S2 = 0. A site >= n_sites or given twice is RNNWF_ERR_INVALID_ARGUMENT; a
/// mean swap value that is not positive (too few samples for a large region) is
/// RNNWF_ERR_NUMERICAL.
#[no_mangle]
pub unsafe extern "C" fn rnnwf_renyi2(
    m: *const rnnwf_model,
    region: *const u32,
    region_len: usize,
    seed: u64,
    n_samples: usize,
    out: *mut rnnwf_estimate,
) -> rnnwf_status {
    ffi_call("rnnwf_renyi2", || {
        // SAFETY: a live handle (checked for NULL).
        let m = unsafe { borrow(m, "m")? }.model();
        // SAFETY: the caller gives region_len readable sites (NULL refused unless 0).
        let region = unsafe { slice(region, region_len, "region")? };
        let out = OutSlot::new(out, "out")?;
        let estimate = crate::estimators::renyi2(m, region, seed, n_samples)?;
        // SAFETY: the caller gives a writable rnnwf_estimate (checked for NULL).
        unsafe { out.write(estimate.into()) };
        Ok(())
    })
}
