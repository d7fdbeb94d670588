//! Trains a 2D RNN wave function on a square lattice: the transverse-field Ising model
//! (J = 1, field h), the J1-J2 Heisenberg model (J1 = 1, J2; Marshall sign unless
//! `--marshall off`, zero magnetisation) or the triangular Heisenberg model (J = 1, the
//! square grid with one diagonal; zero magnetisation), with open or periodic boundaries
//! (`--boundary`; the RNN's own boundary follows the lattice's unless `--rnn-boundary` says
//! otherwise: periodic is the periodic 2D RNN, which also reads the wrapped neighbours),
//! against the exact ground energy (Lanczos) when
//! the lattice is small enough or a reference energy given with `--reference` (labelled
//! `--reference-label`: "exact", "QMC", ...), else printing the energy per site and the time
//! per step.
//!
//!     cargo run --release --example train_2d -- [--lx 4] [--ly 4]
//!         [--model ising|heisenberg|j1j2|triangular] [--field 3] [--j2 0]
//!         [--boundary open|periodic] [--rnn-boundary open|periodic]
//!         [--marshall on|off] [--rotate none|neel120|marshall] [--phase none|softsign] [--phase-init glorot|small|zero]
//!         [--temperature 0 [--anneal-steps K]] [--cell gru|vanilla|elu|tensor_gru|linear_gated] [--hidden 32] [--layers 1]
//!         [--samples 512] [--steps 300] [--optimizer minsr|adam|sgd]
//!         [--preconditioner none|sr|spring] [--momentum 0] [--lr 0.05] [--final-lr 0.01]
//!         [--shift 1e-3] [--final-shift S] [--samples-from STEP:N ...] [--seed 1]
//!         [--final-samples 32768] [--symmetry none|lattice|lattice_spin_flip]
//!         [--minutes M] [--stop-after K] [--checkpoint-every 100] [--resume]
//!         [--start-from MODEL.safetensors]
//!         [--reference E0 [--reference-label QMC]] [--out target/train_2d]
//!
//! `--optimizer` is the update rule (`minsr` = SGD after SR; `sr` is accepted too);
//! `--preconditioner sr` puts stochastic reconfiguration before `adam` or `sgd`, `spring` SR
//! with `--momentum`. The learning rate decays geometrically from `--lr` to `--final-lr`
//! over the `--steps` steps, and SR's shift from `--shift` to `--final-shift` when given;
//! `--samples-from STEP:N` takes N samples a step from step STEP on. `--phase softsign` adds the learned phase head (needed where
//! the printed `sign-free:` line says no), `--phase-init zero` starts it at phase 0 (the
//! sign rule's signs, or none); `--temperature T` anneals (minimises <H> - T S) with T
//! falling linearly to 0 over `--anneal-steps` steps (docs/frustrated.md). `--rotate neel120`
//! trains on the operator rotated about z by the 120-degree three-sublattice angles
//! (`rnnwf::three_sublattice_angles`), `--rotate marshall` by pi on the Marshall sublattice:
//! the same energies, other signs to learn (docs/method.md, "Basis rotation about z"). Writes into `--out`: `log.jsonl` (one line per step, fields in
//! docs/log-jsonl.md), `checkpoint/` (model and optimiser, every `--checkpoint-every` steps
//! and at the end) and `energy.svg` (the energy per site against the step with its error
//! band and the final estimate; with a reference energy, its line and the relative error on
//! a log scale too).
//!
//! A session stops after `--steps` steps in all, or earlier after `--minutes` of wall time
//! or `--stop-after` steps of its own, checkpointed; `--resume` (with the same settings)
//! continues from the checkpoint in `--out` bit for bit, as if never stopped, and the log
//! reads as one run. `--start-from` starts from a trained model of another lattice size
//! (iterative retraining: the 2D RNN's weights do not depend on the size), resized, and
//! widened when `--hidden` asks for more units than it has; `--steps 0` with it evaluates
//! the resized model without training.
//!
//! The two acceptance runs (4x4, open):
//!     cargo run --release --example train_2d -- --model ising --field 3
//!     cargo run --release --example train_2d -- --model heisenberg
//! At scale (no exact energy):
//!     cargo run --release --example train_2d -- --lx 10 --ly 10 --steps 100

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{Boundary, CellKind, Hamiltonian, Model, ModelConfig, PhaseKind, SignRule};
use std::path::PathBuf;
use std::time::Instant;

