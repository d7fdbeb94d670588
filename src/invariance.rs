//! Which elements of a model's lattice group are symmetries of an operator, decided exactly
//! from the terms: each element g (a site permutation, with or without the value reversal
//! v -> d-1-v) is applied to every term, g H g^-1, and the result compared with H as a whole
//! and, for an operator that is not real in the basis of the site values, with its complex
//! conjugate H*: a map with g H g^-1 = H* is the anti-unitary symmetry g K (K the
//! conjugation), kept as the map with `+conj`, for which psi_S averages conj psi(g s). Such
//! maps appear where a basis rotation turns the real H into a complex one: the 120-degree
//! rotation of the triangular lattice sends the angle pattern phi to -phi + const under the
//! half turn, which conjugates the rotated operator. The two kinds together form a group
//! (the maps with g H g^-1 = H are a subgroup, those with H* its coset, and g K h K = g h).
//! The forms are compared in one canonical form (`invariance/canonical.rs`: products of
//! one-site basis matrices, equal products summed), so that the same operator written with
//! other terms (one bond term split in two, a field folded into a bond's matrix) compares
//! equal.
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

use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::check_operator;
use crate::model::{Model, SymmetryMap};
use canonical::{canonical, conjugated, same, SiteMap};

/// Coefficients of H and g H g^-1 in the canonical form count as equal within this times
/// the largest coefficient (a relative tolerance for floating-point sums). Not public: a
/// public float constant would reach the Python package's cffi declarations, which take
/// integer `#define`s only (the header states the value).
const SYMMETRY_TOLERANCE: f64 = 1e-12;

/// The elements of `model`'s group (in its order) that are symmetries of `h`, each named as
/// the symmetry it is: a map with g H g^-1 = H without the conjugation, and, when H is not
/// real, a map with g H g^-1 = H* with it (whatever the model's element says); empty for a
/// model without a lattice symmetry. Refuses an operator on another number of sites or local
/// dimension (`InvalidArgument`), and one whose coefficients overflow when the terms of one
/// product are summed (`Numerical`: no comparison could tell its maps).
pub fn invariant_maps(model: &Model, h: &Hamiltonian) -> Result<Vec<SymmetryMap>> {
    check_operator(model, h)?;
    let Some(group) = model.symmetry_group() else {
        return Ok(Vec::new());
    };
    let own = canonical(h, None)?;
    if let Some((_, c)) = own
        .iter()
        .find(|(_, c)| !(c.re.is_finite() && c.im.is_finite()))
    {
        return Err(Error::numerical(format!(
            "the operator's coefficients overflow when its terms are summed (one sum is {c}): \
             its symmetries cannot be compared"
        )));
    }
    let conjugate = conjugated(&own, h.local_dim());
    let real = same(&own, &conjugate, SYMMETRY_TOLERANCE);
    let mut kept = Vec::new();
    for e in &group.elements {
        let map = SiteMap {
            target: &e.target,
            flip: e.flip,
        };
        let image = canonical(h, Some(&map))?;
        let plain = e.name.plain();
        if same(&own, &image, SYMMETRY_TOLERANCE) {
            kept.push(plain);
        } else if !real && same(&conjugate, &image, SYMMETRY_TOLERANCE) {
            kept.push(plain.conjugated());
        }
    }
    Ok(kept)
}

/// Whether every element of `model`'s group is a symmetry of `h` as the model takes it
/// (with the conjugation where its name has it; true for a model without a lattice
/// symmetry: its group is the identity). Refuses as [`invariant_maps`] does.
pub fn symmetry_invariant(model: &Model, h: &Hamiltonian) -> Result<bool> {
    Ok(invariant_maps(model, h)? == model.symmetry_maps() || model.symmetry_group().is_none())
}

impl Model {
    /// A new model with this model's parameters and settings, averaged over the subgroup of
    /// its lattice group that leaves `h` invariant, the maps that conjugate a complex `h`
    /// taken with the conjugation ([`invariant_maps`]); the whole group when every element
    /// leaves it invariant (then the new model equals this one). `self` is not changed.
    /// The kept elements are part of the config (`ModelConfig::symmetry_maps`): they are
    /// saved, loaded, and carried by [`Model::resize`]. Refused (`InvalidArgument`): a model
    /// without a lattice symmetry, an operator on another number of sites or local dimension.
    pub fn restrict_symmetry(&self, h: &Hamiltonian) -> Result<Model> {
        let kept = invariant_maps(self, h)?;
        self.keep_symmetry(kept)
    }
}
