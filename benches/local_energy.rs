//! Local energies per second with prefix reuse and with full re-evaluation of every
//! connected configuration, measured in the same run (DESIGN.md §4).
//!
//! `cargo bench --bench local_energy`; RNNWF_BENCH_REPEATS sets the repeats (default 5),
//! of which the median is reported.

use rnnwf::{
    local_energies, local_energies_naive, num_threads, simd_level_name, CellKind, Complex64,
    Hamiltonian, Model, ModelConfig,
};
use std::time::Instant;

const SAMPLES: usize = 1024;
const LAYERS: u32 = 1;

type LocalEnergies = fn(&Model, &Hamiltonian, &[u8], &mut [Complex64]) -> rnnwf::Result<()>;

/// Median wall time of `repeats` calls, in seconds.
fn median_seconds(repeats: usize, mut run: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
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
            let model = Model::new(ModelConfig {
                cell: CellKind::Gru,
                lx: sites,
                hidden,
                layers: LAYERS,
                seed: 1,
                ..ModelConfig::default()
            })
            .expect("a valid model");
            let mut configs = vec![0u8; SAMPLES * sites as usize];
            model
                .sample(7, SAMPLES, &mut configs, None)
                .expect("sampling");
            let mut out = vec![Complex64::new(0.0, 0.0); SAMPLES];
            let mut time = |f: LocalEnergies| {
                median_seconds(repeats, || {
                    f(&model, &h, &configs, &mut out).expect("local energies")
                })
            };
            let prefix = time(local_energies);
            let naive = time(local_energies_naive);
            println!(
                "{:<11} {:>4} {:>6} {:>15.0} {:>15.0} {:>6.2}x",
                name,
                sites,
                hidden,
                SAMPLES as f64 / prefix,
                SAMPLES as f64 / naive,
                naive / prefix
            );
        }
    }
}
