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
use std::collections::HashMap;

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
    let masks = bitsets(terms);
    let (rank, parities) = parity_basis(&masks);
    if rank <= MAX_SIGN_FREE_RANK as usize {
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
        "the sign-free test of the terms flipping sites {flips:?} needs 2^{rank} evaluations \
         (their sign masks have rank {rank} > {MAX_SIGN_FREE_RANK})"
    )))
}

/// The masks as bit sets over the sites they use, numbered in order of appearance.
fn bitsets(terms: &[(f64, &[u32])]) -> Vec<Vec<u64>> {
    let mut index: HashMap<u32, usize> = HashMap::new();
    for &(_, mask) in terms {
        for &site in mask {
            let next = index.len();
            index.entry(site).or_insert(next);
        }
    }
    let words = index.len().div_ceil(64);
    terms
        .iter()
        .map(|&(_, mask)| {
            let mut bits = vec![0u64; words];
            for site in mask {
                let k = index[site];
                bits[k / 64] |= 1 << (k % 64);
            }
            bits
        })
        .collect()
}

/// Gaussian elimination over GF(2): the rank of the masks and, for each mask, the set of
/// independent masks (as bits of a u64, the first 64 only) whose XOR it is; past 64
/// independent masks only the rank is meaningful.
fn parity_basis(masks: &[Vec<u64>]) -> (usize, Vec<u64>) {
    // Rows (reduced vector, pivot bit, combination of independent masks it equals).
    let mut rows: Vec<(Vec<u64>, usize, u64)> = Vec::new();
    let mut parities = Vec::with_capacity(masks.len());
    for mask in masks {
        let mut v = mask.clone();
        let mut combo = 0u64;
        for (row, pivot, row_combo) in &rows {
            if v[pivot / 64] >> (pivot % 64) & 1 == 1 {
                v.iter_mut().zip(row).for_each(|(a, b)| *a ^= b);
                combo ^= row_combo;
            }
        }
        let pivot = v
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(k, w)| 64 * k + w.trailing_zeros() as usize);
        match pivot {
            None => parities.push(combo),
            Some(pivot) => {
                let own = 1u64.checked_shl(rows.len() as u32).unwrap_or(0);
                parities.push(own);
                rows.push((v, pivot, combo ^ own));
            }
        }
    }
    (rows.len(), parities)
}
