//! SPRING (SR with momentum): with momentum 0 it is minSR bit for bit; with momentum it
//! solves min |A phi - b|^2 + lambda |phi - mu phi_prev|^2, checked against that problem
//! solved densely here; its settings and setters refuse bad values; a run resumes from its
//! checkpoints bit for bit.

mod common;
use common::sr_problem::{centred, hamiltonian, model, Centred, SITES};
use rnnwf::capi::*;
use rnnwf::optim::{Optimizer, Preconditioner, SrSolve};
use rnnwf::vmc::{AllReduce, Vmc, VmcConfig};
use rnnwf::{Complex64, ErrorKind, Hamiltonian, Model};
use std::ffi::CStr;
use std::ptr::null_mut;

fn spring(momentum: f64) -> VmcConfig {
    VmcConfig::default()
        .with_optimizer(Optimizer::Sgd)
        .with_preconditioner(Preconditioner::Spring)
        .with_sr_momentum(momentum)
        .with_n_samples(48)
        .with_learning_rate(0.05)
        .with_sr_diag_shift(1e-2)
        .with_seed(3)
}

/// Parameters after each of `steps` steps, as bits, and each step's SR solver.
fn trajectory(
    config: VmcConfig,
    hook: Option<AllReduce>,
    steps: usize,
) -> Vec<(Vec<u64>, SrSolve)> {
    let h = hamiltonian();
    let mut model = model();
    let mut vmc = Vmc::new(config).unwrap();
    vmc.set_allreduce(hook);
    (0..steps)
        .map(|_| {
            let stats = vmc.step(&mut model, &h).unwrap();
            let bits = model.params().iter().map(|x| x.to_bits()).collect();
            (bits, stats.sr_solve)
        })
        .collect()
}

/// With momentum 0, SPRING is minSR bit for bit, on one process (Cholesky) and under a
/// reduction hook (conjugate gradient), after SGD or as RNNWF_OPT_SR's preconditioner.
/// With momentum the updates differ from the second step on (the first has no previous
/// update), so the comparison can fail.
#[test]
fn spring_with_momentum_zero_is_minsr_bit_for_bit() {
    let minsr = spring(0.0)
        .with_optimizer(Optimizer::MinSr)
        .with_preconditioner(Preconditioner::None);
    let identity = || -> Option<AllReduce> { Some(Box::new(|_: &mut [f64]| Ok(()))) };
    for hook in [false, true] {
        let hook = || if hook { identity() } else { None };
        let expected = trajectory(minsr.clone(), hook(), 3);
        let expected_solver = if hook().is_some() {
            "ConjugateGradient"
        } else {
            "Cholesky"
        };
        assert!(format!("{:?}", expected[0].1).starts_with(expected_solver));
        assert_eq!(trajectory(spring(0.0), hook(), 3), expected);
        let minsr_spring = spring(0.0).with_optimizer(Optimizer::MinSr);
        assert_eq!(trajectory(minsr_spring, hook(), 3), expected);
        let with_momentum = trajectory(spring(0.5), hook(), 3);
        assert_eq!(
            with_momentum[0], expected[0],
            "the first step has no previous update"
        );
        assert_ne!(with_momentum[1].0, expected[1].0);
    }
}

