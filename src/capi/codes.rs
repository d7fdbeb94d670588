//! The enum macros of the header against the enum tables (`crate::enum_table`): the
//! `pub const RNNWF_*` codes are literals so that cbindgen can copy them, and this check
//! makes the tables their one source.

use crate::enum_table::EnumTable;
use crate::model::codes::{
    BOUNDARIES, CELLS, LATTICE_MAPS, PHASES, PRECISIONS, SIGN_RULES, SYMMETRIES,
};
use crate::vmc::codes::{OPTIMIZERS, PRECONDITIONERS};
use std::collections::BTreeMap;

/// The header's `#define NAME VALUE` lines that start with `prefix`.
fn header_macros(header: &str, prefix: &str) -> BTreeMap<String, u32> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter(|l| l.starts_with(prefix))
        .map(|l| {
            let (name, value) = l.split_once(' ').expect("#define NAME VALUE");
            (name.to_string(), value.trim().parse().expect("a code"))
        })
        .collect()
}

fn table_macros<T>(table: &EnumTable<T>) -> BTreeMap<String, u32> {
    table
        .entries
        .iter()
        .map(|e| (e.c_name.to_string(), e.code))
        .collect()
}

#[test]
fn every_enum_macro_of_the_header_is_its_tables_entry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/rnnwf.h");
    let header = std::fs::read_to_string(path).expect("include/rnnwf.h");
    let checks = [
        (CELLS.c_prefix, table_macros(&CELLS)),
        (PHASES.c_prefix, table_macros(&PHASES)),
        (SIGN_RULES.c_prefix, table_macros(&SIGN_RULES)),
        (SYMMETRIES.c_prefix, table_macros(&SYMMETRIES)),
        (PRECISIONS.c_prefix, table_macros(&PRECISIONS)),
        (BOUNDARIES.c_prefix, table_macros(&BOUNDARIES)),
        (LATTICE_MAPS.c_prefix, table_macros(&LATTICE_MAPS)),
        (OPTIMIZERS.c_prefix, table_macros(&OPTIMIZERS)),
        (PRECONDITIONERS.c_prefix, table_macros(&PRECONDITIONERS)),
    ];
    for (prefix, table) in checks {
        assert_eq!(header_macros(&header, prefix), table, "{prefix}*");
    }
}