/// Lattices up to this many sites get their exact ground energy (2^20 states by Lanczos).
const EXACT_SITES: u32 = 20;

#[path = "common/checkpoint.rs"]
mod checkpoint;
#[path = "common/cli.rs"]
mod cli;
#[path = "common/log.rs"]
mod log;
#[path = "common/plot.rs"]
mod plot;

/// Train a 2D RNN on the open or periodic square lattice: the transverse-field Ising model
/// (J = 1) or the Heisenberg model (Marshall sign, zero magnetisation).
#[derive(clap::Parser)]
#[command(name = "train_2d")]
struct Args {
    /// Sites along x.
    #[arg(long, default_value_t = 4)]
    lx: u32,
    /// Sites along y.
    #[arg(long, default_value_t = 4)]
    ly: u32,
    /// The model.
    #[arg(long, value_enum, default_value_t = ModelArg::Ising)]
    model: ModelArg,
    /// Ising: the transverse field h.
    #[arg(long, default_value_t = 3.0)]
    field: f64,
    /// Heisenberg: the next-nearest-neighbour (diagonal) coupling J2.
    #[arg(long, default_value_t = 0.0)]
    j2: f64,
    /// The lattice's boundary (the Hamiltonian's bonds), and the RNN's unless --rnn-boundary.
    #[arg(long, value_enum, default_value_t = BoundaryArg::Open)]
    boundary: BoundaryArg,
    /// The RNN's boundary, when not the lattice's: periodic reads the wrapped neighbours.
    #[arg(long, value_enum)]
    rnn_boundary: Option<BoundaryArg>,
    /// The Marshall sign rule (default: on for the square Heisenberg model, off otherwise).
    #[arg(long, value_enum)]
    marshall: Option<OnOff>,
    /// A basis rotation about z applied to the operator, H' = U H U^dagger with
    /// U = prod_j exp(-i phi_j n_j): neel120 (phi = 2 pi/3 ((x + y) mod 3), the triangular
    /// lattice's 120-degree pattern) or marshall (phi = pi on x + y even, the Marshall signs
    /// as a rotation). The energy is unchanged; the signs the model has to learn are not.
    #[arg(long, value_enum, default_value_t = RotateArg::None)]
    rotate: RotateArg,
    /// The phase head: none (psi = sqrt P times the sign rule) or the learned softsign phase.
    #[arg(long, value_enum, default_value_t = PhaseArg::None)]
    phase: PhaseArg,
    /// The phase head's initial weights: Glorot-uniform like the rest, scaled down (small),
    /// or zero (every configuration starts at phase 0: a real state, where the energy's
    /// gradient along the phase vanishes, so the phase never moves).
    #[arg(long, value_enum, default_value_t = PhaseInitArg::Glorot)]
    phase_init: PhaseInitArg,
    /// Annealing: the temperature T of <H> - T S at the start (0: plain VMC).
    #[arg(long, default_value_t = 0.0)]
    temperature: f64,
    /// Annealing: T falls linearly to 0 over this many steps (default: half the steps).
    #[arg(long)]
    anneal_steps: Option<u64>,
    /// The recurrent cell.
    #[arg(long, value_enum, default_value_t = cli::CellArg::Gru)]
    cell: cli::CellArg,
    /// Hidden units per layer.
    #[arg(long, default_value_t = 32)]
    hidden: u32,
    /// Stacked layers.
    #[arg(long, default_value_t = 1)]
    layers: u32,
    /// Samples per step.
    #[arg(long, default_value_t = 512)]
    samples: u64,
    /// Training steps in all (the learning rate decays over them).
    #[arg(long, default_value_t = 300)]
    steps: u64,
    /// The update rule (minsr = SGD after SR; sr is accepted too).
    #[arg(long, value_enum, default_value_t = cli::OptimizerArg::Minsr)]
    optimizer: cli::OptimizerArg,
    /// sr puts stochastic reconfiguration before adam or sgd.
    #[arg(long, value_enum, default_value_t = cli::PreconditionerArg::None)]
    preconditioner: cli::PreconditionerArg,
    /// Learning rate at the start.
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// Learning rate at the end.
    #[arg(long, default_value_t = 0.01)]
    final_lr: f64,
    /// SPRING's momentum, in [0, 1) (with --preconditioner spring).
    #[arg(long, default_value_t = 0.0)]
    momentum: f64,
    /// SR's diagonal shift (at the start, with --final-shift).
    #[arg(long, default_value_t = 1e-3)]
    shift: f64,
    /// SR's diagonal shift at the end: it decays geometrically from --shift over the steps,
    /// like the learning rate (default: constant).
    #[arg(long)]
    final_shift: Option<f64>,
    /// From step STEP on, N samples a step (repeatable, e.g. `--samples-from 200:1024
    /// --samples-from 300:2048`): more samples late in the run, where the energy's
    /// remaining error is small.
    #[arg(long, value_name = "STEP:N", value_parser = parse_samples_from)]
    samples_from: Vec<(u64, u64)>,
    /// Seed of the parameters and the samples.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Samples of the final energy estimate, made when the run has done its --steps (0: none).
    #[arg(long, default_value_t = 32768)]
    final_samples: usize,
    /// The floating-point type of the passes.
    #[arg(long, value_enum, default_value_t = cli::PrecisionArg::F64)]
    precision: cli::PrecisionArg,
    /// The lattice symmetry the wave function is averaged over: the maps of the grid (times
    /// the spin flip) that leave the operator invariant, or, on a rotated operator, turn it
    /// into its complex conjugate (kept with the conjugation; `Model::restrict_symmetry`).
    #[arg(long, value_enum, default_value_t = cli::SymmetryArg::None)]
    symmetry: cli::SymmetryArg,
    /// This session's wall-time budget: stop after the step that reaches it, checkpointed
    /// (continue with --resume).
    #[arg(long, value_parser = cli::parse_minutes)]
    minutes: Option<f64>,
    /// Stop this session after this many of its own steps, checkpointed (continue with
    /// --resume).
    #[arg(long)]
    stop_after: Option<u64>,
    /// Save the model and the optimiser into <out>/checkpoint every this many steps (and at
    /// the end).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    checkpoint_every: u64,
    /// Continue the run checkpointed in --out (started with the same settings).
    #[arg(long)]
    resume: bool,
    /// Start from this trained model (a `model.safetensors`, such as a checkpoint of a smaller
    /// lattice) resized to this lattice, instead of random weights: iterative retraining. Its
    /// cell, layers, phase head, sign rule, symmetry and RNN boundary must be the flags'
    /// (`--phase-init` does not apply: the weights are the trained ones); a model with fewer
    /// hidden units than `--hidden` is widened to them (the same psi, room to improve), one
    /// with more is refused;
    /// `--precision` may differ (the parameters are f64 either way).
    /// Only for a run's start: a resumed run continues from its own checkpoint, wherever the
    /// model it started from has gone since.
    #[arg(long, conflicts_with = "resume")]
    start_from: Option<PathBuf>,
    /// A known ground energy to report relative errors against, for lattices too large for
    /// the exact one.
    #[arg(long, allow_hyphen_values = true, value_parser = cli::parse_reference)]
    reference: Option<f64>,
    /// What `--reference` is, for the output and the plot: "exact", "QMC", ...
    #[arg(long, default_value = "reference", requires = "reference")]
    reference_label: String,
    /// Folder for log.jsonl, checkpoint/ and energy.svg.
    #[arg(long, default_value = "target/train_2d")]
    out: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BoundaryArg {
    Open,
    Periodic,
}

impl From<BoundaryArg> for Boundary {
    fn from(b: BoundaryArg) -> Self {
        match b {
            BoundaryArg::Open => Boundary::Open,
            BoundaryArg::Periodic => Boundary::Periodic,
        }
    }
}

impl Args {
    fn periodic(&self) -> bool {
        self.boundary == BoundaryArg::Periodic
    }

