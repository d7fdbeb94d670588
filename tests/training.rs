//! The VMC driver against exact answers: trained energies, the gradient estimator against
//! finite differences of the exact (free) energy, reconstruction from data by exact KL
//! divergence, and refusals that leave the model and optimiser unchanged.

mod common;
use common::all_configs;
use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, ErrorKind, Hamiltonian, Model, ModelConfig, PhaseKind, SignRule};

fn gru(sites: u32, hidden: u32) -> ModelConfig {
    ModelConfig::default()
        .with_cell(CellKind::Gru)
        .with_lx(sites)
        .with_hidden(hidden)
        .with_seed(5)
}

fn train(model: &mut Model, h: &Hamiltonian, config: VmcConfig, steps: usize) -> Vmc {
    let mut vmc = Vmc::new(config).unwrap();
    for _ in 0..steps {
        vmc.step(model, h).unwrap();
    }
    vmc
}

fn relative_error(model: &Model, h: &Hamiltonian, exact: f64) -> f64 {
    let e = rnnwf::exact_expectation(model, h).unwrap().re;
    (e - exact).abs() / exact.abs()
}

#[test]
fn minsr_trains_the_open_ising_chain_to_its_exact_energy() {
    let n = 10;
    let h = Hamiltonian::tfim(n, 1, false, 1.0, 1.0).unwrap();
    let exact = 1.0 - 1.0 / (std::f64::consts::PI / (2.0 * (2.0 * n as f64 + 1.0))).sin();
    let mut model = Model::new(gru(n, 16)).unwrap();
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::MinSr)
        .with_n_samples(256)
        .with_learning_rate(0.05)
        .with_sr_diag_shift(1e-3);
    train(&mut model, &h, config, 120);
    let rel = relative_error(&model, &h, exact);
    assert!(rel < 1e-4, "relative error {rel}");
}

#[test]
fn adam_trains_the_open_ising_chain_close_to_its_exact_energy() {
    let n = 8;
    let h = Hamiltonian::tfim(n, 1, false, 1.0, 1.0).unwrap();
    let exact = rnnwf::tfim_open_chain_ground_energy(n as usize, 1.0, 1.0).unwrap();
    let mut model = Model::new(gru(n, 12)).unwrap();
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::Adam)
        .with_n_samples(256)
        .with_learning_rate(0.01);
    train(&mut model, &h, config, 300);
    let rel = relative_error(&model, &h, exact);
    assert!(rel < 1e-3, "relative error {rel}");
}

#[test]
fn minsr_trains_the_heisenberg_chain_with_marshall_sign_at_zero_magnetisation() {
    let n = 8;
    let h = Hamiltonian::heisenberg(n, 1, false, 1.0, 0.0).unwrap();
    let exact = rnnwf::exact_ground_energy(&h).unwrap();
    let mut model = Model::new(
        gru(n, 16)
            .with_sign_rule(SignRule::Marshall)
            .with_u1_total(Some(n / 2)),
    )
    .unwrap();
    let config = VmcConfig::default()
        .with_optimizer(Optimizer::MinSr)
        .with_n_samples(256)
        .with_learning_rate(0.05)
        .with_sr_diag_shift(1e-3);
    train(&mut model, &h, config, 100);
    let rel = relative_error(&model, &h, exact);
    assert!(rel < 1e-3, "relative error {rel}");
}

/// Exact free energy F = <H> - T S = sum_s P(s) (E_loc(s) + T ln P(s)) by enumeration.
fn exact_free_energy(model: &Model, h: &Hamiltonian, t: f64) -> f64 {
    let configs = all_configs(model.num_sites(), 2);
    let mut log_p = vec![0.0; configs.len() / model.num_sites()];
    model.log_prob(&configs, &mut log_p).unwrap();
    let entropy_term: f64 = log_p.iter().map(|l| l.exp() * l).sum();
    rnnwf::exact_expectation(model, h).unwrap().re + t * entropy_term
}

