//! The sign-free test: whether every off-diagonal element of H, times the model's sign rule
//! on both sides, is <= 0 for every pair of configurations, so that a positive amplitude
//! (times the rule) can be the exact ground state (Perron-Frobenius).
//!
//! Decided per flip group, exactly. The strings that flip the sites F give
//! <s|H_F|s'> = sum_t c_t (-i)^{#Y_t} (-1)^{m_t . s}, where the mask m_t holds the string's Y
//! and Z sites; two strings of one group never share a mask. The sign rule multiplies the
//! element by a constant, (-1)^{|F on sublattice A|}. The functions (-1)^{m . s} are linearly
//! independent, so the element is real for every s exactly when no string of the group has
//! an odd number of Y, and its largest value over s is the largest of sum_t r_t (-1)^{y_t}
//! over the parity vectors y reachable from some s: a basis of the masks (rank r) gives
//! every other parity as a sum of basis parities, and the 2^r basis parities are free. That
//! enumeration is exponential in r only; above `MAX_RANK` the group is decided by bounds
//! (every term at its worst; the all-up configuration) or refused as `Unsupported`.
//!
//! Operators with dense local terms, on any local dimension, are decided by enumeration
//! (`sign_free/local.rs`).

use crate::error::{Error, Result};
use crate::hamiltonian::Hamiltonian;
use crate::local_energy::check_operator;
use crate::model::Model;

mod local;

pub use local::MAX_SIGN_FREE_STATES;

/// Largest rank of a flip group's sign masks decided by enumerating 2^rank parities.
/// Built-in operators have rank <= 2 (XX + YY + ZZ on a bond: masks {}, {i, j}).
pub const MAX_SIGN_FREE_RANK: u32 = 20;

/// Whether `h` is sign-free under `model`'s sign rule: every off-diagonal element
/// <s'|H|s> sigma(s') sigma(s) real and <= 0 for every pair of configurations (all d^N,
/// whatever the model's U(1) constraint). The model's phase head plays no part. Refuses an
/// operator on another number of sites or local dimension (`InvalidArgument`), a flip
/// group whose sign masks have rank above [`MAX_SIGN_FREE_RANK`] when no bound decides it,
/// and, with local terms, a group whose element depends on more than
/// [`MAX_SIGN_FREE_STATES`] configurations of its sites (`Unsupported`, naming the group).
pub fn sign_free(model: &Model, h: &Hamiltonian) -> Result<bool> {
    check_operator(model, h)?;
    let op = h.try_compiled()?;
    if op.has_local_terms() {
        return local::sign_free(model, op);
    }
    for (flips, terms) in op.groups() {
        if flips.is_empty() {
            continue;
        }
        let rule = if model.sign_rule_flips(flips) {
            -1.0
        } else {
            1.0
        };
        if terms.iter().any(|(factor, _)| factor.im != 0.0) {
            return Ok(false);
        }
        let terms: Vec<(f64, &[u32])> = terms
            .into_iter()
            .map(|(factor, mask)| (rule * factor.re, mask))
            .collect();
        if !group_max_at_most_zero(flips, &terms)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether max over s of sum_t r_t (-1)^{m_t . s} is <= 0.
fn group_max_at_most_zero(flips: &[u32], terms: &[(f64, &[u32])]) -> Result<bool> {
    if let Some((rank, parities)) = parity_basis(terms) {
        let max = (0u64..1 << rank)
            .map(|free| {
                terms
                    .iter()
                    .zip(&parities)
                    .map(|((r, _), &p)| {
                        if (p & free).count_ones() % 2 == 1 {
                            -r
                        } else {
                            *r
                        }
                    })
                    .sum::<f64>()
            })
            .fold(f64::NEG_INFINITY, f64::max);
        return Ok(max <= 0.0);
    }
    // Every term at its worst: the constant as it is, the others at +|r|.
    let bound: f64 = terms
        .iter()
        .map(|&(r, mask)| if mask.is_empty() { r } else { r.abs() })
        .sum();
    if bound <= 0.0 {
        return Ok(true);
    }
    // The all-up configuration, where every parity is even.
    if terms.iter().map(|t| t.0).sum::<f64>() > 0.0 {
        return Ok(false);
    }
    Err(Error::unsupported(format!(
        "the sign-free test of the terms flipping sites {flips:?} needs more than \
         2^{MAX_SIGN_FREE_RANK} evaluations (their sign masks have rank above \
         {MAX_SIGN_FREE_RANK})"
    )))
}

/// Gaussian elimination over GF(2) of the terms' masks, kept as sorted site lists: the rank
/// and, for each mask, the set of independent masks (bits of a u64) whose XOR it is;
/// `None` as soon as the rank exceeds [`MAX_SIGN_FREE_RANK`], so that the work and memory
/// stay linear in the operator's size.
fn parity_basis(terms: &[(f64, &[u32])]) -> Option<(usize, Vec<u64>)> {
    // Rows: (reduced mask, its pivot site, the combination of independent masks it equals).
    let mut rows: Vec<(Vec<u32>, u32, u64)> = Vec::new();
    let mut parities = Vec::with_capacity(terms.len());
    for &(_, mask) in terms {
        let mut v = mask.to_vec();
        v.sort_unstable();
        let mut combo = 0u64;
        for (row, pivot, row_combo) in &rows {
            if v.binary_search(pivot).is_ok() {
                v = symmetric_difference(&v, row);
                combo ^= row_combo;
            }
        }
        match v.first() {
            None => parities.push(combo),
            Some(&pivot) => {
                if rows.len() == MAX_SIGN_FREE_RANK as usize {
                    return None;
                }
                let own = 1u64 << rows.len();
                parities.push(own);
                rows.push((v, pivot, combo ^ own));
            }
        }
    }
    Some((rows.len(), parities))
}

/// The sites in exactly one of two sorted lists, sorted.
fn symmetric_difference(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}
