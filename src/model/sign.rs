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
                let lx = self.config().lx as usize;
                let count: u64 = config
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (i % lx + i / lx) % 2 == 0)
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
}
