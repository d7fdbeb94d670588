//! The same function with more hidden units: a trained model carried to a wider one, which
//! starts where the narrow one ended and has room to improve (growing a model during
//! training, as Net2Net does for feed-forward networks and adaptive recurrent wave functions
//! do across hidden sizes).
//!
//! Every parameter block says what its axes index ([`Axis`]): rows are the block's inputs,
//! columns its outputs, each a sequence of hidden-unit ranges (one per gate or neighbour) and
//! other positions (one-hot values, the heads' values, a constant). Widening copies each
//! old entry to where the same unit and position sit at the new width. The new entries are
//! those a fresh model of the new width draws from the config's seed, except the ones that
//! carry a new unit into an old unit or a head: those are zero, so the old units, the heads
//! and hence psi are unchanged, while the new units run (their inputs are drawn) and the
//! gradient reaches their outgoing weights from the first step.

use super::Model;
use crate::error::{Error, Result};

/// What the positions along one axis of a parameter block index, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Axis(Vec<Part>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// One position per hidden unit.
    Units,
    /// Positions that do not depend on the number of hidden units.
    Other(usize),
}

impl Axis {
    /// `blocks` ranges of one position per hidden unit (gates, neighbours' states).
    pub fn units(blocks: usize) -> Axis {
        Axis(vec![Part::Units; blocks])
    }

    /// `n` positions that do not depend on the hidden units.
    pub fn other(n: usize) -> Axis {
        Axis(vec![Part::Other(n)])
    }

    /// This axis followed by `next`.
    pub fn then(mut self, next: Axis) -> Axis {
        self.0.extend(next.0);
        self
    }

    /// This axis `times` times over.
    pub fn repeat(&self, times: usize) -> Axis {
        Axis(self.0.repeat(times))
    }

    /// Its length with `dh` hidden units.
    pub fn len(&self, dh: usize) -> usize {
        self.0.iter().map(|p| p.len(dh)).sum()
    }

    /// For each position at `dh` units, where it sits at `wide` units; and for each position
    /// at `wide` units, whether it is a unit that `dh` does not have.
    fn map(&self, dh: usize, wide: usize) -> (Vec<usize>, Vec<bool>) {
        let (mut to_wide, mut added) = (Vec::new(), Vec::new());
        for part in &self.0 {
            let start = added.len();
            to_wide.extend((0..part.len(dh)).map(|i| start + i));
            added.extend((0..part.len(wide)).map(|i| *part == Part::Units && i >= dh));
        }
        (to_wide, added)
    }
}

impl Part {
    fn len(&self, dh: usize) -> usize {
        match *self {
            Part::Units => dh,
            Part::Other(n) => n,
        }
    }
}

impl Model {
    /// A model with `hidden` units per layer (at least this model's) that computes the same
    /// psi (up to rounding: products over more units may sum in another order): every other
    /// setting (lattice, cell, layers, heads, sign rule, symmetry, U(1)
    /// total, precision, seed) is kept, every parameter keeps its unit and position, the new
    /// units' inputs are drawn as a fresh model of that width draws them (the config's seed),
    /// and their weights into the old units and the heads are zero. Training it goes on from
    /// the narrow model's state with more room. `self` is not changed. Refused: fewer units
    /// than now (`InvalidArgument`; dropping units would change psi) and a width that
    /// [`ModelConfig::validate`](super::ModelConfig::validate) refuses; parameters no memory
    /// can hold are `OutOfMemory`.
    pub fn widen(&self, hidden: u32) -> Result<Model> {
        let old = self.config();
        if hidden < old.hidden {
            return Err(Error::invalid(format!(
                "cannot widen a model of {} hidden units to {hidden}: a model only grows \
                 (fewer units would change psi)",
                old.hidden
            )));
        }
        let mut config = old.clone();
        config.hidden = hidden;
        // The fresh model's parameters become the widened one's: no second copy.
        let mut fresh = Model::new(config.clone())?;
        let mut params = std::mem::take(&mut fresh.params);
        let (dh, wide) = (old.hidden as usize, hidden as usize);
        let layout = fresh.layout();
        let blocks = self.layout().blocks.iter().zip(&layout.blocks);
        for ((from, to), axes) in blocks.zip(&layout.axes) {
            debug_assert_eq!(from.name, to.name);
            let narrow = &self.params()[from.range.clone()];
            widen_block(narrow, &mut params[to.range.clone()], axes, dh, wide);
        }
        drop(fresh);
        Model::from_param_vec(config, params)
    }
}

/// Copies the narrow block `old` into its widened place `new` and zeroes the entries from a
/// new unit into anything else.
fn widen_block(old: &[f64], new: &mut [f64], axes: &[Axis], dh: usize, wide: usize) {
    match axes {
        [axis] => {
            let (to_wide, _) = axis.map(dh, wide);
            for (&v, &i) in old.iter().zip(&to_wide) {
                new[i] = v;
            }
        }
        [rows, columns] => {
            let (row_to_wide, new_row) = rows.map(dh, wide);
            let (column_to_wide, new_column) = columns.map(dh, wide);
            let (old_columns, new_columns) = (column_to_wide.len(), new_column.len());
            for (old_row, &r) in old.chunks_exact(old_columns).zip(&row_to_wide) {
                for (&v, &c) in old_row.iter().zip(&column_to_wide) {
                    new[r * new_columns + c] = v;
                }
            }
            for (row, _) in new_row.iter().enumerate().filter(|(_, &added)| added) {
                for (column, _) in new_column.iter().enumerate().filter(|(_, &added)| !added) {
                    new[row * new_columns + column] = 0.0;
                }
            }
        }
        _ => unreachable!("parameter blocks are vectors or matrices"),
    }
}
