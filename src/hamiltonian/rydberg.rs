//! Rydberg atom arrays on the square lattice (spacing 1, atom (x, y) at position (x, y)):
//! H = -Omega/2 sum_i sigma^x_i - delta sum_i n_i + sum_{i<j, r_ij <= cutoff} V_ij n_i n_j,
//! V_ij = Omega Rb^6 / r_ij^6, with n = |r><r| (atom value 1 = Rydberg state, 0 = ground
//! state). The sign of the drive is the one that makes the ground state positive (the
//! unitary prod_i Z_i maps it to +Omega/2 with the same spectrum).
//!
//! With `group` = g > 1, the g atoms x = g X .. g X + g - 1 of row y form RNN site
//! (X, y), site index X + (lx / g) y, of local dimension 2^g; its value lists their values
//! as binary digits, the leftmost atom the most significant.

use super::builtin::{check_coupling, lattice_sites};
use super::Hamiltonian;
use crate::buffer::check_room;
use crate::error::{Error, Result};
use num_complex::Complex64;
use std::collections::BTreeMap;

/// Largest number of atoms an RNN site may group (local dimension 16: a pair's matrix is
/// 256 x 256).
pub const MAX_RYDBERG_GROUP: u32 = 4;

/// Where an atom sits: its RNN site and the bit of the site value that holds it.
struct Grouping {
    lx: u32,
    group: u32,
}

impl Grouping {
    fn site(&self, x: u32, y: u32) -> u32 {
        x / self.group + (self.lx / self.group) * y
    }

    fn bit(&self, x: u32) -> u32 {
        self.group - 1 - x % self.group
    }
}

impl Hamiltonian {
    /// The Rydberg array of lx x ly atoms (open boundaries), `group` (1..=4) atoms a site
    /// along x (lx a multiple of it), interactions Omega Rb^6 / r^6 up to the distance
    /// `cutoff` (in lattice spacings; 0 = none). Refuses a non-finite Omega or delta, a
    /// negative or non-finite Rb or cutoff, a group out of range or not dividing lx, and an
    /// empty or too large lattice (`InvalidArgument`).
    pub fn rydberg(
        lx: u32,
        ly: u32,
        omega: f64,
        delta: f64,
        rb: f64,
        cutoff: f64,
        group: u32,
    ) -> Result<Self> {
        check_coupling("Omega", omega)?;
        check_coupling("delta", delta)?;
        for (name, value) in [("Rb", rb), ("cutoff", cutoff)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::invalid(format!(
                    "{name} = {value} must be finite and >= 0"
                )));
            }
        }
        if group == 0 || group > MAX_RYDBERG_GROUP || !lx.is_multiple_of(group) {
            return Err(Error::invalid(format!(
                "group = {group} must be in 1..={MAX_RYDBERG_GROUP} and divide lx = {lx}"
            )));
        }
        lattice_sites(lx, ly)?;
        let map = Grouping { lx, group };
        let mut op = Hamiltonian::new_local(lattice_sites(lx / group, ly)?, 1 << group)?;
        let d = 1usize << group;
        let zero = Complex64::new(0.0, 0.0);
        let mut singles: BTreeMap<u32, Vec<Complex64>> = BTreeMap::new();
        let mut pairs: BTreeMap<(u32, u32), Vec<Complex64>> = BTreeMap::new();
        for y in 0..ly {
            for x in 0..lx {
                let (site, bit) = (map.site(x, y), 1usize << map.bit(x));
                let m = singles.entry(site).or_insert_with(|| vec![zero; d * d]);
                for v in 0..d {
                    m[(v ^ bit) * d + v] += -0.5 * omega;
                    if v & bit != 0 {
                        m[v * d + v] += -delta;
                    }
                }
            }
        }
        // Pairs (x, y) < (x2, y2) in site order within the cutoff.
        let reach = cutoff.floor().min(lx.max(ly) as f64) as i64;
        check_room_for_pairs(lx, ly, group, reach as usize)?;
        for y in 0..ly as i64 {
            for x in 0..lx as i64 {
                for dy in 0..=reach {
                    for dx in -reach..=reach {
                        let (x2, y2) = (x + dx, y + dy);
                        let r2 = (dx * dx + dy * dy) as f64;
                        if (dy == 0 && dx <= 0) || r2 > cutoff * cutoff {
                            continue;
                        }
                        if x2 < 0 || x2 >= lx as i64 || y2 >= ly as i64 {
                            continue;
                        }
                        let v = omega * rb.powi(6) / (r2 * r2 * r2);
                        let (a, b) = ((x as u32, y as u32), (x2 as u32, y2 as u32));
                        add_interaction(&map, &mut singles, &mut pairs, d, a, b, v);
                    }
                }
            }
        }
        for (site, m) in singles {
            op.add_local(&[site], &m)?;
        }
        for ((a, b), m) in pairs {
            op.add_local(&[a, b], &m)?;
        }
        Ok(op)
    }
}

/// Refuses (`OutOfMemory`, naming the bytes) an array whose pair matrices no memory could
/// hold, before the loops over atom pairs (whose count the same bound limits): at most
/// (2 reach + 1)(reach + 1) partners per atom, and at most one d^2 x d^2 matrix per pair of
/// sites, kept twice (here and in the operator).
fn check_room_for_pairs(lx: u32, ly: u32, group: u32, reach: usize) -> Result<()> {
    let atoms = lx as usize * ly as usize;
    let sites = atoms / group as usize;
    let atom_pairs = atoms.saturating_mul((2 * reach + 1).saturating_mul(reach + 1));
    let site_pairs = atom_pairs.min(sites.saturating_mul(sites.saturating_sub(1)) / 2);
    let d = 1usize << group;
    let bytes = site_pairs
        .saturating_mul(2 * d * d * d * d)
        .saturating_mul(size_of::<Complex64>());
    check_room(bytes, "the Rydberg array's pair interactions")
}

/// Adds v n_a n_b to the matrix of the site (both atoms on one site) or of the site pair.
fn add_interaction(
    map: &Grouping,
    singles: &mut BTreeMap<u32, Vec<Complex64>>,
    pairs: &mut BTreeMap<(u32, u32), Vec<Complex64>>,
    d: usize,
    (xa, ya): (u32, u32),
    (xb, yb): (u32, u32),
    v: f64,
) {
    let (sa, sb) = (map.site(xa, ya), map.site(xb, yb));
    let (ba, bb) = (1usize << map.bit(xa), 1usize << map.bit(xb));
    let zero = Complex64::new(0.0, 0.0);
    if sa == sb {
        let m = singles.entry(sa).or_insert_with(|| vec![zero; d * d]);
        for s in (0..d).filter(|s| s & ba != 0 && s & bb != 0) {
            m[s * d + s] += v;
        }
        return;
    }
    // The lower site first, most significant.
    let ((s1, b1), (s2, b2)) = if sa < sb {
        ((sa, ba), (sb, bb))
    } else {
        ((sb, bb), (sa, ba))
    };
    let m = pairs
        .entry((s1, s2))
        .or_insert_with(|| vec![zero; d * d * d * d]);
    for u in (0..d).filter(|u| u & b1 != 0) {
        for w in (0..d).filter(|w| w & b2 != 0) {
            let a = u * d + w;
            m[a * d * d + a] += v;
        }
    }
}
