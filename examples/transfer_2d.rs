//! Iterative retraining on the open Heisenberg model (J = 1; Marshall sign, zero
//! magnetisation, minSR): trains the 2D RNN on the first lattice of `--sizes`, then carries
//! its weights (`Model::resize`) to each larger lattice and trains on, for `--minutes` of wall
//! time per lattice. Prints the energy per site at the start of each lattice (the head start
//! the smaller lattice gave), during training and at the end, against the reference energies:
//! 6x6 exact (Lanczos), 10x10 from quantum Monte Carlo (-251.46248); 8x8 prints without one
//! (no reference value was at hand).
//!
//!     cargo run --release --example transfer_2d -- [--sizes 6,8,10] [--cell gru|tensor_gru]
//!         [--hidden 32] [--samples 512] [--minutes 5,3,3] [--lr 0.05] [--final-lr 0.01]
//!         [--shift 1e-3] [--seed 1] [--final-samples 16384] [--symmetry none|lattice] [--fresh]
//!
//! `--fresh` trains the last lattice only, from random weights, for the whole time the
//! transfer run spends on all lattices: the same wall time, to measure the head start.
//! With `--norms`, each lattice's start and end print the root mean square norm of the hidden
//! state along the snake (start, middle, end of the sampling order, and the largest).

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, SignRule};
use std::time::Instant;

#[path = "common/cli.rs"]
mod cli;

/// Iterative retraining of a 2D RNN on the open Heisenberg model across lattice sizes.
#[derive(clap::Parser)]
#[command(name = "transfer_2d")]
struct Args {
    /// The square lattices' sides, smallest first.
    #[arg(long, value_delimiter = ',', default_value = "6,8,10")]
    sizes: Vec<u32>,
    /// Wall-time minutes per lattice (one value, or one per lattice).
    #[arg(long, value_delimiter = ',', default_value = "5,3,3")]
    minutes: Vec<f64>,
    /// The recurrent cell.
    #[arg(long, value_enum, default_value_t = cli::CellArg::Gru)]
    cell: cli::CellArg,
    /// Hidden units.
    #[arg(long, default_value_t = 32)]
    hidden: u32,
    /// Samples per step.
    #[arg(long, default_value_t = 512)]
    samples: u64,
    /// Learning rate at the start of each lattice.
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// Learning rate at the end of each lattice.
    #[arg(long, default_value_t = 0.01)]
    final_lr: f64,
    /// minSR's diagonal shift.
    #[arg(long, default_value_t = 1e-3)]
    shift: f64,
    /// Seed of the parameters and the samples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Samples of each lattice's final energy estimate.
    #[arg(long, default_value_t = 16384)]
    final_samples: usize,
    /// Symmetrise the amplitude over the lattice's point group (carried across sizes).
    #[arg(long, value_enum, default_value_t = cli::SymmetryArg::None)]
    symmetry: cli::SymmetryArg,
    /// Train the last lattice only, from scratch, for the total time of all lattices.
    #[arg(long)]
    fresh: bool,
    /// Print the hidden state's norm along the snake at each lattice's start.
    #[arg(long)]
    norms: bool,
}

/// Ground energies of the open L x L Heisenberg model (J = 1), and where they come from.
fn reference(l: u32) -> Option<(f64, &'static str)> {
    match l {
        6 => Some((-86.9071441699763, "exact")),
        10 => Some((-251.46248, "QMC")),
        _ => None,
    }
}

