//! Minor page faults per VMC step (what a step's fresh allocations cost the kernel), for the
//! two configurations of the buffer-reuse work:
//! - `heisenberg`: 6x6 open Heisenberg (J1 = 1, J2 = 0), 2D GRU hidden 32, Marshall sign,
//!   U(1) total 18, minSR, 512 samples;
//! - `ising`: the N = 100 open Ising chain (J = h = 1), GRU hidden 64, Adam, 1024 samples.
//!
//! `cargo bench --bench page_faults [-- heisenberg|ising] [STEPS]`, on 1 thread. Counts come
//! from /proc/self/stat (field 10, minflt, the same as getrusage's ru_minflt for this
//! process), taken around each of STEPS (default 6) steps after 2 warm-up steps; the line
//! ends with a hash of the final parameters, so two builds can be checked for identical
//! results.

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, SignRule};
use std::time::Instant;

/// Minor page faults of this process so far.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after = &stat[stat.rfind(')').expect("field 2 ends in ')'") + 2..];
    // Fields from 3 on; minflt is field 10.
    after
        .split_whitespace()
        .nth(10 - 3)
        .and_then(|f| f.parse().ok())
        .expect("minflt")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// FNV-1a over the parameters' bits.
fn params_hash(model: &Model) -> u64 {
    model.params().iter().fold(0xcbf29ce484222325u64, |h, p| {
        p.to_bits()
            .to_le_bytes()
            .iter()
            .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
    })
}

fn measure(name: &str, mut model: Model, h: Hamiltonian, config: VmcConfig, steps: usize) {
    let mut vmc = Vmc::new(config).unwrap();
    for _ in 0..2 {
        vmc.step(&mut model, &h).unwrap();
    }
    let (mut faults, mut seconds) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let (f0, t0) = (minor_faults(), Instant::now());
        vmc.step(&mut model, &h).unwrap();
        seconds.push(t0.elapsed().as_secs_f64());
        faults.push((minor_faults() - f0) as f64);
    }
    println!(
        "{name}: {} parameters, minor faults per step median {:.0} (min {:.0}, max {:.0}), \
         {:.3} s per step, params hash {:016x}",
        model.num_params(),
        median(faults.clone()),
        faults.iter().copied().fold(f64::INFINITY, f64::min),
        faults.iter().copied().fold(0.0, f64::max),
        median(seconds),
        params_hash(&model)
    );
}

fn heisenberg(steps: usize) {
    let model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(6)
            .with_ly(6)
            .with_hidden(32)
            .with_sign_rule(SignRule::Marshall)
            .with_u1_total(Some(18))
            .with_seed(1),
    )
    .unwrap();
    let h = Hamiltonian::heisenberg(6, 6, false, 1.0, 0.0).unwrap();
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::MinSr)
        .with_n_samples(512)
        .with_learning_rate(0.02)
        .with_sr_diag_shift(1e-3)
        .with_seed(2);
    measure("heisenberg 6x6 minSR 512", model, h, config, steps);
}

fn ising(steps: usize) {
    let model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(100)
            .with_hidden(64)
            .with_seed(1),
    )
    .unwrap();
    let h = Hamiltonian::tfim(100, 1, false, 1.0, 1.0).unwrap();
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::Adam)
        .with_n_samples(1024)
        .with_learning_rate(1e-3)
        .with_seed(2);
    measure("ising N=100 Adam 1024", model, h, config, steps);
}

fn main() {
    rnnwf::set_num_threads(1);
    // `cargo bench` passes --bench; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let which = args.iter().find(|a| a.parse::<usize>().is_err());
    let steps = args.iter().find_map(|a| a.parse().ok()).unwrap_or(6);
    match which.map(String::as_str) {
        None => {
            heisenberg(steps);
            ising(steps);
        }
        Some("heisenberg") => heisenberg(steps),
        Some("ising") => ising(steps),
        Some(other) => {
            eprintln!("unknown case {other}: use heisenberg or ising");
            std::process::exit(2);
        }
    }
}
