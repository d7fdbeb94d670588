//! Iterative retraining on the open Heisenberg model (J = 1; Marshall sign, zero
//! magnetisation, minSR): trains the 2D RNN on the first lattice of `--sizes`, then carries
//! its weights (`Model::resize`) to each larger lattice and trains on, for `--steps` steps
//! per lattice (the learning rate decays from `--lr` to `--final-lr` over each lattice's
//! steps). Prints the energy per site at the start of each lattice (the head start the
//! smaller lattice gave), during training and at the end, against the reference energies:
//! 6x6 exact (Lanczos), 10x10 from quantum Monte Carlo (-251.46248); 8x8 prints without one
//! (no reference value was at hand).
//!
//!     cargo run --release --example transfer_2d -- [--sizes 6,8,10] [--cell gru|tensor_gru]
//!         [--hidden 32] [--samples 512] [--steps 400,150,100] [--lr 0.05] [--final-lr 0.01]
//!         [--shift 1e-3] [--momentum 0] [--seed 1] [--final-samples 16384]
//!         [--symmetry none|lattice] [--fresh] [--start-from MODEL]
//!         [--minutes M] [--stop-after K] [--checkpoint-every 100] [--resume]
//!         [--out target/transfer_2d]
//!
//! Writes into `--out` `log.jsonl` (one line per step, numbered across the lattices, each
//! with its `lattice`; docs/log-jsonl.md) and `checkpoint/` (model, optimiser and lattice,
//! every `--checkpoint-every` steps and at the end of each lattice). A session stops after
//! `--minutes` of wall time or `--stop-after` steps of its own, checkpointed; `--resume`
//! (with the same settings) continues bit for bit, on whichever lattice it stopped, and the
//! log reads as one run.
//!
//! `--fresh` trains the last lattice only, from random weights, for the steps of all
//! lattices together. `--start-from` starts the first lattice from a saved model instead of
//! random weights (a shipped checkpoint in `models/`, say: `--sizes 10 --start-from
//! models/heisenberg-6x6-open/checkpoint/model.safetensors --symmetry lattice`).
//! `--momentum` turns minSR into SPRING, which reuses the previous update.
//! With `--norms`, each lattice's start and end print the root mean square norm of the hidden
//! state along the snake (start, middle, end of the sampling order, and the largest).

use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, SignRule};
use std::path::PathBuf;
use std::time::Instant;

#[path = "common/checkpoint.rs"]
mod checkpoint;
#[path = "common/cli.rs"]
mod cli;
#[path = "common/log.rs"]
mod log;