fn main() {
    let args = <Args as clap::Parser>::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn minutes_for(a: &Args, i: usize) -> f64 {
    *a.minutes.get(i).or(a.minutes.last()).unwrap_or(&1.0)
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if a.sizes.is_empty() {
        return Err("--sizes needs at least one lattice".into());
    }
    let cell = CellKind::from(a.cell);
    let new_model = |l: u32| {
        Model::new(
            ModelConfig::default()
                .with_cell(cell)
                .with_lx(l)
                .with_ly(l)
                .with_hidden(a.hidden)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(l * l / 2))
                .with_symmetry(a.symmetry.into())
                .with_seed(a.seed),
        )
    };
    let plan: Vec<(u32, f64)> = if a.fresh {
        let total = (0..a.sizes.len()).map(|i| minutes_for(a, i)).sum();
        vec![(*a.sizes.last().unwrap(), total)]
    } else {
        a.sizes
            .iter()
            .enumerate()
            .map(|(i, &l)| (l, minutes_for(a, i)))
            .collect()
    };
    println!(
        "open Heisenberg, 2D {} hidden {}, {} samples/step, minSR (shift {}), lr {} -> {} \
         per lattice, symmetry {}, {} threads; {}",
        cli::cell_name(cell),
        a.hidden,
        a.samples,
        a.shift,
        a.lr,
        a.final_lr,
        cli::symmetry_name(a.symmetry.into()),
        rnnwf::num_threads(),
        if a.fresh {
            "from scratch"
        } else {
            "iterative retraining"
        }
    );
    let start = Instant::now();
    let mut model: Option<Model> = None;
    for (i, &(l, minutes)) in plan.iter().enumerate() {
        let sites = (l * l) as f64;
        let h = Hamiltonian::heisenberg(l, l, false, 1.0, 0.0)?;
        let mut m = match &model {
            Some(previous) => previous.resize(l, l, Some(l * l / 2))?,
            None => new_model(l)?,
        };
        if a.norms {
            print_norms(&m, a.seed ^ 0x5EED)?;
        }
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(Optimizer::MinSr)
                .with_n_samples(a.samples)
                .with_learning_rate(a.lr)
                .with_sr_diag_shift(a.shift)
                .with_seed(a.seed + i as u64),
        )?;
        let refer = reference(l);
        let versus = |e: f64| {
            refer.map_or(String::new(), |(r, _)| {
                format!("  rel. error {:.2e}", (e - r).abs() / r.abs())
            })
        };
        println!(
            "{l}x{l}: {} parameters, {minutes} min{}",
            m.num_params(),
            refer.map_or(" (no reference)".into(), |(r, src)| format!(
                ", reference E/N = {:.6} ({src})",
                r / sites
            ))
        );
        let lattice_start = Instant::now();
        let budget = minutes * 60.0;
        let mut step = 0u64;
        let mut last_report = -1.0f64;
        loop {
            let elapsed = lattice_start.elapsed().as_secs_f64();
            if elapsed >= budget {
                break;
            }
            vmc.set_learning_rate(a.lr * (a.final_lr / a.lr).powf(elapsed / budget))?;
            let s = vmc.step(&mut m, &h)?;
            let e = s.energy.mean.re;
            if step == 0 || elapsed - last_report >= budget / 10.0 {
                last_report = elapsed;
                println!(
                    "  step {step:>5}  E/N = {:>10.6} +- {:.1e}{}  |grad| {:.1e}  {:>6.1} s total",
                    e / sites,
                    s.energy.error / sites,
                    versus(e),
                    s.grad_norm,
                    start.elapsed().as_secs_f64()
                );
            }
            step += 1;
        }
        let est = rnnwf::expectation(&m, &h, a.seed ^ 0xF1, a.final_samples)?;
        let e = est.mean.re;
        println!(
            "summary {l}x{l}: {step} steps, E/N = {:.7} +- {:.1e}{}, {:.1} min total",
            e / sites,
            est.error / sites,
            versus(e),
            start.elapsed().as_secs_f64() / 60.0
        );
        if a.norms {
            print_norms(&m, a.seed ^ 0x5EED)?;
        }
        model = Some(m);
    }
    Ok(())
}

/// The hidden state's root mean square norm along the sampling order, on the model's samples.
fn print_norms(m: &Model, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    let (n, sites) = (256, m.num_sites());
    let mut configs = vec![0u8; n * sites];
    m.sample(seed, n, &mut configs, None)?;
    let norms = m.state_norms(&configs)?;
    let top = norms.last().unwrap();
    let max = top.iter().cloned().fold(0.0, f64::max);
    println!(
        "  |h| along the snake ({}x{}): first {:.2}, middle {:.2}, last {:.2}, largest {:.2}",
        m.config().lx,
        m.config().ly,
        top[0],
        top[sites / 2],
        top[sites - 1],
        max
    );
    Ok(())
}