/// SPRING's update phi_k minimises |A phi - b|^2 + lambda |phi - mu phi_{k-1}|^2, with A the
/// centred log-derivatives over sqrt(N) (real rows over imaginary rows) and b the centred
/// local energies over sqrt(N) (Goldshlager, Abrahamsen and Lin 2024). Solved here as the
/// stacked least-squares problem [A; sqrt(lambda) I] phi = [b; sqrt(lambda) mu phi_{k-1}]
/// by SVD, neither of the two forms the library uses. O and E_loc come from the library
/// (tested against finite differences and dense matrices elsewhere). One process solves in
/// sample space, an identity hook by conjugate gradient in parameter space: both must
/// match, step after step, and so must the kept previous update.
#[test]
fn spring_solves_the_regularised_least_squares_problem() {
    let h = hamiltonian();
    let (mu, shift, lr, n) = (0.8, 1e-2, 0.05, 48);
    for hook in [false, true] {
        let config = spring(mu).with_n_samples(n as u64);
        let mut model = model();
        let mut vmc = Vmc::new(config).unwrap();
        if hook {
            vmc.set_allreduce(Some(Box::new(|_: &mut [f64]| Ok(()))));
        }
        let np = model.num_params();
        let mut previous = vec![0.0; np];
        let mut moved_by_momentum = 0.0f64;
        for k in 0..4 {
            let mut configs = vec![0u8; n * SITES as usize];
            model.sample(50 + k, n, &mut configs, None).unwrap();
            let (phi, plain) = dense_spring_update(&model, &h, &configs, shift, mu, &previous);
            let norm = phi.iter().map(|x| x * x).sum::<f64>().sqrt();
            let gap = phi
                .iter()
                .zip(&plain)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>();
            moved_by_momentum = moved_by_momentum.max(gap.sqrt() / norm);

            let before = model.params().to_vec();
            let mut log_psi = vec![Complex64::new(0.0, 0.0); n];
            model.log_psi(&configs, &mut log_psi).unwrap();
            vmc.step_on_samples(&mut model, &h, &configs, &log_psi)
                .unwrap();
            let kept = vmc.previous_update().expect("SPRING keeps its update");
            for i in 0..np {
                let step = (before[i] - model.params()[i]) / lr;
                assert!(
                    (step - phi[i]).abs() <= 1e-8 * norm,
                    "hook {hook}, step {k}, parameter {i}: {step} vs {}",
                    phi[i]
                );
                assert!((kept[i] - phi[i]).abs() <= 1e-8 * norm);
            }
            previous = kept.to_vec();
        }
        // The momentum changed the updates by far more than the tolerance.
        assert!(moved_by_momentum > 1e-2, "{moved_by_momentum}");
    }
}

/// The SPRING update for `configs` of `model` and the plain SR update (mu = 0), from the
/// stacked least-squares problem solved by SVD.
fn dense_spring_update(
    model: &Model,
    h: &Hamiltonian,
    configs: &[u8],
    shift: f64,
    mu: f64,
    previous: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let Centred { n, np, o, e } = centred(model, h, configs);
    let rows = 2 * n + np;
    let scale = 1.0 / (n as f64).sqrt();
    let mut m = nalgebra::DMatrix::<f64>::zeros(rows, np);
    let mut rhs = nalgebra::DVector::<f64>::zeros(rows);
    for i in 0..n {
        for k in 0..np {
            let c = o[i * np + k] * scale;
            m[(i, k)] = c.re;
            m[(n + i, k)] = c.im;
        }
        rhs[i] = e[i].re * scale;
        rhs[n + i] = e[i].im * scale;
    }
    for k in 0..np {
        m[(2 * n + k, k)] = shift.sqrt();
    }
    let svd = m.svd(true, true);
    let solve = |mu: f64| -> Vec<f64> {
        let mut rhs = rhs.clone();
        for k in 0..np {
            rhs[2 * n + k] = shift.sqrt() * mu * previous[k];
        }
        svd.solve(&rhs, 0.0).unwrap().iter().copied().collect()
    };
    (solve(mu), solve(0.0))
}

