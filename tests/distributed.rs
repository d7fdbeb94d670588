//! Distributed VMC without MPI: "processes" are threads summing through an in-process
//! allreduce, each holding part of a fixed sample set. Their update must equal that of one
//! process holding all the samples, and the ranks must stay bit-identical.

use num_complex::Complex64;
use rnnwf::optim::{Optimizer, Preconditioner};
use rnnwf::vmc::{AllReduce, Vmc, VmcConfig};
use rnnwf::{CellKind, ErrorKind, Hamiltonian, Model, ModelConfig, PhaseKind};
use std::sync::{Arc, Barrier, Mutex};

/// MPI_Allreduce(MPI_SUM) between threads: each rank posts its buffer, waits for all, then
/// sums the posted buffers in rank order, so every rank computes the very same sum.
struct InProcessSum {
    posted: Mutex<Vec<Vec<f64>>>,
    barrier: Barrier,
}

impl InProcessSum {
    fn new(ranks: usize) -> Arc<Self> {
        Arc::new(InProcessSum {
            posted: Mutex::new(vec![Vec::new(); ranks]),
            barrier: Barrier::new(ranks),
        })
    }

    /// Rank `rank`'s hook; it fails (on every rank alike) on the calls listed in `fail_on`.
    fn hook(self: &Arc<Self>, rank: usize, fail_on: Vec<usize>) -> AllReduce {
        let shared = Arc::clone(self);
        let mut calls = 0;
        Box::new(move |buf: &mut [f64]| {
            calls += 1;
            if fail_on.contains(&calls) {
                return Err(format!("rank {rank}: network down"));
            }
            shared.posted.lock().unwrap()[rank] = buf.to_vec();
            shared.barrier.wait();
            {
                let posted = shared.posted.lock().unwrap();
                assert!(
                    posted.iter().all(|p| p.len() == buf.len()),
                    "ranks disagree"
                );
                for (i, x) in buf.iter_mut().enumerate() {
                    *x = posted.iter().map(|p| p[i]).fold(0.0, |s, v| s + v);
                }
            }
            // Nobody posts the next buffer before every rank has read this one.
            shared.barrier.wait();
            Ok(())
        })
    }
}

const SITES: u32 = 6;
/// Samples per rank; one process holds twice as many.
const PER_RANK: usize = 48;
const STEPS: usize = 4;

fn model_config() -> ModelConfig {
    ModelConfig::default()
        .with_cell(CellKind::Gru)
        .with_lx(SITES)
        .with_hidden(8)
        .with_phase(PhaseKind::Softsign)
        .with_seed(11)
}

/// An update rule and the preconditioner before it.
#[derive(Clone, Copy, Debug)]
struct Setting(Optimizer, Preconditioner);

impl From<Optimizer> for Setting {
    fn from(optimizer: Optimizer) -> Self {
        Setting(optimizer, Preconditioner::None)
    }
}

fn vmc_config(setting: impl Into<Setting>) -> VmcConfig {
    let Setting(optimizer, preconditioner) = setting.into();
    VmcConfig::default()
        .with_optimizer(optimizer)
        .with_preconditioner(preconditioner)
        .with_learning_rate(0.02)
        .with_sr_diag_shift(1e-2)
        .with_sr_momentum(if preconditioner == Preconditioner::Spring {
            0.8
        } else {
            0.0
        })
        .with_temperature(0.05)
}

/// For each step, 2 * PER_RANK samples from the initial model: fixed data, the same for
/// every run (the estimator's algebra does not need them to follow the current model).
fn sample_sets() -> Vec<Vec<u8>> {
    let model = Model::new(model_config()).unwrap();
    (0..STEPS)
        .map(|k| {
            let mut configs = vec![0u8; 2 * PER_RANK * SITES as usize];
            model
                .sample(100 + k as u64, 2 * PER_RANK, &mut configs, None)
                .unwrap();
            configs
        })
        .collect()
}

