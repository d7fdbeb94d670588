//! A basis rotation about z: `H' = U H U^dagger` with `U = prod_j exp(-i phi_j n_j)`, where
//! `n_j` is site j's value (0..d-1; on spin-1/2 sites 1 = down). `U` is diagonal,
//! `U|s> = e^{-i theta(s)} |s>` with `theta(s) = sum_j phi_j s_j`, so an eigenstate `psi` of
//! `H` becomes `psi'(s) = e^{-i theta(s)} psi(s)` of `H'`, at the same energy, and
//! `<s|H'|s'> = e^{-i theta(s)} <s|H|s'> e^{i theta(s')}`.
//!
//! On a Pauli factor (value 0 = up): `X -> cos(phi) X - sin(phi) Y`, `Y -> cos(phi) Y +
//! sin(phi) X`, `Z -> Z`, so a real Pauli sum stays a real Pauli sum (a bond
//! `XX + YY` becomes `cos(phi_a - phi_b) (XX + YY) + sin(phi_a - phi_b) (XY - YX)`). A dense
//! term's matrix takes the phases elementwise. The Marshall sign rule is the angle pi on its
//! sublattice; the three-sublattice 120-degree pattern ([`three_sublattice_angles`]) turns
//! the classical 120-degree Neel state of the triangular lattice into a product of equal
//! spins.

use super::builtin::lattice_sites;
use super::{check_room_for_terms, Hamiltonian, LocalTerm, Pauli, PauliString};
use crate::buffer::try_zeroed_vec;
use crate::error::{Error, Result};
use num_complex::Complex64;
use std::f64::consts::{FRAC_PI_2, PI};

/// Largest number of X or Y factors of one Pauli string that a rotation may split (each
/// at an angle that is not a multiple of pi/2 doubles the string's terms).
pub const MAX_ROTATED_FLIPS: u32 = 24;

impl Hamiltonian {
    /// Replaces the operator by `U H U^dagger`, `U = prod_j exp(-i angles[j] n_j)` (module
    /// docs: an eigenstate's amplitudes take the factor `e^{-i sum_j angles[j] s_j}`, its
    /// energy is unchanged). An angle within a few rounding errors of a multiple of pi/2 is
    /// taken as that multiple, so that pi gives the exact signs -1. Refuses, leaving the
    /// operator unchanged: a length other than the number of sites (`BufferSize`), a
    /// non-finite angle or angles whose sums over a dense term's sites overflow
    /// (`InvalidArgument`), a Pauli string with more than
    /// [`MAX_ROTATED_FLIPS`] X or Y factors that the angles split (`Unsupported`), and a
    /// result no memory can hold (`OutOfMemory`).
    pub fn rotate_z(&mut self, angles: &[f64]) -> Result<()> {
        if angles.len() != self.num_sites() {
            return Err(Error::buffer_size(format!(
                "the rotation needs one angle per site: {} angles for {} sites",
                angles.len(),
                self.num_sites()
            )));
        }
        if let Some(j) = angles.iter().position(|a| !a.is_finite()) {
            return Err(Error::invalid(format!(
                "angles[{j}] = {} is not finite",
                angles[j]
            )));
        }
        let trig: Vec<(f64, f64)> = angles.iter().map(|&a| cos_sin(a)).collect();
        let mut rotated = Hamiltonian::new(self.n_sites)?;
        rotated.local_dim = self.local_dim;
        let mut outputs = 0usize;
        let mut longest = 0usize;
        for (_, ops) in self.terms() {
            let split = ops
                .iter()
                .filter(|(site, p)| {
                    let (c, s) = trig[*site as usize];
                    p.flips() && c != 0.0 && s != 0.0
                })
                .count();
            if split > MAX_ROTATED_FLIPS as usize {
                return Err(Error::unsupported(format!(
                    "rotating {} splits {split} X or Y factors into 2^{split} strings (at most {MAX_ROTATED_FLIPS} factors)",
                    super::describe(ops)
                )));
            }
            outputs = outputs.saturating_add(1 << split);
            longest = longest.max(ops.len());
        }
        check_room_for_terms(outputs, longest)?;
        for (coeff, ops) in self.terms() {
            for (weight, string) in rotated_strings(ops, &trig) {
                rotated.merge(coeff * weight, string)?;
            }
        }
        rotated
            .local_terms
            .try_reserve(self.local_terms.len())
            .map_err(|_| {
                Error::out_of_memory(format!(
                    "the rotated operator's list of {} local terms",
                    self.local_terms.len()
                ))
            })?;
        let d = self.local_dim as usize;
        for term in &self.local_terms {
            rotated.local_terms.push(rotate_local(term, d, angles)?);
        }
        *self = rotated;
        Ok(())
    }
}

