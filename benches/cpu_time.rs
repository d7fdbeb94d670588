//! One call repeated, and the process's CPU time per call: the figure to compare two builds
//! by on a loaded machine, in alternation (docs/performance.md).
//!
//! `cargo bench --bench cpu_time -- CALL SITES HIDDEN PRECISION CALLS THREADS [BATCH]`,
//! CALL one of `sample`, `logpsi`, `eloc` (local energies of the open transverse-field Ising
//! chain, J = h = 1), PRECISION `f64` or `f32`, BATCH 1024 unless given: the GRU chain's call
//! `CALLS` times after one warm-up sample. Prints the CPU seconds per call (all threads,
//! `common::cpu_seconds`, Linux's process CPU clock).
//!
//! CALL `minsr2d` or `spring2d` times a step of the README's 2D recipe on a SITES x SITES
//! grid instead (open Heisenberg, 2D GRU, Marshall and S^z = 0, the D4 images; minSR, or
//! SPRING with momentum 0.5; BATCH 512 unless given), after one warm-up step; `eloc2d` the
//! local energies alone of that model at its own samples.

mod common;

use common::cpu_seconds;
use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{Vmc, VmcConfig};
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
    rnnwf::set_num_threads(threads).unwrap();
    if call.ends_with("2d") {
        let batch = if args.len() > 6 { number(6) } else { 512 };
        let seconds = grid_recipe(call, sites as u32, hidden as u32, precision, calls, batch);
        println!("{seconds:.6}");
        return;
    }
    let batch = if args.len() > 6 { number(6) } else { 1024 };
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

/// CPU seconds per call of the 2D recipe's step (`minsr2d`, `spring2d`) or of its local
/// energies (`eloc2d`) on an `l x l` grid.
fn grid_recipe(
    call: &str,
    l: u32,
    hidden: u32,
    precision: Precision,
    calls: usize,
    batch: usize,
) -> f64 {
    let h = Hamiltonian::heisenberg(l, l, false, 1.0, 0.0).unwrap();
    let mut model = common::recipe_model(l, hidden, precision);
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::MinSr)
        .with_n_samples(batch as u64)
        .with_learning_rate(0.01)
        .with_sr_diag_shift(1e-3)
        .with_seed(3);
    let config = match call {
        "spring2d" => config
            .with_preconditioner(Preconditioner::Spring)
            .with_sr_momentum(0.5),
        "minsr2d" | "eloc2d" => config,
        other => panic!("call {other}: minsr2d, spring2d or eloc2d"),
    };
    let mut vmc = Vmc::new(config).unwrap();
    vmc.step(&mut model, &h).unwrap();
    if call == "eloc2d" {
        let sites = (l * l) as usize;
        let mut configs = vec![0u8; batch * sites];
        let mut energies = vec![Complex64::new(0.0, 0.0); batch];
        model.sample(0, batch, &mut configs, None).unwrap();
        let start = cpu_seconds();
        for _ in 0..calls {
            rnnwf::local_energies(&model, &h, &configs, &mut energies).unwrap();
        }
        return (cpu_seconds() - start) / calls as f64;
    }
    let start = cpu_seconds();
    for _ in 0..calls {
        vmc.step(&mut model, &h).unwrap();
    }
    (cpu_seconds() - start) / calls as f64
}