struct Run {
    params: Vec<Vec<f64>>,
    adam: Option<(Vec<f64>, Vec<f64>)>,
    energies: Vec<(f64, u64)>,
}

/// Steps on `configs[k][range]` for every k, with `hook` as the reduction.
fn run(
    setting: impl Into<Setting>,
    sets: &[Vec<u8>],
    rows: std::ops::Range<usize>,
    hook: Option<AllReduce>,
    failing_steps: &[usize],
) -> Run {
    let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
    let mut model = Model::new(model_config()).unwrap();
    let mut vmc = Vmc::new(vmc_config(setting)).unwrap();
    vmc.set_allreduce(hook);
    let n = SITES as usize;
    let mut out = Run {
        params: Vec::new(),
        adam: None,
        energies: Vec::new(),
    };
    for (k, set) in sets.iter().enumerate() {
        let configs = &set[rows.start * n..rows.end * n];
        let mut log_psi = vec![Complex64::new(0.0, 0.0); rows.len()];
        model.log_psi(configs, &mut log_psi).unwrap();
        if failing_steps.contains(&k) {
            let before = (model.params().to_vec(), vmc.adam_state().cloned());
            let err = vmc
                .step_on_samples(&mut model, &h, configs, &log_psi)
                .unwrap_err();
            assert_eq!(err.kind, ErrorKind::Callback, "{}", err.message);
            assert!(err.message.contains("network down"), "{}", err.message);
            assert_eq!((model.params().to_vec(), vmc.adam_state().cloned()), before);
        }
        let stats = vmc
            .step_on_samples(&mut model, &h, configs, &log_psi)
            .unwrap();
        out.energies.push((stats.energy.mean.re, stats.energy.n));
        out.params.push(model.params().to_vec());
    }
    out.adam = vmc.adam_state().map(|a| (a.m.clone(), a.v.clone()));
    out
}

