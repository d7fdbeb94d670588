//! Command-line choices shared by the training examples, parsed by clap so that `--help`
//! lists every flag with its default and a bad value lists the valid ones.

use clap::ValueEnum;
use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::{CellKind, Precision};

/// `--optimizer`: the update rule (`minsr` = SGD after SR).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OptimizerArg {
    Minsr,
    Adam,
    Sgd,
}

impl From<OptimizerArg> for Optimizer {
    fn from(a: OptimizerArg) -> Self {
        match a {
            OptimizerArg::Minsr => Optimizer::MinSr,
            OptimizerArg::Adam => Optimizer::Adam,
            OptimizerArg::Sgd => Optimizer::Sgd,
        }
    }
}

/// `--preconditioner`: `sr` puts stochastic reconfiguration before `adam` or `sgd`;
/// `spring` SR with momentum (`--momentum`).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PreconditionerArg {
    None,
    Sr,
    Spring,
}

impl From<PreconditionerArg> for Preconditioner {
    fn from(a: PreconditionerArg) -> Self {
        match a {
            PreconditionerArg::None => Preconditioner::None,
            PreconditionerArg::Sr => Preconditioner::Sr,
            PreconditionerArg::Spring => Preconditioner::Spring,
        }
    }
}

/// `--cell`: the recurrent cell.
#[allow(dead_code)] // train_ising always uses the GRU
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CellArg {
    Gru,
    Vanilla,
    Elu,
    /// The tensorized gated cell of the 2D RNN papers.
    #[value(name = "tensor_gru", alias = "tensor-gru")]
    TensorGru,
    /// The gated linear recurrence, whose local energies propagate flips.
    #[value(name = "linear_gated", alias = "linear-gated")]
    LinearGated,
}

#[allow(dead_code)]
impl From<CellArg> for CellKind {
    fn from(a: CellArg) -> Self {
        match a {
            CellArg::Gru => CellKind::Gru,
            CellArg::Vanilla => CellKind::Vanilla,
            CellArg::Elu => CellKind::VanillaElu,
            CellArg::TensorGru => CellKind::TensorGru,
            CellArg::LinearGated => CellKind::LinearGated,
        }
    }
}

/// `--symmetry`: the group the wave function is averaged over.
#[allow(dead_code)] // train_ising does not offer it
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SymmetryArg {
    None,
    Lattice,
    #[value(name = "lattice_spin_flip", alias = "lattice-spin-flip")]
    LatticeSpinFlip,
}

#[allow(dead_code)]
impl From<SymmetryArg> for rnnwf::Symmetry {
    fn from(a: SymmetryArg) -> Self {
        match a {
            SymmetryArg::None => rnnwf::Symmetry::None,
            SymmetryArg::Lattice => rnnwf::Symmetry::Lattice,
            SymmetryArg::LatticeSpinFlip => rnnwf::Symmetry::LatticeSpinFlip,
        }
    }
}

/// `--precision`: the floating-point type of the passes (energies, gradient sums and solves
/// stay f64).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PrecisionArg {
    F64,
    F32,
}

impl From<PrecisionArg> for Precision {
    fn from(a: PrecisionArg) -> Self {
        match a {
            PrecisionArg::F64 => Precision::F64,
            PrecisionArg::F32 => Precision::F32,
        }
    }
}
