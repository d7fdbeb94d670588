//! The open transverse-field Ising chain in closed form (free fermions), for any size: the
//! reference energy of the main job and of tests far beyond exact diagonalisation.

use crate::buffer::check_room;
use crate::error::{Error, Result};
use nalgebra::DMatrix;

/// Ground energy of H = -J sum_i Z_i Z_{i+1} - h sum_i X_i on an open chain of `n` sites
/// (1 to 100000). Jordan-Wigner makes H a sum of free fermion modes, H = sum_k Lambda_k
/// (2 n_k - 1), whose energies Lambda_k are the singular values of the bidiagonal matrix
/// with h on the diagonal and J above it (Pfeuty 1970); the ground state leaves every mode
/// empty: E0 = -sum_k Lambda_k. At |J| = |h| the sum has a closed form, used for any `n`;
/// otherwise the singular values are those of the dense matrix, for `n` up to 4096
/// (`InvalidArgument` beyond). A sum that overflows is `Numerical`.
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
    let e0 = if j.abs() == h.abs() {
        // Lambda_k = 2 |J| sin(k pi / (2 (2n + 1))) over odd k: their sum in closed form.
        let angle = std::f64::consts::PI / (2.0 * (2.0 * n as f64 + 1.0));
        j.abs() * (1.0 - 1.0 / angle.sin())
    } else {
        if n > MAX_DENSE_SITES {
            return Err(Error::invalid(format!(
                "the free-fermion formula takes at most {MAX_DENSE_SITES} sites unless |J| = |h| \
                 (got {n}; it diagonalises a dense n x n matrix)"
            )));
        }
        // The matrix and the SVD's copies of it, which nalgebra allocates without a way to
        // refuse.
        check_room(3 * n * n * size_of::<f64>(), "the free-fermion matrix")?;
        let mut m = DMatrix::<f64>::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = h;
            if i + 1 < n {
                m[(i, i + 1)] = j;
            }
        }
        -m.singular_values().iter().sum::<f64>()
    };
    if !e0.is_finite() {
        return Err(Error::numerical(format!(
            "the ground energy of J = {j}, h = {h} on {n} sites overflows"
        )));
    }
    Ok(e0)
}

/// Sites up to which [`tfim_open_chain_ground_energy`] diagonalises a dense matrix: 128 MB
/// and seconds of work at most.
const MAX_DENSE_SITES: usize = 4096;

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

    /// The closed form at |J| = |h| against the dense path just off that point, and the
    /// refusals: a dense matrix too large, a sum that overflows.
    #[test]
    fn closed_form_and_limits() {
        for n in [7, 300] {
            let closed = tfim_open_chain_ground_energy(n, -2.0, 2.0).unwrap();
            let dense = tfim_open_chain_ground_energy(n, 2.0, 2.0 * (1.0 + 1e-12)).unwrap();
            assert!(
                (closed - dense).abs() < 1e-9 * closed.abs(),
                "{closed} vs {dense}"
            );
        }
        let far = tfim_open_chain_ground_energy(100_000, 1.0, 1.0).unwrap();
        assert!(
            (far / 100_000.0 + 4.0 / std::f64::consts::PI).abs() < 1e-4,
            "{far}"
        );
        let err = tfim_open_chain_ground_energy(MAX_DENSE_SITES + 1, 1.0, 0.5).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::InvalidArgument);
        let err = tfim_open_chain_ground_energy(2, 0.0, 1e308).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Numerical);
    }
}