/// Momentum outside [0, 1), or not a number, is refused with a message naming the field,
/// from Rust and from C; 0 and just below 1 are accepted.
#[test]
fn invalid_momentum_is_refused() {
    for bad in [f64::NAN, -0.1, 1.0, 1.5, f64::INFINITY, f64::NEG_INFINITY] {
        let err = Vmc::new(spring(bad)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(err.message.contains("sr_momentum"), "{}", err.message);
        assert!(err.message.contains("[0, 1)"), "{}", err.message);

        let mut cfg = std::mem::MaybeUninit::<rnnwf_vmc_config>::zeroed();
        // SAFETY: a writable config.
        let mut cfg = unsafe {
            assert_eq!(rnnwf_vmc_config_init(cfg.as_mut_ptr()), RNNWF_OK);
            cfg.assume_init()
        };
        cfg.preconditioner = RNNWF_PRECONDITIONER_SPRING;
        cfg.sr_momentum = bad;
        let mut v = null_mut();
        // SAFETY: valid pointers.
        let status = unsafe { rnnwf_vmc_new(&cfg, &mut v) };
        assert_eq!(status, RNNWF_ERR_INVALID_ARGUMENT);
        assert!(v.is_null());
        assert!(last_error().contains("sr_momentum"), "{}", last_error());
    }
    for good in [0.0, 0.5, 0.999] {
        assert!(Vmc::new(spring(good)).is_ok());
    }
    // SPRING is defined for energies: a fit step refuses it, changing nothing.
    let mut model = model();
    let before = model.params().to_vec();
    let err = Vmc::new(spring(0.5))
        .unwrap()
        .fit_step(&mut model, &[0; SITES as usize])
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported, "{}", err.message);
    assert!(err.message.contains("SPRING"), "{}", err.message);
    assert_eq!(model.params(), &before[..]);
}

