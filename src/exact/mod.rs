//! Exact tools for small systems: expectation values by full enumeration of the model's
//! amplitudes, and ground energies by Lanczos, both over all 2^N basis states.

mod amplitude;
mod bit_operator;
mod free_fermion;
mod lanczos;

use crate::buffer::try_zeroed_vec;
use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::check_operator;
use crate::model::Model;
use bit_operator::BitOperator;
use num_complex::Complex64;

pub use free_fermion::tfim_open_chain_ground_energy;

/// Largest number of sites the exact tools accept: 2^24 basis states (a complex vector of
/// them takes 256 MiB).
pub const MAX_EXACT_SITES: usize = 24;

/// Configurations per call of the model while enumerating.
const ENUMERATION_BATCH: usize = 1 << 12;

/// <psi|op|psi> / <psi|psi> = sum_s P(s) O_loc(s), by enumerating every configuration
/// (at most 2^24 of them; `InvalidArgument` beyond). Refuses an operator that does not fit
/// the model as [`crate::local_energies`] does, and a value that overflows (`Numerical`).
pub fn exact_expectation(model: &Model, op: &Hamiltonian) -> Result<Complex64> {
    check_operator(model, op)?;
    op.try_compiled()?;
    let sites = model.num_sites();
    check_size(sites)?;
    let psi = enumerate_psi(model)?;
    let h = BitOperator::new(op);
    let mut h_psi = try_zeroed_vec(psi.len(), "H psi over every configuration")?;
    h.apply(&h.diagonal()?, &psi, &mut h_psi);
    let value: Complex64 = psi.iter().zip(&h_psi).map(|(a, b)| a.conj() * b).sum();
    let norm: f64 = psi.iter().map(|a| a.norm_sqr()).sum();
    let mean = value / norm;
    if !(mean.re.is_finite() && mean.im.is_finite()) {
        return Err(Error::numerical(format!(
            "<op> = {mean} is not finite: the operator's coefficients are too large (the sum overflows)"
        )));
    }
    Ok(mean)
}

/// Largest sum of |coefficients| the Lanczos solver takes: it bounds |H v| for |v| = 1, whose
/// square the solver forms, so the squares stay below f64::MAX.
const MAX_LANCZOS_NORM: f64 = 1e150;

/// The lowest eigenvalue of `h` by Lanczos over all 2^N states (N <= 24; `InvalidArgument`
/// beyond), to a residual of 1e-10 relative: real vectors when every matrix element is
/// real, complex ones otherwise. Coefficients whose magnitudes sum above 1e150 are refused
/// (`Numerical`): the solver's squared norms would overflow.
pub fn exact_ground_energy(h: &Hamiltonian) -> Result<f64> {
    check_size(h.num_sites())?;
    let norm_bound: f64 = h.terms().map(|(c, _)| c.abs()).sum();
    if norm_bound.is_nan() || norm_bound > MAX_LANCZOS_NORM {
        return Err(Error::numerical(format!(
            "the operator's coefficients sum to {norm_bound:e} in magnitude; Lanczos takes at most {MAX_LANCZOS_NORM:e} (beyond, the squared norms it forms overflow)"
        )));
    }
    h.try_compiled()?;
    let op = BitOperator::new(h);
    let dim = 1usize << h.num_sites();
    let diagonal = op.diagonal()?;
    let e0 = if op.is_real() {
        lanczos::lowest_eigenvalue::<f64>(dim, |v, out| op.apply(&diagonal, v, out))
    } else {
        lanczos::lowest_eigenvalue::<Complex64>(dim, |v, out| op.apply(&diagonal, v, out))
    }?;
    if !e0.is_finite() {
        return Err(Error::numerical(format!("Lanczos gave E0 = {e0}")));
    }
    Ok(e0)
}

fn check_size(sites: usize) -> Result<()> {
    if sites > MAX_EXACT_SITES {
        return Err(Error::invalid(format!(
            "exact tools enumerate all 2^N states and accept N <= {MAX_EXACT_SITES} sites; got N = {sites}"
        )));
    }
    Ok(())
}

/// psi of every configuration, indexed by k with bit i of k the value of site i.
fn enumerate_psi(model: &Model) -> Result<Vec<Complex64>> {
    let sites = model.num_sites();
    let dim = 1usize << sites;
    let mut psi = try_zeroed_vec(dim, "psi over every configuration")?;
    let mut configs = try_zeroed_vec(ENUMERATION_BATCH.min(dim) * sites, "the enumerated batch")?;
    for (block, out) in psi.chunks_mut(ENUMERATION_BATCH).enumerate() {
        let configs = &mut configs[..out.len() * sites];
        for (j, config) in configs.chunks_exact_mut(sites).enumerate() {
            let k = block * ENUMERATION_BATCH + j;
            for (i, v) in config.iter_mut().enumerate() {
                *v = ((k >> i) & 1) as u8;
            }
        }
        model.log_psi(configs, out)?;
        for a in out.iter_mut() {
            *a = if a.re == f64::NEG_INFINITY {
                Complex64::new(0.0, 0.0)
            } else {
                a.exp()
            };
        }
    }
    Ok(psi)
}
