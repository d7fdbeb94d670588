//! Dense k-site terms on any local dimension d: a d^k x d^k Hermitian matrix on an ordered
//! list of distinct sites, the index of a local configuration being
//! sum_j s_{sites[j]} d^(k-1-j) (the first listed site most significant).

use super::Hamiltonian;
use crate::buffer::try_zeroed_vec;
use crate::error::{Error, Result};
use crate::model::MAX_LOCAL_DIM;
use num_complex::Complex64;

/// A matrix is Hermitian when `|M[a][b] - conj(M[b][a])|` <= this times max(1, max |M|);
/// the operator keeps its Hermitian part (M + M^dagger) / 2, exactly Hermitian.
pub(crate) const HERMITIAN_TOLERANCE: f64 = 1e-12;

/// One dense term: `matrix` is `[dim][dim]` row-major, dim = d^sites.len().
#[derive(Clone, Debug, PartialEq)]
pub struct LocalTerm {
    pub sites: Vec<u32>,
    pub dim: usize,
    pub matrix: Vec<Complex64>,
}

/// d^k, or an `OutOfMemory` naming the size when the d^k x d^k matrix cannot be addressed.
fn matrix_side(d: u32, k: usize) -> Result<usize> {
    let side = u32::try_from(k)
        .ok()
        .and_then(|k| (d as usize).checked_pow(k));
    let elements = side.and_then(|s| s.checked_mul(s));
    match (side, elements.and_then(|e| e.checked_mul(size_of::<Complex64>()))) {
        (Some(side), Some(_)) => Ok(side),
        _ => Err(Error::out_of_memory(format!(
            "a term on k = {k} sites of local dimension {d} needs a {d}^{k} x {d}^{k} complex matrix, more than the address space"
        ))),
    }
}

impl Hamiltonian {
    /// The zero operator on `n_sites` sites of `local_dim` values each (2..=256), to which
    /// [`Hamiltonian::add_local`] adds dense terms; with local_dim = 2 Pauli terms may be
    /// added too.
    pub fn new_local(n_sites: u32, local_dim: u32) -> Result<Hamiltonian> {
        if !(2..=MAX_LOCAL_DIM).contains(&local_dim) {
            return Err(Error::invalid(format!(
                "local_dim must be in 2..={MAX_LOCAL_DIM} (got {local_dim})"
            )));
        }
        let mut h = Hamiltonian::new(n_sites)?;
        h.local_dim = local_dim;
        Ok(h)
    }

    /// d^k, the side of a term's matrix on `k` sites; `OutOfMemory` naming the size when
    /// it cannot be addressed.
    pub fn local_term_side(&self, k: usize) -> Result<usize> {
        matrix_side(self.local_dim, k)
    }

    /// Values per site: 2 for Pauli operators.
    pub fn local_dim(&self) -> usize {
        self.local_dim as usize
    }

    /// The dense terms, in the order they were added.
    pub fn local_terms(&self) -> &[LocalTerm] {
        &self.local_terms
    }

    /// Adds the operator whose matrix on `sites` (k = sites.len() distinct sites, the first
    /// most significant) is `matrix`, `[d^k][d^k]` row-major, element `[a][b] = <a|O|b>`.
    /// Refuses, leaving the operator unchanged: k = 0, a site out of range or given twice,
    /// a non-finite entry, a matrix that is not Hermitian within 1e-12 relative
    /// (`InvalidArgument`); a matrix whose length is not d^k x d^k (`BufferSize`); a
    /// d^k x d^k matrix no memory can hold (`OutOfMemory`, naming the size).
    pub fn add_local(&mut self, sites: &[u32], matrix: &[Complex64]) -> Result<()> {
        let (k, d) = (sites.len(), self.local_dim);
        if k == 0 {
            return Err(Error::invalid(
                "a local term needs k >= 1 sites (got k = 0)",
            ));
        }
        for (j, &site) in sites.iter().enumerate() {
            if site >= self.n_sites {
                return Err(Error::invalid(format!(
                    "sites[{j}] = {site} is out of range (n_sites = {})",
                    self.n_sites
                )));
            }
            if sites[..j].contains(&site) {
                return Err(Error::invalid(format!(
                    "site {site} appears twice in the local term's sites"
                )));
            }
        }
        let side = matrix_side(d, k)?;
        if matrix.len() != side * side {
            return Err(Error::buffer_size(format!(
                "a term on {k} sites of local dimension {d} needs a {side} x {side} matrix ({} elements), got {}",
                side * side,
                matrix.len()
            )));
        }
        if let Some(i) = matrix
            .iter()
            .position(|m| !(m.re.is_finite() && m.im.is_finite()))
        {
            return Err(Error::invalid(format!(
                "matrix[{}][{}] = {} is not finite",
                i / side,
                i % side,
                matrix[i]
            )));
        }
        // In halves throughout: (m + t) / 2 of finite entries near f64::MAX would overflow.
        let half_scale = matrix.iter().map(|m| (0.5 * m).norm()).fold(0.5, f64::max);
        let mut hermitian: Vec<Complex64> = try_zeroed_vec(
            side * side,
            &format!("a {side} x {side} local term ({k} sites, local_dim {d})"),
        )?;
        for a in 0..side {
            for b in 0..side {
                let (m, t) = (matrix[a * side + b], matrix[b * side + a].conj());
                let (m_half, t_half) = (0.5 * m, 0.5 * t);
                if (m_half - t_half).norm() > HERMITIAN_TOLERANCE * half_scale {
                    return Err(Error::invalid(format!(
                        "the matrix is not Hermitian: matrix[{a}][{b}] = {m} but conj(matrix[{b}][{a}]) = {t} (tolerance {HERMITIAN_TOLERANCE:e} times max(1, max |entry|))"
                    )));
                }
                hermitian[a * side + b] = m_half + t_half;
            }
        }
        if hermitian.iter().all(|m| *m == Complex64::new(0.0, 0.0)) {
            return Ok(());
        }
        self.local_terms.try_reserve(1).map_err(|_| {
            Error::out_of_memory(format!(
                "the operator's list of {} local terms cannot grow",
                self.local_terms.len()
            ))
        })?;
        self.local_terms.push(LocalTerm {
            sites: sites.to_vec(),
            dim: side,
            matrix: hermitian,
        });
        self.compiled = std::sync::OnceLock::new();
        Ok(())
    }
}
