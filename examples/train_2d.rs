//! Trains a 2D RNN wave function on a square lattice: the transverse-field Ising model
//! (J = 1, field h) or the Heisenberg model (J1 = 1, J2; Marshall sign, zero
//! magnetisation), both with open boundaries, against the exact ground energy (Lanczos) when
//! the lattice is small enough, else printing the energy per site and the time per step.
//!
//!     cargo run --release --example train_2d -- [--lx 4] [--ly 4] [--model ising|heisenberg]
//!         [--field 3] [--j2 0] [--cell gru|vanilla|elu] [--hidden 32] [--layers 1]
//!         [--samples 512] [--steps 300] [--optimizer minsr|adam|sgd]
//!         [--preconditioner none|sr] [--lr 0.05] [--final-lr 0.01] [--shift 1e-3] [--seed 1]
//!         [--final-samples 32768]
//!
//! `--optimizer` is the update rule (`minsr` = SGD after SR); `--preconditioner sr` puts
//! stochastic reconfiguration before `adam` or `sgd`.
//!
//! The two acceptance runs (4x4, open):
//!     cargo run --release --example train_2d -- --model ising --field 3
//!     cargo run --release --example train_2d -- --model heisenberg
//! At scale (no exact energy):
//!     cargo run --release --example train_2d -- --lx 10 --ly 10 --steps 100

use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, SignRule};
use std::time::Instant;

/// Lattices up to this many sites get their exact ground energy (2^20 states by Lanczos).
const EXACT_SITES: u32 = 20;

struct Args {
    lx: u32,
    ly: u32,
    heisenberg: bool,
    field: f64,
    j2: f64,
    cell: CellKind,
    hidden: u32,
    layers: u32,
    samples: u64,
    steps: u64,
    optimizer: Optimizer,
    preconditioner: Preconditioner,
    lr: f64,
    final_lr: f64,
    shift: f64,
    seed: u64,
    final_samples: usize,
}

