//! Monte Carlo estimators from exact, independent samples: expectation values of Pauli sums
//! and the second Renyi entropy by the swap trick (docs/method.md).

use crate::buffer::{try_zeroed, try_zeroed_vec};
use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::{check_operator, local_energies};
use crate::model::Model;
use crate::parallel::CHUNK_ROWS;
use num_complex::Complex64;

/// Memory the samples of one block of an estimate may take: estimates draw and evaluate
/// their samples block by block, so that no buffer grows with the number of samples.
const BLOCK_BYTES: usize = 64 << 20;

/// Most samples (or pairs) in a block: the blocks of typical estimates hold them all, and
/// such estimates are computed exactly as in one piece.
const MAX_BLOCK: usize = 256 * CHUNK_ROWS;

/// Samples (or pairs) per block, each taking `bytes_each`: a whole number of chunks, so
/// that drawing block by block gives the very samples of one draw of all.
fn block_len(bytes_each: usize) -> usize {
    let chunks = (BLOCK_BYTES / bytes_each.max(1) / CHUNK_ROWS).clamp(1, MAX_BLOCK / CHUNK_ROWS);
    chunks * CHUNK_ROWS
}

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
    /// Mean, population variance and standard error of `values`; none is
    /// `InvalidArgument` (their mean is not a number).
    pub fn from_values(values: &[Complex64]) -> Result<Estimate> {
        if values.is_empty() {
            return Err(Error::invalid(
                "an estimate needs at least one value (got none)",
            ));
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<Complex64>() / n;
        let variance = values.iter().map(|x| (x - mean).norm_sqr()).sum::<f64>() / n;
        Ok(Estimate {
            mean,
            error: (variance / n).sqrt(),
            variance,
            n: values.len() as u64,
        })
    }

    /// The estimate, refused (`Numerical`) when a statistic is not finite: values finite
    /// one by one can still overflow their sums (local values near 1e308).
    fn finite(self) -> Result<Estimate> {
        if self.mean.re.is_finite()
            && self.mean.im.is_finite()
            && self.variance.is_finite()
            && self.error.is_finite()
        {
            Ok(self)
        } else {
            Err(Error::numerical(format!(
                "the estimate over {} samples overflows: mean {}, variance {}",
                self.n, self.mean, self.variance
            )))
        }
    }

    /// The statistics of this block's values and `other`'s together (the pairwise update of
    /// Chan, Golub and LeVeque, stable whatever the block sizes).
    fn merge(self, other: Estimate) -> Estimate {
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        let mean = self.mean + delta * (nb / n);
        let m2 = self.variance * na + other.variance * nb + delta.norm_sqr() * (na * nb / n);
        let variance = m2 / n;
        Estimate {
            mean,
            error: (variance / n).sqrt(),
            variance,
            n: self.n + other.n,
        }
    }
}

/// Merges the estimates of successive blocks; a single block's estimate is kept as it is.
fn merge_blocks(total: Option<Estimate>, block: Estimate) -> Option<Estimate> {
    Some(match total {
        None => block,
        Some(t) => t.merge(block),
    })
}

/// `<op>` over `n_samples` samples drawn with `seed`: the mean of the local values
/// `O_loc(s) = sum_{s'} <s|op|s'> psi(s') / psi(s)`. `n_samples` is 1 to
/// [`MAX_ESTIMATE_SAMPLES`] (`InvalidArgument` otherwise); the samples are drawn and
/// evaluated in blocks of at most 64 MiB, so the memory does not grow with `n_samples`.
/// A local value or statistic that overflows gives `Numerical`.
pub fn expectation(
    model: &Model,
    op: &Hamiltonian,
    seed: u64,
    n_samples: usize,
) -> Result<Estimate> {
    check_operator(model, op)?;
    op.try_compiled()?;
    check_draw(model, n_samples)?;
    let sites = model.num_sites();
    let block = block_len(sites + size_of::<Complex64>());
    let mut total = None;
    for start in (0..n_samples).step_by(block) {
        let end = n_samples.min(start + block);
        let (configs, _) = draw_range(model, seed, n_samples, start..end, false)?;
        let mut values = try_zeroed_vec(end - start, "the local values")?;
        local_energies(model, op, &configs, &mut values)?;
        total = merge_blocks(total, Estimate::from_values(&values)?);
    }
    total.expect("n_samples >= 1 gives a block").finite()
}

