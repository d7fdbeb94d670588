//! Minor page faults and seconds per VMC step: how much memory a step maps afresh.
//!
//! `cargo bench --bench page_faults [-- THREADS [STEPS]]` (default 1 thread, 5 timed steps
//! after one warm-up step). For each case it prints the faults and seconds of a whole step
//! (`Vmc::step`), then of the model calls a step makes alone (sampling, local energies and
//! the gradient: `log_psi_grad` for minSR, `log_psi_vjp` for Adam), so that the difference
//! is what the driver and optimiser add. Faults are the process's minor faults
//! (`/proc/self/stat` field 10), counted over all its threads. Linux only.

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{local_energies, CellKind, Complex64, Hamiltonian, Model, ModelConfig, SignRule};
use std::time::Instant;

/// The process's minor page faults so far.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat (Linux)");
    // Fields after the command name, which is in parentheses and may hold spaces: the
    // first of them is field 3 (state), so field 10 (minflt) is the 8th.
    let rest = &stat[stat.rfind(')').expect("a command name") + 2..];
    rest.split_whitespace().nth(7).unwrap().parse().unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median faults and seconds of `steps` runs of `f`, after one warm-up run.
fn per_run(steps: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let (mut faults, mut seconds) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let (f0, t0) = (minor_faults(), Instant::now());
        f();
        seconds.push(t0.elapsed().as_secs_f64());
        faults.push((minor_faults() - f0) as f64);
    }
    (median(faults), median(seconds))
}

struct Case {
    name: &'static str,
    h: Hamiltonian,
    model: ModelConfig,
    optimizer: Optimizer,
    samples: u64,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let threads: usize = args.first().map_or(1, |a| a.parse().expect("THREADS"));
    let steps: usize = args.get(1).map_or(5, |a| a.parse().expect("STEPS"));
    // `let _`: the count is checked by rnnwf (an error leaves the previous count).
    let _ = rnnwf::set_num_threads(threads);
    println!("threads: {}, timed steps: {steps}", rnnwf::num_threads());
    let cases = [
        Case {
            name: "6x6 Heisenberg, GRU 32, Marshall, U(1) 18, minSR, 512 samples",
            h: Hamiltonian::heisenberg(6, 6, false, 1.0, 0.0).unwrap(),
            model: ModelConfig::default()
                .with_cell(CellKind::Gru)
                .with_lx(6)
                .with_ly(6)
                .with_hidden(32)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(18))
                .with_seed(1),
            optimizer: Optimizer::MinSr,
            samples: 512,
        },
        Case {
            name: "N = 100 Ising chain, GRU 64, Adam, 1024 samples",
            h: Hamiltonian::tfim(100, 1, false, 1.0, 1.0).unwrap(),
            model: ModelConfig::default()
                .with_cell(CellKind::Gru)
                .with_lx(100)
                .with_hidden(64)
                .with_seed(1),
            optimizer: Optimizer::Adam,
            samples: 1024,
        },
    ];
    println!(
        "{:<64} {:>6} | {:>12} {:>10} | {:>12} {:>10}",
        "case", "params", "step faults", "step [s]", "calls faults", "calls [s]"
    );
    for case in cases {
        let mut model = Model::new(case.model.clone()).unwrap();
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(case.optimizer)
                .with_n_samples(case.samples)
                .with_learning_rate(1e-3)
                .with_sr_diag_shift(1e-3),
        )
        .unwrap();
        let (step_faults, step_seconds) = per_run(steps, || {
            vmc.step(&mut model, &case.h).unwrap();
        });

        let n = case.samples as usize;
        let (sites, np) = (model.num_sites(), model.num_params());
        let mut configs = vec![0u8; n * sites];
        let mut log_psi = vec![Complex64::new(0.0, 0.0); n];
        let mut e_loc = vec![Complex64::new(0.0, 0.0); n];
        let mut grads = vec![Complex64::new(0.0, 0.0); n * np];
        let (re, im) = (vec![1.0 / n as f64; n], vec![0.0; n]);
        let mut grad = vec![0.0; np];
        let mut seed = 0;
        let (call_faults, call_seconds) = per_run(steps, || {
            seed += 1;
            model
                .sample(seed, n, &mut configs, Some(&mut log_psi))
                .unwrap();
            local_energies(&model, &case.h, &configs, &mut e_loc).unwrap();
            match case.optimizer {
                Optimizer::MinSr => model.log_psi_grad(&configs, &mut grads).unwrap(),
                _ => model.log_psi_vjp(&configs, &re, &im, &mut grad).unwrap(),
            }
        });
        println!(
            "{:<64} {np:>6} | {step_faults:>12.0} {step_seconds:>10.4} | {call_faults:>12.0} {call_seconds:>10.4}",
            case.name
        );
    }
}