/// Two ranks on threads, each with half of every sample set; rank 0's run (after checking
/// that rank 1's is bit-identical to it).
fn two_ranks(setting: impl Into<Setting>, sets: &[Vec<u8>], failing_steps: &[usize]) -> Run {
    let setting = setting.into();
    let sum = InProcessSum::new(2);
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|rank| {
                let sum = &sum;
                scope.spawn(move || {
                    let fail_on = failing_steps_to_calls(setting.0, failing_steps);
                    let hook = sum.hook(rank, fail_on);
                    run(
                        setting,
                        sets,
                        rank * PER_RANK..(rank + 1) * PER_RANK,
                        Some(hook),
                        failing_steps,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let bits = |r: &Run| -> Vec<Vec<u64>> {
        r.params
            .iter()
            .map(|p| p.iter().map(|x| x.to_bits()).collect())
            .collect()
    };
    assert_eq!(bits(&runs[0]), bits(&runs[1]), "ranks diverged");
    assert_eq!(runs[0].adam, runs[1].adam, "Adam's moments diverged");
    assert_eq!(runs[0].energies, runs[1].energies);
    runs.into_iter().next().unwrap()
}

/// The hook's call numbers (from 1) at which it fails: the first reduction of each failing
/// step (energy sums), so the step stops before any update. Every reduction of a step is
/// counted: a step with temperature makes 4 scalar reductions, then SGD/Adam one gradient
/// reduction; minSR a variable number (CG), so failures are only placed before any minSR step
/// has run.
fn failing_steps_to_calls(optimizer: Optimizer, failing_steps: &[usize]) -> Vec<usize> {
    let per_step = match optimizer {
        Optimizer::MinSr => {
            assert!(failing_steps.iter().all(|&k| k == 0), "CG varies per step");
            0
        }
        _ => 5,
    };
    // A failed call is itself counted, and the step is then retried.
    failing_steps
        .iter()
        .enumerate()
        .map(|(i, &k)| k * per_step + i + 1)
        .collect()
}

/// Largest difference of the updates theta_k - theta_{k-1}, relative to the largest update.
fn update_difference(a: &Run, b: &Run) -> f64 {
    let initial = Model::new(model_config()).unwrap().params().to_vec();
    let mut worst: f64 = 0.0;
    for k in 0..STEPS {
        let prev_a = if k == 0 { &initial } else { &a.params[k - 1] };
        let prev_b = if k == 0 { &initial } else { &b.params[k - 1] };
        let (mut diff, mut scale): (f64, f64) = (0.0, 0.0);
        for i in 0..initial.len() {
            let (da, db) = (a.params[k][i] - prev_a[i], b.params[k][i] - prev_b[i]);
            diff = diff.max((da - db).abs());
            scale = scale.max(da.abs());
        }
        assert!(scale > 0.0, "step {k} did not move the parameters");
        worst = worst.max(diff / scale);
    }
    worst
}

/// Energies of the same samples agree to `tol` relative (round-off, plus from the second
/// step on whatever the parameters differ by).
fn assert_same_energies(a: &Run, b: &Run, tol: f64) {
    for ((ea, na), (eb, nb)) in a.energies.iter().zip(&b.energies) {
        assert_eq!(*na, 2 * PER_RANK as u64);
        assert_eq!(na, nb);
        assert!((ea - eb).abs() <= tol * ea.abs(), "{ea} vs {eb}");
    }
}

/// SGD and Adam: the two ranks' sums differ from one process's only in the order of the
/// additions, so the updates agree to a few ulps of the sums' terms. 1e-11 of the largest
/// update leaves room for that round-off (amplified where Adam divides by sqrt(v) of a
/// small gradient component) and catches any missing reduction or wrong normalisation,
/// which would be off by O(1).
#[test]
fn two_ranks_take_the_step_of_one_process_with_all_samples_sgd_and_adam() {
    let sets = sample_sets();
    for optimizer in [Optimizer::Sgd, Optimizer::Adam] {
        let one = run(optimizer, &sets, 0..2 * PER_RANK, None, &[]);
        let two = two_ranks(optimizer, &sets, &[]);
        assert_same_energies(&one, &two, 1e-13);
        let d = update_difference(&one, &two);
        assert!(d < 1e-11, "{optimizer:?}: updates differ by {d:e}");
        if optimizer == Optimizer::Adam {
            let ((m1, v1), (m2, v2)) = (one.adam.unwrap(), two.adam.unwrap());
            for (x, y) in m1.iter().zip(&m2).chain(v1.iter().zip(&v2)) {
                assert!(
                    (x - y).abs() <= 1e-11 * x.abs().max(1e-300) + 1e-300,
                    "{x} vs {y}"
                );
            }
        }
    }
}

/// minSR: two ranks solve the SR system by conjugate gradient, stopped at a relative
/// residual of 1e-10. One process with an identity hook runs the same CG on sums rounded
/// differently; without a hook it solves exactly (Cholesky in sample space). Either way the
/// directions differ by at most cond(S + lambda) * 1e-10 relative, and with lambda = 1e-2
/// the condition number here is a few hundred: 1e-6 of the largest update bounds both, while
/// a wrong system (a missing reduction, a wrong mean) would be off by O(1).
#[test]
fn two_ranks_take_the_step_of_one_process_with_all_samples_minsr() {
    let sets = sample_sets();
    let two = two_ranks(Optimizer::MinSr, &sets, &[]);
    let cholesky = run(Optimizer::MinSr, &sets, 0..2 * PER_RANK, None, &[]);
    let identity: AllReduce = Box::new(|_: &mut [f64]| Ok(()));
    let cg = run(
        Optimizer::MinSr,
        &sets,
        0..2 * PER_RANK,
        Some(identity),
        &[],
    );
    for one in [&cholesky, &cg] {
        assert_same_energies(one, &two, 1e-8);
    }
    let d_cg = update_difference(&cg, &two);
    let d_cholesky = update_difference(&cholesky, &two);
    eprintln!("minSR: CG on 2 ranks vs CG on 1: {d_cg:e}; vs Cholesky: {d_cholesky:e}");
    assert!(d_cg < 1e-6, "CG on one process vs two: {d_cg:e}");
    assert!(
        d_cholesky < 1e-6,
        "Cholesky on one process vs CG on two: {d_cholesky:e}"
    );
}

/// SPRING (momentum 0.8): two ranks solve (A^T A + lambda) phi = A^T b + lambda mu phi_prev
/// by conjugate gradient, one process the sample-space form mu phi_prev + A^T (A A^T +
/// lambda)^{-1} (b - mu A phi_prev) by Cholesky, or the same CG with an identity hook. The
/// forms are equal, so the updates agree within the CG tolerance as minSR's do (1e-6 of the
/// largest update), step after step while each carries the previous update forward; a
/// missing reduction or a wrong projection would be off by O(1).
#[test]
fn two_ranks_take_the_step_of_one_process_with_all_samples_spring() {
    let sets = sample_sets();
    let spring = Setting(Optimizer::Sgd, Preconditioner::Spring);
    let two = two_ranks(spring, &sets, &[]);
    let cholesky = run(spring, &sets, 0..2 * PER_RANK, None, &[]);
    let identity: AllReduce = Box::new(|_: &mut [f64]| Ok(()));
    let cg = run(spring, &sets, 0..2 * PER_RANK, Some(identity), &[]);
    for one in [&cholesky, &cg] {
        assert_same_energies(one, &two, 1e-8);
        let d = update_difference(one, &two);
        eprintln!("SPRING: updates differ by {d:e}");
        assert!(d < 1e-6, "updates differ by {d:e}");
    }
    // The momentum acted: SPRING's updates are not minSR's.
    let minsr = run(Optimizer::MinSr, &sets, 0..2 * PER_RANK, None, &[]);
    assert!(update_difference(&minsr, &cholesky) > 1e-3);
}

/// SR + Adam: the same SR system as minSR (CG on two ranks, CG or Cholesky on one process),
/// then Adam. Adam's first moment m is linear in the directions, so it agrees as minSR's
/// updates do (1e-6 of the largest); the parameter updates are Adam's m / sqrt(v) per
/// component, which divides a small component's round-off by its own small size: 1e-5 of
/// the largest update (seen: 2e-7) leaves room for that, while a wrong system or a missing
/// reduction would be off by O(1).
#[test]
fn two_ranks_take_the_step_of_one_process_with_all_samples_sr_adam() {
    let sets = sample_sets();
    let sr_adam = Setting(Optimizer::Adam, Preconditioner::Sr);
    let two = two_ranks(sr_adam, &sets, &[]);
    let cholesky = run(sr_adam, &sets, 0..2 * PER_RANK, None, &[]);
    let identity: AllReduce = Box::new(|_: &mut [f64]| Ok(()));
    let cg = run(sr_adam, &sets, 0..2 * PER_RANK, Some(identity), &[]);
    let (m_two, _) = two.adam.clone().expect("Adam state");
    let largest = m_two.iter().map(|x| x.abs()).fold(0.0, f64::max);
    assert!(largest > 0.0);
    for one in [&cholesky, &cg] {
        assert_same_energies(one, &two, 1e-8);
        let (m_one, _) = one.adam.clone().expect("Adam state");
        let worst = m_one
            .iter()
            .zip(&m_two)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-6 * largest,
            "Adam's m differs by {worst:e} of {largest:e}"
        );
        let d = update_difference(one, &two);
        eprintln!(
            "SR + Adam: updates differ by {d:e}, m by {:e}",
            worst / largest
        );
        assert!(d < 1e-5, "updates differ by {d:e}");
    }
}

/// A hook failing on every rank at once fails that step everywhere, with nothing changed;
/// the retried step then gives the run without the failure, on both ranks alike.
#[test]
fn a_reduction_failing_on_every_rank_fails_the_step_and_changes_nothing() {
    let sets = sample_sets();
    for optimizer in [Optimizer::Adam, Optimizer::MinSr] {
        let failing: &[usize] = match optimizer {
            Optimizer::MinSr => &[0],
            _ => &[0, 2],
        };
        let clean = two_ranks(optimizer, &sets, &[]);
        let failed = two_ranks(optimizer, &sets, failing);
        assert_eq!(clean.params, failed.params, "{optimizer:?}");
        assert_eq!(clean.adam, failed.adam, "{optimizer:?}");
    }
}

#[test]
fn step_on_samples_refuses_bad_samples_and_changes_nothing() {
    let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
    let mut model = Model::new(model_config()).unwrap();
    let mut vmc = Vmc::new(vmc_config(Optimizer::Adam)).unwrap();
    let before = model.params().to_vec();
    let lp = [Complex64::new(0.0, 0.0); 2];
    let good = vec![0u8; 2 * SITES as usize];
    let mut bad_value = good.clone();
    bad_value[3] = 2;
    for (configs, log_psi) in [
        (&good[..SITES as usize], &lp[..]),
        (&bad_value[..], &lp[..]),
        (&[][..], &[][..]),
    ] {
        let err = vmc
            .step_on_samples(&mut model, &h, configs, log_psi)
            .unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::InvalidArgument | ErrorKind::BufferSize),
            "{err:?}"
        );
    }
    assert_eq!(model.params(), &before[..]);
    assert_eq!(vmc.steps(), 0);
    assert!(vmc.adam_state().is_none());
}

/// Vmc::set_seed changes the samples of the following steps, and only that.
#[test]
fn set_seed_changes_the_samples() {
    let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
    let energies = |seed: Option<u64>| {
        let mut model = Model::new(model_config()).unwrap();
        let mut vmc =
            Vmc::new(vmc_config(Optimizer::Adam).with_n_samples(16).with_seed(3)).unwrap();
        if let Some(s) = seed {
            vmc.set_seed(s);
            assert_eq!(vmc.config().seed, s);
        }
        vmc.step(&mut model, &h).unwrap().energy.mean.re
    };
    assert_eq!(energies(None), energies(Some(3)));
    assert_ne!(energies(None), energies(Some(4)));
}

/// What one rank does with its driver and model, given its reduction hook.
type RankWork<T> = Box<dyn FnOnce(&mut Vmc, &mut Model) -> T + Send>;

/// Runs each rank's work on its own thread, with a driver (SGD with temperature, 12
/// samples per step) and a model, the ranks joined by an in-process allreduce; then a step
/// of both on a good operator, which only succeeds if both took the same reductions. Fails
/// (instead of hanging) unless both ranks are done within a minute: a rank left waiting in
/// a reduction that the other never joins would wait forever.
fn on_two_ranks<T: Send + 'static>(model: ModelConfig, work: [RankWork<T>; 2]) -> [T; 2] {
    let sum = InProcessSum::new(2);
    let (done, results) = std::sync::mpsc::channel();
    for (rank, work) in work.into_iter().enumerate() {
        let (hook, done, model) = (sum.hook(rank, Vec::new()), done.clone(), model.clone());
        std::thread::spawn(move || {
            let config = vmc_config(Optimizer::Sgd)
                .with_n_samples(12)
                .with_seed(rank as u64);
            let mut vmc = Vmc::new(config).unwrap();
            vmc.set_allreduce(Some(hook));
            let mut model = Model::new(model).unwrap();
            let result = work(&mut vmc, &mut model);
            let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
            let after = vmc.step(&mut model, &h).map(|s| s.energy.n);
            done.send((rank, result, after)).unwrap();
        });
    }
    let mut out: [Option<T>; 2] = [None, None];
    for _ in 0..2 {
        let (rank, result, after) = results
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("a rank was left waiting in a reduction");
        assert_eq!(
            after.unwrap(),
            24,
            "rank {rank}: the next step is not shared"
        );
        out[rank] = Some(result);
    }
    out.map(Option::unwrap)
}

