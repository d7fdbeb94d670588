//! The 2D RNN: seconds per VMC step on square grids, and the 2D RNN against the 1D RNN run
//! along the same snake, in accuracy reached and time per step.
//!
//! `cargo bench --bench vmc_2d [-- steps|recipe|compare]`. `recipe` times a step of the
//! README's 2D recipe (`transfer_2d`'s defaults: open Heisenberg, 2D GRU hidden 32, Marshall
//! and U(1), D4 images, SPRING, 512 samples) at 6x6, 10x10 and 16x16, in f64 and f32 passes
//! (`-- recipe 6 10`: those sides only). The comparison runs the 1D RNN at the
//! grid model's hidden size and at about its number of parameters. Step times are medians over the timed
//! steps (after a warm-up step), with the number of threads rnnwf uses by default (all
//! cores). The comparison renumbers the 2D Hamiltonian onto the snake (site x + lx*y becomes
//! its snake position), so that a chain model visits the grid in the same order as the 2D
//! RNN and its Marshall sign (parity of the chain index) is the grid's checkerboard: the
//! snake is a path of nearest neighbours, so consecutive positions alternate sublattices.

mod common;

use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{StepTimings, Vmc, VmcConfig};
use rnnwf::{CellKind, Hamiltonian, Model, ModelConfig, Pauli, Precision, SignRule};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn vmc(samples: u64, lr: f64) -> Vmc {
    Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::MinSr)
            .with_n_samples(samples)
            .with_learning_rate(lr)
            .with_sr_diag_shift(1e-3)
            .with_seed(3),
    )
    .unwrap()
}

/// One warm-up step, then `timed` steps: the medians of their stages and of the whole step,
/// as the tables' columns.
fn timed_steps(v: &mut Vmc, model: &mut Model, h: &Hamiltonian, timed: usize) -> String {
    v.step(model, h).unwrap();
    let runs: Vec<(StepTimings, f64)> = (0..timed)
        .map(|_| {
            let s = v.step(model, h).unwrap();
            (s.timings, s.seconds)
        })
        .collect();
    let part = |f: fn(&StepTimings) -> f64| median(runs.iter().map(|r| f(&r.0)).collect());
    format!(
        "{:>9.4} {:>9.4} {:>9.4} {:>9.4} | {:>9.4}",
        part(|t| t.sampling),
        part(|t| t.local_energies),
        part(|t| t.gradient),
        part(|t| t.update),
        median(runs.iter().map(|r| r.1).collect())
    )
}

fn step_times() {
    let samples = 256;
    println!("seconds per minSR step, open 2D Ising model at h = 3, 2D GRU, {samples} samples");
    println!(
        "{:>6} {:>6} {:>7} | {:>9} {:>9} {:>9} {:>9} | {:>9}",
        "grid", "hidden", "params", "sampling", "E_loc", "gradient", "update", "step [s]"
    );
    for (l, timed) in [(4u32, 7usize), (8, 5), (12, 3)] {
        let h = Hamiltonian::tfim(l, l, false, 1.0, 3.0).unwrap();
        for hidden in [32u32, 64] {
            let mut model = Model::new(
                ModelConfig::default()
                    .with_cell(CellKind::Gru)
                    .with_lx(l)
                    .with_ly(l)
                    .with_hidden(hidden)
                    .with_seed(1),
            )
            .unwrap();
            let mut v = vmc(samples, 1e-3);
            println!(
                "{:>6} {hidden:>6} {:>7} | {}",
                format!("{l}x{l}"),
                model.num_params(),
                timed_steps(&mut v, &mut model, &h, timed)
            );
        }
    }
}

/// The cost of a step of the README recipe as the lattice grows, split into its parts, in
/// both precisions of the passes; the model is freshly initialised, which costs the same per step as a trained one.
fn recipe_steps(sides: &[u32]) {
    let samples = 512;
    println!(
        "seconds per step of the 2D recipe: open Heisenberg, 2D GRU hidden 32, Marshall + U(1), \
         D4 images, SPRING (momentum 0.5), {samples} samples"
    );
    println!(
        "{:>6} {:>9} {:>7} | {:>9} {:>9} {:>9} {:>9} | {:>9}",
        "grid", "precision", "params", "sampling", "E_loc", "gradient", "update", "step [s]"
    );
    let sizes = [(6u32, 5usize), (10, 3), (16, 3)];
    for ((l, timed), precision) in sizes
        .into_iter()
        .filter(|(l, _)| sides.is_empty() || sides.contains(l))
        .flat_map(|s| [(s, Precision::F64), (s, Precision::F32)])
    {
        let h = Hamiltonian::heisenberg(l, l, false, 1.0, 0.0).unwrap();
        let mut model = common::recipe_model(l, 32, precision);
        let mut v = Vmc::new(
            VmcConfig::default()
                .with_optimizer(Optimizer::MinSr)
                .with_preconditioner(Preconditioner::Spring)
                .with_sr_momentum(0.5)
                .with_n_samples(samples)
                .with_learning_rate(0.01)
                .with_sr_diag_shift(1e-3)
                .with_seed(3),
        )
        .unwrap();
        println!(
            "{:>6} {:>9} {:>7} | {}",
            format!("{l}x{l}"),
            format!("{precision:?}"),
            model.num_params(),
            timed_steps(&mut v, &mut model, &h, timed)
        );
    }
}

