//! The open transverse-field Ising chain in closed form (free fermions), for any size: the
//! reference energy of the main job and of tests far beyond exact diagonalisation.

use crate::error::{Error, Result};
use nalgebra::DMatrix;

/// Ground energy of H = -J sum_i Z_i Z_{i+1} - h sum_i X_i on an open chain of `n` sites.
/// Jordan-Wigner makes H a sum of free fermion modes, H = sum_k Lambda_k (2 n_k - 1), whose
/// energies Lambda_k are the singular values of the bidiagonal matrix with h on the diagonal
/// and J above it (Pfeuty 1970); the ground state leaves every mode empty: E0 = -sum_k
/// Lambda_k.
pub fn tfim_open_chain_ground_energy(n: usize, j: f64, h: f64) -> Result<f64> {
    if n == 0 || n > 100_000 {
        return Err(Error::invalid(format!(
            "the free-fermion formula takes 1..=100000 sites (got {n})"
        )));
    }
    if !(j.is_finite() && h.is_finite()) {
        return Err(Error::invalid(format!(
            "J = {j} and h = {h} must be finite"
        )));
    }
    let mut m = DMatrix::<f64>::zeros(n, n);
    for i in 0..n {
        m[(i, i)] = h;
        if i + 1 < n {
            m[(i, i + 1)] = j;
        }
    }
    Ok(-m.singular_values().iter().sum::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_closed_form_at_the_critical_point() {
        for (n, expected) in [(10, -12.3814899997), (20, -25.1077971116)] {
            let e = tfim_open_chain_ground_energy(n, 1.0, 1.0).unwrap();
            assert!((e - expected).abs() < 1e-9, "N = {n}: {e}");
            let closed = 1.0 - 1.0 / (std::f64::consts::PI / (2.0 * (2.0 * n as f64 + 1.0))).sin();
            assert!((e - closed).abs() < 1e-9);
        }
        assert_eq!(tfim_open_chain_ground_energy(1, 1.0, 0.7).unwrap(), -0.7);
        assert!((tfim_open_chain_ground_energy(2, 1.0, 1.0).unwrap() + 5f64.sqrt()).abs() < 1e-14);
    }
}