/// The other rank's error when one rank refuses its own inputs: the non-finite sums it
/// joined the first reduction with.
fn assert_failed_with_the_other(err: &rnnwf::Error) {
    assert_eq!(err.kind, ErrorKind::Numerical, "{}", err.message);
    assert!(err.message.contains("allreduce"), "{}", err.message);
}

/// One rank given an operator on another number of sites fails its step, and so does the
/// other (instead of waiting in the first reduction), in a plain step and on given samples.
#[test]
fn a_wrong_operator_on_one_rank_fails_the_step_on_both() {
    let n = SITES as usize;
    let wrong_op = |rank: usize| {
        let sites = if rank == 1 { SITES + 1 } else { SITES };
        Hamiltonian::tfim(sites, 1, false, 1.0, 0.9).unwrap()
    };
    let step: [RankWork<rnnwf::Error>; 2] = std::array::from_fn(|rank| {
        let h = wrong_op(rank);
        Box::new(move |vmc: &mut Vmc, model: &mut Model| vmc.step(model, &h).unwrap_err())
            as RankWork<_>
    });
    let [e0, e1] = on_two_ranks(model_config(), step);
    assert_failed_with_the_other(&e0);
    assert_eq!(e1.kind, ErrorKind::InvalidArgument, "{}", e1.message);
    assert!(e1.message.contains("7 sites"), "{}", e1.message);

    let on_samples: [RankWork<rnnwf::Error>; 2] = std::array::from_fn(|rank| {
        let h = wrong_op(rank);
        Box::new(move |vmc: &mut Vmc, model: &mut Model| {
            let mut configs = vec![0u8; 4 * n];
            let mut log_psi = vec![Complex64::new(0.0, 0.0); 4];
            model
                .sample(5, 4, &mut configs, Some(&mut log_psi))
                .unwrap();
            vmc.step_on_samples(model, &h, &configs, &log_psi)
                .unwrap_err()
        }) as RankWork<_>
    });
    let [e0, e1] = on_two_ranks(model_config(), on_samples);
    assert_failed_with_the_other(&e0);
    assert_eq!(e1.kind, ErrorKind::InvalidArgument, "{}", e1.message);
}