const USAGE: &str = "usage: train_2d [--lx N] [--ly N] [--model ising|heisenberg] [--field h] \
     [--j2 J2] [--cell gru|vanilla|elu] [--hidden H] [--layers L] [--samples S] [--steps K] \
     [--optimizer minsr|adam|sgd] [--preconditioner none|sr] [--lr LR] [--final-lr LR] [--shift LAMBDA] [--seed SEED] \
     [--final-samples S]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        lx: 4,
        ly: 4,
        heisenberg: false,
        field: 3.0,
        j2: 0.0,
        cell: CellKind::Gru,
        hidden: 32,
        layers: 1,
        samples: 512,
        steps: 300,
        optimizer: Optimizer::MinSr,
        preconditioner: Preconditioner::None,
        lr: 0.05,
        final_lr: 0.01,
        shift: 1e-3,
        seed: 1,
        final_samples: 32768,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: {v}");
        fn num<T: std::str::FromStr>(v: &str, bad: impl Fn() -> String) -> Result<T, String> {
            v.parse().map_err(|_| bad())
        }
        match flag.as_str() {
            "--lx" => a.lx = num(&v, bad)?,
            "--ly" => a.ly = num(&v, bad)?,
            "--field" => a.field = num(&v, bad)?,
            "--j2" => a.j2 = num(&v, bad)?,
            "--hidden" => a.hidden = num(&v, bad)?,
            "--layers" => a.layers = num(&v, bad)?,
            "--samples" => a.samples = num(&v, bad)?,
            "--steps" => a.steps = num(&v, bad)?,
            "--lr" => a.lr = num(&v, bad)?,
            "--final-lr" => a.final_lr = num(&v, bad)?,
            "--shift" => a.shift = num(&v, bad)?,
            "--seed" => a.seed = num(&v, bad)?,
            "--final-samples" => a.final_samples = num(&v, bad)?,
            "--model" => {
                a.heisenberg = match v.as_str() {
                    "ising" => false,
                    "heisenberg" => true,
                    _ => return Err(bad()),
                }
            }
            "--cell" => {
                a.cell = match v.as_str() {
                    "gru" => CellKind::Gru,
                    "vanilla" => CellKind::Vanilla,
                    "elu" => CellKind::VanillaElu,
                    _ => return Err(bad()),
                }
            }
            "--optimizer" => {
                a.optimizer = match v.as_str() {
                    "minsr" => Optimizer::MinSr,
                    "adam" => Optimizer::Adam,
                    "sgd" => Optimizer::Sgd,
                    _ => return Err(bad()),
                }
            }
            "--preconditioner" => {
                a.preconditioner = match v.as_str() {
                    "none" => Preconditioner::None,
                    "sr" => Preconditioner::Sr,
                    _ => return Err(bad()),
                }
            }
            other => return Err(format!("unknown flag {other} (try --help)")),
        }
    }
    Ok(a)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let sites = a.lx * a.ly;
    let (h, name) = if a.heisenberg {
        (
            Hamiltonian::heisenberg(a.lx, a.ly, false, 1.0, a.j2)?,
            format!("Heisenberg J1 = 1, J2 = {}", a.j2),
        )
    } else {
        (
            Hamiltonian::tfim(a.lx, a.ly, false, 1.0, a.field)?,
            format!("Ising J = 1, h = {}", a.field),
        )
    };
    let exact = if sites <= EXACT_SITES {
        Some(rnnwf::exact_ground_energy(&h)?)
    } else {
        None
    };
    let mut model = Model::new(
        ModelConfig::default()
            .with_cell(a.cell)
            .with_lx(a.lx)
            .with_ly(a.ly)
            .with_hidden(a.hidden)
            .with_layers(a.layers)
            .with_sign_rule(if a.heisenberg {
                SignRule::Marshall
            } else {
                SignRule::None
            })
            .with_u1_total(a.heisenberg.then_some(sites / 2))
            .with_seed(a.seed),
    )?;
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(a.optimizer)
            .with_preconditioner(a.preconditioner)
            .with_n_samples(a.samples)
            .with_learning_rate(a.lr)
            .with_sr_diag_shift(a.shift)
            .with_seed(a.seed),
    )?;
    println!(
        "{}x{} open {name}; 2D {:?} hidden {} x {} layer(s), {} parameters; {:?} after {:?}, {} samples/step, \
         lr {} -> {}, {} threads{}",
        a.lx,
        a.ly,
        a.cell,
        a.hidden,
        a.layers,
        model.num_params(),
        a.optimizer,
        vmc.config().preconditioner_in_effect(),
        a.samples,
        a.lr,
        a.final_lr,
        rnnwf::num_threads(),
        exact.map_or(String::new(), |e| format!("; exact E0 = {e:.10}"))
    );
    let start = Instant::now();
    let report_every = (a.steps / 20).max(1);
    let mut step_seconds = Vec::with_capacity(a.steps as usize);
    for step in 0..a.steps {
        // Geometric decay from lr to final_lr over the run.
        let frac = step as f64 / a.steps as f64;
        vmc.set_learning_rate(a.lr * (a.final_lr / a.lr).powf(frac))?;
        let s = vmc.step(&mut model, &h)?;
        step_seconds.push(s.seconds);
        if step % report_every == 0 || step + 1 == a.steps {
            let e = s.energy.mean.re;
            let versus_exact = exact.map_or(String::new(), |x| {
                format!("  rel. error {:.2e}", (e - x).abs() / x.abs())
            });
            println!(
                "step {step:>5}  E = {e:>13.7} +- {:.1e}  E/N = {:>10.7}{versus_exact}  \
                 var {:.2e}  {:>6.1} s",
                s.energy.error,
                e / sites as f64,
                s.energy.variance,
                start.elapsed().as_secs_f64()
            );
        }
    }
    let training = start.elapsed().as_secs_f64();
    step_seconds.sort_by(f64::total_cmp);
    let median_step = step_seconds.get(step_seconds.len() / 2).copied();
    // Final estimate with more samples, from the trained state.
    let est = rnnwf::expectation(&model, &h, a.seed ^ 0xF1, a.final_samples)?;
    let e = est.mean.re;
    println!(
        "summary: {}x{} {name}: E = {e:.8} +- {:.1e} ({} samples), E/N = {:.8}{}; {} steps in \
         {training:.1} s, median {:.3} s/step",
        a.lx,
        a.ly,
        est.error,
        a.final_samples,
        e / sites as f64,
        exact.map_or(String::new(), |x| format!(
            ", exact {x:.8}, relative error {:.2e}",
            (e - x).abs() / x.abs()
        )),
        a.steps,
        median_step.unwrap_or(0.0)
    );
    Ok(())
}
