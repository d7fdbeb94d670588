//! Seconds per VMC step on the open Ising chain, split into sampling, local energies,
//! gradient and update, for Adam and minSR.
//!
//! `cargo bench --bench vmc_step`. Each figure is the median over the timed steps (after
//! warm-up steps), with the number of threads rnnwf uses by default (all cores).

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{StepTimings, Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let samples = 1024;
    println!(
        "threads: {}, elementwise kernels: {}",
        rnnwf::num_threads(),
        rnnwf::simd_level_name()
    );
    println!(
        "{:>4} {:>6} {:>7} {:>6} | {:>9} {:>9} {:>9} {:>9} | {:>9}",
        "N", "hidden", "params", "opt", "sampling", "E_loc", "gradient", "update", "step [s]"
    );
    for (sites, hidden, steps) in [(20u32, 32u32, 7usize), (100, 64, 5)] {
        let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).unwrap();
        for optimizer in [Optimizer::Adam, Optimizer::MinSr] {
            let mut model = Model::new(
                ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(sites)
                    .with_hidden(hidden)
                    .with_seed(1),
            )
            .unwrap();
            let mut vmc = Vmc::new(
                VmcConfig::default()
                    .with_optimizer(optimizer)
                    .with_n_samples(samples)
                    .with_learning_rate(1e-3)
                    .with_sr_diag_shift(1e-3),
            )
            .unwrap();
            vmc.step(&mut model, &h).unwrap(); // warm-up
            let runs: Vec<(StepTimings, f64)> = (0..steps)
                .map(|_| {
                    let s = vmc.step(&mut model, &h).unwrap();
                    (s.timings, s.seconds)
                })
                .collect();
            let part = |f: fn(&StepTimings) -> f64| median(runs.iter().map(|r| f(&r.0)).collect());
            println!(
                "{sites:>4} {hidden:>6} {:>7} {:>6} | {:>9.4} {:>9.4} {:>9.4} {:>9.4} | {:>9.4}",
                model.num_params(),
                format!("{optimizer:?}"),
                part(|t| t.sampling),
                part(|t| t.local_energies),
                part(|t| t.gradient),
                part(|t| t.update),
                median(runs.iter().map(|r| r.1).collect())
            );
        }
    }
}
