//! The trained checkpoints in `models/` load, describe the lattice they name, and give
//! the energy their README claims: re-estimated here from fresh samples against the exact
//! or reference ground energy, so a damaged or mislabelled checkpoint fails.

use rnnwf::{expectation, Hamiltonian, Model};
use std::path::Path;

/// One shipped model: its folder under `models/`, its operator and its reference energy.
struct Shipped {
    folder: &'static str,
    lx: u32,
    ly: u32,
    /// The operator on the model's lx x ly lattice.
    hamiltonian: fn(u32, u32) -> Hamiltonian,
    reference: f64,
    /// Samples of the check and the relative error it must stay under: a larger lattice
    /// costs more per sample, so it is checked from fewer, against a looser bound.
    samples: usize,
    tolerance: f64,
}

const SHIPPED: &[Shipped] = &[
    Shipped {
        folder: "heisenberg-6x6-open",
        lx: 6,
        ly: 6,
        hamiltonian: |lx, ly| Hamiltonian::heisenberg(lx, ly, false, 1.0, 0.0).unwrap(),
        // Exact (Lanczos, the README's 6x6 recipe).
        reference: -86.9071441699763,
        // The model is below 2e-4; 4096 samples add about 1e-4 of noise.
        samples: 4096,
        tolerance: 5e-4,
    },
    Shipped {
        folder: "heisenberg-10x10-open",
        lx: 10,
        ly: 10,
        hamiltonian: |lx, ly| Hamiltonian::heisenberg(lx, ly, false, 1.0, 0.0).unwrap(),
        // Quantum Monte Carlo, the published 10x10 open value.
        reference: -251.46248,
        // The model is at 1.6e-4; 512 samples (a 10x10 sample's local energy under the eight
        // images costs about 20 times a 6x6 one) add about 2.7e-4 of noise.
        samples: 512,
        tolerance: 2e-3,
    },
];

#[test]
fn shipped_models_load_and_reach_their_energy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for s in SHIPPED {
        assert!(
            readme.contains(s.folder),
            "models/README.md lists {}",
            s.folder
        );
        let path = root.join(s.folder).join("checkpoint/model.safetensors");
        let model = Model::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            (model.config().lx, model.config().ly),
            (s.lx, s.ly),
            "{}",
            s.folder
        );
        let est = expectation(&model, &(s.hamiltonian)(s.lx, s.ly), 7, s.samples).unwrap();
        let relative = (est.mean.re - s.reference).abs() / s.reference.abs();
        assert!(
            relative < s.tolerance,
            "{}: E = {} +- {} against {}: relative error {relative:.2e}",
            s.folder,
            est.mean.re,
            est.error,
            s.reference
        );
    }
}
