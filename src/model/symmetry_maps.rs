//! The elements of the lattice group by name: the eight maps of the square (those of a
//! rectangle, lx != ly, are the first four), each with or without the spin flip, and, in a
//! subgroup kept for an operator that is not real, with or without the complex conjugation
//! (an anti-unitary symmetry, `invariance.rs`). The names are stable: checkpoints list a
//! model's kept elements by them (`symmetry_maps`).

use super::codes::LATTICE_MAPS;
use super::config::{ModelConfig, Symmetry};
use crate::error::{Error, Result};
use std::fmt;

/// A map of the lattice onto itself, named by where it moves the site (x, y) (`l` = lx = ly
/// for the last four, which exist on square lattices only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LatticeMap {
    /// (x, y) stays.
    Identity,
    /// (x, y) -> (lx-1-x, y).
    ReflectX,
    /// (x, y) -> (x, ly-1-y).
    ReflectY,
    /// (x, y) -> (lx-1-x, ly-1-y).
    HalfTurn,
    /// (x, y) -> (y, l-1-x).
    QuarterTurn,
    /// (x, y) -> (l-1-y, x).
    ThreeQuarterTurn,
    /// (x, y) -> (y, x).
    Diagonal,
    /// (x, y) -> (l-1-y, l-1-x).
    Antidiagonal,
}

impl LatticeMap {
    /// Every map, in the group's order.
    pub const ALL: [LatticeMap; 8] = [
        LatticeMap::Identity,
        LatticeMap::ReflectX,
        LatticeMap::ReflectY,
        LatticeMap::HalfTurn,
        LatticeMap::QuarterTurn,
        LatticeMap::ThreeQuarterTurn,
        LatticeMap::Diagonal,
        LatticeMap::Antidiagonal,
    ];

    /// The name checkpoints and messages use (`model/codes.rs`).
    pub fn name(self) -> &'static str {
        LATTICE_MAPS.name(self)
    }

    /// Whether the map sends the lx x ly lattice onto itself: the turns and the diagonal
    /// reflections only when lx = ly.
    pub fn exists_on(self, lx: u32, ly: u32) -> bool {
        lx == ly || (self as usize) < 4
    }

    /// Where the map moves the site (x, y) of an lx x ly lattice on which it exists.
    pub(crate) fn moves_to(self, x: usize, y: usize, lx: usize, ly: usize) -> (usize, usize) {
        match self {
            LatticeMap::Identity => (x, y),
            LatticeMap::ReflectX => (lx - 1 - x, y),
            LatticeMap::ReflectY => (x, ly - 1 - y),
            LatticeMap::HalfTurn => (lx - 1 - x, ly - 1 - y),
            LatticeMap::QuarterTurn => (y, lx - 1 - x),
            LatticeMap::ThreeQuarterTurn => (lx - 1 - y, x),
            LatticeMap::Diagonal => (y, x),
            LatticeMap::Antidiagonal => (lx - 1 - y, lx - 1 - x),
        }
    }

    /// The map on centred coordinates (2x - (lx-1), 2y - (ly-1)) as a matrix, for composing.
    fn matrix(self) -> [[i8; 2]; 2] {
        match self {
            LatticeMap::Identity => [[1, 0], [0, 1]],
            LatticeMap::ReflectX => [[-1, 0], [0, 1]],
            LatticeMap::ReflectY => [[1, 0], [0, -1]],
            LatticeMap::HalfTurn => [[-1, 0], [0, -1]],
            LatticeMap::QuarterTurn => [[0, 1], [-1, 0]],
            LatticeMap::ThreeQuarterTurn => [[0, -1], [1, 0]],
            LatticeMap::Diagonal => [[0, 1], [1, 0]],
            LatticeMap::Antidiagonal => [[0, -1], [-1, 0]],
        }
    }

    /// a after b: (a b)(site) = a(b(site)).
    fn compose(a: LatticeMap, b: LatticeMap) -> LatticeMap {
        let (ma, mb) = (a.matrix(), b.matrix());
        let product: [[i8; 2]; 2] = std::array::from_fn(|i| {
            std::array::from_fn(|j| ma[i][0] * mb[0][j] + ma[i][1] * mb[1][j])
        });
        // D4 is closed: the product is one of the eight.
        *LatticeMap::ALL
            .iter()
            .find(|m| m.matrix() == product)
            .expect("D4 is closed under composition")
    }
}

/// One element of the lattice group: a map, followed by the spin flip v -> local_dim-1-v
/// when `flip` is set, and by the complex conjugation of the amplitude when `conjugate` is
/// set (psi_S then averages conj psi(g s) for it: the element is the anti-unitary symmetry
/// g K of an operator that g turns into its complex conjugate). Ordered as the group lists
/// its elements: without the flip first, each map before its conjugated self.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SymmetryMap {
    pub flip: bool,
    pub map: LatticeMap,
    pub conjugate: bool,
}

impl SymmetryMap {
    pub const IDENTITY: SymmetryMap = SymmetryMap {
        flip: false,
        map: LatticeMap::Identity,
        conjugate: false,
    };

    /// The element's name: the map's, with `+flip` appended for the flip and `+conj` for the
    /// conjugation (`half_turn+flip+conj`).
    pub fn name(self) -> String {
        let flip = if self.flip { "+flip" } else { "" };
        let conjugate = if self.conjugate { "+conj" } else { "" };
        format!("{}{flip}{conjugate}", self.map.name())
    }