/// One SGD step with learning rate 1 moves the parameters by minus the estimated gradient;
/// with many samples it must agree with central differences of the exact free energy.
#[test]
fn the_step_gradient_estimates_the_exact_free_energy_gradient() {
    let h = Hamiltonian::parse(
        4,
        "-1 Z0 Z1\n-1 Z1 Z2\n-1 Z2 Z3\n-0.7 X0\n-0.7 X1\n-0.7 X2\n-0.7 X3\n0.4 Y1 Y2\n",
    )
    .unwrap();
    // The last case isolates the entropy term: no Hamiltonian, F = -T S.
    let zero = Hamiltonian::new(4).unwrap();
    for (phase, t, h) in [
        (PhaseKind::None, 0.0, &h),
        (PhaseKind::Softsign, 0.0, &h),
        (PhaseKind::Softsign, 0.3, &h),
        (PhaseKind::None, 1.0, &zero),
    ] {
        let cfg = gru(4, 3).with_phase(phase);
        let model = Model::new(cfg.clone()).unwrap();
        let theta = model.params().to_vec();
        let mut stepped = model.clone();
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(Optimizer::Sgd)
                .with_n_samples(1 << 17)
                .with_learning_rate(1.0)
                .with_temperature(t)
                .with_seed(11),
        )
        .unwrap();
        vmc.step(&mut stepped, h).unwrap();
        let estimated: Vec<f64> = theta
            .iter()
            .zip(stepped.params())
            .map(|(a, b)| a - b)
            .collect();
        let eps = 1e-5;
        let exact: Vec<f64> = (0..theta.len())
            .map(|k| {
                let at = |d: f64| {
                    let mut p = theta.clone();
                    p[k] += d;
                    exact_free_energy(&Model::with_params(cfg.clone(), &p).unwrap(), h, t)
                };
                (at(eps) - at(-eps)) / (2.0 * eps)
            })
            .collect();
        let norm = exact.iter().map(|g| g * g).sum::<f64>().sqrt();
        let diff = estimated
            .iter()
            .zip(&exact)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        // 2^17 independent samples: statistical error of a few parts in a thousand.
        assert!(
            diff < 0.03 * norm,
            "{phase:?} T = {t}: |estimate - exact| = {diff}, |exact| = {norm}"
        );
    }
}

/// Exact KL(P_target || P_model) by enumeration.
fn kl_divergence(target: &Model, model: &Model) -> f64 {
    let configs = all_configs(target.num_sites(), 2);
    let n = configs.len() / target.num_sites();
    let (mut lt, mut lm) = (vec![0.0; n], vec![0.0; n]);
    target.log_prob(&configs, &mut lt).unwrap();
    model.log_prob(&configs, &mut lm).unwrap();
    lt.iter().zip(&lm).map(|(t, m)| t.exp() * (t - m)).sum()
}

#[test]
fn fit_step_reconstructs_a_state_from_its_samples() {
    let sites = 6;
    // A target with structure: a trained-looking random GRU with larger weights.
    let target_cfg = gru(sites, 8).with_seed(99);
    let base = Model::new(target_cfg.clone()).unwrap();
    let sharper: Vec<f64> = base.params().iter().map(|p| 3.0 * p).collect();
    let target = Model::with_params(target_cfg, &sharper).unwrap();
    let m = 20_000;
    let mut data = vec![0u8; m * sites as usize];
    target.sample(4, m, &mut data, None).unwrap();

    let mut model = Model::new(gru(sites, 8)).unwrap();
    let initial = kl_divergence(&target, &model);
    let mut vmc = Vmc::new(
        VmcConfig::default()
            .with_optimizer(Optimizer::Adam)
            .with_learning_rate(0.02),
    )
    .unwrap();
    let first_nll = vmc.fit_step(&mut model, &data).unwrap();
    let mut nll = first_nll;
    for _ in 0..400 {
        nll = vmc.fit_step(&mut model, &data).unwrap();
    }
    let kl = kl_divergence(&target, &model);
    assert!(nll < first_nll, "NLL {first_nll} -> {nll}");
    // The floor set by 2e4 samples over 64 configurations is about 64 / (2 * 2e4) = 0.0016.
    assert!(kl < 0.01 && kl < initial / 20.0, "KL {initial} -> {kl}");
}

