//! The main job: train a GRU wave function on the open transverse-field Ising chain and
//! compare its energy with the exact ground energy.
//!
//!     cargo run --release --example train_ising -- [--sites 20] [--field 1.0] [--hidden 32]
//!         [--layers 1] [--samples 512] [--steps 200] [--optimizer minsr|adam|sgd]
//!         [--preconditioner none|sr|spring] [--momentum 0] [--lr 0.05] [--shift 1e-3] [--seed 1]
//!         [--dilation 0|1] [--out target/train_ising]
//!
//! `--optimizer` is the update rule (`minsr` = SGD after SR; `sr` is accepted too);
//! `--preconditioner sr` puts stochastic reconfiguration before `adam` or `sgd`.
//! `--dilation 1` makes the dilated RNN: layer l reads the site 2^l back.
//!
//! Prints progress, writes `log.jsonl` (one JSON object per step) and `energy.svg` (the
//! energy per site against the step with its error band, the exact energy and the final
//! estimate; below, the relative error on a log scale) into the output folder, and ends with
//! a one-line summary.

use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[path = "common/cli.rs"]
mod cli;
#[path = "common/log.rs"]
#[allow(dead_code)] // train_ising writes a fresh log, without resuming
mod log;
#[path = "common/plot.rs"]
mod plot;

/// Train a GRU on the open transverse-field Ising chain (J = 1) against its exact ground
/// energy.
#[derive(clap::Parser)]
#[command(name = "train_ising")]
struct Args {
    /// Sites of the chain.
    #[arg(long, default_value_t = 20)]
    sites: u32,
    /// Transverse field h.
    #[arg(long, default_value_t = 1.0)]
    field: f64,
    /// Hidden units per layer.
    #[arg(long, default_value_t = 32)]
    hidden: u32,
    /// Stacked GRU layers.
    #[arg(long, default_value_t = 1)]
    layers: u32,
    /// 1: the dilated RNN, layer l reading the site 2^l back; 0: every layer the previous.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1))]
    dilation: u32,
    /// Samples per step.
    #[arg(long, default_value_t = 512)]
    samples: u64,
    /// Training steps.
    #[arg(long, default_value_t = 200)]
    steps: u64,
    /// The update rule (minsr = SGD after SR; sr is accepted too).
    #[arg(long, value_enum, default_value_t = cli::OptimizerArg::Minsr)]
    optimizer: cli::OptimizerArg,
    /// sr puts stochastic reconfiguration before adam or sgd.
    #[arg(long, value_enum, default_value_t = cli::PreconditionerArg::None)]
    preconditioner: cli::PreconditionerArg,
    /// Learning rate.
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// SPRING's momentum, in [0, 1) (with --preconditioner spring).
    #[arg(long, default_value_t = 0.0)]
    momentum: f64,
    /// SR's diagonal shift.
    #[arg(long, default_value_t = 1e-3)]
    shift: f64,
    /// The floating-point type of the passes.
    #[arg(long, value_enum, default_value_t = cli::PrecisionArg::F64)]
    precision: cli::PrecisionArg,
    /// Seed of the parameters and the samples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder for log.jsonl and energy.svg.
    #[arg(long, default_value = "target/train_ising")]
    out: PathBuf,
}

fn main() {
    let args = <Args as clap::Parser>::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let h = Hamiltonian::tfim(args.sites, 1, false, 1.0, args.field)?;
    let exact = rnnwf::exact::tfim_open_chain_ground_energy(args.sites as usize, 1.0, args.field)?;
    let mut model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(args.sites)
            .with_hidden(args.hidden)
            .with_layers(args.layers)
            .with_dilation(args.dilation)
            .with_precision(args.precision.into())
            .with_seed(args.seed),
    )?;
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(args.optimizer.into())
            .with_preconditioner(args.preconditioner.into())
            .with_n_samples(args.samples)
            .with_learning_rate(args.lr)
            .with_sr_diag_shift(args.shift)
            .with_sr_momentum(args.momentum)
            .with_seed(args.seed),
    )?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let log_path = args.out.join("log.jsonl");
    let log_file = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut log_out = std::io::BufWriter::new(log_file);
    println!("{}", cli::sign_free_line(&model, &h));
    let training = cli::training_name(
        args.optimizer.into(),
        vmc.config().preconditioner_in_effect(),
    );
    println!(
        "open Ising chain: N = {}, J = 1, h = {}; {}GRU hidden {} x {} layer(s), {} parameters; \
         {training}, {} samples/step, {}; exact E0 = {exact:.10}",
        args.sites,
        args.field,
        if args.dilation == 1 { "dilated " } else { "" },
        args.hidden,
        args.layers,
        model.num_params(),
        args.samples,
        cli::threads_text()
    );
    let start = Instant::now();
    let mut history = Vec::new();
    let report_every = (args.steps / 20).max(1);
    for _ in 0..args.steps {
        let s = vmc.step(&mut model, &h)?;
        let e = s.energy.mean.re;
        let rel = (e - exact).abs() / exact.abs();
        history.push(plot::EnergyPoint {
            step: s.step,
            mean: e,
            error: s.energy.error,
        });
        let row = log::Row {
            step: s.step,
            energy: e,
            error: s.energy.error,
            variance: s.energy.variance,
            relative_error: Some(rel),
            grad_norm: s.grad_norm,
            seconds: s.seconds,
            lattice: None,
        };
        writeln!(log_out, "{}", log::line(&row))?;
        if s.step.is_multiple_of(report_every) || s.step + 1 == args.steps {
            println!(
                "step {:>5}  E = {e:>14.8} +- {:.1e}  rel. error {rel:.2e}  var {:.2e}  {:>6.1} s",
                s.step,
                s.energy.error,
                s.energy.variance,
                start.elapsed().as_secs_f64()
            );
        }
    }
    log_out.flush()?;
    // Final estimate with more samples, from the trained state.
    let final_estimate =
        rnnwf::estimators::expectation(&model, &h, args.seed ^ 0xF1, 16 * args.samples as usize)?;
    let e = final_estimate.mean.re;
    let rel = (e - exact).abs() / exact.abs();
    let svg = args.out.join("energy.svg");
    let title = format!(
        "open Ising chain, N = {}, h = {}: GRU {} x {}, {training}",
        args.sites, args.field, args.hidden, args.layers,
    );
    let plot = plot::Plot {
        title: &title,
        sites: args.sites,
        reference: Some(plot::Reference {
            energy: exact,
            label: "exact",
        }),
        final_estimate: Some(plot::FinalEstimate {
            mean: e,
            error: final_estimate.error,
            samples: 16 * args.samples as usize,
        }),
    };
    let plotted = if history.is_empty() {
        "none (no steps)".to_string()
    } else {
        plot::write_energy_plot(&svg, &plot, &history)?;
        svg.display().to_string()
    };
    println!(
        "summary: N = {} h = {} E = {e:.8} +- {:.1e} exact {exact:.8} relative error {rel:.2e} \
         after {} steps in {:.1} s (log: {}, plot: {})",
        args.sites,
        args.field,
        final_estimate.error,
        args.steps,
        start.elapsed().as_secs_f64(),
        args.out.join("log.jsonl").display(),
        plotted
    );
    Ok(())
}
