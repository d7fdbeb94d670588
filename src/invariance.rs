//! Which elements of a model's lattice group leave an operator invariant, decided exactly
//! from the terms: each element g (a site permutation, with or without the value reversal
//! v -> d-1-v) is applied to every term, g H g^-1, and the result compared with H as a whole,
//! both in one canonical form (`invariance/canonical.rs`: products of one-site basis
//! matrices, equal products summed), so that the same operator written with other terms
//! (one bond term split in two, a field folded into a bond's matrix) compares equal.
//! Coefficients agree within `SYMMETRY_TOLERANCE` times the largest one: the forms of H
//! and g H g^-1 sum the same numbers in other orders. The cost is that of writing the
//! operator out |G| times (a dense term on k sites of d values: k d^2k operations); no
//! configuration is visited.
//!
//! The sign rule needs no check of its own. A symmetrised model is
//! psi_S(s) = sign(s) sum_g psi(g s) (model/symmetry.rs), so psi_S(g s) = psi_S(s)
//! sign(g s) / sign(s) for every kept g. For the Marshall rule (site values summed on the
//! sublattice x + y even) every lattice map sends that sublattice to itself or to the other
//! one, so the ratio is (-1)^(a constant, or the total of the site values plus a constant):
//! fixed within each U(1) sector, which an invariant operator conserves when it is the
//! Heisenberg kind the rule is for. The symmetrised state is then, sector by sector, an
//! eigenstate of every kept g with eigenvalue sign(g s) / sign(s); whether the ground state
//! has that eigenvalue is a property of the ground state (its symmetry sector), which no
//! test on the terms decides. `tests/symmetry_invariance.rs` checks the constancy on
//! every map of small grids by enumeration.

mod canonical;

use crate::error::Result;
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::check_operator;
use crate::model::symmetry::GroupElement;
use crate::model::{Model, SymmetryMap};
use canonical::{canonical, same, SiteMap};

/// Coefficients of H and g H g^-1 in the canonical form count as equal within this times
/// the largest coefficient (a relative tolerance for floating-point sums). Not public: a
/// public float constant would reach the Python package's cffi declarations, which take
/// integer `#define`s only (the header states the value).
const SYMMETRY_TOLERANCE: f64 = 1e-12;

/// The names of the elements of `model`'s group (in its order) that leave `h` invariant;
/// empty for a model without a lattice symmetry. Refuses an operator on another number of
/// sites or local dimension (`InvalidArgument`).
pub fn invariant_maps(model: &Model, h: &Hamiltonian) -> Result<Vec<SymmetryMap>> {
    check_operator(model, h)?;
    let Some(group) = model.symmetry_group() else {
        return Ok(Vec::new());
    };
    let own = canonical(h, None)?;
    let mut kept = Vec::new();
    for e in &group.elements {
        if leaves_invariant(e, h, &own)? {
            kept.push(e.name);
        }
    }
    Ok(kept)
}

/// Whether every element of `model`'s group leaves `h` invariant (true for a model without
/// a lattice symmetry: its group is the identity). Refuses as [`invariant_maps`] does.
pub fn symmetry_invariant(model: &Model, h: &Hamiltonian) -> Result<bool> {
    Ok(
        invariant_maps(model, h)?.len() == model.symmetry_size()
            || model.symmetry_group().is_none(),
    )
}

fn leaves_invariant(e: &GroupElement, h: &Hamiltonian, own: &canonical::Canonical) -> Result<bool> {
    let map = SiteMap {
        target: &e.target,
        flip: e.flip,
    };
    Ok(same(own, &canonical(h, Some(&map))?, SYMMETRY_TOLERANCE))
}

impl Model {
    /// A new model with this model's parameters and settings, averaged over the subgroup of
    /// its lattice group that leaves `h` invariant ([`invariant_maps`]); the whole group
    /// when every element does (then the new model equals this one). `self` is not changed.
    /// The kept elements are part of the config (`ModelConfig::symmetry_maps`): they are
    /// saved, loaded, and carried by [`Model::resize`]. Refused (`InvalidArgument`): a model
    /// without a lattice symmetry, an operator on another number of sites or local dimension.
    pub fn restrict_symmetry(&self, h: &Hamiltonian) -> Result<Model> {
        let kept = invariant_maps(self, h)?;
        self.keep_symmetry(|e| kept.contains(&e.name))
    }
}
