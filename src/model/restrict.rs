//! A model averaged over part of its lattice group: the same weights with fewer group
//! elements (the subgroup of an operator's symmetries, `Model::restrict_symmetry`),
//! and what a resize keeps of such a subgroup.

use super::symmetry::SymmetryGroup;
use super::symmetry_maps::SymmetryMap;
use super::{Model, ModelConfig};
use crate::error::{Error, Result};

impl Model {
    /// The names of the group elements psi is averaged over, in the group's order (the
    /// identity first); empty for a model without a lattice symmetry.
    pub fn symmetry_maps(&self) -> Vec<SymmetryMap> {
        self.symmetry_group().map_or(Vec::new(), |g| g.names())
    }

    /// The number of group elements psi is averaged over: |G|, 1 for the bare RNN.
    pub fn symmetry_size(&self) -> usize {
        self.symmetry_group().map_or(1, |g| g.len())
    }

    /// A new model with this model's parameters and settings, averaged over the elements
    /// `kept` (a subgroup of its group's maps, each perhaps conjugated, which the caller
    /// guarantees). Refused (`InvalidArgument`) for a model without a lattice symmetry.
    pub(crate) fn keep_symmetry(&self, kept: Vec<SymmetryMap>) -> Result<Model> {
        if self.symmetry_group().is_none() {
            return Err(Error::invalid(
                "the model has no lattice symmetry (symmetry NONE): there is no group to restrict",
            ));
        }
        let mut config = self.config().clone();
        config.symmetry_maps = Some(kept);
        config.symmetry_maps = whole_as_none(&config);
        Model::with_params(config, self.params())
    }
}

/// `cfg.symmetry_maps`, or `None` when it keeps the whole group (its one spelling).
fn whole_as_none(cfg: &ModelConfig) -> Option<Vec<SymmetryMap>> {
    let kept = cfg.symmetry_maps.as_ref()?;
    let whole = SymmetryGroup::whole(cfg).map_or(Vec::new(), |g| g.names());
    (*kept != whole).then(|| kept.clone())
}

/// The kept elements of `old` carried to `new` (another lattice size, the same symmetry):
/// each kept map that exists on the new lattice, named as the new group names the element
/// it is there (on a 1-wide grid the half turn is the y reflection); the turns and the
/// diagonal reflections do not exist when lx != ly and are dropped. `None` when that is
/// the whole new group. What is left is a subgroup: the kept elements that lie in the
/// new lattice's group, an intersection of two groups.
pub(super) fn resized_maps(old: &ModelConfig, new: &ModelConfig) -> Option<Vec<SymmetryMap>> {
    let kept = old.symmetry_maps.as_ref()?;
    let whole = SymmetryGroup::whole(new)?;
    let (lx, ly) = (new.lx as usize, new.ly as usize);
    let mut carried: Vec<SymmetryMap> = Vec::new();
    for m in kept.iter().filter(|m| m.map.exists_on(new.lx, new.ly)) {
        let target: Vec<u32> = (0..lx * ly)
            .map(|j| {
                let (x, y) = m.map.moves_to(j % lx, j / lx, lx, ly);
                (x + lx * y) as u32
            })
            .collect();
        if let Some(e) = whole
            .elements
            .iter()
            .find(|e| e.flip == m.flip && e.target == target)
        {
            carried.push(SymmetryMap {
                conjugate: m.conjugate,
                ..e.name
            });
        }
    }
    carried.sort_unstable();
    carried.dedup();
    let mut cfg = new.clone();
    cfg.symmetry_maps = Some(carried);
    whole_as_none(&cfg)
}