/// Samples outside the model's U(1) subspace on one rank (refused by the local energies)
/// fail the step on both ranks.
#[test]
fn samples_outside_the_u1_subspace_on_one_rank_fail_the_step_on_both() {
    let n = SITES as usize;
    let config = model_config().with_u1_total(Some(3));
    let work: [RankWork<rnnwf::Error>; 2] = std::array::from_fn(|rank| {
        Box::new(move |vmc: &mut Vmc, model: &mut Model| {
            let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
            let mut configs = vec![0u8; 4 * n];
            let mut log_psi = vec![Complex64::new(0.0, 0.0); 4];
            model
                .sample(5, 4, &mut configs, Some(&mut log_psi))
                .unwrap();
            if rank == 1 {
                configs[0] ^= 1; // total 2 or 4, not 3
            }
            vmc.step_on_samples(model, &h, &configs, &log_psi)
                .unwrap_err()
        }) as RankWork<_>
    });
    let [e0, e1] = on_two_ranks(config, work);
    assert_failed_with_the_other(&e0);
    assert_eq!(e1.kind, ErrorKind::InvalidArgument, "{}", e1.message);
    assert!(e1.message.contains("U(1)"), "{}", e1.message);
}

/// Bad data on one rank (a value out of range, a configuration of probability 0, no data,
/// a partial configuration) fails the fit step on both ranks.
#[test]
fn bad_data_on_one_rank_fails_the_fit_step_on_both() {
    let n = SITES as usize;
    let good = vec![1u8, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1];
    let mut out_of_range = good.clone();
    out_of_range[4] = 2;
    let mut outside_u1 = good.clone();
    outside_u1[1] = 1;
    let cases: [(Vec<u8>, ErrorKind); 4] = [
        (out_of_range, ErrorKind::InvalidArgument),
        (outside_u1, ErrorKind::InvalidArgument),
        (Vec::new(), ErrorKind::InvalidArgument),
        (good[..n + 2].to_vec(), ErrorKind::BufferSize),
    ];
    for (bad, kind) in cases {
        let work: [RankWork<rnnwf::Error>; 2] = std::array::from_fn(|rank| {
            let data = if rank == 1 { bad.clone() } else { good.clone() };
            Box::new(move |vmc: &mut Vmc, model: &mut Model| {
                vmc.fit_step(model, &data).unwrap_err()
            }) as RankWork<_>
        });
        let [e0, e1] = on_two_ranks(model_config().with_u1_total(Some(3)), work);
        assert_failed_with_the_other(&e0);
        assert_eq!(e1.kind, kind, "{}", e1.message);
    }
}

