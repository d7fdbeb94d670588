//! Sampling and log psi throughput of the GRU against the matrix-product ceiling.
//!
//! `cargo bench --bench sampling`. For each shape: samples per second, the GFLOP/s of the
//! products the pass needs (2*m*k*n each: the hidden product at every site but the first,
//! the amplitude head at every site), and that rate over what matrixmultiply reaches on the
//! pass's dominant product, [256 x hidden] * [hidden x 3*hidden], with the same number of
//! threads. The machine is shared, so each repeat measures the ceiling right before the
//! engine and the table reports medians of those paired ratios.

mod common;
use common::{median, seconds, GemmCeiling};
use rnnwf::{CellKind, Complex64, Model, ModelConfig, CHUNK_ROWS};

const REPEATS: usize = 9;

fn main() {
    let batch = 1024;
    println!(
        "elementwise kernels: {}, median of {REPEATS} paired repeats",
        rnnwf::simd_level_name()
    );
    println!(
        "{:>6} {:>4} {:>7} {:>8} {:>12} {:>8} {:>9} {:>6}",
        "hidden", "N", "threads", "call", "samples/s", "GFLOP/s", "ceiling", "ratio"
    );
    for hidden in [32usize, 64] {
        for sites in [20usize, 100] {
            let model = Model::new(
                ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(sites as u32)
                    .with_hidden(hidden as u32)
                    .with_seed(1),
            )
            .unwrap();
            let flops = batch as f64
                * 2.0
                * ((sites - 1) * hidden * 3 * hidden + sites * hidden * 2) as f64;
            let ceiling = GemmCeiling::new(CHUNK_ROWS, hidden, 3 * hidden);
            let mut configs = vec![0u8; batch * sites];
            let mut log_psi = vec![Complex64::new(0.0, 0.0); batch];
            for threads in [1usize, 2] {
                rnnwf::set_num_threads(threads).unwrap();
                model
                    .sample(0, batch, &mut configs, Some(&mut log_psi))
                    .unwrap(); // warm-up
                let mut rows: [Vec<(f64, f64, f64)>; 2] = [Vec::new(), Vec::new()];
                for seed in 0..REPEATS as u64 {
                    let c = ceiling.measure(threads);
                    let t = seconds(|| {
                        model
                            .sample(seed, batch, &mut configs, Some(&mut log_psi))
                            .unwrap()
                    });
                    rows[0].push((t, c, flops / t / 1e9 / c));
                    let c = ceiling.measure(threads);
                    let t = seconds(|| model.log_psi(&configs, &mut log_psi).unwrap());
                    rows[1].push((t, c, flops / t / 1e9 / c));
                }
                for (call, r) in ["sample", "log_psi"].iter().zip(&rows) {
                    let t = median(r.iter().map(|x| x.0).collect());
                    let c = median(r.iter().map(|x| x.1).collect());
                    let ratio = median(r.iter().map(|x| x.2).collect());
                    println!(
                        "{hidden:>6} {sites:>4} {threads:>7} {call:>8} {:>12.0} {:>8.2} {c:>9.2} {:>5.0}%",
                        batch as f64 / t,
                        flops / t / 1e9,
                        100.0 * ratio
                    );
                }
            }
        }
    }
}
