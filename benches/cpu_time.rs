//! One call repeated, and the process's CPU time per call: the figure to compare two builds
//! by on a loaded machine, in alternation (docs/performance.md).
//!
//! `cargo bench --bench cpu_time -- CALL SITES HIDDEN PRECISION CALLS THREADS [BATCH]`,
//! CALL one of `sample`, `logpsi`, `eloc` (local energies of the open transverse-field Ising
//! chain, J = h = 1), PRECISION `f64` or `f32`, BATCH 1024 unless given: the GRU chain's call
//! `CALLS` times after one warm-up sample. Prints the CPU seconds per call (all threads,
//! `common::cpu_seconds`, Linux's process CPU clock).

mod common;

use common::cpu_seconds;
use rnnwf::{CellKind, Complex64, Hamiltonian, Model, ModelConfig, Precision};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let usage = "CALL SITES HIDDEN PRECISION CALLS THREADS [BATCH]";
    assert!(args.len() >= 6, "arguments: {usage}");
    let number = |i: usize| -> usize { args[i].parse().expect(usage) };
    let (call, sites, hidden, calls, threads) =
        (args[0].as_str(), number(1), number(2), number(4), number(5));
    let precision = match args[3].as_str() {
        "f64" => Precision::F64,
        "f32" => Precision::F32,
        other => panic!("precision {other}: f64 or f32"),
    };
    let batch = if args.len() > 6 { number(6) } else { 1024 };
    rnnwf::set_num_threads(threads).unwrap();
    let model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(sites as u32)
            .with_hidden(hidden as u32)
            .with_precision(precision)
            .with_seed(1),
    )
    .unwrap();
    let chain = Hamiltonian::tfim(sites as u32, 1, false, 1.0, 1.0).unwrap();
    let mut configs = vec![0u8; batch * sites];
    let mut log_psi = vec![Complex64::new(0.0, 0.0); batch];
    let mut energies = vec![Complex64::new(0.0, 0.0); batch];
    model
        .sample(0, batch, &mut configs, Some(&mut log_psi))
        .unwrap();
    let start = cpu_seconds();
    for seed in 1..=calls as u64 {
        match call {
            "sample" => model.sample(seed, batch, &mut configs, Some(&mut log_psi)),
            "logpsi" => model.log_psi(&configs, &mut log_psi),
            "eloc" => rnnwf::local_energies(&model, &chain, &configs, &mut energies),
            other => panic!("call {other}: sample, logpsi or eloc"),
        }
        .unwrap();
    }
    println!("{:.6}", (cpu_seconds() - start) / calls as f64);
}