/// Second Renyi entropy `S2(A) = -ln <Swap_A>` of the sites in `region`, from `n_samples`
/// pairs (s, t): the 2 n_samples samples drawn with `seed`, first half s, second half t.
/// `<Swap_A>` is the real part of the mean of `psi(t_A s_B) psi(s_A t_B) / (psi(s) psi(t))`;
/// the result's `mean` is S2, its `error` `err(<Swap>) / <Swap>` and its `variance` the
/// swap values' variance over `<Swap>^2`, consistently; `n` counts pairs. An empty region gives
/// S2 = 0 exactly. `n_samples` is 1 to [`MAX_ESTIMATE_SAMPLES`] pairs, drawn in blocks as
/// [`expectation`]'s. Refuses a site out of range or given twice (`InvalidArgument`) and a
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
    check_count(pairs)?;
    let total = 2 * pairs;
    if region.is_empty() {
        return Ok(Estimate {
            mean: Complex64::new(0.0, 0.0),
            error: 0.0,
            variance: 0.0,
            n: pairs as u64,
        });
    }
    check_draw(model, total).map_err(|_| {
        Error::invalid(format!(
            "n_samples = {pairs} pairs ({total} samples) is too many for {sites} sites"
        ))
    })?;
    // A pair's two samples, its two swapped configurations and their four ln psi.
    let block = block_len(4 * sites + 4 * size_of::<Complex64>());
    let mut swap = None;
    for start in (0..pairs).step_by(block) {
        let end = pairs.min(start + block);
        let values = swap_values(model, region, seed, total, start..end)?;
        swap = merge_blocks(swap, Estimate::from_values(&values)?);
    }
    let swap = swap.expect("n_samples >= 1 gives a block").finite()?;
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

/// Most samples (or pairs) an estimate takes: 2^32, whose error is already below 2^-16 of
/// the values' spread. Each sample costs a pass over the sites, so a larger count (2^40 is
/// days of work) is a mistake to refuse, not work to start.
pub const MAX_ESTIMATE_SAMPLES: usize = 4_294_967_296; // 2^32, written out for cffi (see MAX_STEPS)

fn check_count(n_samples: usize) -> Result<()> {
    if n_samples == 0 {
        return Err(Error::invalid("n_samples must be at least 1"));
    }
    if n_samples > MAX_ESTIMATE_SAMPLES {
        return Err(Error::invalid(format!(
            "n_samples = {n_samples} is above the most an estimate takes, 2^32 = {MAX_ESTIMATE_SAMPLES}"
        )));
    }
    Ok(())
}

/// Refuses a draw of `n` samples whose configurations no buffer could hold (more than
/// isize::MAX bytes, as `rnnwf_sample` would need): such a count is a mistake, not work.
fn check_draw(model: &Model, n: usize) -> Result<()> {
    check_count(n)?;
    match n.checked_mul(model.num_sites()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => Err(Error::invalid(format!(
            "n_samples = {n} is too many for {} sites",
            model.num_sites()
        ))),
    }
}

/// Samples `range` of the `n` samples drawn with `seed`, with their ln psi when asked: the
/// whole chunks around the range are drawn, so that each chunk holds the rows it has in
/// the draw of all `n`.
fn draw_range(
    model: &Model,
    seed: u64,
    n: usize,
    range: std::ops::Range<usize>,
    with_log_psi: bool,
) -> Result<(Vec<u8>, Vec<Complex64>)> {
    let sites = model.num_sites();
    let first_chunk = range.start / CHUNK_ROWS;
    let lo = first_chunk * CHUNK_ROWS;
    let hi = n.min(range.end.div_ceil(CHUNK_ROWS) * CHUNK_ROWS);
    let mut configs = try_zeroed(&[hi - lo, sites], "the samples")?;
    let mut log_psi = try_zeroed_vec(if with_log_psi { hi - lo } else { 0 }, "their ln psi")?;
    let log_psi_out = with_log_psi.then_some(&mut log_psi[..]);
    model.sample_chunks(seed, first_chunk, hi - lo, &mut configs, log_psi_out)?;
    let skip = range.start - lo;
    let keep = range.len();
    configs.drain(..skip * sites);
    configs.truncate(keep * sites);
    if with_log_psi {
        log_psi.drain(..skip);
        log_psi.truncate(keep);
    }
    Ok((configs, log_psi))
}

