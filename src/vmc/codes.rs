//! The optimiser enums' tables: each variant's C code and checkpoint name (see
//! `crate::enum_table`). The enums are the optimiser's; the driver, whose settings select
//! them, owns their codes. Codes and names never change; a new variant is one line here.

use crate::enum_table::{entry, EnumTable};
use crate::optim::{Optimizer, Preconditioner};

pub static OPTIMIZERS: EnumTable<Optimizer> = EnumTable {
    field: "optimizer",
    c_prefix: "RNNWF_OPT_",
    entries: &[
        entry!(Optimizer::Sgd, 0, "RNNWF_OPT_SGD", "sgd"),
        entry!(Optimizer::Adam, 1, "RNNWF_OPT_ADAM", "adam"),
        entry!(Optimizer::MinSr, 2, "RNNWF_OPT_SR", "minsr"),
    ],
};

pub static PRECONDITIONERS: EnumTable<Preconditioner> = EnumTable {
    field: "preconditioner",
    c_prefix: "RNNWF_PRECONDITIONER_",
    entries: &[
        entry!(Preconditioner::None, 0, "RNNWF_PRECONDITIONER_NONE", "none"),
        entry!(Preconditioner::Sr, 1, "RNNWF_PRECONDITIONER_SR", "sr"),
        entry!(
            Preconditioner::Spring,
            2,
            "RNNWF_PRECONDITIONER_SPRING",
            "spring"
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enum_table::check_table;

    /// Every variant is in its table: the matches fail to compile when a variant is added.
    #[test]
    fn every_variant_has_one_entry() {
        match Optimizer::Sgd {
            Optimizer::Sgd | Optimizer::Adam | Optimizer::MinSr => {
                assert_eq!(OPTIMIZERS.entries.len(), 3)
            }
        }
        match Preconditioner::None {
            Preconditioner::None | Preconditioner::Sr | Preconditioner::Spring => {
                assert_eq!(PRECONDITIONERS.entries.len(), 3)
            }
        }
        check_table(&OPTIMIZERS);
        check_table(&PRECONDITIONERS);
    }
}