#[test]
fn bad_settings_are_refused() {
    let bad = [
        VmcConfig::default().with_n_samples(0),
        VmcConfig::default().with_learning_rate(-1e-3),
        VmcConfig::default().with_learning_rate(f64::NAN),
        VmcConfig::default().with_adam_beta1(1.0),
        VmcConfig::default().with_adam_eps(0.0),
        VmcConfig::default().with_sr_diag_shift(-1.0),
        VmcConfig::default().with_grad_clip(f64::INFINITY),
        VmcConfig::default().with_temperature(-0.1),
    ];
    for config in bad {
        let err = Vmc::new(config.clone())
            .err()
            .unwrap_or_else(|| panic!("{config:?} accepted"));
        assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    }
    let mut vmc = Vmc::new(VmcConfig::default()).unwrap();
    assert_eq!(
        vmc.set_learning_rate(-1.0).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        vmc.config().learning_rate,
        VmcConfig::default().learning_rate
    );
    assert_eq!(
        vmc.set_temperature(f64::NAN).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
}

#[test]
fn a_model_and_operator_of_different_sizes_are_refused_and_nothing_changes() {
    let mut model = Model::new(gru(6, 4)).unwrap();
    let before = model.params().to_vec();
    let h = Hamiltonian::tfim(7, 1, false, 1.0, 1.0).unwrap();
    let mut vmc = Vmc::new(VmcConfig::default().with_n_samples(16)).unwrap();
    let err = vmc.step(&mut model, &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err.message);
    assert_eq!(model.params(), &before[..]);
    assert_eq!(vmc.steps(), 0);
}

#[test]
fn non_finite_energies_leave_parameters_and_optimiser_unchanged() {
    let mut model = Model::new(gru(4, 4)).unwrap();
    let ok = Hamiltonian::tfim(4, 1, false, 1.0, 1.0).unwrap();
    let mut vmc = Vmc::new(VmcConfig::default().with_n_samples(64)).unwrap();
    vmc.step(&mut model, &ok).unwrap();
    let (params, adam, steps) = (
        model.params().to_vec(),
        vmc.adam_state().cloned(),
        vmc.steps(),
    );
    // Finite coefficients whose sum overflows to infinity in the local energy.
    let mut huge = Hamiltonian::new(4).unwrap();
    huge.add_term(1.5e308, "Z", &[0]).unwrap();
    huge.add_term(1.5e308, "Z", &[1]).unwrap();
    huge.add_term(1.5e308, "X", &[2]).unwrap();
    let err = vmc.step(&mut model, &huge).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Numerical, "{}", err.message);
    assert_eq!(model.params(), &params[..]);
    assert_eq!(vmc.adam_state().cloned(), adam);
    assert_eq!(vmc.steps(), steps);
}

#[test]
fn a_failing_reduction_leaves_parameters_and_optimiser_unchanged() {
    let h = Hamiltonian::tfim(4, 1, false, 1.0, 1.0).unwrap();
    for optimizer in [Optimizer::Sgd, Optimizer::Adam] {
        let mut model = Model::new(gru(4, 4)).unwrap();
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(optimizer)
                .with_n_samples(32),
        )
        .unwrap();
        vmc.step(&mut model, &h).unwrap();
        let (params, adam) = (model.params().to_vec(), vmc.adam_state().cloned());
        // Fails on the gradient's reduction, after the energy's have gone through.
        vmc.set_allreduce(Some(Box::new(|buf: &mut [f64]| {
            if buf.len() > 10 {
                Err("rank 1 unreachable".to_string())
            } else {
                Ok(())
            }
        })));
        let err = vmc.step(&mut model, &h).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Callback);
        assert!(
            err.message.contains("rank 1 unreachable"),
            "{}",
            err.message
        );
        assert_eq!(model.params(), &params[..]);
        assert_eq!(vmc.adam_state().cloned(), adam);
    }
}

/// With one process, a reduction that leaves its buffer as it is changes nothing.
#[test]
fn an_identity_reduction_gives_the_same_run() {
    let h = Hamiltonian::tfim(5, 1, false, 1.0, 0.8).unwrap();
    let run = |hook: bool| {
        let mut model = Model::new(gru(5, 4)).unwrap();
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_n_samples(64)
                .with_temperature(0.1),
        )
        .unwrap();
        if hook {
            vmc.set_allreduce(Some(Box::new(|_: &mut [f64]| Ok(()))));
        }
        let energies: Vec<f64> = (0..5)
            .map(|_| vmc.step(&mut model, &h).unwrap().energy.mean.re)
            .collect();
        (energies, model.params().to_vec())
    };
    assert_eq!(run(false), run(true));
}
