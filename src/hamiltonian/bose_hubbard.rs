//! The Bose-Hubbard model with at most n_max bosons a site (local dimension n_max + 1, the
//! site value the occupation n):
//! `H = -t sum_<ij> (b_i^dag b_j + b_j^dag b_i) + U/2 sum_i n_i (n_i - 1) - mu sum_i n_i`.

use super::builtin::{check_coupling, lattice_sites};
use super::lattice::nearest_neighbours;
use super::Hamiltonian;
use crate::error::{Error, Result};
use crate::model::MAX_LOCAL_DIM;
use num_complex::Complex64;

impl Hamiltonian {
    /// The Bose-Hubbard model on the chain (ly = 1) or the lx x ly grid, nearest-neighbour
    /// bonds as in `lattice.rs`, occupations 0..=n_max (1 <= n_max <= 255). Refuses a
    /// non-finite t, U or mu, an n_max out of range and an empty or too large lattice
    /// (`InvalidArgument`).
    pub fn bose_hubbard(
        lx: u32,
        ly: u32,
        periodic: bool,
        n_max: u32,
        t: f64,
        u: f64,
        mu: f64,
    ) -> Result<Self> {
        if n_max == 0 || n_max >= MAX_LOCAL_DIM {
            return Err(Error::invalid(format!(
                "n_max must be in 1..={} (got {n_max})",
                MAX_LOCAL_DIM - 1
            )));
        }
        let mut op = Hamiltonian::new_local(lattice_sites(lx, ly)?, n_max + 1)?;
        check_coupling("t", t)?;
        check_coupling("U", u)?;
        check_coupling("mu", mu)?;
        let d = n_max as usize + 1;
        let zero = Complex64::new(0.0, 0.0);
        let mut hop = crate::buffer::try_zeroed_vec(d * d * d * d, "the hopping matrix")?;
        for ni in 0..d {
            for nj in 1..d {
                // b_i^dag b_j: (ni, nj) -> (ni + 1, nj - 1), element sqrt((ni + 1) nj).
                if ni + 1 < d {
                    let (a, b) = (ni * d + nj, (ni + 1) * d + nj - 1);
                    let e = zero + -t * (((ni + 1) * nj) as f64).sqrt();
                    hop[b * d * d + a] = e;
                    hop[a * d * d + b] = e;
                }
            }
        }
        for (a, b) in nearest_neighbours(lx, ly, periodic) {
            op.add_local(&[a, b], &hop)?;
        }
        let mut site = vec![zero; d * d];
        for n in 0..d {
            let n_f = n as f64;
            site[n * d + n] = zero + (0.5 * u * n_f * (n_f - 1.0) - mu * n_f);
        }
        for i in 0..op.n_sites {
            op.add_local(&[i], &site)?;
        }
        Ok(op)
    }
}
