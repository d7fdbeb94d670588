//! Seconds per call on small batches, where what a call costs besides its arithmetic
//! (starting threads, allocating workspaces) shows.
//!
//! `cargo bench --bench small_batches [-- N]`. For n = 64 (or N) samples of the N = 20 GRU chain (hidden
//! 32) and of the 6x6 GRU grid (hidden 32, U(1) total 18): sampling, log psi, local energies
//! (Ising chain, Heisenberg grid) and per-sample gradients, at 1 and 2 threads; medians
//! over repeated calls.

use rnnwf::{local_energies, CellKind, Complex64, Hamiltonian, Model, ModelConfig};
use std::time::Instant;

const CALLS: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median microseconds of `CALLS` calls of `f`, after a few warm-up calls.
fn micros(mut f: impl FnMut()) -> f64 {
    for _ in 0..5 {
        f();
    }
    median(
        (0..CALLS)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect(),
    )
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .map_or(64, |a| a.parse().expect("N"));
    println!("median microseconds per call, n = {n}, {CALLS} calls");
    println!(
        "{:<10} {:>7} | {:>9} {:>9} {:>9} {:>9}",
        "model", "threads", "sample", "log_psi", "E_loc", "grad"
    );
    let cases = [
        (
            "chain 20",
            ModelConfig::default()
                .with_cell(CellKind::Gru)
                .with_lx(20)
                .with_hidden(32)
                .with_seed(1),
            Hamiltonian::tfim(20, 1, false, 1.0, 1.0).unwrap(),
        ),
        (
            "grid 6x6",
            ModelConfig::default()
                .with_cell(CellKind::Gru)
                .with_lx(6)
                .with_ly(6)
                .with_hidden(32)
                .with_u1_total(Some(18))
                .with_seed(1),
            Hamiltonian::heisenberg(6, 6, false, 1.0, 0.0).unwrap(),
        ),
    ];
    for (name, config, h) in cases {
        let model = Model::new(config).unwrap();
        let (sites, np) = (model.num_sites(), model.num_params());
        let mut configs = vec![0u8; n * sites];
        let mut log_psi = vec![Complex64::new(0.0, 0.0); n];
        let mut e_loc = vec![Complex64::new(0.0, 0.0); n];
        let mut grads = vec![Complex64::new(0.0, 0.0); n * np];
        for threads in [1, 2] {
            // `let _`: the count is checked by rnnwf (an error leaves the previous count).
            let _ = rnnwf::set_num_threads(threads);
            let mut seed = 0;
            let sample = micros(|| {
                seed += 1;
                model.sample(seed, n, &mut configs, None).unwrap();
            });
            let psi = micros(|| model.log_psi(&configs, &mut log_psi).unwrap());
            let energies = micros(|| local_energies(&model, &h, &configs, &mut e_loc).unwrap());
            let grad = micros(|| model.log_psi_grad(&configs, &mut grads).unwrap());
            println!(
                "{name:<10} {threads:>7} | {sample:>9.0} {psi:>9.0} {energies:>9.0} {grad:>9.0}"
            );
        }
    }
}
