//! The built-in lattice models, on chains (ly = 1) and lx x ly grids.

use super::lattice::{nearest_neighbours, next_nearest_neighbours};
use super::{check_room_for_terms, Hamiltonian};
use crate::error::{Error, Result};
use crate::model::MAX_SITES;

impl Hamiltonian {
    /// Transverse-field Ising model `H = -J sum_<ij> Z_i Z_j - h sum_i X_i`. Bonds as in
    /// `lattice.rs`: each distinct nearest-neighbour pair once.
    pub fn tfim(lx: u32, ly: u32, periodic: bool, j: f64, h: f64) -> Result<Hamiltonian> {
        let mut op = Hamiltonian::new(lattice_sites(lx, ly)?)?;
        check_coupling("J", j)?;
        check_coupling("h", h)?;
        // At most two bonds a site, and a field on each.
        check_room_for_terms(3 * op.n_sites as usize, 2)?;
        for (a, b) in nearest_neighbours(lx, ly, periodic) {
            op.add_term(-j, "ZZ", &[a, b])?;
        }
        for i in 0..op.n_sites {
            op.add_term(-h, "X", &[i])?;
        }
        Ok(op)
    }

    /// Heisenberg model `H = J1 sum_<ij> (XX+YY+ZZ) + J2 sum_<<ij>> (XX+YY+ZZ)` in Pauli
    /// units (divide by 4 for S.S); `<<ij>>` are next-nearest neighbours: (i, i+2) on a
    /// chain, the diagonals on a grid.
    pub fn heisenberg(lx: u32, ly: u32, periodic: bool, j1: f64, j2: f64) -> Result<Hamiltonian> {
        let mut op = Hamiltonian::new(lattice_sites(lx, ly)?)?;
        check_coupling("J1", j1)?;
        check_coupling("J2", j2)?;
        // At most two bonds a site in each shell, three strings a bond.
        let shells_used = [j1, j2].iter().filter(|&&j| j != 0.0).count();
        check_room_for_terms(6 * shells_used * op.n_sites as usize, 2)?;
        let shells = [
            (j1, nearest_neighbours(lx, ly, periodic)),
            (j2, next_nearest_neighbours(lx, ly, periodic)),
        ];
        for (coupling, bonds) in shells {
            if coupling == 0.0 {
                continue;
            }
            for (a, b) in bonds {
                for pair in ["XX", "YY", "ZZ"] {
                    op.add_term(coupling, pair, &[a, b])?;
                }
            }
        }
        Ok(op)
    }
}

pub(super) fn lattice_sites(lx: u32, ly: u32) -> Result<u32> {
    let sites = lx as u64 * ly as u64;
    if lx == 0 || ly == 0 || sites > MAX_SITES {
        return Err(Error::invalid(format!(
            "lattice {lx} x {ly} must have 1..={MAX_SITES} sites with lx, ly >= 1"
        )));
    }
    Ok(sites as u32)
}

pub(super) fn check_coupling(name: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(format!("{name} = {value} is not finite")))
    }
}