/// `h` with every site moved to its position in `order` (position -> site).
fn renumbered(h: &Hamiltonian, order: &[usize]) -> Hamiltonian {
    let mut position = vec![0u32; order.len()];
    for (p, &site) in order.iter().enumerate() {
        position[site] = p as u32;
    }
    let mut out = Hamiltonian::new(order.len() as u32).unwrap();
    for (coeff, ops) in h.terms() {
        let letters: String = ops
            .iter()
            .map(|(_, pauli)| match pauli {
                Pauli::X => 'X',
                Pauli::Y => 'Y',
                Pauli::Z => 'Z',
            })
            .collect();
        let sites: Vec<u32> = ops.iter().map(|&(s, _)| position[s as usize]).collect();
        out.add_term(coeff, &letters, &sites).unwrap();
    }
    out
}

/// Trains `config` for `steps` minSR steps (learning rate 0.05 decaying to 0.01) and returns
/// the exact relative error of the trained state and the median seconds per step.
fn train(config: ModelConfig, h: &Hamiltonian, exact: f64, steps: u64) -> (f64, f64) {
    let mut model = Model::new(config).unwrap();
    let mut v = vmc(256, 0.05);
    let mut seconds = Vec::new();
    for step in 0..steps {
        v.set_learning_rate(0.05 * 0.2f64.powf(step as f64 / steps as f64))
            .unwrap();
        seconds.push(v.step(&mut model, h).unwrap().seconds);
    }
    let e = rnnwf::exact_expectation(&model, h).unwrap().re;
    ((e - exact).abs() / exact.abs(), median(seconds))
}

fn compare() {
    let (l, hidden, steps) = (4u32, 32u32, 200u64);
    println!(
        "2D RNN against the 1D RNN along the snake: {l}x{l} open, GRU hidden {hidden}, \
         256 samples, {steps} minSR steps; exact relative error of the trained state"
    );
    println!(
        "{:<22} {:>7} {:>7} {:>11} {:>9} {:>8}",
        "case", "model", "params", "rel. error", "s/step", "total s"
    );
    let cases = [
        (
            "Ising h = 3",
            Hamiltonian::tfim(l, l, false, 1.0, 3.0).unwrap(),
            SignRule::None,
            None,
        ),
        (
            "Heisenberg (Marshall)",
            Hamiltonian::heisenberg(l, l, false, 1.0, 0.0).unwrap(),
            SignRule::Marshall,
            Some(l * l / 2),
        ),
    ];
    for (name, h, sign_rule, u1_total) in cases {
        let exact = rnnwf::exact_ground_energy(&h).unwrap();
        let grid = ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(l)
            .with_ly(l)
            .with_hidden(hidden)
            .with_sign_rule(sign_rule)
            .with_u1_total(u1_total)
            .with_seed(7);
        let order = Model::new(grid.clone()).unwrap().order().to_vec();
        let chain = grid.clone().with_lx(l * l).with_ly(1);
        // A wider chain with about as many parameters as the grid model.
        let grid_params = Model::new(grid.clone()).unwrap().num_params();
        let wide = (hidden..)
            .map(|hidden| chain.clone().with_hidden(hidden))
            .find(|c| Model::new(c.clone()).unwrap().num_params() >= grid_params)
            .unwrap();
        let wide_label = format!("1D h{}", wide.hidden);
        let along_snake = renumbered(&h, &order);
        for (label, config, h) in [
            ("2D", grid, &h),
            ("1D", chain, &along_snake),
            (wide_label.as_str(), wide, &along_snake),
        ] {
            let params = Model::new(config.clone()).unwrap().num_params();
            let start = Instant::now();
            let (rel, per_step) = train(config, h, exact, steps);
            println!(
                "{name:<22} {label:>7} {params:>7} {rel:>11.2e} {per_step:>9.4} {:>8.1}",
                start.elapsed().as_secs_f64()
            );
        }
    }
}

fn main() {
    println!(
        "threads: {}, elementwise kernels: {}",
        rnnwf::num_threads(),
        rnnwf::simd_level_name()
    );
    // `cargo bench` passes --bench; a bare word picks one part.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|a| a == part);
    if wanted("steps") {
        step_times();
    }
    if wanted("recipe") {
        let sides: Vec<u32> = only.iter().filter_map(|a| a.parse().ok()).collect();
        recipe_steps(&sides);
    }
    if wanted("compare") {
        compare();
    }
}
