//! Why the phase head must not start at zero (docs/frustrated.md): for a real Hamiltonian, a
//! real wave function (phase 0, times any sign rule) is a stationary point of the energy
//! along every phase parameter, E(theta) being even in them there; so a zero-initialised phase
//! head gets no gradient and never moves. Checked on exact energies (a sum over every
//! configuration) by central differences, on the frustrated models the recipe is for, against
//! the Glorot initialisation, where the same derivatives are far from zero.

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{exact_expectation, CellKind, Hamiltonian, Model, ModelConfig, PhaseKind, SignRule};

fn model(rule: SignRule, zero_phase: bool) -> Model {
    let mut m = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(3)
            .with_ly(3)
            .with_hidden(6)
            .with_phase(PhaseKind::Softsign)
            .with_sign_rule(rule)
            .with_seed(11),
    )
    .unwrap();
    if zero_phase {
        let mut p = m.params().to_vec();
        for b in phase_blocks(&m) {
            p[b].fill(0.0);
        }
        m.set_params(&p).unwrap();
    }
    m
}

fn phase_blocks(m: &Model) -> Vec<std::ops::Range<usize>> {
    let blocks: Vec<_> = m
        .param_blocks()
        .iter()
        .filter(|b| b.name.starts_with("phase."))
        .map(|b| b.range.clone())
        .collect();
    assert_eq!(blocks.len(), 2, "phase.weight and phase.bias");
    blocks
}

/// The largest |dE/dtheta| over the phase parameters, by central differences of the exact
/// energy.
fn largest_phase_derivative(m: &Model, h: &Hamiltonian) -> f64 {
    let step = 1e-4;
    let base = m.params().to_vec();
    let mut largest: f64 = 0.0;
    let mut probe = m.try_clone().unwrap();
    for i in phase_blocks(m).into_iter().flatten() {
        let mut energy = |delta: f64| {
            let mut p = base.clone();
            p[i] += delta;
            probe.set_params(&p).unwrap();
            exact_expectation(&probe, h).unwrap().re
        };
        let d = (energy(step) - energy(-step)) / (2.0 * step);
        largest = largest.max(d.abs());
    }
    largest
}

#[test]
fn a_zero_phase_head_is_a_stationary_point_of_the_energy() {
    let cases = [
        (
            "J1-J2 at J2 = 0.5, Marshall",
            Hamiltonian::heisenberg(3, 3, false, 1.0, 0.5).unwrap(),
            SignRule::Marshall,
        ),
        (
            "triangular, no sign rule",
            Hamiltonian::triangular(3, 3, false, 1.0).unwrap(),
            SignRule::None,
        ),
    ];
    for (name, h, rule) in cases {
        let at_zero = largest_phase_derivative(&model(rule, true), &h);
        let at_glorot = largest_phase_derivative(&model(rule, false), &h);
        // Roundoff of E (about 1e-15 relative) over the step: a few 1e-11.
        assert!(at_zero < 1e-8, "{name}: |dE/dphase| = {at_zero} at zero");
        assert!(
            at_glorot > 1e-3,
            "{name}: |dE/dphase| = {at_glorot} at Glorot"
        );
    }
}

/// The same seen by training: minSR steps from a zero phase head leave it at zero up to
/// roundoff (its log-derivatives are imaginary while the local energies of a real state are
/// real, so the SR system does not couple them to the energy).
#[test]
fn minsr_does_not_move_a_zero_phase_head() {
    let h = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.5).unwrap();
    let mut m = model(SignRule::Marshall, true);
    let before = m.params().to_vec();
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::MinSr)
            .with_n_samples(64)
            .with_learning_rate(0.05)
            .with_seed(3),
    )
    .unwrap();
    for _ in 0..3 {
        vmc.step(&mut m, &h).unwrap();
    }
    assert_ne!(m.params(), &before[..], "the amplitude trained");
    for b in phase_blocks(&m) {
        let moved = m.params()[b].iter().fold(0.0f64, |a, p| a.max(p.abs()));
        assert!(moved < 1e-12, "the phase head moved by {moved}");
    }
}
