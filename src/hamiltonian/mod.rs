//! Operators: Hermitian sums of Pauli strings with real coefficients and of dense k-site
//! terms on any local dimension (`local.rs`), built term by term, parsed from text, or made
//! by the built-in lattice models.

mod bose_hubbard;
mod builtin;
pub(crate) mod compiled;
mod lattice;
mod local;
mod parse;
mod pauli;
mod rotation;
mod rydberg;
mod spin1;
mod triangular;

pub use local::LocalTerm;
pub use pauli::Pauli;
pub use rotation::{three_sublattice_angles, MAX_ROTATED_FLIPS};
pub use rydberg::MAX_RYDBERG_GROUP;

use crate::error::{Error, Result};
use crate::model::MAX_SITES;
use compiled::CompiledOperator;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// About the memory one term takes in the map of terms, besides its factors: its slot in a
/// B-tree node (the key's header and the coefficient, nodes often half full), the key's heap
/// block and the allocator's overhead. What the fallible checks ask room for.
const TERM_BYTES: usize = 160;

/// New terms whose room one check of [`Hamiltonian::add_term`] asks for (160 KiB).
const TERMS_PER_CHECK: usize = 1024;

/// Room for `terms` more terms of about `factors` Pauli factors each, checked before a map
/// that cannot refuse an allocation grows (`OutOfMemory` naming the terms and the bytes).
fn check_room_for_terms(terms: usize, factors: usize) -> Result<()> {
    let per_term = TERM_BYTES.saturating_add(factors.saturating_mul(size_of::<(u32, Pauli)>()));
    crate::buffer::check_room(
        terms.saturating_mul(per_term),
        &format!("the operator's {terms} new terms"),
    )
}

/// One Pauli string: (site, matrix) pairs sorted by site, each site at most once. Empty for
/// the identity.
pub type PauliString = Vec<(u32, Pauli)>;

/// H = sum_k c_k P_k with real c_k and Pauli strings P_k on `n_sites` spin-1/2 sites
/// (value 0 = up, Z = +1; 1 = down, Z = -1). Every product of Pauli matrices on distinct
/// sites is Hermitian, so any real combination is.
///
/// Terms on the same Pauli string merge: their coefficients add, and a string whose
/// coefficient becomes exactly 0 is dropped.
///
/// An operator made by [`Hamiltonian::new_local`] acts on sites of `local_dim` values and
/// holds dense terms ([`Hamiltonian::add_local`]); Pauli strings need local_dim = 2.
#[derive(Clone, Debug)]
pub struct Hamiltonian {
    n_sites: u32,
    local_dim: u32,
    terms: BTreeMap<PauliString, f64>,
    local_terms: Vec<LocalTerm>,
    /// The form local energies use, built on first use and dropped on every change.
    compiled: OnceLock<CompiledOperator>,
}

impl PartialEq for Hamiltonian {
    fn eq(&self, other: &Self) -> bool {
        self.n_sites == other.n_sites
            && self.local_dim == other.local_dim
            && self.terms == other.terms
            && self.local_terms == other.local_terms
    }
}

impl Hamiltonian {
    /// The zero operator on `n_sites` sites (1..=MAX_SITES).
    pub fn new(n_sites: u32) -> Result<Hamiltonian> {
        if n_sites == 0 || n_sites as u64 > MAX_SITES {
            return Err(Error::invalid(format!(
                "n_sites must be in 1..={MAX_SITES} (got {n_sites})"
            )));
        }
        Ok(Hamiltonian {
            n_sites,
            local_dim: 2,
            terms: BTreeMap::new(),
            local_terms: Vec::new(),
            compiled: OnceLock::new(),
        })
    }

    /// Parses one term a line: a real coefficient, then Pauli factors such as `Z0 X12`
    /// (letter X, Y or Z, then the site index); a coefficient alone is a constant. `#`
    /// starts a comment; blank lines are skipped. An error names the line and the token.
    pub fn parse(n_sites: u32, text: &str) -> Result<Hamiltonian> {
        parse::parse(n_sites, text)
    }

    pub fn num_sites(&self) -> usize {
        self.n_sites as usize
    }

    /// Distinct Pauli strings with a non-zero coefficient (the identity counts as one),
    /// plus the local terms.
    pub fn num_terms(&self) -> usize {
        self.terms.len() + self.local_terms.len()
    }

