//! An operator grouped by shift pattern, the form local energies use. A group is a list of
//! (site, shift) pairs with shifts in 1..d: it maps a basis state s to the one state s' with
//! s'_i = (s_i + shift_i) mod d on its sites, so terms with the same pattern share s' and
//! need one amplitude between them. On spin-1/2 sites the shift is 1, a flip.
//!
//! A Pauli string flips its X and Y sites: <s|P|s'> = c * prod_i f_i with f = (-1)^{s_i}
//! for Z, 1 for X and -i (-1)^{s_i} for Y, that is c (-i)^{#Y} (-1)^{sum of s_i over the Z
//! and Y sites}. A dense local term (`local.rs`) on sites T splits by pattern: the pattern
//! of the pair (a, b) of local configurations holds the sites where b differs from a, and
//! each pattern keeps the table a -> <a|M|b(a)> over the d^k configurations a of T.

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

/// One local term's elements for one shift pattern: indexed by the local configuration of
/// its sites (the first most significant).
#[derive(Clone, Debug)]
struct TableTerm {
    sites: Range<usize>,
    table: Range<usize>,
}

/// The terms that shift the same sites by the same amounts.
#[derive(Clone, Debug)]
struct ShiftGroup {
    /// Into `sites` and `shifts` alike.
    flip_sites: Range<usize>,
    terms: Range<usize>,
    tables: Range<usize>,
}

/// A group's terms while compiling: Pauli strings (factor, sign sites) and local tables
/// (sites, elements).
type PendingGroup = (Vec<(Complex64, Vec<u32>)>, Vec<(Vec<u32>, Vec<Complex64>)>);

#[derive(Clone, Debug)]
pub(crate) struct CompiledOperator {
    local_dim: u16,
    /// Every site list of the groups and terms, concatenated.
    sites: Vec<u32>,
    /// The shift of each site in `sites` that belongs to a group's pattern (else 0).
    shifts: Vec<u8>,
    terms: Vec<SignedTerm>,
    table_terms: Vec<TableTerm>,
    elements: Vec<Complex64>,
    /// The diagonal group (no shifts) first when there is one.
    groups: Vec<ShiftGroup>,
    has_diagonal: bool,
}

impl CompiledOperator {
    /// [`CompiledOperator::new`] after checking that the grouping map and the compiled form
    /// fit in memory (`OutOfMemory` naming the terms and the bytes).
    pub fn try_new(h: &Hamiltonian) -> Result<Self> {
        let terms = h.num_terms();
        let factors: usize = h.terms().map(|(_, ops)| ops.len()).sum();
        // Each local term's tables hold at most its matrix, twice while grouping.
        let tables: usize = h
            .local_terms()
            .iter()
            .map(|t| t.matrix.len().saturating_mul(2 * size_of::<Complex64>()))
            .fold(0, usize::saturating_add);
        // A map slot and a group slot a term, and every factor's site in the map's key, the
        // sign list and the compiled list.
        let per_term = 2 * TERM_BYTES + size_of::<SignedTerm>() + size_of::<ShiftGroup>();
        let bytes = terms
            .saturating_mul(per_term)
            .saturating_add(factors.saturating_mul(3 * size_of::<u32>()))
            .saturating_add(tables);
        check_room(
            bytes,
            &format!("the compiled form of an operator of {terms} terms"),
        )?;
        Ok(Self::new(h))
    }

    pub fn new(h: &Hamiltonian) -> Self {
        let mut by_shifts: BTreeMap<Vec<(u32, u8)>, PendingGroup> = BTreeMap::new();
        for (coeff, ops) in h.terms() {
            let flips: Vec<(u32, u8)> = ops
                .iter()
                .filter(|(_, p)| p.flips())
                .map(|o| (o.0, 1))
                .collect();
            let signs: Vec<u32> = ops.iter().filter(|(_, p)| p.signs()).map(|o| o.0).collect();
            let factor = ops.iter().fold(Complex64::new(coeff, 0.0), |f, (_, p)| {
                f * p.constant_factor()
            });
            by_shifts.entry(flips).or_default().0.push((factor, signs));
        }
        let d = h.local_dim();
        for term in h.local_terms() {
            for (pattern, table) in split_by_pattern(d, &term.sites, term.dim, &term.matrix) {
                let entry = by_shifts.entry(pattern).or_default();
                entry.1.push((term.sites.clone(), table));
            }
        }
        let mut op = CompiledOperator {
            local_dim: d as u16,
            sites: Vec::new(),
            shifts: Vec::new(),
            terms: Vec::new(),
            table_terms: Vec::new(),
            elements: Vec::new(),
            groups: Vec::new(),
            has_diagonal: by_shifts.contains_key(&Vec::new()),
        };
        // BTreeMap order puts the empty pattern, the diagonal, first.
        for (pattern, (terms, tables)) in by_shifts {
            let start = op.sites.len();
            op.sites.extend(pattern.iter().map(|p| p.0));
            op.shifts.extend(pattern.iter().map(|p| p.1));
            let flip_sites = start..op.sites.len();
            let first_term = op.terms.len();
            for (factor, signs) in terms {
                let sign_sites = op.push_sites(&signs);
                op.terms.push(SignedTerm { factor, sign_sites });
            }
            let first_table = op.table_terms.len();
            for (sites, table) in tables {
                let sites = op.push_sites(&sites);
                let start = op.elements.len();
                op.elements.extend(table);
                op.table_terms.push(TableTerm {
                    sites,
                    table: start..op.elements.len(),
                });
            }
            op.groups.push(ShiftGroup {
                flip_sites,
                terms: first_term..op.terms.len(),
                tables: first_table..op.table_terms.len(),
            });
        }
        op
    }

