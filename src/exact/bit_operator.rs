//! The operator acting on whole state vectors over 2^N basis states, basis state k having
//! bit i set when site i is down: the matrix-free product H v of Lanczos and of exact
//! expectation values.

use super::amplitude::{signed, Amplitude};
use crate::buffer::try_zeroed_vec;
use crate::error::Result;
use crate::hamiltonian::Hamiltonian;
use crate::parallel::for_each_task;
use num_complex::Complex64;

/// Output elements per task of a product: large enough to amortise a task, small enough
/// to spread over threads.
const APPLY_BLOCK: usize = 1 << 14;

/// Strings flipping the same sites, as bit masks: <k|H_g|k ^ flip> = sum over terms of
/// factor (-1)^{popcount(k & sign_mask)}.
struct BitGroup {
    flip: usize,
    terms: Vec<(Complex64, usize)>,
}

pub(super) struct BitOperator {
    dim: usize,
    diagonal_terms: Vec<(f64, usize)>,
    groups: Vec<BitGroup>,
    real: bool,
}

fn mask(sites: &[u32]) -> usize {
    sites.iter().fold(0, |m, &i| m | 1usize << i)
}

impl BitOperator {
    /// `h` must have at most `usize::BITS - 1` sites.
    pub fn new(h: &Hamiltonian) -> Self {
        let mut op = BitOperator {
            dim: 1usize << h.num_sites(),
            diagonal_terms: Vec::new(),
            groups: Vec::new(),
            real: true,
        };
        for (flips, terms) in h.compiled().groups() {
            op.real &= terms.iter().all(|(f, _)| f.im == 0.0);
            if flips.is_empty() {
                // Z strings only: real factors.
                op.diagonal_terms = terms.iter().map(|(f, s)| (f.re, mask(s))).collect();
            } else {
                op.groups.push(BitGroup {
                    flip: mask(flips),
                    terms: terms.iter().map(|(f, s)| (*f, mask(s))).collect(),
                });
            }
        }
        op
    }

    /// Whether every matrix element is real, so real vectors suffice.
    pub fn is_real(&self) -> bool {
        self.real
    }

    /// <k|H|k> for every k, allocated fallibly.
    pub fn diagonal(&self) -> Result<Vec<f64>> {
        let mut out = try_zeroed_vec(self.dim, "the operator's diagonal over every state")?;
        let tasks: Vec<_> = out.chunks_mut(APPLY_BLOCK).enumerate().collect();
        let filled = for_each_task(
            tasks,
            || Ok(()),
            |_, (block, out)| {
                for (k, o) in (block * APPLY_BLOCK..).zip(out.iter_mut()) {
                    *o = self
                        .diagonal_terms
                        .iter()
                        .map(|&(f, m)| signed(f, k & m))
                        .sum();
                }
                Ok(())
            },
        );
        filled.expect("the tasks do not fail");
        Ok(out)
    }

    /// `out = H v`, given `diagonal` from [`BitOperator::diagonal`].
    pub fn apply<T: Amplitude>(&self, diagonal: &[f64], v: &[T], out: &mut [T]) {
        assert!(v.len() == self.dim && out.len() == self.dim && diagonal.len() == self.dim);
        let tasks: Vec<_> = out.chunks_mut(APPLY_BLOCK).enumerate().collect();
        let applied = for_each_task(
            tasks,
            || Ok(()),
            |_, (block, out)| {
                let base = block * APPLY_BLOCK;
                for ((o, &x), &d) in out.iter_mut().zip(&v[base..]).zip(&diagonal[base..]) {
                    *o = x * d;
                }
                // Group by group, so each pass streams one stretch of v.
                for g in &self.groups {
                    for (k, o) in (base..).zip(out.iter_mut()) {
                        let element = T::element(&g.terms, k);
                        // XX + YY cancel on parallel spins: no need to read v.
                        if element != T::default() {
                            *o += v[k ^ g.flip] * element;
                        }
                    }
                }
                Ok(())
            },
        );
        applied.expect("the tasks do not fail");
    }
}
