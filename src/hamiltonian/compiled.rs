//! An operator grouped by flip pattern, the form local energies use: every Pauli string
//! maps a basis state s to the one state s' with its X and Y sites flipped, so strings with
//! the same flipped sites share s' and need one amplitude between them.
//!
//! <s|P|s'> = c * prod_i f_i with f = (-1)^{s_i} for Z, 1 for X and -i (-1)^{s_i} for Y,
//! that is c (-i)^{#Y} (-1)^{sum of s_i over the Z and Y sites}.

use super::{Hamiltonian, TERM_BYTES};
use crate::buffer::check_room;
use crate::error::Result;
use num_complex::Complex64;
use std::collections::BTreeMap;
use std::ops::Range;

/// One Pauli string reduced to its constant factor c (-i)^{#Y} and the sites whose values
/// set its sign.
#[derive(Clone, Debug)]
struct SignedTerm {
    factor: Complex64,
    sign_sites: Range<usize>,
}

/// The strings that flip the same sites.
#[derive(Clone, Debug)]
struct FlipGroup {
    flip_sites: Range<usize>,
    terms: Range<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledOperator {
    /// Every site list of the groups and terms, concatenated.
    sites: Vec<u32>,
    terms: Vec<SignedTerm>,
    /// The diagonal group (no flips) first when there is one.
    groups: Vec<FlipGroup>,
    has_diagonal: bool,
}

impl CompiledOperator {
    /// [`CompiledOperator::new`] after checking that the grouping map and the compiled form
    /// fit in memory (`OutOfMemory` naming the terms and the bytes).
    pub fn try_new(h: &Hamiltonian) -> Result<Self> {
        let terms = h.num_terms();
        let factors: usize = h.terms().map(|(_, ops)| ops.len()).sum();
        // A map slot and a group slot a term, and every factor's site in the map's key, the
        // sign list and the compiled list.
        let per_term = 2 * TERM_BYTES + size_of::<SignedTerm>() + size_of::<FlipGroup>();
        let bytes = terms
            .saturating_mul(per_term)
            .saturating_add(factors.saturating_mul(3 * size_of::<u32>()));
        check_room(
            bytes,
            &format!("the compiled form of an operator of {terms} terms"),
        )?;
        Ok(Self::new(h))
    }

    pub fn new(h: &Hamiltonian) -> Self {
        let mut by_flips: BTreeMap<Vec<u32>, Vec<(Complex64, Vec<u32>)>> = BTreeMap::new();
        for (coeff, ops) in h.terms() {
            let flips: Vec<u32> = ops.iter().filter(|(_, p)| p.flips()).map(|o| o.0).collect();
            let signs: Vec<u32> = ops.iter().filter(|(_, p)| p.signs()).map(|o| o.0).collect();
            let factor = ops.iter().fold(Complex64::new(coeff, 0.0), |f, (_, p)| {
                f * p.constant_factor()
            });
            by_flips.entry(flips).or_default().push((factor, signs));
        }
        let mut op = CompiledOperator {
            sites: Vec::new(),
            terms: Vec::new(),
            groups: Vec::new(),
            has_diagonal: by_flips.contains_key(&Vec::new()),
        };
        // BTreeMap order puts the empty flip list, the diagonal, first.
        for (flips, terms) in by_flips {
            let flip_sites = op.push_sites(&flips);
            let first_term = op.terms.len();
            for (factor, signs) in terms {
                let sign_sites = op.push_sites(&signs);
                op.terms.push(SignedTerm { factor, sign_sites });
            }
            op.groups.push(FlipGroup {
                flip_sites,
                terms: first_term..op.terms.len(),
            });
        }
        op
    }

    fn push_sites(&mut self, sites: &[u32]) -> Range<usize> {
        let start = self.sites.len();
        self.sites.extend_from_slice(sites);
        start..self.sites.len()
    }

    /// <s|H|s>.
    pub fn diagonal(&self, config: &[u8]) -> Complex64 {
        if self.has_diagonal {
            self.group_element(&self.groups[0], config)
        } else {
            Complex64::new(0.0, 0.0)
        }
    }

    /// Groups that flip at least one site.
    pub fn num_off_diagonal(&self) -> usize {
        self.groups.len() - self.has_diagonal as usize
    }

    /// The sites off-diagonal group `g` flips.
    pub fn flips(&self, g: usize) -> &[u32] {
        &self.sites[self.off_diagonal(g).flip_sites.clone()]
    }

    /// <s|H_g|s'> where s' is s with group `g`'s sites flipped. Exactly 0 when its strings
    /// cancel on s (XX + YY on parallel spins).
    pub fn element(&self, g: usize, config: &[u8]) -> Complex64 {
        self.group_element(self.off_diagonal(g), config)
    }

    /// Every group as (flipped sites, terms as (constant factor, sign sites)), diagonal
    /// first: the form the bit-mask operator of the exact tools is built from.
    pub fn groups(&self) -> impl Iterator<Item = (&[u32], Vec<(Complex64, &[u32])>)> + '_ {
        self.groups.iter().map(|g| {
            let terms = self.terms[g.terms.clone()]
                .iter()
                .map(|t| (t.factor, &self.sites[t.sign_sites.clone()]))
                .collect();
            (&self.sites[g.flip_sites.clone()], terms)
        })
    }

    fn off_diagonal(&self, g: usize) -> &FlipGroup {
        &self.groups[g + self.has_diagonal as usize]
    }

    fn group_element(&self, group: &FlipGroup, config: &[u8]) -> Complex64 {
        let mut sum = Complex64::new(0.0, 0.0);
        for term in &self.terms[group.terms.clone()] {
            let odd = self.sites[term.sign_sites.clone()]
                .iter()
                .fold(0u8, |parity, &i| parity ^ config[i as usize]);
            if odd & 1 == 1 {
                sum -= term.factor;
            } else {
                sum += term.factor;
            }
        }
        sum
    }
}