    /// Every term as (coefficient, Pauli string), in a fixed order (by string).
    pub fn terms(&self) -> impl Iterator<Item = (f64, &[(u32, Pauli)])> + '_ {
        self.terms.iter().map(|(ops, &c)| (c, ops.as_slice()))
    }

    /// Adds `coeff * P` where P has the matrix `paulis[k]` (an upper-case letter X, Y or Z) on
    /// `sites[k]`; no letters and no sites add a constant. Refuses, leaving the operator
    /// unchanged: an operator whose local_dim is not 2, a non-finite coefficient, an
    /// unknown letter, a site out of range or given twice (`InvalidArgument`); a letter
    /// count that differs from the site count (`BufferSize`: the two arrays disagree in
    /// length).
    pub fn add_term(&mut self, coeff: f64, paulis: &str, sites: &[u32]) -> Result<()> {
        if self.local_dim != 2 {
            return Err(Error::invalid(format!(
                "Pauli terms act on spin-1/2 sites (local_dim = 2), but this operator has local_dim = {}",
                self.local_dim
            )));
        }
        if !coeff.is_finite() {
            return Err(Error::invalid(format!("coefficient {coeff} is not finite")));
        }
        let mut letters = Vec::with_capacity(paulis.len());
        for (k, letter) in paulis.chars().enumerate() {
            let pauli = Pauli::from_letter(letter).ok_or_else(|| {
                let shown = if letter.is_ascii() && !letter.is_ascii_graphic() {
                    format!("byte 0x{:02x}", letter as u32)
                } else {
                    format!("{letter:?}")
                };
                Error::invalid(format!(
                    "unknown Pauli letter: paulis[{k}] = {shown} in {paulis:?}; use upper-case X, Y or Z"
                ))
            })?;
            letters.push(pauli);
        }
        if letters.len() != sites.len() {
            return Err(Error::buffer_size(format!(
                "paulis {paulis:?} has {} letters but {} sites were given",
                letters.len(),
                sites.len()
            )));
        }
        let mut ops = PauliString::with_capacity(sites.len());
        for (pauli, &site) in letters.into_iter().zip(sites) {
            if site >= self.n_sites {
                return Err(Error::invalid(format!(
                    "site {site} is out of range (n_sites = {})",
                    self.n_sites
                )));
            }
            ops.push((site, pauli));
        }
        ops.sort_unstable();
        if let Some(w) = ops.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::invalid(format!(
                "site {} appears twice in the Pauli string",
                w[0].0
            )));
        }
        self.merge(coeff, ops)
    }

    /// Adds a validated, sorted string; refuses a merged coefficient that overflows.
    fn merge(&mut self, coeff: f64, ops: PauliString) -> Result<()> {
        let merged = self.terms.get(&ops).copied().unwrap_or(0.0) + coeff;
        if !merged.is_finite() {
            return Err(Error::invalid(format!(
                "coefficient of {} overflows when merged ({merged})",
                describe(&ops)
            )));
        }
        if merged == 0.0 {
            self.terms.remove(&ops);
        } else {
            // Checked every TERMS_PER_CHECK new terms, for as many: a check a term would cost
            // a system call each (a probe smaller than malloc's mmap threshold proves nothing).
            if self.terms.len().is_multiple_of(TERMS_PER_CHECK) && !self.terms.contains_key(&ops) {
                check_room_for_terms(TERMS_PER_CHECK, ops.len())?;
            }
            self.terms.insert(ops, merged);
        }
        self.compiled = OnceLock::new();
        Ok(())
    }

    /// A bound on the operator's norm: the sum of |coefficients| of the Pauli strings and of
    /// the Frobenius norms of the local terms' matrices.
    pub fn norm_bound(&self) -> f64 {
        let pauli: f64 = self.terms().map(|(c, _)| c.abs()).sum();
        let local: f64 = self
            .local_terms
            .iter()
            .map(|t| t.matrix.iter().map(|m| m.norm_sqr()).sum::<f64>().sqrt())
            .sum();
        pauli + local
    }

    /// The operator grouped by shift pattern, built once per change.
    pub(crate) fn compiled(&self) -> &CompiledOperator {
        self.compiled.get_or_init(|| CompiledOperator::new(self))
    }

    /// [`Hamiltonian::compiled`], with a form no memory can hold refused (`OutOfMemory`)
    /// rather than aborting: call it before the passes that use `compiled`.
    pub(crate) fn try_compiled(&self) -> Result<&CompiledOperator> {
        if let Some(compiled) = self.compiled.get() {
            return Ok(compiled);
        }
        let built = CompiledOperator::try_new(self)?;
        Ok(self.compiled.get_or_init(|| built))
    }
}

/// A Pauli string as text, e.g. "Z0 Z1" ("identity" when empty).
fn describe(ops: &[(u32, Pauli)]) -> String {
    if ops.is_empty() {
        return "the identity".into();
    }
    let parts: Vec<String> = ops
        .iter()
        .map(|(site, p)| format!("{}{site}", p.letter()))
        .collect();
    parts.join(" ")
}