fn last_error() -> String {
    let mut buf = vec![0 as std::ffi::c_char; 512];
    // SAFETY: a writable buffer of that length.
    unsafe { rnnwf_last_error(buf.as_mut_ptr(), buf.len()) };
    // SAFETY: rnnwf_last_error NUL-terminates.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// The setters change the following steps as the config field would, and refuse what the
/// config refuses, leaving the setting as it was; the C functions say the same.
#[test]
fn diag_shift_and_sample_count_setters() {
    let h = hamiltonian();
    let samples = |model: &Model, seed| {
        let mut configs = vec![0u8; 48 * SITES as usize];
        model.sample(seed, 48, &mut configs, None).unwrap();
        let mut log_psi = vec![Complex64::new(0.0, 0.0); 48];
        model.log_psi(&configs, &mut log_psi).unwrap();
        (configs, log_psi)
    };
    // A shift set between two steps acts as a driver made with it (SR without momentum
    // keeps no state between steps).
    let mut model = model();
    let mut vmc = Vmc::new(spring(0.0)).unwrap();
    let (c1, l1) = samples(&model, 1);
    vmc.step_on_samples(&mut model, &h, &c1, &l1).unwrap();
    vmc.set_diag_shift(0.2).unwrap();
    let mut by_hand = model.clone();
    let (c2, l2) = samples(&model, 2);
    vmc.step_on_samples(&mut model, &h, &c2, &l2).unwrap();
    let mut made_with = Vmc::new(spring(0.0).with_sr_diag_shift(0.2)).unwrap();
    made_with
        .step_on_samples(&mut by_hand, &h, &c2, &l2)
        .unwrap();
    assert_eq!(model.params(), by_hand.params());
    let mut old_shift = Vmc::new(spring(0.0)).unwrap();
    let mut other = by_hand.clone();
    old_shift.step_on_samples(&mut other, &h, &c2, &l2).unwrap();
    let mut unchanged = model.clone();
    unchanged.set_params(other.params()).unwrap();
    assert_ne!(unchanged.params(), by_hand.params(), "the shift mattered");
    // The sample count of the following steps.
    vmc.set_n_samples(32).unwrap();
    assert_eq!(vmc.step(&mut model, &h).unwrap().energy.n, 32);
    assert_eq!(
        vmc.config(),
        &spring(0.0).with_sr_diag_shift(0.2).with_n_samples(32)
    );

    let mut vmc = Vmc::new(spring(0.5)).unwrap();
    for bad in [-1e-3, f64::NAN, f64::INFINITY] {
        let err = vmc.set_diag_shift(bad).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(err.message.contains("sr_diag_shift"), "{}", err.message);
    }
    for bad in [0, u64::MAX] {
        let err = vmc.set_n_samples(bad).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(err.message.contains("n_samples"), "{}", err.message);
    }
    assert_eq!(vmc.config(), &spring(0.5));

    let mut cfg = std::mem::MaybeUninit::<rnnwf_vmc_config>::zeroed();
    let mut v = null_mut();
    // SAFETY: valid pointers throughout; the handle is freed at the end.
    unsafe {
        assert_eq!(rnnwf_vmc_config_init(cfg.as_mut_ptr()), RNNWF_OK);
        assert_eq!(rnnwf_vmc_new(cfg.as_ptr(), &mut v), RNNWF_OK);
        assert_eq!(rnnwf_vmc_set_diag_shift(v, 0.25), RNNWF_OK);
        assert_eq!(rnnwf_vmc_set_n_samples(v, 77), RNNWF_OK);
        assert_eq!(
            rnnwf_vmc_set_diag_shift(v, -1.0),
            RNNWF_ERR_INVALID_ARGUMENT
        );
        assert!(last_error().contains("sr_diag_shift"), "{}", last_error());
        assert_eq!(rnnwf_vmc_set_n_samples(v, 0), RNNWF_ERR_INVALID_ARGUMENT);
        assert!(last_error().contains("n_samples"), "{}", last_error());
        assert_eq!(
            rnnwf_vmc_set_diag_shift(null_mut(), 0.1),
            RNNWF_ERR_NULL_POINTER
        );
        assert_eq!(
            rnnwf_vmc_set_n_samples(null_mut(), 1),
            RNNWF_ERR_NULL_POINTER
        );
        // An output struct is written up to the caller's struct_size (ABI 0.3).
        let mut got = std::mem::MaybeUninit::<rnnwf_vmc_config>::zeroed().assume_init();
        got.struct_size = std::mem::size_of::<rnnwf_vmc_config>() as u32;
        assert_eq!(rnnwf_vmc_get_config(v, &mut got), RNNWF_OK);
        assert_eq!((got.sr_diag_shift, got.n_samples), (0.25, 77));
        rnnwf_vmc_free(v);
    }
}

/// A SPRING run saved after some steps and loaded into a fresh driver continues bit for bit
/// (the previous update is part of the state); a file saved before the first step has none
/// and its next step is minSR's.
#[test]
fn spring_run_resumes_bit_identically() {
    let h = hamiltonian();
    let mut model = model();
    let mut vmc = Vmc::new(spring(0.7).with_grad_clip(0.5)).unwrap();
    let fresh = vmc.to_checkpoint_bytes();
    assert!(Vmc::from_checkpoint_bytes(&fresh)
        .unwrap()
        .previous_update()
        .is_none());
    for _ in 0..2 {
        vmc.step(&mut model, &h).unwrap();
    }
    let (params, bytes) = (model.params().to_vec(), vmc.to_checkpoint_bytes());
    let uninterrupted: Vec<Vec<f64>> = (0..3)
        .map(|_| {
            vmc.step(&mut model, &h).unwrap();
            model.params().to_vec()
        })
        .collect();

    let mut resumed_model = Model::with_params(model.config().clone(), &params).unwrap();
    let mut resumed = Vmc::from_checkpoint_bytes(&bytes).unwrap();
    assert_eq!(resumed.config(), &spring(0.7).with_grad_clip(0.5));
    assert!(resumed.previous_update().is_some());
    let continued: Vec<Vec<f64>> = (0..3)
        .map(|_| {
            resumed.step(&mut resumed_model, &h).unwrap();
            resumed_model.params().to_vec()
        })
        .collect();
    assert_eq!(continued, uninterrupted);
    assert_eq!(resumed.previous_update(), vmc.previous_update());
    assert_ne!(uninterrupted[0], uninterrupted[2]);
}
