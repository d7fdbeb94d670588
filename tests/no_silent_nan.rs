//! No silent NaN: parameters or coefficients that are finite but so large that a result
//! overflows give `Numerical` from every call that would hand out that result, and so does
//! a reduction hook that does not sum; never a result with NaN or Inf in it.

use rnnwf::optim::Optimizer;
use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{
    exact_expectation, exact_ground_energy, expectation, local_energies, local_energies_naive,
    log_psi_connected, renyi2, CellKind, Complex64, Connections, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, Precision, Symmetry,
};

const SITES: u32 = 4;

fn model() -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(SITES)
            .with_hidden(6)
            .with_phase(PhaseKind::Softsign)
            .with_seed(3),
    )
    .unwrap()
}

/// The model with parameters alternating +1e308 and -1e308: finite, so `set_params` takes
/// them, but every pre-activation sums terms of both signs to inf - inf = NaN.
fn huge_model() -> Model {
    let mut m = model();
    let huge: Vec<f64> = (0..m.num_params())
        .map(|i| if i.is_multiple_of(2) { 1e308 } else { -1e308 })
        .collect();
    m.set_params(&huge).unwrap();
    m
}

fn tfim() -> Hamiltonian {
    Hamiltonian::tfim(SITES, 1, false, 1.0, 1.0).unwrap()
}

/// 1e308 (1 + Z_0): the local energy is 2e308 = inf wherever Z_0 = +1, 0 elsewhere.
fn huge_operator() -> Hamiltonian {
    let mut h = Hamiltonian::new(SITES).unwrap();
    h.add_term(1e308, "", &[]).unwrap();
    h.add_term(1e308, "Z", &[0]).unwrap();
    h
}

fn assert_numerical<T: std::fmt::Debug>(result: rnnwf::Result<T>, what: &str) {
    let err = result.expect_err(what);
    assert_eq!(err.kind, ErrorKind::Numerical, "{what}: {}", err.message);
}

#[test]
fn huge_parameters_give_numerical_from_every_evaluation() {
    let m = huge_model();
    let n = 8;
    let sites = SITES as usize;
    let mut configs = vec![0u8; n * sites];
    let mut log_psi = vec![Complex64::new(0.0, 0.0); n];
    assert_numerical(m.sample(1, n, &mut configs, Some(&mut log_psi)), "sample");
    assert_numerical(m.sample(1, n, &mut configs, None), "sample, no ln psi");
    let configs: Vec<u8> = (0..n * sites).map(|i| i.is_multiple_of(3) as u8).collect();
    assert_numerical(m.log_psi(&configs, &mut log_psi), "log_psi");
    let mut lp = vec![0.0; n];
    assert_numerical(m.log_prob(&configs, &mut lp), "log_prob");
    let mut conditionals = vec![f64::NAN; n * sites];
    assert_numerical(
        m.log_conditionals(&configs, &mut conditionals),
        "log_conditionals",
    );
    assert!(conditionals.iter().all(|&v| v == 0.0), "{conditionals:?}");
    // Two connections of the first configuration: site 0 set to 1, sites 1 and 2 set to 1.
    let mut connected = vec![Complex64::new(7.0, 7.0); 2];
    let connections = Connections {
        offsets: &[0, 1, 3],
        sites: &[0, 1, 2],
        values: &[1, 1, 1],
    };
    assert_numerical(
        log_psi_connected(&m, &configs[..sites], connections, &mut connected),
        "log_psi_connected",
    );
    assert!(
        connected.iter().all(|&v| v == Complex64::new(0.0, 0.0)),
        "{connected:?}"
    );
    let mut e = vec![Complex64::new(0.0, 0.0); n];
    assert_numerical(
        local_energies(&m, &tfim(), &configs, &mut e),
        "local_energies",
    );
    assert_numerical(
        local_energies_naive(&m, &tfim(), &configs, &mut e),
        "local_energies_naive",
    );
    assert_numerical(expectation(&m, &tfim(), 1, 100), "expectation");
    assert_numerical(renyi2(&m, &[0, 1], 1, 100), "renyi2");
    assert_numerical(exact_expectation(&m, &tfim()), "exact_expectation");
    let mut vmc = Vmc::new(VmcConfig::default().with_n_samples(16)).unwrap();
    let mut trained = m.clone();
    assert_numerical(vmc.step(&mut trained, &tfim()), "a VMC step");
    assert_eq!(
        trained.params(),
        m.params(),
        "a failed step changes nothing"
    );
}