/// A rank whose model has another lattice of the same parameter count (a chain of 7 sites
/// instead of 6), or whose optimiser settings differ (the learning rate), fails its step,
/// and so does the other: the first reduction carries a fingerprint of both. Before, the
/// lattice trained silently on a mixture of two systems.
#[test]
fn ranks_with_another_lattice_or_settings_fail_the_step_together() {
    let lattice: [RankWork<[rnnwf::Error; 2]>; 2] = std::array::from_fn(|rank| {
        Box::new(move |vmc: &mut Vmc, model: &mut Model| {
            let sites = if rank == 1 { SITES + 1 } else { SITES };
            let mut other = Model::new(model.config().clone().with_lx(sites)).unwrap();
            assert_eq!(other.num_params(), model.num_params());
            let h = Hamiltonian::tfim(sites, 1, false, 1.0, 0.9).unwrap();
            let lattice = vmc.step(&mut other, &h).unwrap_err();
            let lr = vmc.config().learning_rate;
            if rank == 1 {
                vmc.set_learning_rate(2.0 * lr).unwrap();
            }
            let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
            let settings = vmc.step(model, &h).unwrap_err();
            vmc.set_learning_rate(lr).unwrap();
            [lattice, settings]
        }) as RankWork<_>
    });
    for errors in on_two_ranks(model_config(), lattice) {
        for e in errors {
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{}", e.message);
            assert!(e.message.contains("fingerprints differ"), "{}", e.message);
        }
    }
}

