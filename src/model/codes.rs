//! The model enums' tables: each variant's C code and checkpoint name (see
//! `crate::enum_table`). Codes and names never change; a new variant is one line here.

use super::config::{Boundary, CellKind, PhaseKind, Precision, SignRule, Symmetry};
use super::symmetry_maps::LatticeMap;
use crate::enum_table::{entry, EnumTable};

pub static CELLS: EnumTable<CellKind> = EnumTable {
    field: "cell",
    c_prefix: "RNNWF_CELL_",
    entries: &[
        entry!(CellKind::Vanilla, 0, "RNNWF_CELL_VANILLA", "vanilla"),
        entry!(CellKind::Gru, 1, "RNNWF_CELL_GRU", "gru"),
        entry!(
            CellKind::VanillaElu,
            2,
            "RNNWF_CELL_VANILLA_ELU",
            "vanilla_elu"
        ),
        entry!(
            CellKind::TensorGru,
            3,
            "RNNWF_CELL_TENSOR_GRU",
            "tensor_gru"
        ),
        entry!(
            CellKind::LinearGated,
            4,
            "RNNWF_CELL_LINEAR_GATED",
            "linear_gated"
        ),
    ],
};

pub static PHASES: EnumTable<PhaseKind> = EnumTable {
    field: "phase",
    c_prefix: "RNNWF_PHASE_",
    entries: &[
        entry!(PhaseKind::None, 0, "RNNWF_PHASE_NONE", "none"),
        entry!(PhaseKind::Softsign, 1, "RNNWF_PHASE_SOFTSIGN", "softsign"),
    ],
};

pub static SIGN_RULES: EnumTable<SignRule> = EnumTable {
    field: "sign_rule",
    c_prefix: "RNNWF_SIGN_",
    entries: &[
        entry!(SignRule::None, 0, "RNNWF_SIGN_NONE", "none"),
        entry!(SignRule::Marshall, 1, "RNNWF_SIGN_MARSHALL", "marshall"),
    ],
};

pub static SYMMETRIES: EnumTable<Symmetry> = EnumTable {
    field: "symmetry",
    c_prefix: "RNNWF_SYMMETRY_",
    entries: &[
        entry!(Symmetry::None, 0, "RNNWF_SYMMETRY_NONE", "none"),
        entry!(Symmetry::Lattice, 1, "RNNWF_SYMMETRY_LATTICE", "lattice"),
        entry!(
            Symmetry::LatticeSpinFlip,
            2,
            "RNNWF_SYMMETRY_LATTICE_SPIN_FLIP",
            "lattice_spin_flip"
        ),
    ],
};

pub static PRECISIONS: EnumTable<Precision> = EnumTable {
    field: "precision",
    c_prefix: "RNNWF_PRECISION_",
    entries: &[
        entry!(Precision::F64, 0, "RNNWF_PRECISION_F64", "f64"),
        entry!(Precision::F32, 1, "RNNWF_PRECISION_F32", "f32"),
    ],
};

pub static BOUNDARIES: EnumTable<Boundary> = EnumTable {
    field: "boundary",
    c_prefix: "RNNWF_BOUNDARY_",
    entries: &[
        entry!(Boundary::Open, 0, "RNNWF_BOUNDARY_OPEN", "open"),
        entry!(Boundary::Periodic, 1, "RNNWF_BOUNDARY_PERIODIC", "periodic"),
    ],
};

/// The maps of the lattice group (`symmetry_maps` in checkpoints; a flipped element is the
/// map's name with `+flip`, its C code the map's plus `RNNWF_WITH_FLIP`).
pub static LATTICE_MAPS: EnumTable<LatticeMap> = EnumTable {
    field: "map",
    c_prefix: "RNNWF_MAP_",
    entries: &[
        entry!(LatticeMap::Identity, 0, "RNNWF_MAP_IDENTITY", "identity"),
        entry!(LatticeMap::ReflectX, 1, "RNNWF_MAP_REFLECT_X", "reflect_x"),
        entry!(LatticeMap::ReflectY, 2, "RNNWF_MAP_REFLECT_Y", "reflect_y"),
        entry!(LatticeMap::HalfTurn, 3, "RNNWF_MAP_HALF_TURN", "half_turn"),
        entry!(
            LatticeMap::QuarterTurn,
            4,
            "RNNWF_MAP_QUARTER_TURN",
            "quarter_turn"
        ),
        entry!(
            LatticeMap::ThreeQuarterTurn,
            5,
            "RNNWF_MAP_THREE_QUARTER_TURN",
            "three_quarter_turn"
        ),
        entry!(LatticeMap::Diagonal, 6, "RNNWF_MAP_DIAGONAL", "diagonal"),
        entry!(
            LatticeMap::Antidiagonal,
            7,
            "RNNWF_MAP_ANTIDIAGONAL",
            "antidiagonal"
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enum_table::check_table;

    /// Every variant is in its table: the matches fail to compile when a variant is added,
    /// pointing here.
    #[test]
    fn every_variant_has_one_entry() {
        for e in CELLS.entries {
            match e.value {
                CellKind::Vanilla
                | CellKind::Gru
                | CellKind::VanillaElu
                | CellKind::TensorGru
                | CellKind::LinearGated => {}
            }
        }
        assert_eq!(CELLS.entries.len(), 5);
        match PhaseKind::None {
            PhaseKind::None | PhaseKind::Softsign => assert_eq!(PHASES.entries.len(), 2),
        }
        match SignRule::None {
            SignRule::None | SignRule::Marshall => assert_eq!(SIGN_RULES.entries.len(), 2),
        }
        match Symmetry::None {
            Symmetry::None | Symmetry::Lattice | Symmetry::LatticeSpinFlip => {
                assert_eq!(SYMMETRIES.entries.len(), 3)
            }
        }
        match Precision::F64 {
            Precision::F64 | Precision::F32 => assert_eq!(PRECISIONS.entries.len(), 2),
        }
        match Boundary::Open {
            Boundary::Open | Boundary::Periodic => assert_eq!(BOUNDARIES.entries.len(), 2),
        }
        check_table(&CELLS);
        check_table(&PHASES);
        check_table(&SIGN_RULES);
        check_table(&SYMMETRIES);
        check_table(&PRECISIONS);
        check_table(&BOUNDARIES);
        assert_eq!(LATTICE_MAPS.entries.len(), LatticeMap::ALL.len());
        check_table(&LATTICE_MAPS);
    }
}
