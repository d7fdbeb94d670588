//! Command-line choices shared by the training examples, parsed by clap so that `--help`
//! lists every flag with its default and a bad value lists the valid ones; and the human
//! names ("minSR", "GRU") the examples print instead of the Rust variants' Debug names.

use clap::ValueEnum;
use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::{CellKind, Precision};

/// `--optimizer`: the update rule (`minsr` = SGD after SR; `sr`, the C API's name, too).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OptimizerArg {
    #[value(alias = "sr")]
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

// Printed names, by table rather than by match so that a variant added to the library
// prints its Debug name instead of breaking the examples' build.
const OPTIMIZER_NAMES: &[(Optimizer, &str)] = &[
    (Optimizer::MinSr, "minSR"),
    (Optimizer::Adam, "Adam"),
    (Optimizer::Sgd, "SGD"),
];
#[allow(dead_code)] // not every example offers a preconditioner
const PRECONDITIONER_NAMES: &[(Preconditioner, &str)] = &[
    (Preconditioner::None, "none"),
    (Preconditioner::Sr, "SR"),
    (Preconditioner::Spring, "SPRING"),
];
#[allow(dead_code)] // train_ising always uses the GRU
const CELL_NAMES: &[(CellKind, &str)] = &[
    (CellKind::Vanilla, "vanilla RNN"),
    (CellKind::Gru, "GRU"),
    (CellKind::VanillaElu, "ELU RNN"),
    (CellKind::TensorGru, "tensorized GRU"),
    (CellKind::LinearGated, "gated linear RNN"),
];
#[allow(dead_code)] // train_ising does not offer it
const SYMMETRY_NAMES: &[(rnnwf::Symmetry, &str)] = &[
    (rnnwf::Symmetry::None, "none"),
    (rnnwf::Symmetry::Lattice, "lattice"),
    (rnnwf::Symmetry::LatticeSpinFlip, "lattice and spin flip"),
];

fn name_in<T: PartialEq + std::fmt::Debug>(table: &[(T, &str)], value: T) -> String {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| format!("{value:?}"), |(_, n)| n.to_string())
}

/// The printed name of an optimiser: "minSR", "Adam", "SGD".
pub fn optimizer_name(o: Optimizer) -> String {
    name_in(OPTIMIZER_NAMES, o)
}

/// The printed name of an optimiser with the preconditioner in effect: "minSR", "minSR with
/// SPRING" (minSR's SR is SPRING then), or e.g. "Adam after SR".
#[allow(dead_code)]
pub fn training_name(o: Optimizer, p: Preconditioner) -> String {
    if o == Optimizer::MinSr && p == Preconditioner::Spring {
        "minSR with SPRING".to_string()
    } else if o == Optimizer::MinSr || p == Preconditioner::None {
        optimizer_name(o)
    } else {
        format!(
            "{} after {}",
            optimizer_name(o),
            name_in(PRECONDITIONER_NAMES, p)
        )
    }
}

/// The printed name of a cell: "GRU", "tensorized GRU", ...
#[allow(dead_code)]
pub fn cell_name(c: CellKind) -> String {
    name_in(CELL_NAMES, c)
}

/// The thread count in force, as the examples' headers print it: "1 thread", "2 threads".
#[allow(dead_code)]
pub fn threads_text() -> String {
    match rnnwf::num_threads() {
        1 => "1 thread".to_string(),
        n => format!("{n} threads"),
    }
}

/// The printed name of a symmetry.
#[allow(dead_code)]
pub fn symmetry_name(s: rnnwf::Symmetry) -> String {
    name_in(SYMMETRY_NAMES, s)
}

/// `--preconditioner`: `sr` puts stochastic reconfiguration before `adam` or `sgd`;
/// `spring` SR with momentum (`--momentum`).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PreconditionerArg {
    None,
    #[value(alias = "minsr")]
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

/// The line the examples print about the operator's signs: whether it is sign-free under the
/// model's sign rule (`rnnwf::sign_free`), and, when not and the model has no phase head,
/// that the model cannot become exact.
#[allow(dead_code)]
pub fn sign_free_line(model: &rnnwf::Model, h: &rnnwf::Hamiltonian) -> String {
    match rnnwf::sign_free(model, h) {
        Ok(true) => "sign-free: yes (a positive amplitude can be exact)".into(),
        Ok(false) if model.config().phase == rnnwf::PhaseKind::None => {
            "sign-free: no -- warning: this model has no phase head, so it cannot represent \
             the ground state exactly (use a phase head or a fitting sign rule)"
                .into()
        }
        Ok(false) => "sign-free: no (the phase head must learn the signs)".into(),
        Err(e) => format!("sign-free: not decided ({e})"),
    }
}

/// `--symmetry lattice` (or `lattice_spin_flip`) on an operator: the model averaged over the
/// maps of its lattice group that leave `h` invariant (`Model::restrict_symmetry`), and the
/// line that says which, e.g. `symmetry: 4 of 8 maps leave the operator invariant (identity,
/// half_turn, diagonal, antidiagonal)`; a map kept with the conjugation (an operator that is
/// not real) is named `+conj` and explained. A model without a symmetry comes back as it is,
/// with no line.
#[allow(dead_code)]
pub fn restrict_symmetry(
    model: rnnwf::Model,
    h: &rnnwf::Hamiltonian,
) -> Result<(rnnwf::Model, Option<String>), rnnwf::Error> {
    if model.config().symmetry == rnnwf::Symmetry::None {
        return Ok((model, None));
    }
    let restricted = model.restrict_symmetry(h)?;
    let maps = restricted.symmetry_maps();
    let line = format!(
        "symmetry: {} of {} maps leave the operator invariant ({})",
        maps.len(),
        model.symmetry_size(),
        map_names(&maps)
    );
    Ok((restricted, Some(line)))
}