/// Under a two-rank hook, a step on the library's local energies handed back
/// (`step_on_local_energies`) is the step `step_on_samples` takes, bit for bit, with the
/// same reductions (each rank runs both drivers, each with its own in-process sum).
#[test]
fn two_ranks_step_on_host_energies_like_step_on_samples() {
    let sets = sample_sets();
    let (library, host) = (InProcessSum::new(2), InProcessSum::new(2));
    let runs: Vec<(Vec<u64>, Vec<u64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|rank| {
                let (sets, library, host) = (&sets, &library, &host);
                scope.spawn(move || {
                    let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
                    let mut a = Model::new(model_config()).unwrap();
                    let mut b = Model::new(model_config()).unwrap();
                    let mut va = Vmc::new(vmc_config(Optimizer::Adam)).unwrap();
                    let mut vb = Vmc::new(vmc_config(Optimizer::Adam)).unwrap();
                    va.set_allreduce(Some(library.hook(rank, vec![])));
                    vb.set_allreduce(Some(host.hook(rank, vec![])));
                    let n = SITES as usize;
                    for set in sets {
                        let rows = rank * PER_RANK..(rank + 1) * PER_RANK;
                        let configs = &set[rows.start * n..rows.end * n];
                        let mut log_psi = vec![Complex64::new(0.0, 0.0); PER_RANK];
                        a.log_psi(configs, &mut log_psi).unwrap();
                        let sa = va.step_on_samples(&mut a, &h, configs, &log_psi).unwrap();
                        let mut e = vec![Complex64::new(0.0, 0.0); PER_RANK];
                        rnnwf::local_energies(&b, &h, configs, &mut e).unwrap();
                        let sb = vb.step_on_local_energies(&mut b, configs, &e).unwrap();
                        assert_eq!(sa.energy, sb.energy);
                        assert_eq!(sa.energy.n, 2 * PER_RANK as u64);
                    }
                    let bits = |m: &Model| m.params().iter().map(|x| x.to_bits()).collect();
                    (bits(&a), bits(&b))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(runs[0].0, runs[0].1, "host energies step differently");
    assert_eq!(runs[0], runs[1], "ranks diverged");
}

/// A cancellation requested on rank 1 alone, by its own hook right after its `at`-th
/// reduction of a step (a request that arrives mid-step, at a known point): rank 1 sees it
/// at its next check (a chunk of the gradient pass, or an iteration of SR's conjugate
/// gradient) and joins the very next reduction with it, so both ranks return `Cancelled`
/// after the same reductions, `made`, with the model, the optimiser state and the step
/// counter unchanged; the request is consumed, and the next step is shared by both.
/// (Without it, rank 1 finished the step, and the request waited for its next step.)
#[test]
fn a_cancellation_on_one_rank_cancels_the_step_on_both() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A step with temperature reduces four scalars before the gradient pass; SR then sums
    // the mean log-derivatives (5) and the force (6) before its conjugate gradient, one
    // reduction per iteration.
    let cases = [
        (
            "SGD, after the first reduction",
            Setting::from(Optimizer::Sgd),
            1,
            5,
        ),
        (
            "Adam, in the gradient pass",
            Setting::from(Optimizer::Adam),
            4,
            5,
        ),
        (
            "SR, in the gradient pass",
            Setting::from(Optimizer::MinSr),
            2,
            5,
        ),
        (
            "SR, in the conjugate gradient",
            Setting::from(Optimizer::MinSr),
            8,
            9,
        ),
    ];
    for (what, setting, at, reductions) in cases {
        let sum = InProcessSum::new(2);
        let (done, results) = std::sync::mpsc::channel();
        for rank in 0..2 {
            let (mut inner, done) = (sum.hook(rank, Vec::new()), done.clone());
            std::thread::spawn(move || {
                let config = vmc_config(setting)
                    .with_n_samples(12)
                    .with_seed(rank as u64);
                let mut vmc = Vmc::new(config).unwrap();
                let token = vmc.cancel_token();
                let calls = Arc::new(AtomicUsize::new(0));
                let counted = Arc::clone(&calls);
                vmc.set_allreduce(Some(Box::new(move |buf: &mut [f64]| {
                    let result = inner(buf);
                    if counted.fetch_add(1, Ordering::SeqCst) + 1 == at && rank == 1 {
                        token.request();
                    }
                    result
                })));
                let mut model = Model::new(model_config()).unwrap();
                let h = Hamiltonian::tfim(SITES, 1, false, 1.0, 0.9).unwrap();
                let before = model.params().to_vec();
                let err = vmc.step(&mut model, &h).unwrap_err();
                let made = calls.load(Ordering::SeqCst);
                let unchanged = model.params() == before.as_slice() && vmc.steps() == 0;
                let pending = vmc.cancel_token().is_requested();
                let after = vmc.step(&mut model, &h).map(|s| s.energy.n);
                done.send((rank, err, made, unchanged, pending, after))
                    .unwrap();
            });
        }
        for _ in 0..2 {
            let (rank, err, made, unchanged, pending, after) = results
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("a rank was left waiting in a reduction");
            assert_eq!(err.kind, ErrorKind::Cancelled, "{what}, rank {rank}: {err}");
            let source = if rank == 1 {
                "rnnwf_vmc_cancel"
            } else {
                "another process"
            };
            assert!(err.message.contains(source), "{what}, rank {rank}: {err}");
            assert_eq!(made, reductions, "{what}, rank {rank}: reductions");
            assert!(unchanged, "{what}, rank {rank}: the step changed something");
            assert!(
                !pending,
                "{what}, rank {rank}: the request was not consumed"
            );
            assert_eq!(after.unwrap(), 24, "{what}, rank {rank}: the next step");
        }
    }
}
