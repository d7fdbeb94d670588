//! The sign-free test of an operator with dense local terms, on any local dimension: each
//! shift group's element, times the sign rule's change, is evaluated on every
//! configuration of the sites it depends on. The Marshall rule for d > 2 is
//! (-1)^(sum of site values on sublattice A), the spin-S rule when the value is S - m.

use crate::error::{Error, Result};
use crate::hamiltonian::compiled::CompiledOperator;
use crate::model::Model;
use num_complex::Complex64;

/// Most configurations of one group's sites the test enumerates.
pub const MAX_SIGN_FREE_STATES: usize = 1_048_576; // 2^20, written out for cffi (see MAX_SITES)

/// Whether every off-diagonal element of `op` times the sign rule is real and <= 0.
pub(super) fn sign_free(model: &Model, op: &CompiledOperator) -> Result<bool> {
    let d = model.config().local_dim as usize;
    let mut config = vec![0u8; model.num_sites()];
    for g in 0..op.num_off_diagonal() {
        let mut sites: Vec<usize> = op.flips(g).iter().map(|&i| i as usize).collect();
        sites.extend(op.element_sites(g).map(|i| i as usize));
        sites.sort_unstable();
        sites.dedup();
        let states = u32::try_from(sites.len())
            .ok()
            .and_then(|k| d.checked_pow(k))
            .filter(|&n| n <= MAX_SIGN_FREE_STATES)
            .ok_or_else(|| {
                Error::unsupported(format!(
                    "the sign-free test of the group changing sites {:?} needs {d}^{} evaluations (at most {MAX_SIGN_FREE_STATES})",
                    op.flips(g),
                    sites.len()
                ))
            })?;
        for mut k in 0..states {
            for &i in &sites {
                config[i] = (k % d) as u8;
                k /= d;
            }
            let element = op.element(g, &config);
            if element == Complex64::new(0.0, 0.0) {
                continue;
            }
            if element.im != 0.0 {
                return Ok(false);
            }
            let rule = if model.sign_rule_changes(&config, op.connected_values(g, &config)) {
                -1.0
            } else {
                1.0
            };
            if rule * element.re > 0.0 {
                return Ok(false);
            }
        }
    }
    Ok(true)
}
