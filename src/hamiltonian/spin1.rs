//! The spin-1 bilinear-biquadratic model with single-ion anisotropy,
//! `H = J sum_<ij> [S_i.S_j + beta (S_i.S_j)^2] + D sum_i (S^z_i)^2`, in spin units (S^z has
//! eigenvalues +1, 0, -1, held as site values 0, 1, 2). beta = 1/3 is the AKLT point, whose
//! open chain has the ground energy -(2/3)(N-1) J; beta = 0 the Heisenberg model.

use super::builtin::{check_coupling, lattice_sites};
use super::lattice::nearest_neighbours;
use super::Hamiltonian;
use crate::error::Result;
use num_complex::Complex64;

/// m of the site value v (0, 1, 2 -> +1, 0, -1).
fn m_of(v: usize) -> i64 {
    1 - v as i64
}

/// S_i.S_j on two spin-1 sites, 9 x 9 (the first site most significant). The S+S- elements
/// sqrt((2 - m(m+1)) (2 - m'(m'-1))) / 2 come out exact (sqrt of an integer square).
pub(crate) fn spin1_exchange() -> Vec<Complex64> {
    let mut p = vec![Complex64::new(0.0, 0.0); 81];
    for a in 0..9 {
        let (mi, mj) = (m_of(a / 3), m_of(a % 3));
        p[a * 9 + a] = Complex64::new((mi * mj) as f64, 0.0);
        // S+_i S-_j / 2 and its transpose: (mi, mj) -> (mi + 1, mj - 1).
        if mi < 1 && mj > -1 {
            let b = 3 * (a / 3 - 1) + (a % 3 + 1);
            let raised = 2 - mi * (mi + 1);
            let lowered = 2 - mj * (mj - 1);
            let e = ((raised * lowered) as f64).sqrt() / 2.0;
            p[b * 9 + a] = Complex64::new(e, 0.0);
            p[a * 9 + b] = Complex64::new(e, 0.0);
        }
    }
    p
}

/// The product of two 9 x 9 matrices.
fn square(p: &[Complex64]) -> Vec<Complex64> {
    let mut q = vec![Complex64::new(0.0, 0.0); 81];
    for a in 0..9 {
        for b in 0..9 {
            q[a * 9 + b] = (0..9).map(|c| p[a * 9 + c] * p[c * 9 + b]).sum();
        }
    }
    q
}

impl Hamiltonian {
    /// `H = J sum_<ij> [S.S + beta (S.S)^2] + D sum_i (S^z_i)^2` on spin-1 sites (local
    /// dimension 3; value 0, 1, 2 for S^z = +1, 0, -1) of the chain (ly = 1) or the lx x ly
    /// grid, nearest-neighbour bonds as in `lattice.rs`. Refuses a non-finite J, beta or D and
    /// an empty or too large lattice (`InvalidArgument`).
    pub fn spin1(lx: u32, ly: u32, periodic: bool, j: f64, beta: f64, d: f64) -> Result<Self> {
        let mut op = Hamiltonian::new_local(lattice_sites(lx, ly)?, 3)?;
        check_coupling("J", j)?;
        check_coupling("beta", beta)?;
        check_coupling("D", d)?;
        let p = spin1_exchange();
        let q = square(&p);
        let bond: Vec<Complex64> = p.iter().zip(&q).map(|(p, q)| j * (p + beta * q)).collect();
        for (a, b) in nearest_neighbours(lx, ly, periodic) {
            op.add_local(&[a, b], &bond)?;
        }
        let zero = Complex64::new(0.0, 0.0);
        let anisotropy = [d, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, d].map(|x| zero + x);
        for i in 0..op.n_sites {
            op.add_local(&[i], &anisotropy)?;
        }
        Ok(op)
    }
}