/// The maps' names, and what `+conj` means when one has it.
fn map_names(maps: &[rnnwf::SymmetryMap]) -> String {
    let names = rnnwf::model::symmetry_map_names(maps);
    if maps.iter().any(|m| m.conjugate) {
        format!("{names}; +conj: up to complex conjugation, averaged as conj psi")
    } else {
        names
    }
}

/// The line about a model whose group is already chosen (a resumed run): its maps, and a
/// warning when one of them does not leave `h` invariant. `None` without a symmetry.
#[allow(dead_code)]
pub fn symmetry_line(model: &rnnwf::Model, h: &rnnwf::Hamiltonian) -> Option<String> {
    if model.config().symmetry == rnnwf::Symmetry::None {
        return None;
    }
    let maps = map_names(&model.symmetry_maps());
    Some(match rnnwf::symmetry_invariant(model, h) {
        Ok(true) => format!(
            "symmetry: the model's {} maps leave the operator invariant ({maps})",
            model.symmetry_size()
        ),
        Ok(false) => format!(
            "symmetry: warning: not every one of the model's {} maps ({maps}) leaves the \
             operator invariant, so the model cannot be exact",
            model.symmetry_size()
        ),
        Err(e) => format!("symmetry: not decided ({e})"),
    })
}

/// `--start-from PATH`: a saved model (a `model.safetensors`, such as a shipped checkpoint's)
/// resized to the lattice and U(1) total of `wanted`, after checking that it is the model
/// `wanted` describes in everything a resize keeps (cell, layers, phase head, sign rule,
/// symmetry, RNN boundary) and has at most its hidden units: one with fewer is widened
/// (`Model::widen`: the same psi, the new units' inputs drawn from the saved model's seed).
/// Its weights are the trained ones: `wanted`'s seed and initialisation do not enter. It
/// comes back in `wanted`'s precision (the parameters are f64 in both, so a float64 run's
/// model can go on in float32 passes and back), averaged over its whole lattice group, for
/// the caller to restrict to its operator.
#[allow(dead_code)] // train_ising has no --start-from
pub fn start_from(
    path: &std::path::Path,
    wanted: &rnnwf::ModelConfig,
) -> Result<rnnwf::Model, Box<dyn std::error::Error>> {
    let fail = |e: rnnwf::Error| format!("--start-from {}: {e}", path.display());
    let m = rnnwf::Model::load(path).map_err(fail)?;
    let describe = |c: &rnnwf::ModelConfig| {
        format!(
            "{} hidden {} x {} layer(s), phase {:?}, sign rule {:?}, symmetry {}, {:?} RNN",
            cell_name(c.cell),
            c.hidden,
            c.layers,
            c.phase,
            c.sign_rule,
            symmetry_name(c.symmetry),
            c.boundary,
        )
    };
    // Everything but the hidden units must match; fewer units than asked are widened.
    let kept = |c: &rnnwf::ModelConfig| {
        (
            c.cell,
            c.layers,
            c.phase,
            c.sign_rule,
            c.symmetry,
            c.boundary,
        )
    };
    let c = m.config();
    if kept(c) != kept(wanted) || c.hidden > wanted.hidden {
        return Err(format!(
            "--start-from {}: the model is {}, the flags ask for {}{}",
            path.display(),
            describe(c),
            describe(wanted),
            if c.hidden > wanted.hidden {
                " (a model only widens)"
            } else {
                ""
            }
        )
        .into());
    }
    let m = m.widen(wanted.hidden).map_err(fail)?;
    let resized = m
        .resize(wanted.lx, wanted.ly, wanted.u1_total)
        .map_err(fail)?;
    // The kept maps were the start model's operator's: the run keeps its own operator's,
    // chosen from the whole group (`restrict_symmetry`), which may hold maps the start
    // model had dropped.
    let whole = resized
        .config()
        .clone()
        .with_symmetry_maps(None)
        .with_precision(wanted.precision);
    Ok(rnnwf::Model::with_params(whole, resized.params()).map_err(fail)?)
}

/// `--minutes`: a finite number >= 0 (a NaN budget would never end the session).
#[allow(dead_code)] // not every example has a time budget
pub fn parse_minutes(text: &str) -> Result<f64, String> {
    let minutes: f64 = text.trim().parse().map_err(|e| format!("{text:?}: {e}"))?;
    if minutes.is_finite() && minutes >= 0.0 {
        Ok(minutes)
    } else {
        Err(format!("{minutes} is not a finite number of minutes >= 0"))
    }
}

/// `--reference`: a finite, non-zero energy (relative errors divide by it; an infinite one
/// would not be JSON in the log).
#[allow(dead_code)] // train_2d's only
pub fn parse_reference(text: &str) -> Result<f64, String> {
    let e: f64 = text.trim().parse().map_err(|e| format!("{text:?}: {e}"))?;
    if e.is_finite() && e != 0.0 {
        Ok(e)
    } else {
        Err(format!("{e} is not a finite, non-zero energy"))
    }
}

/// A value that falls geometrically from `first` to `last` over a run, `first (last /
/// first)^frac`: both must be finite and > 0, else the values between are NaN or negative.
/// Checked before any step, naming the flags.
#[allow(dead_code)] // train_ising's rate is constant
pub fn check_geometric(first: (&str, f64), last: (&str, f64)) -> Result<(), String> {
    for (flag, value) in [first, last] {
        if !(value.is_finite() && value > 0.0) {
            return Err(format!(
                "{flag} {value}: the schedule falls geometrically from {} to {}, so both must \
                 be finite and > 0",
                first.0, last.0
            ));
        }
    }
    Ok(())
}
