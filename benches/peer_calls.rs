//! The calls that the JAX and NetKet peers (`benches/jax/vmc_step.py`,
//! `benches/jax/netket_vmc_step.py`) time, in rnnwf, printed in the same format: sampling
//! 1024 samples of the GRU chain (1 layer, local_dim 2, model seed 1), an Adam step and a
//! minSR step (lr 1e-3, shift 1e-3, 1024 samples) on the open Ising chain at J = h = 1.
//!
//! `cargo bench --bench peer_calls -- --sites 20 --hidden 32 --threads 1`, with
//! `--precision f32`, `--repeats 5` and `--calls sample,adam,minsr` as options. Each call runs
//! once untimed, then `--repeats` times; printed are the medians of the process's CPU
//! seconds (all its threads) and of wall seconds for one call. For one core, run it under
//! `taskset -c 0` with `--threads 1`. docs/performance.md compares the three.

mod common;
use clap::Parser;
use common::cpu_and_wall;
use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Complex64, Hamiltonian, Model, ModelConfig, Precision};

const SAMPLES: usize = 1024;

#[derive(Parser)]
struct Options {
    #[arg(long, default_value_t = 20)]
    sites: u32,
    #[arg(long, default_value_t = 32)]
    hidden: u32,
    /// rnnwf's threads (0: all cores).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// f64 or f32 passes.
    #[arg(long, default_value = "f64")]
    precision: String,
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// A comma-separated subset of sample, adam, minsr.
    #[arg(long, default_value = "sample,adam,minsr")]
    calls: String,
    /// cargo bench passes this to every bench.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let opts = Options::parse();
    let precision = match opts.precision.as_str() {
        "f64" => Precision::F64,
        "f32" => Precision::F32,
        other => panic!("--precision {other}: f64 or f32"),
    };
    rnnwf::set_num_threads(opts.threads).unwrap();
    let config = ModelConfig::default()
        .with_cell(CellKind::Gru)
        .with_lx(opts.sites)
        .with_hidden(opts.hidden)
        .with_precision(precision)
        .with_seed(1);
    let h = Hamiltonian::tfim(opts.sites, 1, false, 1.0, 1.0).unwrap();
    println!(
        "# rnnwf {} {} N={} hidden={} samples={SAMPLES} repeats={} threads={}",
        env!("CARGO_PKG_VERSION"),
        opts.precision,
        opts.sites,
        opts.hidden,
        opts.repeats,
        rnnwf::num_threads()
    );
    for call in opts.calls.split(',') {
        let mut model = Model::new(config.clone()).unwrap();
        let (cpu, wall) = match call {
            "sample" => {
                let mut configs = vec![0u8; SAMPLES * opts.sites as usize];
                let mut log_psi = vec![Complex64::new(0.0, 0.0); SAMPLES];
                let mut seed = 0;
                cpu_and_wall(opts.repeats, || {
                    seed += 1;
                    model
                        .sample(seed, SAMPLES, &mut configs, Some(&mut log_psi))
                        .unwrap();
                })
            }
            "adam" | "minsr" => {
                let optimizer = if call == "adam" {
                    Optimizer::Adam
                } else {
                    Optimizer::MinSr
                };
                let mut vmc = Vmc::new(
                    VmcConfig::default()
                        .with_optimizer(optimizer)
                        .with_n_samples(SAMPLES as u64)
                        .with_learning_rate(1e-3)
                        .with_sr_diag_shift(1e-3),
                )
                .unwrap();
                cpu_and_wall(opts.repeats, || {
                    vmc.step(&mut model, &h).unwrap();
                })
            }
            other => panic!("--calls {other}: sample, adam or minsr"),
        };
        println!("{call} cpu {cpu:.6} wall {wall:.6}");
    }
}