    /// The element a name (as [`SymmetryMap::name`] writes it) stands for.
    pub fn from_name(name: &str) -> Option<SymmetryMap> {
        let (name, conjugate) = match name.strip_suffix("+conj") {
            Some(rest) => (rest, true),
            None => (name, false),
        };
        let (map, flip) = match name.strip_suffix("+flip") {
            Some(map) => (map, true),
            None => (name, false),
        };
        LatticeMap::ALL
            .iter()
            .find(|m| m.name() == map)
            .map(|&map| SymmetryMap {
                flip,
                map,
                conjugate,
            })
    }

    /// The C code: the map's `RNNWF_MAP_*`, plus `RNNWF_WITH_FLIP` (8) with the flip and
    /// `RNNWF_WITH_CONJUGATE` (16) with the conjugation.
    pub fn code(self) -> u32 {
        LATTICE_MAPS.code(self.map)
            + if self.flip { 8 } else { 0 }
            + if self.conjugate { 16 } else { 0 }
    }

    /// The same element without the conjugation.
    pub(crate) fn plain(self) -> SymmetryMap {
        SymmetryMap {
            conjugate: false,
            ..self
        }
    }

    /// The same element with the conjugation toggled.
    pub(crate) fn conjugated(self) -> SymmetryMap {
        SymmetryMap {
            conjugate: !self.conjugate,
            ..self
        }
    }

    fn compose(a: SymmetryMap, b: SymmetryMap) -> SymmetryMap {
        SymmetryMap {
            flip: a.flip ^ b.flip,
            map: LatticeMap::compose(a.map, b.map),
            conjugate: a.conjugate ^ b.conjugate,
        }
    }
}

impl fmt::Display for SymmetryMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The names as a comma-separated list, as checkpoints and messages show them.
pub fn symmetry_map_names(maps: &[SymmetryMap]) -> String {
    maps.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
}

/// Refuses a `symmetry_maps` that is not a proper subgroup of the config's group, named by
/// the group's own names in its order: a symmetry other than NONE, the identity, each
/// element once and in order, the flip only with LATTICE_SPIN_FLIP, each map existing on the
/// lattice and naming an element of its own (not one that coincides with an earlier map there,
/// as reflect_y with the identity on a chain), each map with or without the conjugation but
/// not both (both would make every amplitude real), closed under composition, and not the
/// whole group (written as no list). `own` are the group's element names on this lattice
/// (none conjugated).
pub(crate) fn check_maps(
    cfg: &ModelConfig,
    maps: &[SymmetryMap],
    own: &[SymmetryMap],
) -> Result<()> {
    let shown = symmetry_map_names(maps);
    let refuse = |why: String| Err(Error::invalid(format!("symmetry_maps [{shown}]: {why}")));
    if cfg.symmetry == Symmetry::None {
        return refuse(
            "a model without a lattice symmetry (symmetry NONE) has no maps to keep".into(),
        );
    }
    if maps.first() != Some(&SymmetryMap::IDENTITY) {
        return refuse("the kept elements must start with the identity".into());
    }
    if maps.windows(2).any(|w| w[0] >= w[1]) {
        return refuse("the elements must be listed once each, in the group's order".into());
    }
    if let Some(m) = maps.iter().find(|m| !own.contains(&m.plain())) {
        return refuse(format!(
            "{m} is not an element of the {}x{} lattice's group with symmetry {:?} (its elements: {})",
            cfg.lx,
            cfg.ly,
            cfg.symmetry,
            symmetry_map_names(own)
        ));
    }
    if let Some(m) = maps.iter().find(|m| maps.contains(&m.conjugated())) {
        return refuse(format!(
            "{m} is kept with and without the conjugation (that would make every amplitude real)"
        ));
    }
    for &a in maps {
        for &b in maps {
            let c = SymmetryMap::compose(a, b);
            if !maps.contains(&c) {
                return refuse(format!(
                    "not a group: {a} after {b} is {c}, which is not kept"
                ));
            }
        }
    }
    if maps == own {
        return refuse("that is the whole group: leave symmetry_maps unset for it".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_maps_compose_as_d4() {
        for flip in [false, true] {
            for map in LatticeMap::ALL {
                for conjugate in [false, true] {
                    let m = SymmetryMap {
                        flip,
                        map,
                        conjugate,
                    };
                    assert_eq!(SymmetryMap::from_name(&m.name()), Some(m));
                }
            }
        }
        assert_eq!(
            SymmetryMap::from_name("half_turn+flip+conj").map(SymmetryMap::code),
            Some(3 + 8 + 16)
        );
        assert_eq!(SymmetryMap::from_name("half_turn+conj+flip"), None);
        assert_eq!(SymmetryMap::from_name("quarter"), None);
        use LatticeMap::*;
        assert_eq!(LatticeMap::compose(QuarterTurn, QuarterTurn), HalfTurn);
        assert_eq!(LatticeMap::compose(QuarterTurn, ThreeQuarterTurn), Identity);
        assert_eq!(LatticeMap::compose(ReflectX, ReflectY), HalfTurn);
        assert_eq!(LatticeMap::compose(Diagonal, Antidiagonal), HalfTurn);
        // The symbolic product agrees with composing the moves on a 5x5 grid.
        let l = 5;
        for a in LatticeMap::ALL {
            for b in LatticeMap::ALL {
                let c = LatticeMap::compose(a, b);
                for (x, y) in (0..l * l).map(|i| (i % l, i / l)) {
                    let (bx, by) = b.moves_to(x, y, l, l);
                    assert_eq!(a.moves_to(bx, by, l, l), c.moves_to(x, y, l, l));
                }
            }
        }
    }
}