/// `(cos, sin)` of an angle, exact (0 and +-1) within a few rounding errors of a multiple
/// of pi/2: `sin(PI)` is 1.2e-16 in floating point, which would leave the Marshall rotation
/// with imaginary elements of that size.
fn cos_sin(angle: f64) -> (f64, f64) {
    let quarters = (angle / FRAC_PI_2).round();
    let near = (angle - quarters * FRAC_PI_2).abs() <= 4.0 * f64::EPSILON * angle.abs().max(1.0);
    if near && quarters.abs() < (1u64 << 52) as f64 {
        match (quarters as i64).rem_euclid(4) {
            0 => (1.0, 0.0),
            1 => (0.0, 1.0),
            2 => (-1.0, 0.0),
            _ => (0.0, -1.0),
        }
    } else {
        (angle.cos(), angle.sin())
    }
}

/// The Pauli strings one string becomes, with their weights (to multiply the coefficient
/// by): each X or Y factor splits into its cos and sin parts, dropping a part that is 0.
fn rotated_strings(ops: &[(u32, Pauli)], trig: &[(f64, f64)]) -> Vec<(f64, PauliString)> {
    let mut out: Vec<(f64, PauliString)> = vec![(1.0, PauliString::with_capacity(ops.len()))];
    for &(site, pauli) in ops {
        let (c, s) = trig[site as usize];
        let parts: &[(Pauli, f64)] = match pauli {
            Pauli::Z => &[(Pauli::Z, 1.0)],
            Pauli::X => &[(Pauli::X, c), (Pauli::Y, -s)],
            Pauli::Y => &[(Pauli::Y, c), (Pauli::X, s)],
        };
        let mut next = Vec::with_capacity(out.len() * parts.len());
        for (weight, string) in &out {
            for &(p, w) in parts.iter().filter(|(_, w)| *w != 0.0) {
                let mut longer = string.clone();
                longer.push((site, p));
                next.push((weight * w, longer));
            }
        }
        out = next;
    }
    out
}

/// A dense term with `<a|M'|b> = e^{-i theta(a)} <a|M|b> e^{i theta(b)}`, the conjugate
/// pairs computed from one phase so that M' stays exactly Hermitian.
fn rotate_local(term: &LocalTerm, d: usize, angles: &[f64]) -> Result<LocalTerm> {
    let dim = term.dim;
    let theta: Vec<f64> = (0..dim)
        .map(|a| {
            let mut rest = a;
            let mut sum = 0.0;
            for &site in term.sites.iter().rev() {
                sum += angles[site as usize] * (rest % d) as f64;
                rest /= d;
            }
            sum
        })
        .collect();
    let mut matrix: Vec<Complex64> =
        try_zeroed_vec(dim * dim, &format!("a rotated {dim} x {dim} local term"))?;
    for a in 0..dim {
        matrix[a * dim + a] = term.matrix[a * dim + a];
        for b in a + 1..dim {
            let (c, s) = cos_sin(theta[b] - theta[a]);
            let phase = Complex64::new(c, s);
            matrix[a * dim + b] = term.matrix[a * dim + b] * phase;
            matrix[b * dim + a] = term.matrix[b * dim + a] * phase.conj();
        }
    }
    // Finite angles whose sums over the term's sites overflow give no phase at all.
    if matrix
        .iter()
        .any(|m| !(m.re.is_finite() && m.im.is_finite()))
    {
        return Err(Error::invalid(format!(
            "the angles of sites {:?} are so large that their sums overflow",
            term.sites
        )));
    }
    Ok(LocalTerm {
        sites: term.sites.clone(),
        dim,
        matrix,
    })
}

/// The angles of the three-sublattice (120-degree) rotation on the lx x ly grid, sites
/// i = x + lx*y: `(2 pi / 3) ((x + y) mod 3)`. Every bond of [`Hamiltonian::triangular`]
/// ((1,0), (0,1), (1,1)) joins sites whose `x + y` differ by 1 or 2, so on open grids each
/// joins two sublattices; with periodic boundaries a side not divisible by 3 makes its
/// wrapped bonds join one sublattice to itself (the rotation is still unitary, the energy
/// the same; only the 120-degree picture breaks there).
pub fn three_sublattice_angles(lx: u32, ly: u32) -> Result<Vec<f64>> {
    let sites = lattice_sites(lx, ly)?;
    let third = 2.0 * PI / 3.0;
    let mut angles: Vec<f64> = try_zeroed_vec(sites as usize, "the rotation's angles")?;
    for (i, angle) in angles.iter_mut().enumerate() {
        let (x, y) = (i as u64 % lx as u64, i as u64 / lx as u64);
        *angle = third * ((x + y) % 3) as f64;
    }
    Ok(angles)
}