    fn rnn_boundary(&self) -> BoundaryArg {
        self.rnn_boundary.unwrap_or(self.boundary)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModelArg {
    Ising,
    #[value(alias = "j1j2")]
    Heisenberg,
    Triangular,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum RotateArg {
    None,
    Neel120,
    Marshall,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum PhaseArg {
    None,
    Softsign,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum PhaseInitArg {
    Glorot,
    /// Glorot scaled by `SMALL_PHASE`.
    Small,
    Zero,
}

/// The scale of `--phase-init small`: phases of a few hundredths of pi at the start.
const SMALL_PHASE: f64 = 0.1;

fn main() {
    let args = <Args as clap::Parser>::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let cell = CellKind::from(a.cell);
    let sites = a.lx * a.ly;
    let (mut h, mut name) = match a.model {
        ModelArg::Heisenberg => (
            Hamiltonian::heisenberg(a.lx, a.ly, a.periodic(), 1.0, a.j2)?,
            format!("Heisenberg J1 = 1, J2 = {}", a.j2),
        ),
        ModelArg::Triangular => (
            Hamiltonian::triangular(a.lx, a.ly, a.periodic(), 1.0)?,
            "triangular Heisenberg J = 1".to_string(),
        ),
        ModelArg::Ising => (
            Hamiltonian::tfim(a.lx, a.ly, a.periodic(), 1.0, a.field)?,
            format!("Ising J = 1, h = {}", a.field),
        ),
    };
    if let Some((angles, label)) = rotation(a)? {
        h.rotate_z(&angles)?;
        name.push_str(&format!(", rotated about z ({label})"));
    }
    // The reference energy and what it is: the given one, else the exact one when small.
    let reference = if let Some(e) = a.reference {
        Some(plot::Reference {
            energy: e,
            label: &a.reference_label,
        })
    } else if sites <= EXACT_SITES {
        Some(plot::Reference {
            energy: rnnwf::exact_ground_energy(&h)?,
            label: "exact",
        })
    } else {
        None
    };
    // The schedules' ends, checked before any step rather than where the run reaches them.
    cli::check_geometric(("--lr", a.lr), ("--final-lr", a.final_lr))?;
    if let Some(final_shift) = a.final_shift {
        cli::check_geometric(("--shift", a.shift), ("--final-shift", final_shift))?;
    }
    let settings = settings(a);
    std::fs::create_dir_all(&a.out)
        .map_err(|e| format!("cannot create {}: {e}", a.out.display()))?;
    let (mut model, mut vmc) = if a.resume {
        let saved = checkpoint::load(&a.out, &settings)?;
        if let Some(line) = cli::symmetry_line(&saved.model, &h) {
            println!("{line}");
        }
        (saved.model, saved.vmc)
    } else {
        new_run(a, cell, sites, &h)?
    };
    println!("{}", cli::sign_free_line(&model, &h));
    let training = cli::training_name(
        Optimizer::from(a.optimizer),
        vmc.config().preconditioner_in_effect(),
    );
    println!(
        "{}x{} {} {name}; 2D {} ({} RNN) hidden {} x {} layer(s), sign rule {:?}, phase {:?}, \
         symmetry {}, {} parameters; {training}, {} samples/step{}, lr {} -> {}{}{}, {}{}{}",
        a.lx,
        a.ly,
        if a.periodic() { "periodic" } else { "open" },
        cli::cell_name(cell),
        if a.rnn_boundary() == BoundaryArg::Periodic {
            "periodic"
        } else {
            "open"
        },
        a.hidden,
        a.layers,
        model.config().sign_rule,
        model.config().phase,
        cli::symmetry_name(a.symmetry.into()),
        model.num_params(),
        a.samples,
        a.samples_from
            .iter()
            .map(|(step, n)| format!(", {n} from step {step}"))
            .collect::<String>(),
        a.lr,
        a.final_lr,
        a.final_shift
            .map_or(String::new(), |s| format!(", shift {} -> {s}", a.shift)),
        if a.temperature > 0.0 {
            format!(
                ", annealed from T = {} over {} steps",
                a.temperature,
                anneal_steps(a)
            )
        } else {
            String::new()
        },
        cli::threads_text(),
        reference.map_or(String::new(), |r| format!(
            "; {} E0 = {:.10}",
            r.label, r.energy
        )),
        if a.resume {
            format!("; resumed at step {}", vmc.steps())
        } else {
            String::new()
        }
    );
    let (mut log, kept) = log::Log::open(&a.out.join("log.jsonl"), vmc.steps())?;
    let mut history: Vec<plot::EnergyPoint> = kept
        .iter()
        .map(|k| plot::EnergyPoint {
            step: k.step,
            mean: k.energy,
            error: k.error,
        })
        .collect();
    let start = Instant::now();
    let report_every = (a.steps / 20).max(1);
    let budget = a.minutes.map(|m| m * 60.0);
    let mut step_seconds = Vec::new();
    let mut session_steps = 0u64;
    while vmc.steps() < a.steps {
        let out_of_time = budget.is_some_and(|b| start.elapsed().as_secs_f64() >= b);
        if out_of_time || a.stop_after.is_some_and(|k| session_steps >= k) {
            break;
        }
        // Geometric decay from lr to final_lr over the run's steps: a function of the step,
        // so that a resumed run takes the same rates.
        let frac = vmc.steps() as f64 / a.steps as f64;
        vmc.set_learning_rate(a.lr * (a.final_lr / a.lr).powf(frac))?;
        if let Some(final_shift) = a.final_shift {
            vmc.set_diag_shift(a.shift * (final_shift / a.shift).powf(frac))?;
        }
        if !a.samples_from.is_empty() {
            vmc.set_n_samples(samples_at(a, vmc.steps()))?;
        }
        if a.temperature > 0.0 {
            let left = 1.0 - vmc.steps() as f64 / anneal_steps(a) as f64;
            vmc.set_temperature(a.temperature * left.max(0.0))?;
        }
        let s = vmc.step(&mut model, &h)?;
        session_steps += 1;
        step_seconds.push(s.seconds);
        let e = s.energy.mean.re;
        history.push(plot::EnergyPoint {
            step: s.step,
            mean: e,
            error: s.energy.error,
        });
        log.write(&log::Row {
            step: s.step,
            energy: e,
            error: s.energy.error,
            variance: s.energy.variance,
            relative_error: reference.map(|r| (e - r.energy).abs() / r.energy.abs()),
            grad_norm: s.grad_norm,
            seconds: s.seconds,
            lattice: None,
        })?;
        if vmc.steps().is_multiple_of(a.checkpoint_every) {
            checkpoint::save(&a.out, &model, &vmc, 0, &settings)?;
        }
        if s.step.is_multiple_of(report_every) || vmc.steps() == a.steps || session_steps == 1 {
            let versus_exact = reference.map_or(String::new(), |r| {
                let x = r.energy;
                format!("  rel. error {:.2e} ({})", (e - x).abs() / x.abs(), r.label)
            });
            println!(
                "step {:>5}  E = {e:>13.7} +- {:.1e}  E/N = {:>10.7}{versus_exact}  \
                 var {:.2e}  {:>6.1} s",
                s.step,
                s.energy.error,
                e / sites as f64,
                s.energy.variance,
                start.elapsed().as_secs_f64()
            );
        }
    }
    checkpoint::save(&a.out, &model, &vmc, 0, &settings)?;
    if vmc.steps() < a.steps {
        println!(
            "stopped at step {} of {}, checkpointed in {}: continue with the same command \
             and --resume",
            vmc.steps(),
            a.steps,
            a.out.join("checkpoint").display()
        );
    }
    let training_seconds = start.elapsed().as_secs_f64();
    step_seconds.sort_by(f64::total_cmp);
    let median_step = step_seconds.get(step_seconds.len() / 2).copied();
    // Final estimate with more samples, from the trained state, once the run has done its
    // steps (a session that stops early skips it, as transfer_2d does): on large lattices it
    // takes as long as many steps, so say so before it starts.
    let mut final_estimate = None;
    if a.final_samples > 0 && vmc.steps() >= a.steps {
        println!("final estimate with {} samples ...", a.final_samples);
        let estimating = Instant::now();
        let est = rnnwf::expectation(&model, &h, a.seed ^ 0xF1, a.final_samples)?;
        let estimate_seconds = estimating.elapsed().as_secs_f64();
        let e = est.mean.re;
        println!(
            "summary: {}x{} {name}: E = {e:.8} +- {:.1e} ({} samples, {estimate_seconds:.1} s), \
             E/N = {:.8}{}; {} steps, {session_steps} in this session in \
             {training_seconds:.1} s, median {:.3} s/step",
            a.lx,
            a.ly,
            est.error,
            a.final_samples,
            e / sites as f64,
            reference.map_or(String::new(), |r| format!(
                ", {} {:.8}, relative error {:.2e}",
                r.label,
                r.energy,
                (e - r.energy).abs() / r.energy.abs()
            )),
            vmc.steps(),
            median_step.unwrap_or(0.0)
        );
        final_estimate = Some(plot::FinalEstimate {
            mean: e,
            error: est.error,
            samples: a.final_samples,
        });
    }
    // On small lattices the trained state's energy is exact too (a sum over every
    // configuration): no sampling noise when comparing recipes.
    if sites <= EXACT_SITES {
        let e = rnnwf::exact_expectation(&model, &h)?.re;
        println!(
            "exact energy of the trained state: {e:.10}{}",
            reference.map_or(String::new(), |r| format!(
                ", relative error {:.3e} ({})",
                (e - r.energy).abs() / r.energy.abs(),
                r.label
            ))
        );
    }
    let svg = a.out.join("energy.svg");
    let title = format!(
        "{}x{} {} {name}: 2D {} {} x {}, {training}",
        a.lx,
        a.ly,
        if a.periodic() { "periodic" } else { "open" },
        cli::cell_name(cell),
        a.hidden,
        a.layers,
    );
    let plot = plot::Plot {
        title: &title,
        sites,
        reference,
        final_estimate,
    };
    // `--steps 0` evaluates a model (say one of --start-from) without training it.
    if history.is_empty() {
        println!("plot: none (no steps)");
    } else {
        plot::write_energy_plot(&svg, &plot, &history)?;
        println!("plot: {}", svg.display());
    }
    Ok(())
}

/// The settings that define the run: --resume refuses other ones.
fn settings(a: &Args) -> checkpoint::Settings {
    let mut settings = vec![
        ("lx", a.lx.to_string()),
        ("ly", a.ly.to_string()),
        ("model", format!("{:?}", a.model)),
        ("field", format!("{:?}", a.field)),
        ("j2", format!("{:?}", a.j2)),
        ("cell", format!("{:?}", a.cell)),
        ("hidden", a.hidden.to_string()),
        ("layers", a.layers.to_string()),
        ("samples", a.samples.to_string()),
        ("steps", a.steps.to_string()),
        ("optimizer", format!("{:?}", a.optimizer)),
        ("preconditioner", format!("{:?}", a.preconditioner)),
        ("lr", format!("{:?}", a.lr)),
        ("final_lr", format!("{:?}", a.final_lr)),
        ("momentum", format!("{:?}", a.momentum)),
        ("shift", format!("{:?}", a.shift)),
        ("seed", a.seed.to_string()),
        ("precision", format!("{:?}", a.precision)),
        ("symmetry", format!("{:?}", a.symmetry)),
    ];
    // Only when not the default, so that runs checkpointed before these flags resume.
    if marshall(a) != marshall_by_default(a) {
        settings.push(("marshall", format!("{:?}", marshall(a))));
    }
    if a.rotate != RotateArg::None {
        settings.push(("rotate", format!("{:?}", a.rotate)));
    }
    if a.phase != PhaseArg::None {
        settings.push(("phase", format!("{:?}", a.phase)));
        settings.push(("phase_init", format!("{:?}", a.phase_init)));
    }
    if a.temperature != 0.0 {
        settings.push(("temperature", format!("{:?}", a.temperature)));
        settings.push(("anneal_steps", anneal_steps(a).to_string()));
    }
    if let Some(s) = a.final_shift {
        settings.push(("final_shift", format!("{s:?}")));
    }
    if !a.samples_from.is_empty() {
        let schedule: Vec<String> = a
            .samples_from
            .iter()
            .map(|(step, n)| format!("{step}:{n}"))
            .collect();
        settings.push(("samples_from", schedule.join(",")));
    }
    if a.boundary != BoundaryArg::Open {
        settings.push(("boundary", format!("{:?}", a.boundary)));
    }
    if let Some(b) = a.rnn_boundary {
        settings.push(("rnn_boundary", format!("{b:?}")));
    }
    settings
}

/// The angles of `--rotate` and their name, or None.
fn rotation(a: &Args) -> rnnwf::Result<Option<(Vec<f64>, &'static str)>> {
    Ok(match a.rotate {
        RotateArg::None => None,
        RotateArg::Neel120 => Some((
            rnnwf::three_sublattice_angles(a.lx, a.ly)?,
            "120-degree three-sublattice angles",
        )),
        RotateArg::Marshall => {
            // pi on the Marshall rule's sublattice A, x + y even.
            let angles = (0..a.lx * a.ly)
                .map(|i| {
                    let (x, y) = (i % a.lx, i / a.lx);
                    if (x + y) % 2 == 0 {
                        std::f64::consts::PI
                    } else {
                        0.0
                    }
                })
                .collect();
            Some((angles, "pi on x + y even"))
        }
    })
}

/// Whether the run uses the Marshall sign rule: `--marshall`, else on for the square
/// Heisenberg model only.
fn marshall(a: &Args) -> bool {
    a.marshall
        .map_or(marshall_by_default(a), |m| m == OnOff::On)
}

/// Without `--marshall`: the square Heisenberg model takes the Marshall sign rule.
fn marshall_by_default(a: &Args) -> bool {
    a.model == ModelArg::Heisenberg
}

/// One `--samples-from STEP:N`: from step STEP on, N (at least 1) samples a step.
fn parse_samples_from(text: &str) -> Result<(u64, u64), String> {
    let (step, n) = text
        .split_once(':')
        .ok_or_else(|| format!("expected STEP:N (e.g. 200:1024), got {text:?}"))?;
    let step = step
        .trim()
        .parse::<u64>()
        .map_err(|e| format!("STEP {step:?} in {text:?}: {e}"))?;
    let n = n
        .trim()
        .parse::<u64>()
        .map_err(|e| format!("N {n:?} in {text:?}: {e}"))?;
    if n == 0 || n > 1 << 40 {
        return Err(format!("N in {text:?} must be in 1..=2^40"));
    }
    Ok((step, n))
}

/// The samples of step `step`: those of the latest `--samples-from` that has begun, else
/// `--samples`. A function of the step, so that a resumed run draws as the whole one did.
fn samples_at(a: &Args, step: u64) -> u64 {
    a.samples_from
        .iter()
        .filter(|(from, _)| *from <= step)
        .max_by_key(|(from, _)| *from)
        .map_or(a.samples, |(_, n)| *n)
}

/// The steps over which the annealing temperature falls to 0.
fn anneal_steps(a: &Args) -> u64 {
    a.anneal_steps.unwrap_or(a.steps / 2).max(1)
}

/// The random start of `config`, its phase head's weights scaled by `--phase-init`.
fn initial_model(a: &Args, config: ModelConfig) -> rnnwf::Result<Model> {
    let mut model = Model::new(config)?;
    let phase_scale = match a.phase_init {
        PhaseInitArg::Glorot => 1.0,
        PhaseInitArg::Small => SMALL_PHASE,
        PhaseInitArg::Zero => 0.0,
    };
    if phase_scale != 1.0 {
        let mut params = model.params().to_vec();
        for block in model.param_blocks() {
            if block.name.starts_with("phase.") {
                params[block.range.clone()]
                    .iter_mut()
                    .for_each(|p| *p *= phase_scale);
            }
        }
        model.set_params(&params)?;
    }
    Ok(model)
}

/// A new model and optimiser for the run `a` describes.
fn new_run(
    a: &Args,
    cell: CellKind,
    sites: u32,
    h: &Hamiltonian,
) -> Result<(Model, Vmc), Box<dyn std::error::Error>> {
    // The Heisenberg models conserve the magnetisation: sample at zero.
    let spin_model = a.model != ModelArg::Ising;
    let config = ModelConfig::default()
        .with_cell(cell)
        .with_lx(a.lx)
        .with_ly(a.ly)
        .with_hidden(a.hidden)
        .with_layers(a.layers)
        .with_phase(match a.phase {
            PhaseArg::None => PhaseKind::None,
            PhaseArg::Softsign => PhaseKind::Softsign,
        })
        .with_sign_rule(if marshall(a) {
            SignRule::Marshall
        } else {
            SignRule::None
        })
        .with_u1_total(spin_model.then_some(sites / 2))
        .with_symmetry(a.symmetry.into())
        .with_precision(a.precision.into())
        .with_boundary(a.rnn_boundary().into())
        .with_seed(a.seed);
    let model = match &a.start_from {
        Some(path) => cli::start_from(path, &config)?,
        None => initial_model(a, config)?,
    };
    // `--symmetry lattice`: the maps of the grid that leave the operator invariant.
    let (model, line) = cli::restrict_symmetry(model, h)?;
    if let Some(line) = line {
        println!("{line}");
    }
    let vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(a.optimizer.into())
            .with_preconditioner(a.preconditioner.into())
            .with_n_samples(a.samples)
            .with_learning_rate(a.lr)
            .with_sr_diag_shift(a.shift)
            .with_sr_momentum(a.momentum)
            .with_temperature(a.temperature)
            .with_seed(a.seed),
    )?;
    Ok((model, vmc))
}