/// Iterative retraining of a 2D RNN on the open Heisenberg model across lattice sizes.
#[derive(clap::Parser)]
#[command(name = "transfer_2d")]
struct Args {
    /// The square lattices' sides, smallest first.
    #[arg(long, value_delimiter = ',', default_value = "6,8,10")]
    sizes: Vec<u32>,
    /// Training steps per lattice (one value, or one per lattice).
    #[arg(long, value_delimiter = ',', default_value = "400,150,100")]
    steps: Vec<u64>,
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
    /// SPRING's momentum, in [0, 1): minSR that reuses the previous update (0 is plain minSR).
    #[arg(long, default_value_t = 0.0)]
    momentum: f64,
    /// Start the first lattice from this model (a `model.safetensors`, such as a shipped
    /// checkpoint), resized to it, instead of random weights; its cell and symmetry must
    /// match the flags', and it is widened if `--hidden` asks for more units (more units than
    /// `--hidden` are refused; its precision may differ: the parameters are f64).
    #[arg(long, conflicts_with = "fresh")]
    start_from: Option<PathBuf>,
    /// Seed of the parameters and the samples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The floating-point type of the passes (sampling, ln psi, local energies); gradients,
    /// the solve and the parameters stay f64.
    #[arg(long, value_enum, default_value_t = cli::PrecisionArg::F64)]
    precision: cli::PrecisionArg,
    /// Samples of each lattice's final energy estimate.
    #[arg(long, default_value_t = 16384, value_parser = clap::value_parser!(u64).range(1..))]
    final_samples: u64,
    /// Symmetrise the amplitude over the maps of the lattice that leave the operator invariant
    /// (carried across sizes).
    #[arg(long, value_enum, default_value_t = cli::SymmetryArg::None)]
    symmetry: cli::SymmetryArg,
    /// Train the last lattice only, from scratch, for the total time of all lattices.
    #[arg(long)]
    fresh: bool,
    /// Print the hidden state's norm along the snake at each lattice's start.
    #[arg(long)]
    norms: bool,
    /// This session's wall-time budget: stop after the step that reaches it, checkpointed
    /// (continue with --resume).
    #[arg(long, value_parser = cli::parse_minutes)]
    minutes: Option<f64>,
    /// Stop this session after this many of its own steps, checkpointed (continue with
    /// --resume).
    #[arg(long)]
    stop_after: Option<u64>,
    /// Save the model and the optimiser into <out>/checkpoint every this many steps (and at
    /// the end of each lattice).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    checkpoint_every: u64,
    /// Continue the run checkpointed in --out (started with the same settings).
    #[arg(long)]
    resume: bool,
    /// Folder for log.jsonl and checkpoint/.
    #[arg(long, default_value = "target/transfer_2d")]
    out: PathBuf,
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

fn steps_for(a: &Args, i: usize) -> u64 {
    *a.steps.get(i).or(a.steps.last()).unwrap_or(&100)
}

/// The settings that define the run: --resume refuses other ones.
fn settings(a: &Args) -> checkpoint::Settings {
    let mut settings = vec![
        ("sizes", format!("{:?}", a.sizes)),
        ("steps", format!("{:?}", a.steps)),
        ("cell", format!("{:?}", a.cell)),
        ("hidden", a.hidden.to_string()),
        ("samples", a.samples.to_string()),
        ("lr", format!("{:?}", a.lr)),
        ("final_lr", format!("{:?}", a.final_lr)),
        ("shift", format!("{:?}", a.shift)),
        ("seed", a.seed.to_string()),
        ("symmetry", format!("{:?}", a.symmetry)),
        ("fresh", a.fresh.to_string()),
    ];
    // Recorded only when set, so that checkpoints written before these flags existed resume.
    if a.momentum != 0.0 {
        settings.push(("momentum", format!("{:?}", a.momentum)));
    }
    if !matches!(a.precision, cli::PrecisionArg::F64) {
        settings.push(("precision", format!("{:?}", a.precision)));
    }
    if let Some(path) = &a.start_from {
        settings.push(("start_from", path.display().to_string()));
    }
    settings
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if a.sizes.is_empty() {
        return Err("--sizes needs at least one lattice".into());
    }
    let cell = CellKind::from(a.cell);
    let config = |l: u32| {
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(l)
            .with_ly(l)
            .with_hidden(a.hidden)
            .with_sign_rule(SignRule::Marshall)
            .with_u1_total(Some(l * l / 2))
            .with_symmetry(a.symmetry.into())
            .with_precision(a.precision.into())
            .with_seed(a.seed)
    };
    let plan: Vec<(u32, u64)> = if a.fresh {
        let total = (0..a.sizes.len()).map(|i| steps_for(a, i)).sum();
        vec![(*a.sizes.last().unwrap(), total)]
    } else {
        a.sizes
            .iter()
            .enumerate()
            .map(|(i, &l)| (l, steps_for(a, i)))
            .collect()
    };
    // The log numbers steps across the lattices: lattice i's first is `offset(i)`.
    let offset = |i: usize| plan[..i].iter().map(|p| p.1).sum::<u64>();
    println!(
        "open Heisenberg, 2D {} hidden {}, {} samples/step, {} (shift {}), lr {} -> {} \
         per lattice, symmetry {}, {:?} passes, {}; {}",
        cli::cell_name(cell),
        a.hidden,
        a.samples,
        if a.momentum != 0.0 {
            format!("SPRING (momentum {})", a.momentum)
        } else {
            "minSR".to_string()
        },
        a.shift,
        a.lr,
        a.final_lr,
        cli::symmetry_name(a.symmetry.into()),
        a.precision,
        cli::threads_text(),
        match (&a.start_from, a.fresh) {
            (Some(path), _) => format!("starting from {}", path.display()),
            (None, true) => "from scratch".to_string(),
            (None, false) => "iterative retraining".to_string(),
        }
    );
    cli::check_geometric(("--lr", a.lr), ("--final-lr", a.final_lr))?;
    let settings = settings(a);
    std::fs::create_dir_all(&a.out)
        .map_err(|e| format!("cannot create {}: {e}", a.out.display()))?;
    let (first_stage, mut resumed) = if a.resume {
        let saved = checkpoint::load(&a.out, &settings)?;
        if saved.stage >= plan.len() {
            return Err(format!(
                "--resume: the checkpoint's lattice {} is not in the plan",
                saved.stage
            )
            .into());
        }
        (saved.stage, Some((saved.model, saved.vmc)))
    } else {
        (0, None)
    };
    let first_step = offset(first_stage) + resumed.as_ref().map_or(0, |r| r.1.steps());
    let (mut log, _) = log::Log::open(&a.out.join("log.jsonl"), first_step)?;
    let start = Instant::now();
    let budget = a.minutes.map(|m| m * 60.0);
    let mut session_steps = 0u64;
    let mut model: Option<Model> = None;
    for (i, &(l, n)) in plan.iter().enumerate().skip(first_stage) {
        let sites = (l * l) as f64;
        let lattice = format!("{l}x{l}");
        let h = Hamiltonian::heisenberg(l, l, false, 1.0, 0.0)?;
        let (mut m, mut vmc) = match resumed.take() {
            Some(saved) => {
                if let Some(line) = cli::symmetry_line(&saved.0, &h) {
                    println!("{line}");
                }
                saved
            }
            None => {
                let m = match (&model, &a.start_from) {
                    (Some(previous), _) => previous.resize(l, l, Some(l * l / 2))?,
                    (None, Some(path)) => cli::start_from(path, &config(l))?,
                    (None, None) => Model::new(config(l))?,
                };
                // `--symmetry lattice`: the maps of the grid that leave the operator invariant.
                let (m, line) = cli::restrict_symmetry(m, &h)?;
                if let Some(line) = line {
                    println!("{line}");
                }
                let vmc = Vmc::new(
                    VmcConfig::default()
                        .with_optimizer(Optimizer::MinSr)
                        .with_preconditioner(if a.momentum != 0.0 {
                            Preconditioner::Spring
                        } else {
                            Preconditioner::None // minSR, as before this flag
                        })
                        .with_sr_momentum(a.momentum)
                        .with_n_samples(a.samples)
                        .with_learning_rate(a.lr)
                        .with_sr_diag_shift(a.shift)
                        .with_seed(a.seed + i as u64),
                )?;
                (m, vmc)
            }
        };
        if a.norms {
            print_norms(&m, a.seed ^ 0x5EED)?;
        }
        let refer = reference(l);
        let versus = |e: f64| {
            refer.map_or(String::new(), |(r, _)| {
                format!("  rel. error {:.2e}", (e - r).abs() / r.abs())
            })
        };
        println!(
            "{lattice}: {} parameters, {n} steps{}{}",
            m.num_params(),
            refer.map_or(" (no reference)".into(), |(r, src)| format!(
                ", reference E/N = {:.6} ({src})",
                r / sites
            )),
            if vmc.steps() > 0 {
                format!(", resumed at step {}", vmc.steps())
            } else {
                String::new()
            }
        );
        let report_every = (n / 10).max(1);
        while vmc.steps() < n {
            let out_of_time = budget.is_some_and(|b| start.elapsed().as_secs_f64() >= b);
            if out_of_time || a.stop_after.is_some_and(|k| session_steps >= k) {
                break;
            }
            // Geometric decay over the lattice's steps: a function of the step, so that a
            // resumed run takes the same rates.
            let frac = vmc.steps() as f64 / n as f64;
            vmc.set_learning_rate(a.lr * (a.final_lr / a.lr).powf(frac))?;
            let s = vmc.step(&mut m, &h)?;
            session_steps += 1;
            let e = s.energy.mean.re;
            log.write(&log::Row {
                step: offset(i) + s.step,
                energy: e,
                error: s.energy.error,
                variance: s.energy.variance,
                relative_error: refer.map(|(r, _)| (e - r).abs() / r.abs()),
                grad_norm: s.grad_norm,
                seconds: s.seconds,
                lattice: Some(&lattice),
            })?;
            if vmc.steps().is_multiple_of(a.checkpoint_every) {
                checkpoint::save(&a.out, &m, &vmc, i, &settings)?;
            }
            if s.step.is_multiple_of(report_every) || session_steps == 1 {
                println!(
                    "  step {:>5}  E/N = {:>10.6} +- {:.1e}{}  |grad| {:.1e}  {:>6.1} s",
                    s.step,
                    e / sites,
                    s.energy.error / sites,
                    versus(e),
                    s.grad_norm,
                    start.elapsed().as_secs_f64()
                );
            }
        }
        checkpoint::save(&a.out, &m, &vmc, i, &settings)?;
        if vmc.steps() < n {
            println!(
                "stopped on {lattice} at step {} of {n}, checkpointed in {}: continue with the \
                 same command and --resume",
                vmc.steps(),
                a.out.join("checkpoint").display()
            );
            return Ok(());
        }
        let est = rnnwf::expectation(&m, &h, a.seed ^ 0xF1, a.final_samples as usize)?;
        let e = est.mean.re;
        println!(
            "summary {lattice}: {n} steps, E/N = {:.7} +- {:.1e}{}, {:.1} min in this session",
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
