//! The training acceptance runs of the training issue, with wall times: the open Ising chain
//! (N = 20, h = 1), the open Heisenberg chain (N = 20, Marshall, zero magnetisation) and the
//! open J1-J2 chain (N = 20, J2 = 0.2, phase head, zero magnetisation), each with Adam and
//! with minSR, against exact energies (free fermions; Lanczos).
//!
//!     cargo run --release --example acceptance [-- ising|heisenberg|j1j2 [adam|minsr]]
//!         [--cell gru|vanilla|elu|tensor_gru|linear_gated] [--layers L] [--hidden H]
//!         [--seconds S] [--threads T] [--precision f32|f64] [--final-samples 32768]
//!
//! `--help` lists the flags; an unknown flag or case name is refused with the valid ones.
//! `--cell` picks the recurrent cell (the GRU by default), `--hidden` its width (32 by
//! default); `--seconds S` stops each run after
//! S seconds of training instead of after its step count, the learning rate decaying over
//! the time instead of the steps (to compare cells at equal wall time).

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, PhaseKind, Precision, SignRule};
use std::time::Instant;

#[path = "common/cli.rs"]
#[allow(dead_code)] // not every choice is used here
mod cli;

/// The training acceptance runs on chains of 20 sites, against exact energies.
#[derive(clap::Parser)]
#[command(name = "acceptance")]
struct Args {
    /// The case to run (all three when left out).
    #[arg(value_enum)]
    case: Option<CaseArg>,
    /// The optimiser to run (both when left out).
    #[arg(value_enum)]
    optimizer: Option<AcceptanceOptimizer>,
    /// The recurrent cell.
    #[arg(long, value_enum, default_value_t = cli::CellArg::Gru)]
    cell: cli::CellArg,
    /// Stacked layers.
    #[arg(long, default_value_t = 1)]
    layers: u32,
    /// Hidden units per layer.
    #[arg(long, default_value_t = 32)]
    hidden: u32,
    /// Stop each run after this many seconds of training instead of after its step count.
    #[arg(long)]
    seconds: Option<f64>,
    /// Threads of the library's pool (0: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// The floating-point type of the passes.
    #[arg(long, value_enum, default_value_t = cli::PrecisionArg::F64)]
    precision: cli::PrecisionArg,
    /// Samples of each run's final energy estimate.
    #[arg(long, default_value_t = 32768)]
    final_samples: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum CaseArg {
    Ising,
    Heisenberg,
    J1j2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AcceptanceOptimizer {
    Adam,
    #[value(alias = "sr")]
    Minsr,
}

struct Case {
    name: &'static str,
    hamiltonian: Hamiltonian,
    model: ModelConfig,
    target: f64,
}

struct Schedule {
    optimizer: Optimizer,
    steps: u64,
    samples: u64,
    lr: f64,
    final_lr: f64,
}

fn cases(n: u32, cell: CellKind, layers: u32, hidden: u32, precision: Precision) -> Vec<Case> {
    let chain = |phase, sign_rule, u1_total| {
        ModelConfig::default()
            .with_precision(precision)
            .with_cell(cell)
            .with_layers(layers)
            .with_lx(n)
            .with_hidden(hidden)
            .with_phase(phase)
            .with_sign_rule(sign_rule)
            .with_u1_total(u1_total)
            .with_seed(7)
    };
    vec![
        Case {
            name: "ising",
            hamiltonian: Hamiltonian::tfim(n, 1, false, 1.0, 1.0).unwrap(),
            model: chain(PhaseKind::None, SignRule::None, None),
            target: 1e-4,
        },
        Case {
            name: "heisenberg",
            hamiltonian: Hamiltonian::heisenberg(n, 1, false, 1.0, 0.0).unwrap(),
            model: chain(PhaseKind::None, SignRule::Marshall, Some(n / 2)),
            target: 1e-3,
        },
        Case {
            name: "j1j2",
            hamiltonian: Hamiltonian::heisenberg(n, 1, false, 1.0, 0.2).unwrap(),
            model: chain(PhaseKind::Softsign, SignRule::Marshall, Some(n / 2)),
            target: 3e-3,
        },
    ]
}

fn schedule(optimizer: Optimizer) -> Schedule {
    match optimizer {
        Optimizer::MinSr => Schedule {
            optimizer,
            steps: 400,
            samples: 512,
            lr: 0.05,
            final_lr: 0.01,
        },
        _ => Schedule {
            optimizer,
            steps: 3000,
            samples: 512,
            lr: 3e-3,
            final_lr: 3e-4,
        },
    }
}

fn main() {
    let args = <Args as clap::Parser>::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(t) = args.threads {
        rnnwf::set_num_threads(t).map_err(|e| format!("--threads {t}: {e}"))?;
    }
    let cell = CellKind::from(args.cell);
    let (layers, hidden, seconds) = (args.layers, args.hidden, args.seconds);
    if seconds.is_some_and(|t| !(t >= 0.0 && t.is_finite())) {
        return Err("--seconds takes a finite number >= 0".into());
    }
    let precision = Precision::from(args.precision);
    let n = 20;
    println!(
        "cell {}, {layers} layer(s) of {hidden}, precision {precision:?}",
        cli::cell_name(cell)
    );
    println!(
        "{:<11} {:>6} {:>6} {:>14} {:>14} {:>10} {:>8} {:>8}",
        "case", "opt", "steps", "E", "exact", "rel.err", "target", "seconds"
    );
    for case in cases(n, cell, layers, hidden, precision) {
        let wanted_case = args.case.map(|c| match c {
            CaseArg::Ising => "ising",
            CaseArg::Heisenberg => "heisenberg",
            CaseArg::J1j2 => "j1j2",
        });
        if wanted_case.is_some_and(|w| w != case.name) {
            continue;
        }
        let exact = rnnwf::exact_ground_energy(&case.hamiltonian)?;
        println!(
            "{}: {}",
            case.name,
            cli::sign_free_line(&Model::new(case.model.clone())?, &case.hamiltonian)
        );
        for optimizer in [Optimizer::Adam, Optimizer::MinSr] {
            let wanted = args.optimizer;
            if wanted
                .is_some_and(|w| (w == AcceptanceOptimizer::Adam) != (optimizer == Optimizer::Adam))
            {
                continue;
            }
            let s = schedule(optimizer);
            let start = Instant::now();
            let mut model = Model::new(case.model.clone())?;
            let mut vmc = Vmc::new(
                VmcConfig::default()
                    .with_optimizer(s.optimizer)
                    .with_n_samples(s.samples)
                    .with_learning_rate(s.lr)
                    .with_sr_diag_shift(1e-3)
                    .with_seed(3),
            )?;
            let mut steps = 0;
            for step in 0.. {
                // Geometric decay from lr to final_lr over the run (its steps or its time).
                let frac = match seconds {
                    Some(t) if t > 0.0 => start.elapsed().as_secs_f64() / t,
                    Some(_) => 1.0,
                    None => step as f64 / s.steps as f64,
                };
                if frac >= 1.0 {
                    break;
                }
                steps = step + 1;
                vmc.set_learning_rate(s.lr * (s.final_lr / s.lr).powf(frac))?;
                let stats = vmc.step(&mut model, &case.hamiltonian)?;
                if step % (s.steps / 10) == 0 && seconds.is_none() {
                    eprintln!(
                        "  {} {} step {step}: E = {:.8} (rel. err {:.2e})",
                        case.name,
                        cli::optimizer_name(optimizer),
                        stats.energy.mean.re,
                        (stats.energy.mean.re - exact).abs() / exact.abs()
                    );
                }
            }
            let est = rnnwf::expectation(&model, &case.hamiltonian, 99, args.final_samples)?;
            let rel = (est.mean.re - exact).abs() / exact.abs();
            println!(
                "{:<11} {:>6} {:>6} {:>14.8} {:>14.8} {:>10.2e} {:>8.0e} {:>8.1}{}",
                case.name,
                cli::optimizer_name(optimizer),
                steps,
                est.mean.re,
                exact,
                rel,
                case.target,
                start.elapsed().as_secs_f64(),
                if rel <= case.target { "" } else { "  MISSED" }
            );
        }
    }
    Ok(())
}
