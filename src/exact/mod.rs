//! Exact tools for small systems: expectation values by full enumeration of the model's
//! amplitudes, and ground energies by Lanczos, both over all d^N basis states (d = 2 for
//! Pauli operators, whose bit-mask form is the faster one).

mod amplitude;
mod bit_operator;
mod free_fermion;
mod lanczos;
mod local_operator;

use crate::buffer::try_zeroed_vec;
use crate::error::{Error, Result};
use crate::hamiltonian::compiled::CompiledOperator;
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::check_operator;
use crate::model::Model;
use bit_operator::BitOperator;
use local_operator::LocalOperator;
use num_complex::Complex64;

pub use free_fermion::tfim_open_chain_ground_energy;

/// Largest number of sites the exact tools accept: 2^24 basis states (a complex vector of
/// them takes 256 MiB).
pub const MAX_EXACT_SITES: usize = 24;

/// Largest number of basis states d^N the exact tools accept, for any local dimension d.
pub const MAX_EXACT_STATES: usize = 16_777_216; // 2^24, written out for cffi (see MAX_SITES)

/// Configurations per call of the model while enumerating.
const ENUMERATION_BATCH: usize = 1 << 12;

/// <psi|op|psi> / <psi|psi> = sum_s P(s) O_loc(s), by enumerating every configuration
/// (at most 2^24 of them, d^N for local dimension d; `InvalidArgument` beyond). Refuses an operator that does not fit
/// the model as [`crate::local_energies`] does, and a value that overflows (`Numerical`).
pub fn exact_expectation(model: &Model, op: &Hamiltonian) -> Result<Complex64> {
    check_operator(model, op)?;
    let compiled = op.try_compiled()?;
    let sites = model.num_sites();
    let dim = check_size(sites, op.local_dim())?;
    let psi = enumerate_psi(model, dim)?;
    let mut h_psi = try_zeroed_vec(psi.len(), "H psi over every configuration")?;
    if !pauli_strings_only(op.local_dim(), compiled) {
        LocalOperator::new(compiled, op.local_dim(), sites, dim).apply(&psi, &mut h_psi);
    } else {
        let h = BitOperator::new(op);
        h.apply(&h.diagonal()?, &psi, &mut h_psi);
    }
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

/// The lowest eigenvalue of `h` by Lanczos over all d^N states (at most 2^24;
/// `InvalidArgument` beyond), to a residual of 1e-10 relative: real vectors when every matrix element is
/// real, complex ones otherwise. Coefficients whose magnitudes sum above 1e150 are refused
/// (`Numerical`): the solver's squared norms would overflow.
pub fn exact_ground_energy(h: &Hamiltonian) -> Result<f64> {
    let dim = check_size(h.num_sites(), h.local_dim())?;
    let norm_bound = h.norm_bound();
    if norm_bound.is_nan() || norm_bound > MAX_LANCZOS_NORM {
        return Err(Error::numerical(format!(
            "the operator's coefficients sum to {norm_bound:e} in magnitude; Lanczos takes at most {MAX_LANCZOS_NORM:e} (beyond, the squared norms it forms overflow)"
        )));
    }
    let compiled = h.try_compiled()?;
    if !pauli_strings_only(h.local_dim(), compiled) {
        let op = LocalOperator::new(compiled, h.local_dim(), h.num_sites(), dim);
        let e0 = if compiled.is_real() {
            lanczos::lowest_eigenvalue::<f64>(dim, |v, out| op.apply(v, out))
        } else {
            lanczos::lowest_eigenvalue::<Complex64>(dim, |v, out| op.apply(v, out))
        }?;
        return finite_ground_energy(e0);
    }
    let op = BitOperator::new(h);
    let diagonal = op.diagonal()?;
    let e0 = if op.is_real() {
        lanczos::lowest_eigenvalue::<f64>(dim, |v, out| op.apply(&diagonal, v, out))
    } else {
        lanczos::lowest_eigenvalue::<Complex64>(dim, |v, out| op.apply(&diagonal, v, out))
    }?;
    finite_ground_energy(e0)
}

/// Whether the operator is a sum of Pauli strings on spins 1/2, which the bit operator
/// applies over 2^N states; anything else (dense terms, or no terms at all at d > 2) takes
/// the local operator over d^N.
fn pauli_strings_only(local_dim: usize, compiled: &CompiledOperator) -> bool {
    local_dim == 2 && !compiled.has_local_terms()
}

fn finite_ground_energy(e0: f64) -> Result<f64> {
    if !e0.is_finite() {
        return Err(Error::numerical(format!("Lanczos gave E0 = {e0}")));
    }
    Ok(e0)
}

/// d^N, refused beyond [`MAX_EXACT_STATES`].
fn check_size(sites: usize, d: usize) -> Result<usize> {
    let dim = u32::try_from(sites).ok().and_then(|n| d.checked_pow(n));
    match dim {
        Some(dim) if dim <= MAX_EXACT_STATES => Ok(dim),
        _ => Err(Error::invalid(format!(
            "exact tools enumerate all d^N states and accept at most 2^{MAX_EXACT_SITES}; got d = {d}, N = {sites}"
        ))),
    }
}

/// psi of every configuration, indexed by k with base-d digit i of k the value of site i.
fn enumerate_psi(model: &Model, dim: usize) -> Result<Vec<Complex64>> {
    let sites = model.num_sites();
    let d = model.config().local_dim as usize;
    let mut psi = try_zeroed_vec(dim, "psi over every configuration")?;
    let mut configs = try_zeroed_vec(ENUMERATION_BATCH.min(dim) * sites, "the enumerated batch")?;
    for (block, out) in psi.chunks_mut(ENUMERATION_BATCH).enumerate() {
        let configs = &mut configs[..out.len() * sites];
        for (j, config) in configs.chunks_exact_mut(sites).enumerate() {
            let k = block * ENUMERATION_BATCH + j;
            let mut rest = k;
            for v in config.iter_mut() {
                *v = (rest % d) as u8;
                rest /= d;
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
