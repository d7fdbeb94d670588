//! Writes a few small valid checkpoints into `corpus/checkpoint_load/` (models) and
//! `corpus/optimizer_load/` (optimiser states), the seeds the fuzzer mutates:
//! `cargo run --example seed_checkpoint_corpus` (from `fuzz/`).

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, PhaseKind, SignRule};
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/checkpoint_load");
    std::fs::create_dir_all(&dir).expect("create the corpus directory");
    let configs = [
        ModelConfig {
            cell: CellKind::Vanilla,
            lx: 2,
            hidden: 1,
            ..ModelConfig::default()
        },
        ModelConfig {
            cell: CellKind::Gru,
            lx: 4,
            hidden: 2,
            layers: 2,
            phase: PhaseKind::Softsign,
            sign_rule: SignRule::Marshall,
            u1_total: Some(2),
            seed: 7,
            ..ModelConfig::default()
        },
        ModelConfig {
            lx: 3,
            local_dim: 3,
            hidden: 1,
            ..ModelConfig::default()
        },
    ];
    for (i, config) in configs.into_iter().enumerate() {
        let path = dir.join(format!("seed-{i}.safetensors"));
        Model::new(config)
            .expect("a valid config")
            .save(&path)
            .expect("write a seed");
        println!("{}", path.display());
    }

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/optimizer_load");
    std::fs::create_dir_all(&dir).expect("create the corpus directory");
    let mut model = Model::new(ModelConfig {
        cell: CellKind::Vanilla,
        lx: 3,
        hidden: 1,
        ..ModelConfig::default()
    })
    .expect("a valid config");
    let h = Hamiltonian::tfim(3, 1, false, 1.0, 1.0).expect("an operator");
    for (i, optimizer) in [Optimizer::Adam, Optimizer::Sgd].into_iter().enumerate() {
        let mut vmc = Vmc::new(VmcConfig {
            optimizer,
            n_samples: 8,
            temperature: 0.5,
            ..VmcConfig::default()
        })
        .expect("a valid config");
        vmc.step(&mut model, &h).expect("a step");
        let path = dir.join(format!("seed-{i}.safetensors"));
        vmc.save(&path).expect("write a seed");
        println!("{}", path.display());
    }
}
