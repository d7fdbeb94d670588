//! The Marshall sign rule: psi *= (-1)^(sum of site values on sublattice A, x + y even).

use super::config::SignRule;
use super::Model;
use std::f64::consts::PI;

impl Model {
    /// The phase the sign rule adds to a configuration: 0 or pi.
    pub(crate) fn sign_phase(&self, config: &[u8]) -> f64 {
        match self.config().sign_rule {
            SignRule::None => 0.0,
            SignRule::Marshall => {
                let count: u64 = config
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| self.on_sublattice_a(i))
                    .map(|(_, &v)| v as u64)
                    .sum();
                if count % 2 == 1 {
                    PI
                } else {
                    0.0
                }
            }
        }
    }

    /// Whether flipping the spin-1/2 values at `sites` changes the sign the rule gives: the
    /// sign of every configuration times that of its flipped partner.
    pub(crate) fn sign_rule_flips(&self, sites: &[u32]) -> bool {
        match self.config().sign_rule {
            SignRule::None => false,
            SignRule::Marshall => {
                let on_a = sites
                    .iter()
                    .filter(|&&i| self.on_sublattice_a(i as usize))
                    .count();
                on_a % 2 == 1
            }
        }
    }

    /// Whether changing `config` to the `changes` (site, new value) changes the sign the rule
    /// gives, on any local dimension.
    pub(crate) fn sign_rule_changes(
        &self,
        config: &[u8],
        changes: impl Iterator<Item = (usize, u8)>,
    ) -> bool {
        match self.config().sign_rule {
            SignRule::None => false,
            SignRule::Marshall => {
                let change: i64 = changes
                    .filter(|&(i, _)| self.on_sublattice_a(i))
                    .map(|(i, v)| v as i64 - config[i] as i64)
                    .sum();
                change % 2 != 0
            }
        }
    }

    /// Sublattice A of the Marshall rule: site i = x + lx*y with x + y even.
    fn on_sublattice_a(&self, site: usize) -> bool {
        let lx = self.config().lx as usize;
        (site % lx + site / lx).is_multiple_of(2)
    }
}
