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
    Model::new(
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(sites)
            .with_ly(1)
            .with_local_dim(d)
            .with_hidden(5)
            .with_layers(layers)
            .with_phase(if phase {
                PhaseKind::Softsign
            } else {
                PhaseKind::None
            })
            .with_sign_rule(SignRule::None)
            .with_u1_total(None)
            .with_seed(seed),
    )
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

pub mod dense;
pub mod finite_differences;
pub mod lattice_maps;
pub mod local_terms;
pub mod sr_problem;
pub mod topology;

/// A small deterministic generator for test inputs (splitmix64).
pub struct TestRng(pub u64);

impl TestRng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// Uniform in [-1, 1).
    pub fn symmetric(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// A random Hermitian Pauli sum on `sites` sites with X, Y and Z strings of 1 to 4 sites
/// and a constant.
pub fn random_pauli_sum(sites: u32, terms: usize, seed: u64) -> rnnwf::Hamiltonian {
    let mut rng = TestRng(seed);
    let mut h = rnnwf::Hamiltonian::new(sites).unwrap();
    h.add_term(0.3, "", &[]).unwrap();
    let mut added_y = false;
    while h.num_terms() < terms + 1 || !added_y {
        let len = 1 + rng.below(4.min(sites as u64)) as usize;
        let mut chosen: Vec<u32> = Vec::new();
        while chosen.len() < len {
            let s = rng.below(sites as u64) as u32;
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        let letters: String = (0..len)
            .map(|_| ['X', 'Y', 'Z'][rng.below(3) as usize])
            .collect();
        added_y |= letters.contains('Y');
        h.add_term(rng.symmetric(), &letters, &chosen).unwrap();
    }
    h
}

/// psi of every configuration of `all_configs(n_sites, 2)` order (0 outside a U(1) subspace).
pub fn psi_all(model: &Model) -> Vec<Complex64> {
    let configs = all_configs(model.num_sites(), 2);
    log_psi_all(model, &configs)
        .iter()
        .map(|l| {
            if l.re == f64::NEG_INFINITY {
                Complex64::new(0.0, 0.0)
            } else {
                l.exp()
            }
        })
        .collect()
}

/// How often each configuration of `all_configs(sites, 2)` occurs in `samples`.
pub fn histogram(samples: &[u8], sites: usize) -> Vec<usize> {
    let mut counts = vec![0; 1 << sites];
    for c in samples.chunks(sites) {
        counts[dense::index_of(c)] += 1;
    }
    counts
}

/// Pearson's chi-square of the observed `counts` against the probabilities `p`.
pub fn chi_square(counts: &[usize], p: &[f64]) -> f64 {
    let n = counts.iter().sum::<usize>() as f64;
    counts
        .iter()
        .zip(p)
        .map(|(&o, &p)| (o as f64 - p * n).powi(2) / (p * n))
        .sum()
}

/// |a - b| <= tol * max(1, |b|).
pub fn close(a: Complex64, b: Complex64, tol: f64) -> bool {
    (a - b).norm() <= tol * b.norm().max(1.0)
}

/// A 2D RNN (ly > 1) on the `lx x ly` grid with hidden size 5, spin-1/2 unless `d` says.
pub fn grid_model(cell: CellKind, lx: u32, ly: u32, layers: u32, phase: bool, seed: u64) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(lx)
            .with_ly(ly)
            .with_local_dim(2)
            .with_hidden(5)
            .with_layers(layers)
            .with_phase(if phase {
                PhaseKind::Softsign
            } else {
                PhaseKind::None
            })
            .with_sign_rule(SignRule::None)
            .with_u1_total(None)
            .with_seed(seed),
    )
    .unwrap()
}

/// Every cell kind, the 2D RNN's included.
pub const ALL_CELLS: [CellKind; 5] = [
    CellKind::Vanilla,
    CellKind::Gru,
    CellKind::VanillaElu,
    CellKind::TensorGru,
    CellKind::LinearGated,
];
