//! Local energies per second with prefix reuse and with full re-evaluation of every
//! connected configuration, measured in the same run (docs/architecture.md, step 2).
//!
//! `cargo bench --bench local_energy`; RNNWF_BENCH_REPEATS sets the repeats (default 5),
//! of which the medians are reported.

use rnnwf::{
    local_energies, local_energies_naive, num_threads, simd_level_name, CellKind, Complex64,
    Hamiltonian, Model, ModelConfig,
};
use std::time::Instant;

const SAMPLES: usize = 1024;
const LAYERS: u32 = 1;

type LocalEnergies = fn(&Model, &Hamiltonian, &[u8], &mut [Complex64]) -> rnnwf::Result<()>;

fn seconds(run: impl FnOnce()) -> f64 {
    let start = Instant::now();
    run();
    start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let repeats: usize = std::env::var("RNNWF_BENCH_REPEATS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    println!(
        "local energies: GRU, {LAYERS} layer, {SAMPLES} samples, {} threads, {} kernels, median of {repeats}",
        num_threads(),
        simd_level_name()
    );
    println!(
        "{:<11} {:>4} {:>6} {:>15} {:>15} {:>7}",
        "model", "N", "hidden", "prefix E_loc/s", "naive E_loc/s", "ratio"
    );
    for (name, sites) in [
        ("ising", 20u32),
        ("heisenberg", 20),
        ("ising", 100),
        ("heisenberg", 100),
    ] {
        let h = match name {
            "ising" => Hamiltonian::tfim(sites, 1, false, 1.0, 1.0),
            _ => Hamiltonian::heisenberg(sites, 1, false, 1.0, 0.0),
        }
        .expect("a valid operator");
        for hidden in [32u32, 64] {
            let model = Model::new(
                ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(sites)
                    .with_hidden(hidden)
                    .with_layers(LAYERS)
                    .with_seed(1),
            )
            .expect("a valid model");
            let mut configs = vec![0u8; SAMPLES * sites as usize];
            model
                .sample(7, SAMPLES, &mut configs, None)
                .expect("sampling");
            let mut out = vec![Complex64::new(0.0, 0.0); SAMPLES];
            // Interleaved, so that a change in machine load hits both paths alike; the
            // ratio is the median of the per-repeat ratios.
            let mut run = |f: LocalEnergies| {
                seconds(|| f(&model, &h, &configs, &mut out).expect("local energies"))
            };
            let (mut prefix, mut naive, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..repeats {
                prefix.push(run(local_energies));
                naive.push(run(local_energies_naive));
                ratios.push(naive[naive.len() - 1] / prefix[prefix.len() - 1]);
            }
            let (prefix, naive, ratio) = (median(prefix), median(naive), median(ratios));
            println!(
                "{:<11} {:>4} {:>6} {:>15.0} {:>15.0} {:>6.2}x",
                name,
                sites,
                hidden,
                SAMPLES as f64 / prefix,
                SAMPLES as f64 / naive,
                ratio
            );
        }
    }
}