#[test]
fn huge_coefficients_give_numerical_from_every_energy() {
    let m = model();
    let h = huge_operator();
    // Z_0 = +1 on one of the two configurations, whichever value that is.
    let configs = [0u8, 0, 0, 0, 1, 1, 1, 1];
    let mut e = vec![Complex64::new(0.0, 0.0); 2];
    assert_numerical(local_energies(&m, &h, &configs, &mut e), "local_energies");
    assert_numerical(local_energies_naive(&m, &h, &configs, &mut e), "naive");
    assert_numerical(expectation(&m, &h, 1, 200), "expectation");
    assert_numerical(exact_expectation(&m, &h), "exact_expectation");
    assert_numerical(exact_ground_energy(&h), "exact_ground_energy");
    // Coefficients of 1e200 overflow Lanczos's squared norms (1e400) too.
    let mut big = Hamiltonian::new(SITES).unwrap();
    big.add_term(1e200, "XX", &[0, 1]).unwrap();
    big.add_term(-1e200, "Z", &[2]).unwrap();
    assert_numerical(exact_ground_energy(&big), "exact_ground_energy at 1e200");
    // The same operator at 1e100 is solved: E0 = -1e100 sqrt(2) would be wrong, the exact
    // value is -2e100 (XX and Z commute: -1 - 1 per unit).
    let mut fine = Hamiltonian::new(SITES).unwrap();
    fine.add_term(1e100, "XX", &[0, 1]).unwrap();
    fine.add_term(-1e100, "Z", &[2]).unwrap();
    let e0 = exact_ground_energy(&fine).unwrap();
    assert!((e0 / -2e100 - 1.0).abs() < 1e-9, "{e0}");
}

#[test]
fn a_reduction_that_zeroes_every_buffer_gives_numerical() {
    let h = tfim();
    for optimizer in [Optimizer::MinSr, Optimizer::Sgd, Optimizer::Adam] {
        let mut m = model();
        let before = m.params().to_vec();
        let mut vmc = Vmc::new(
            VmcConfig::default()
                .with_optimizer(optimizer)
                .with_n_samples(16),
        )
        .unwrap();
        vmc.set_allreduce(Some(Box::new(|buf: &mut [f64]| {
            buf.fill(0.0);
            Ok(())
        })));
        assert_numerical(vmc.step(&mut m, &h), "a step");
        if optimizer != Optimizer::MinSr {
            assert_numerical(vmc.fit_step(&mut m, &[0, 1, 0, 1]), "a fit step");
        }
        assert_eq!(m.params(), &before[..], "{optimizer:?}");
        assert_eq!(vmc.steps(), 0);
    }
}

/// `cfg` with parameters alternating +`size` and -`size` (finite, so `set_params` takes them).
fn alternating(cfg: ModelConfig, size: f64) -> Model {
    let mut m = Model::new(cfg).unwrap();
    let huge: Vec<f64> = (0..m.num_params())
        .map(|i| if i.is_multiple_of(2) { size } else { -size })
        .collect();
    m.set_params(&huge).unwrap();
    m
}

