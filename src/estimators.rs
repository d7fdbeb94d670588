//! Monte Carlo estimators from exact, independent samples: expectation values of Pauli sums
//! and the second Renyi entropy by the swap trick (docs/method.md).

use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::{check_operator, local_energies};
use crate::model::Model;
use num_complex::Complex64;

/// A sample mean with its statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Estimate {
    pub mean: Complex64,
    /// Standard error of the mean, sqrt(variance / n): samples are independent.
    pub error: f64,
    /// Population variance of the values, mean of |x - mean|^2.
    pub variance: f64,
    pub n: u64,
}

impl Estimate {
    /// Mean, population variance and standard error of `values` (at least one).
    pub fn from_values(values: &[Complex64]) -> Estimate {
        let n = values.len() as f64;
        let mean = values.iter().sum::<Complex64>() / n;
        let variance = values.iter().map(|x| (x - mean).norm_sqr()).sum::<f64>() / n;
        Estimate {
            mean,
            error: (variance / n).sqrt(),
            variance,
            n: values.len() as u64,
        }
    }
}

/// `<op>` over `n_samples` samples drawn with `seed`: the mean of the local values
/// `O_loc(s) = sum_{s'} <s|op|s'> psi(s') / psi(s)`.
pub fn expectation(
    model: &Model,
    op: &Hamiltonian,
    seed: u64,
    n_samples: usize,
) -> Result<Estimate> {
    check_operator(model, op)?;
    let configs = draw(model, seed, n_samples, None)?;
    let mut values = vec![Complex64::new(0.0, 0.0); n_samples];
    local_energies(model, op, &configs, &mut values)?;
    Ok(Estimate::from_values(&values))
}

/// Second Renyi entropy `S2(A) = -ln <Swap_A>` of the sites in `region`, from `n_samples`
/// pairs (s, t): the 2 n_samples samples drawn with `seed`, first half s, second half t.
/// `<Swap_A>` is the real part of the mean of `psi(t_A s_B) psi(s_A t_B) / (psi(s) psi(t))`;
/// the result's `mean` is S2, its `error` `err(<Swap>) / <Swap>` and its `variance` the
/// swap values' variance over `<Swap>^2`, consistently; `n` counts pairs. An empty region gives
/// S2 = 0 exactly. Refuses a site out of range or given twice (`InvalidArgument`) and a
/// mean swap value that is not positive, which too few samples can give (`Numerical`).
pub fn renyi2(model: &Model, region: &[u32], seed: u64, n_samples: usize) -> Result<Estimate> {
    let sites = model.num_sites();
    let mut in_region = vec![false; sites];
    for (k, &site) in region.iter().enumerate() {
        let slot = in_region.get_mut(site as usize).ok_or_else(|| {
            Error::invalid(format!(
                "region[{k}] = {site} is not a site (n_sites = {sites})"
            ))
        })?;
        if *slot {
            return Err(Error::invalid(format!(
                "site {site} appears twice in the region"
            )));
        }
        *slot = true;
    }
    let pairs = n_samples;
    let total = pairs
        .checked_mul(2)
        .ok_or_else(|| Error::invalid(format!("n_samples = {n_samples} pairs is too many")))?;
    if region.is_empty() {
        check_count(pairs)?;
        return Ok(Estimate {
            mean: Complex64::new(0.0, 0.0),
            error: 0.0,
            variance: 0.0,
            n: pairs as u64,
        });
    }
    let mut log_psi = vec![Complex64::new(0.0, 0.0); total];
    let drawn = draw(model, seed, total, Some(&mut log_psi))?;
    let (s, t) = drawn.split_at(pairs * sites);
    // [t_A s_B ; s_A t_B], evaluated in one call.
    let mut swapped = drawn.clone();
    let (u_all, v_all) = swapped.split_at_mut(pairs * sites);
    let rows = u_all
        .chunks_exact_mut(sites)
        .zip(v_all.chunks_exact_mut(sites));
    for (pair, (u, v)) in rows.enumerate() {
        for &site in region {
            let i = site as usize;
            u[i] = t[pair * sites + i];
            v[i] = s[pair * sites + i];
        }
    }
    let mut swapped_log_psi = vec![Complex64::new(0.0, 0.0); total];
    model.log_psi(&swapped, &mut swapped_log_psi)?;
    let (lp_s, lp_t) = log_psi.split_at(pairs);
    let (lp_u, lp_v) = swapped_log_psi.split_at(pairs);
    // Only the real part enters S2, so its statistics are those of the real parts.
    let swap_values: Vec<Complex64> = (0..pairs)
        .map(|k| {
            let log_ratio = lp_u[k] + lp_v[k] - lp_s[k] - lp_t[k];
            if lp_u[k].re == f64::NEG_INFINITY || lp_v[k].re == f64::NEG_INFINITY {
                Complex64::new(0.0, 0.0)
            } else {
                Complex64::new(log_ratio.exp().re, 0.0)
            }
        })
        .collect();
    let swap = Estimate::from_values(&swap_values);
    let mean = swap.mean.re;
    if !(mean > 0.0 && mean.is_finite()) {
        return Err(Error::numerical(format!(
            "the mean swap value {mean} over {pairs} pairs is not positive, so S2 = -ln <Swap> is undefined; draw more samples"
        )));
    }
    Ok(Estimate {
        mean: Complex64::new(-mean.ln(), 0.0),
        error: swap.error / mean,
        variance: swap.variance / (mean * mean),
        n: pairs as u64,
    })
}

fn check_count(n_samples: usize) -> Result<()> {
    if n_samples == 0 {
        return Err(Error::invalid("n_samples must be at least 1"));
    }
    Ok(())
}

/// `n` samples, with their ln psi when asked.
fn draw(model: &Model, seed: u64, n: usize, log_psi: Option<&mut [Complex64]>) -> Result<Vec<u8>> {
    check_count(n)?;
    let len = n.checked_mul(model.num_sites()).ok_or_else(|| {
        Error::invalid(format!(
            "n_samples = {n} is too many for {} sites",
            model.num_sites()
        ))
    })?;
    let mut configs = vec![0u8; len];
    model.sample(seed, n, &mut configs, log_psi)?;
    Ok(configs)
}