    fn push_sites(&mut self, sites: &[u32]) -> Range<usize> {
        let start = self.sites.len();
        self.sites.extend_from_slice(sites);
        self.shifts.resize(self.sites.len(), 0);
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

    /// Groups that change at least one site.
    pub fn num_off_diagonal(&self) -> usize {
        self.groups.len() - self.has_diagonal as usize
    }

    /// The sites off-diagonal group `g` changes.
    pub fn flips(&self, g: usize) -> &[u32] {
        &self.sites[self.off_diagonal(g).flip_sites.clone()]
    }

    /// Writes into `config` (a copy of s) the connected configuration s' of group `g`.
    pub fn apply(&self, g: usize, config: &mut [u8]) {
        let range = self.off_diagonal(g).flip_sites.clone();
        for (&i, &s) in self.sites[range.clone()].iter().zip(&self.shifts[range]) {
            let v = &mut config[i as usize];
            *v = ((*v as u16 + s as u16) % self.local_dim) as u8;
        }
    }

    /// The sites group `g` changes in `config` and their new values.
    pub fn connected_values<'a>(
        &'a self,
        g: usize,
        config: &'a [u8],
    ) -> impl Iterator<Item = (usize, u8)> + 'a {
        let range = self.off_diagonal(g).flip_sites.clone();
        let d = self.local_dim;
        self.sites[range.clone()]
            .iter()
            .zip(&self.shifts[range])
            .map(move |(&i, &s)| {
                let i = i as usize;
                (i, ((config[i] as u16 + s as u16) % d) as u8)
            })
    }

    /// Whether group `g` changes the sum of site values of `config` (the U(1) total).
    pub fn changes_total(&self, g: usize, config: &[u8]) -> bool {
        let change: i64 = self
            .connected_values(g, config)
            .map(|(i, v)| v as i64 - config[i] as i64)
            .sum();
        change != 0
    }

    /// <s|H_g|s'> where s' is s shifted by group `g`. Exactly 0 when its terms cancel on s
    /// (XX + YY on parallel spins) or have no element from s.
    pub fn element(&self, g: usize, config: &[u8]) -> Complex64 {
        self.group_element(self.off_diagonal(g), config)
    }

    /// Whether the operator holds dense local terms (else Pauli strings only).
    pub fn has_local_terms(&self) -> bool {
        !self.table_terms.is_empty()
    }

    /// Whether every matrix element is real.
    pub fn is_real(&self) -> bool {
        self.terms.iter().all(|t| t.factor.im == 0.0) && self.elements.iter().all(|e| e.im == 0.0)
    }

    /// Every group of Pauli strings as (flipped sites, terms as (constant factor, sign
    /// sites)), diagonal first: the form the bit-mask operator of the exact tools is built
    /// from. Only for operators without local terms.
    pub fn groups(&self) -> impl Iterator<Item = (&[u32], Vec<(Complex64, &[u32])>)> + '_ {
        debug_assert!(!self.has_local_terms());
        self.groups.iter().map(|g| {
            let terms = self.terms[g.terms.clone()]
                .iter()
                .map(|t| (t.factor, &self.sites[t.sign_sites.clone()]))
                .collect();
            (&self.sites[g.flip_sites.clone()], terms)
        })
    }

    /// The sites whose values the element of off-diagonal group `g` depends on, besides
    /// its own: its Pauli strings' sign sites and its local terms' sites.
    pub fn element_sites(&self, g: usize) -> impl Iterator<Item = u32> + '_ {
        let group = self.off_diagonal(g);
        let signs = self.terms[group.terms.clone()]
            .iter()
            .flat_map(|t| &self.sites[t.sign_sites.clone()]);
        let locals = self.table_terms[group.tables.clone()]
            .iter()
            .flat_map(|t| &self.sites[t.sites.clone()]);
        signs.chain(locals).copied()
    }

    fn off_diagonal(&self, g: usize) -> &ShiftGroup {
        &self.groups[g + self.has_diagonal as usize]
    }

    fn group_element(&self, group: &ShiftGroup, config: &[u8]) -> Complex64 {
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
        let d = self.local_dim as usize;
        for term in &self.table_terms[group.tables.clone()] {
            let index = self.sites[term.sites.clone()]
                .iter()
                .fold(0usize, |a, &i| a * d + config[i as usize] as usize);
            sum += self.elements[term.table.start + index];
        }
        sum
    }
}

/// A local term's non-zero elements <a|M|b> grouped by shift pattern: per pattern, the
/// table over a (zero where the pattern leads nowhere from a).
fn split_by_pattern(
    d: usize,
    sites: &[u32],
    dim: usize,
    matrix: &[Complex64],
) -> BTreeMap<Vec<(u32, u8)>, Vec<Complex64>> {
    let k = sites.len();
    let digits = |mut x: usize| {
        let mut out = vec![0usize; k];
        for o in out.iter_mut().rev() {
            *o = x % d;
            x /= d;
        }
        out
    };
    let mut by_pattern: BTreeMap<Vec<(u32, u8)>, Vec<Complex64>> = BTreeMap::new();
    for a in 0..dim {
        let from = digits(a);
        for b in 0..dim {
            let m = matrix[a * dim + b];
            if m == Complex64::new(0.0, 0.0) {
                continue;
            }
            let to = digits(b);
            let mut pattern: Vec<(u32, u8)> = (0..k)
                .filter(|&j| to[j] != from[j])
                .map(|j| (sites[j], ((to[j] + d - from[j]) % d) as u8))
                .collect();
            pattern.sort_unstable();
            let table = by_pattern
                .entry(pattern)
                .or_insert_with(|| vec![Complex64::new(0.0, 0.0); dim]);
            table[a] = m;
        }
    }
    by_pattern
}
