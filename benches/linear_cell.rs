//! The linear gated cell against the GRU at equal hidden size (issue 15): local-energy time
//! per sample on open Ising chains of 20, 100, 400 and 1000 sites, then the whole VMC step
//! (Ising chain, 100 sites, 1024 samples, Adam). Both cells are measured in the same run,
//! interleaved, so that a change in machine load hits both alike; ratios are medians of the
//! per-repeat ratios.
//!
//! `cargo bench --bench linear_cell`; RNNWF_BENCH_REPEATS sets the repeats (default 3),
//! RNNWF_BENCH_HIDDEN the hidden size (default 64), RNNWF_BENCH_SITES=100 runs only the
//! local energies at that length (and no step). RNNWF_BENCH_TRAIN_STEPS=K first trains each
//! linear model K Adam steps on its chain (512 samples, learning rate 3e-3): its walks stop
//! once a flip's trace has died out, so its cost depends on the gates training leaves (the
//! GRU's does not). RNNWF_BENCH_LONG_CHAIN=N times only the linear cell on an N-site chain
//! (one sample; `RNNWF_BENCH_LONG_CHAIN=1048576 RNNWF_BENCH_HIDDEN=32`: about 12 s and
//! 2.4 GB on one thread).

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{
    local_energies, num_threads, simd_level_name, CellKind, Complex64, Hamiltonian, Model,
    ModelConfig,
};
use std::time::Instant;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn model(cell: CellKind, sites: u32, hidden: u32) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(sites)
            .with_hidden(hidden)
            .with_seed(1),
    )
    .expect("a valid model")
}

/// Seconds per sample of the local energies of `samples` samples of `m`.
fn local_energy_seconds(m: &Model, h: &Hamiltonian, samples: usize) -> f64 {
    let mut configs = vec![0u8; samples * m.num_sites()];
    m.sample(7, samples, &mut configs, None).expect("sampling");
    let mut out = vec![Complex64::new(0.0, 0.0); samples];
    let start = Instant::now();
    local_energies(m, h, &configs, &mut out).expect("local energies");
    start.elapsed().as_secs_f64() / samples as f64
}

/// `m` after `steps` Adam steps on `h` (512 samples, learning rate 3e-3).
fn trained(mut m: Model, h: &Hamiltonian, steps: usize) -> Model {
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::Adam)
        .with_n_samples(512)
        .with_learning_rate(3e-3);
    let mut vmc = Vmc::new(config).expect("a valid driver");
    for _ in 0..steps {
        vmc.step(&mut m, h).expect("a training step");
    }
    m
}

/// RNNWF_BENCH_LONG_CHAIN=N: the linear cell's local energies of one sample on an N-site
/// open Ising chain, timed once (no GRU: its cost grows like N^2), with the hidden size of
/// RNNWF_BENCH_HIDDEN.
fn long_chain(sites: u32, hidden: u32) {
    let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).expect("a valid operator");
    let m = model(CellKind::LinearGated, sites, hidden);
    let seconds = local_energy_seconds(&m, &h, 1);
    println!(
        "linear gated, hidden {hidden}, {} threads: local energies of one sample on {sites} sites: {seconds:.2} s",
        num_threads()
    );
}

fn main() {
    if let Some(sites) = std::env::var("RNNWF_BENCH_LONG_CHAIN")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return long_chain(sites, env_or("RNNWF_BENCH_HIDDEN", 64u32));
    }
    let repeats = env_or("RNNWF_BENCH_REPEATS", 3usize).max(1);
    let hidden = env_or("RNNWF_BENCH_HIDDEN", 64u32);
    let train_steps = env_or("RNNWF_BENCH_TRAIN_STEPS", 0usize);
    let only: Option<u32> = std::env::var("RNNWF_BENCH_SITES")
        .ok()
        .and_then(|s| s.parse().ok());
    println!(
        "linear gated vs GRU, hidden {hidden}, 1 layer, {} threads, {} kernels, median of {repeats}",
        num_threads(),
        simd_level_name()
    );
    if train_steps > 0 {
        println!("the linear models trained {train_steps} Adam steps first");
    }
    println!(
        "{:>5} {:>8} {:>14} {:>14} {:>8}",
        "N", "samples", "GRU s/sample", "linear s/sample", "ratio"
    );
    // Fewer samples on long chains, where the GRU's local energies grow like N^2.
    for (sites, samples) in [(20u32, 1024usize), (100, 1024), (400, 256), (1000, 64)] {
        if only.is_some_and(|n| n != sites) {
            continue;
        }
        let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).expect("a valid operator");
        let (gru, linear) = (
            model(CellKind::Gru, sites, hidden),
            trained(model(CellKind::LinearGated, sites, hidden), &h, train_steps),
        );
        let (mut g, mut l, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..repeats {
            g.push(local_energy_seconds(&gru, &h, samples));
            l.push(local_energy_seconds(&linear, &h, samples));
            ratios.push(g[g.len() - 1] / l[l.len() - 1]);
        }
        println!(
            "{sites:>5} {samples:>8} {:>14.3e} {:>15.3e} {:>7.1}x",
            median(g),
            median(l),
            median(ratios)
        );
    }

    if only.is_some() {
        return;
    }
    let sites = 100;
    let h = Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).expect("a valid operator");
    println!("\nVMC step, Ising chain N = {sites}, 1024 samples, Adam (seconds)");
    println!(
        "{:<7} {:>9} {:>9} {:>9} {:>9}",
        "cell", "sampling", "E_loc", "gradient", "step"
    );
    let mut runs = Vec::new();
    for cell in [CellKind::Gru, CellKind::LinearGated] {
        let vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(Optimizer::Adam)
                .with_n_samples(1024)
                .with_learning_rate(1e-3),
        )
        .expect("a valid driver");
        let mut m = model(cell, sites, hidden);
        if cell == CellKind::LinearGated {
            m = trained(m, &h, train_steps);
        }
        let mut v = vmc;
        v.step(&mut m, &h).expect("a warm-up step");
        runs.push((cell, m, v, Vec::new()));
    }
    for _ in 0..repeats {
        for (_, m, v, stats) in runs.iter_mut() {
            stats.push(v.step(m, &h).expect("a step"));
        }
    }
    let mut steps = Vec::new();
    for (cell, _, _, stats) in &runs {
        let part = |f: &dyn Fn(&rnnwf::vmc::VmcStats) -> f64| median(stats.iter().map(f).collect());
        let step = part(&|s| s.seconds);
        println!(
            "{:<7} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
            if *cell == CellKind::Gru {
                "GRU"
            } else {
                "linear"
            },
            part(&|s| s.timings.sampling),
            part(&|s| s.timings.local_energies),
            part(&|s| s.timings.gradient),
            step
        );
        steps.push(step);
    }
    println!("step ratio GRU / linear: {:.1}x", steps[0] / steps[1]);
}
