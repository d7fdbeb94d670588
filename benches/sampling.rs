//! Sampling and log psi throughput of the GRU against the matrix-product ceiling.
//!
//! `cargo bench --bench sampling`. For each shape: samples per second, the GFLOP/s of the
//! products the pass needs (2*m*k*n each: the hidden product at every site but the first,
//! the amplitude head at every site), and that rate over what matrixmultiply reaches on the
//! pass's dominant product, [256 x hidden] * [hidden x 3*hidden], in the same run and with
//! the same number of threads.

mod common;
use common::{gemm_ceiling_gflops, median_seconds};
use rnnwf::{CellKind, Complex64, Model, ModelConfig, CHUNK_ROWS};

fn main() {
    let batch = 1024;
    println!("elementwise kernels: {}", rnnwf::simd_level_name());
    println!(
        "{:>6} {:>4} {:>7} {:>8} {:>12} {:>8} {:>9} {:>6}",
        "hidden", "N", "threads", "call", "samples/s", "GFLOP/s", "ceiling", "ratio"
    );
    for hidden in [32usize, 64] {
        for sites in [20usize, 100] {
            let model = Model::new(ModelConfig {
                cell: CellKind::Gru,
                lx: sites as u32,
                hidden: hidden as u32,
                seed: 1,
                ..ModelConfig::default()
            })
            .unwrap();
            let flops_per_sample =
                2.0 * ((sites - 1) * hidden * 3 * hidden + sites * hidden * 2) as f64;
            let mut configs = vec![0u8; batch * sites];
            let mut log_psi = vec![Complex64::new(0.0, 0.0); batch];
            for threads in [1usize, 2] {
                rnnwf::set_num_threads(threads);
                let ceiling = gemm_ceiling_gflops(CHUNK_ROWS, hidden, 3 * hidden, threads);
                let mut seed = 0;
                let sample = median_seconds(7, || {
                    seed += 1;
                    model
                        .sample(seed, batch, &mut configs, Some(&mut log_psi))
                        .unwrap();
                });
                let evaluate = median_seconds(7, || {
                    model.log_psi(&configs, &mut log_psi).unwrap();
                });
                for (call, seconds) in [("sample", sample), ("log_psi", evaluate)] {
                    let gflops = batch as f64 * flops_per_sample / seconds / 1e9;
                    println!(
                        "{hidden:>6} {sites:>4} {threads:>7} {call:>8} {:>12.0} {gflops:>8.2} {ceiling:>9.2} {:>5.0}%",
                        batch as f64 / seconds,
                        100.0 * gflops / ceiling
                    );
                }
            }
        }
    }
}