/// Every kind of pass: the symmetrised model (whose images' amplitudes are combined), the
/// one-layer linear cell (local energies by propagation), and float32 passes, whose copy of
/// 1e39 is inf: each overflows, and every call that would hand out its results says so,
/// never OK with NaN, Inf or psi = 0 made up from NaN. The caller's arrays then hold zeros,
/// not NaN. A failed gradient says what happened, without a U(1) subspace the model lacks.
#[test]
fn every_path_refuses_overflow_and_leaves_no_nan_in_outputs() {
    let base = ModelConfig::default()
        .with_lx(SITES)
        .with_hidden(6)
        .with_phase(PhaseKind::Softsign)
        .with_seed(3);
    let cases = [
        (
            "symmetric",
            alternating(base.clone().with_symmetry(Symmetry::LatticeSpinFlip), 1e308),
        ),
        (
            "linear cell",
            alternating(base.clone().with_cell(CellKind::LinearGated), 1e308),
        ),
        (
            "float32",
            alternating(base.clone().with_precision(Precision::F32), 1e39),
        ),
        (
            "float32 linear cell",
            alternating(
                base.clone()
                    .with_cell(CellKind::LinearGated)
                    .with_precision(Precision::F32),
                1e39,
            ),
        ),
    ];
    let n = 8;
    let sites = SITES as usize;
    let nan = Complex64::new(f64::NAN, f64::NAN);
    let zero = Complex64::new(0.0, 0.0);
    for (what, m) in cases {
        let mut configs = vec![7u8; n * sites];
        let mut log_psi = vec![nan; n];
        assert_numerical(
            m.sample(1, n, &mut configs, Some(&mut log_psi)),
            &format!("{what}: sample"),
        );
        assert!(configs.iter().all(|&v| v == 0), "{what}: configs zeroed");
        assert!(log_psi.iter().all(|&v| v == zero), "{what}: {log_psi:?}");
        assert_numerical(
            m.sample(1, n, &mut configs, None),
            &format!("{what}: sample, no ln psi"),
        );
        let configs: Vec<u8> = (0..n * sites).map(|i| i.is_multiple_of(3) as u8).collect();
        let mut log_psi = vec![nan; n];
        assert_numerical(
            m.log_psi(&configs, &mut log_psi),
            &format!("{what}: log_psi"),
        );
        assert!(log_psi.iter().all(|&v| v == zero), "{what}: {log_psi:?}");
        let mut e = vec![nan; n];
        assert_numerical(
            local_energies(&m, &tfim(), &configs, &mut e),
            &format!("{what}: local_energies"),
        );
        assert!(e.iter().all(|&v| v == zero), "{what}: {e:?}");
        let mut e = vec![nan; n];
        assert_numerical(
            local_energies_naive(&m, &tfim(), &configs, &mut e),
            &format!("{what}: naive"),
        );
        assert!(e.iter().all(|&v| v == zero), "{what}: {e:?}");
        assert_numerical(
            expectation(&m, &tfim(), 1, 100),
            &format!("{what}: expectation"),
        );
        if what != "symmetric" {
            let mut conditionals = vec![f64::NAN; n * sites];
            assert_numerical(
                m.log_conditionals(&configs, &mut conditionals),
                &format!("{what}: log_conditionals"),
            );
            assert!(
                conditionals.iter().all(|&v| v == 0.0),
                "{what}: {conditionals:?}"
            );
        }
        let mut grad = vec![nan; n * m.num_params()];
        let err = m.log_psi_grad(&configs, &mut grad).expect_err(what);
        assert_eq!(err.kind, ErrorKind::Numerical, "{what}: {}", err.message);
        assert!(!err.message.contains("U(1)"), "{what}: {}", err.message);
        assert!(grad.iter().all(|&v| v == zero), "{what}: gradients zeroed");
        let mut vmc = Vmc::new(VmcConfig::default().with_n_samples(16)).unwrap();
        let mut trained = m.clone();
        let err = vmc.step(&mut trained, &tfim()).expect_err(what);
        assert_eq!(err.kind, ErrorKind::Numerical, "{what}: {}", err.message);
        assert!(!err.message.contains("U(1)"), "{what}: {}", err.message);
        assert_eq!(trained.params(), m.params(), "{what}: a failed step");
    }
}

/// Finite parameters with coefficients of 1e308 overflow the local energies of every path
/// (the symmetrised and linear-cell ones included), never OK with Inf.
#[test]
fn huge_coefficients_give_numerical_on_every_path() {
    let base = ModelConfig::default()
        .with_lx(SITES)
        .with_hidden(6)
        .with_seed(3);
    let h = huge_operator();
    let configs = [0u8, 0, 0, 0, 1, 1, 1, 1];
    for cfg in [
        base.clone().with_symmetry(Symmetry::Lattice),
        base.clone().with_cell(CellKind::LinearGated),
        base.with_precision(Precision::F32),
    ] {
        let m = Model::new(cfg).unwrap();
        let mut e = vec![Complex64::new(0.0, 0.0); 2];
        assert_numerical(local_energies(&m, &h, &configs, &mut e), "local_energies");
        assert_numerical(expectation(&m, &h, 1, 200), "expectation");
    }
}