/// The swap values of the pairs in `range`: pair k is samples k and `pairs + k` of the
/// `total = 2 pairs` samples drawn with `seed`.
fn swap_values(
    model: &Model,
    region: &[u32],
    seed: u64,
    total: usize,
    range: std::ops::Range<usize>,
) -> Result<Vec<Complex64>> {
    let sites = model.num_sites();
    let pairs = total / 2;
    let len = range.len();
    let (s, lp_s) = draw_range(model, seed, total, range.clone(), true)?;
    let (t, lp_t) = draw_range(
        model,
        seed,
        total,
        pairs + range.start..pairs + range.end,
        true,
    )?;
    // [t_A s_B ; s_A t_B], evaluated in one call.
    let mut swapped = try_zeroed(&[2 * len, sites], "the swapped configurations")?;
    let (u_all, v_all) = swapped.split_at_mut(len * sites);
    u_all.copy_from_slice(&s);
    v_all.copy_from_slice(&t);
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
    let mut swapped_log_psi = try_zeroed_vec(2 * len, "ln psi of the swapped configurations")?;
    model.log_psi(&swapped, &mut swapped_log_psi)?;
    let (lp_u, lp_v) = swapped_log_psi.split_at(len);
    // Only the real part enters S2, so its statistics are those of the real parts.
    Ok((0..len)
        .map(|k| {
            let log_ratio = lp_u[k] + lp_v[k] - lp_s[k] - lp_t[k];
            if lp_u[k].re == f64::NEG_INFINITY || lp_v[k].re == f64::NEG_INFINITY {
                Complex64::new(0.0, 0.0)
            } else {
                Complex64::new(log_ratio.exp().re, 0.0)
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    fn chain(sites: u32) -> Model {
        Model::new(
            ModelConfig::default()
                .with_lx(sites)
                .with_ly(1)
                .with_hidden(4),
        )
        .unwrap()
    }

    #[test]
    fn a_range_drawn_alone_is_that_range_of_the_whole_draw() {
        let m = chain(5);
        let n = 1000; // three full chunks and a partial one
        let mut all = vec![0u8; n * 5];
        let mut all_lp = vec![Complex64::new(0.0, 0.0); n];
        m.sample(9, n, &mut all, Some(&mut all_lp)).unwrap();
        for range in [0..n, 0..256, 300..700, 256..512, 511..513, 768..n, 999..n] {
            let (configs, lp) = draw_range(&m, 9, n, range.clone(), true).unwrap();
            assert_eq!(configs, all[range.start * 5..range.end * 5], "{range:?}");
            assert_eq!(lp, all_lp[range.clone()], "{range:?}");
            let (configs, lp) = draw_range(&m, 9, n, range.clone(), false).unwrap();
            assert_eq!(configs, all[range.start * 5..range.end * 5], "{range:?}");
            assert!(lp.is_empty());
        }
    }

    #[test]
    fn merged_blocks_give_the_statistics_of_all_values() {
        let values: Vec<Complex64> = (0..1001)
            .map(|k| {
                let x = k as f64;
                Complex64::new((0.37 * x).sin() * 3.0 + 5.0, (1.3 * x).cos())
            })
            .collect();
        let whole = Estimate::from_values(&values).unwrap();
        let mut merged = None;
        for block in values.chunks(256) {
            merged = merge_blocks(merged, Estimate::from_values(block).unwrap());
        }
        let merged = merged.unwrap();
        assert_eq!(merged.n, whole.n);
        assert!((merged.mean - whole.mean).norm() <= 1e-14 * whole.mean.norm());
        assert!((merged.variance - whole.variance).abs() <= 1e-13 * whole.variance);
        assert!((merged.error - whole.error).abs() <= 1e-13 * whole.error);
        let none = Estimate::from_values(&[]).unwrap_err();
        assert_eq!(none.kind, crate::ErrorKind::InvalidArgument);
    }

    #[test]
    fn block_lengths_are_whole_chunks_within_the_budget() {
        assert_eq!(block_len(1), MAX_BLOCK);
        assert_eq!(block_len(usize::MAX), CHUNK_ROWS);
        let b = block_len(1 << 12);
        assert_eq!(b % CHUNK_ROWS, 0);
        assert!(b * (1 << 12) <= BLOCK_BYTES);
    }

    #[test]
    fn counts_no_buffer_could_hold_are_refused_naming_them() {
        let m = chain(2);
        let h = Hamiltonian::tfim(2, 1, false, 1.0, 1.0).unwrap();
        for n in [1usize << 62, usize::MAX] {
            let e = expectation(&m, &h, 1, n).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::InvalidArgument);
            assert!(e.message.contains(&n.to_string()), "{}", e.message);
            let e = renyi2(&m, &[0], 1, n).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::InvalidArgument);
            assert!(e.message.contains(&n.to_string()), "{}", e.message);
        }
    }
}
