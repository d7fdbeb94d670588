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
        ModelConfig::default().with_cell(CellKind::Vanilla).with_lx(2).with_hidden(1),
        ModelConfig::default().with_cell(CellKind::Gru).with_lx(4).with_hidden(2).with_layers(2).with_phase(PhaseKind::Softsign).with_sign_rule(SignRule::Marshall).with_u1_total(Some(2)).with_seed(7),
        ModelConfig::default().with_lx(3).with_local_dim(3).with_hidden(1),
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
    let mut model = Model::new(ModelConfig::default().with_cell(CellKind::Vanilla).with_lx(3).with_hidden(1))
    .expect("a valid config");
    let h = Hamiltonian::tfim(3, 1, false, 1.0, 1.0).expect("an operator");
    for (i, optimizer) in [Optimizer::Adam, Optimizer::Sgd].into_iter().enumerate() {
        let mut vmc = Vmc::new(VmcConfig::default().with_optimizer(optimizer).with_n_samples(8).with_temperature(0.5))
        .expect("a valid config");
        vmc.step(&mut model, &h).expect("a step");
        let path = dir.join(format!("seed-{i}.safetensors"));
        vmc.save(&path).expect("write a seed");
        println!("{}", path.display());
    }
}
