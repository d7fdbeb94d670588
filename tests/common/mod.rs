//! Helpers shared by the integration tests: exhaustive enumeration of small Hilbert spaces.
#![allow(dead_code)]

use rnnwf::{CellKind, Complex64, Model, ModelConfig, PhaseKind, SignRule};

/// Every configuration of `sites` sites with values 0..d, row-major, in lexicographic order.
pub fn all_configs(sites: usize, d: usize) -> Vec<u8> {
    let count = d.pow(sites as u32);
    let mut out = Vec::with_capacity(count * sites);
    for mut k in 0..count {
        let start = out.len();
        out.resize(start + sites, 0);
        for i in (0..sites).rev() {
            out[start + i] = (k % d) as u8;
            k /= d;
        }
    }
    out
}

pub fn model(cell: CellKind, sites: u32, d: u32, layers: u32, phase: bool, seed: u64) -> Model {
    Model::new(ModelConfig {
        cell,
        lx: sites,
        ly: 1,
        local_dim: d,
        hidden: 5,
        layers,
        phase: if phase {
            PhaseKind::Softsign
        } else {
            PhaseKind::None
        },
        sign_rule: SignRule::None,
        u1_total: None,
        seed,
    })
    .unwrap()
}

pub fn log_psi_all(model: &Model, configs: &[u8]) -> Vec<Complex64> {
    let n = configs.len() / model.num_sites();
    let mut out = vec![Complex64::new(0.0, 0.0); n];
    model.log_psi(configs, &mut out).unwrap();
    out
}

/// Sum over all configurations of P = |psi|^2.
pub fn total_probability(model: &Model, configs: &[u8]) -> f64 {
    log_psi_all(model, configs)
        .iter()
        .map(|l| (2.0 * l.re).exp())
        .sum()
}

/// A fresh, empty directory for one test, under the system temp dir (removed first if a
/// previous run left it).
pub fn scratch_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rnnwf-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
