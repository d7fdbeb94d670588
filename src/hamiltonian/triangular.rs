//! The Heisenberg model on the triangular lattice.

use super::builtin::{check_coupling, lattice_sites};
use super::lattice::triangular_bonds;
use super::Hamiltonian;
use crate::error::Result;

impl Hamiltonian {
    /// `H = J sum_<ij> (XX+YY+ZZ)` in Pauli units (divide by 4 for S.S) over the bonds
    /// (x,y)-(x+1,y), (x,y)-(x,y+1) and (x,y)-(x+1,y+1) of the lx x ly grid, sites
    /// i = x + lx*y: a square grid with one diagonal per plaquette, each site with 6
    /// neighbours inside. Periodic boundaries wrap each direction; as for every built-in
    /// lattice, each distinct pair counts once and a wrap onto the site itself is dropped, so
    /// with lx, ly >= 3 there are 3 lx ly bonds, while a side of 1 or 2 merges the bonds that
    /// coincide (ly = 1 leaves the chain).
    pub fn triangular(lx: u32, ly: u32, periodic: bool, j: f64) -> Result<Hamiltonian> {
        let mut op = Hamiltonian::new(lattice_sites(lx, ly)?)?;
        check_coupling("J", j)?;
        if j == 0.0 {
            return Ok(op);
        }
        for (a, b) in triangular_bonds(lx, ly, periodic) {
            for pair in ["XX", "YY", "ZZ"] {
                op.add_term(j, pair, &[a, b])?;
            }
        }
        Ok(op)
    }
}
