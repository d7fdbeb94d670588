//! The operator acting on whole state vectors over d^N basis states, basis state
//! k = sum_i s_i d^i (site i the i-th base-d digit; for d = 2 the bit masks of
//! `bit_operator.rs`): the matrix-free product H v of operators with dense local terms,
//! read from the compiled form local energies use.

use super::amplitude::Amplitude;
use crate::hamiltonian::compiled::CompiledOperator;
use crate::parallel::for_each_task;
use num_complex::Complex64;

/// Output elements per task of a product.
const APPLY_BLOCK: usize = 1 << 12;

pub(super) struct LocalOperator<'a> {
    op: &'a CompiledOperator,
    d: usize,
    sites: usize,
    dim: usize,
    /// d^i for every site i.
    powers: Vec<usize>,
}

impl<'a> LocalOperator<'a> {
    /// `dim` = d^sites, already checked to fit.
    pub fn new(op: &'a CompiledOperator, d: usize, sites: usize, dim: usize) -> Self {
        let powers = (0..sites).scan(1usize, |p, _| {
            let this = *p;
            *p = p.wrapping_mul(d);
            Some(this)
        });
        LocalOperator {
            op,
            d,
            sites,
            dim,
            powers: powers.collect(),
        }
    }

    /// Writes basis state `k`'s configuration into `config`.
    pub fn decode(&self, mut k: usize, config: &mut [u8]) {
        for v in config.iter_mut() {
            *v = (k % self.d) as u8;
            k /= self.d;
        }
    }

    /// `config` advanced to the next basis state (k + 1).
    fn advance(&self, config: &mut [u8]) {
        for v in config.iter_mut() {
            if (*v as usize) + 1 < self.d {
                *v += 1;
                return;
            }
            *v = 0;
        }
    }

    /// `out = H v` over every basis state.
    pub fn apply<T: Amplitude>(&self, v: &[T], out: &mut [T]) {
        assert!(v.len() == self.dim && out.len() == self.dim);
        let tasks: Vec<_> = out.chunks_mut(APPLY_BLOCK).enumerate().collect();
        // At most MAX_EXACT_SITES values: no fallible allocation needed.
        let applied = for_each_task(
            tasks,
            || Ok(vec![0u8; self.sites]),
            |config, (block, out)| {
                let base = block * APPLY_BLOCK;
                self.decode(base, config);
                for (k, o) in (base..).zip(out.iter_mut()) {
                    let mut sum = v[k] * T::from_complex(self.op.diagonal(config));
                    for g in 0..self.op.num_off_diagonal() {
                        let element = self.op.element(g, config);
                        if element == Complex64::new(0.0, 0.0) {
                            continue;
                        }
                        let mut target = k;
                        for (i, new) in self.op.connected_values(g, config) {
                            target = target + new as usize * self.powers[i]
                                - config[i] as usize * self.powers[i];
                        }
                        sum += v[target] * T::from_complex(element);
                    }
                    *o = sum;
                    self.advance(config);
                }
                Ok(())
            },
        );
        applied.expect("the tasks do not fail");
    }
}
