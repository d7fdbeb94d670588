//! The process's one thread pool and the workspaces a model keeps between calls: calls
//! from several host threads at once, any thread count, a count changed while calls run,
//! and reused workspaces all give the numbers a lone call on a fresh model gives.

use rnnwf::capi::{rnnwf_set_num_threads, RNNWF_ERR_INVALID_ARGUMENT, RNNWF_OK};
use rnnwf::{
    local_energies, CellKind, Complex64, ErrorKind, Hamiltonian, Model, ModelConfig, PhaseKind,
    SignRule, MAX_THREADS,
};

const SITES: u32 = 12;

fn chain_model() -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(SITES)
            .with_hidden(8)
            .with_layers(2)
            .with_phase(PhaseKind::Softsign)
            .with_sign_rule(SignRule::Marshall)
            .with_seed(5),
    )
    .unwrap()
}

fn grid_model() -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(3)
            .with_ly(4)
            .with_hidden(6)
            .with_phase(PhaseKind::Softsign)
            .with_u1_total(Some(6))
            .with_seed(8),
    )
    .unwrap()
}

/// Everything one round of calls computes, compared exactly.
#[derive(Debug, PartialEq)]
struct Results {
    configs: Vec<u8>,
    sampled_log_psi: Vec<Complex64>,
    log_psi: Vec<Complex64>,
    conditionals: Vec<f64>,
    local_energies: Vec<Complex64>,
    grads: Vec<Complex64>,
    vjp: Vec<f64>,
}

/// Samples `n` configurations with `seed`, then evaluates them every way a step does.
fn run(model: &Model, h: &Hamiltonian, seed: u64, n: usize) -> Results {
    let (sites, np) = (model.num_sites(), model.num_params());
    let mut configs = vec![0u8; n * sites];
    let mut sampled_log_psi = vec![Complex64::new(0.0, 0.0); n];
    model
        .sample(seed, n, &mut configs, Some(&mut sampled_log_psi))
        .unwrap();
    let mut log_psi = vec![Complex64::new(0.0, 0.0); n];
    model.log_psi(&configs, &mut log_psi).unwrap();
    let mut conditionals = vec![0.0; n * sites];
    model.log_conditionals(&configs, &mut conditionals).unwrap();
    let mut e_loc = vec![Complex64::new(0.0, 0.0); n];
    local_energies(model, h, &configs, &mut e_loc).unwrap();
    let mut grads = vec![Complex64::new(0.0, 0.0); n * np];
    model.log_psi_grad(&configs, &mut grads).unwrap();
    let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let im: Vec<f64> = (0..n).map(|i| (i as f64 * 0.91).cos()).collect();
    let mut vjp = vec![0.0; np];
    model.log_psi_vjp(&configs, &re, &im, &mut vjp).unwrap();
    Results {
        configs,
        sampled_log_psi,
        log_psi,
        conditionals,
        local_energies: e_loc,
        grads,
        vjp,
    }
}

/// A model with the same parameters and no cached workspaces.
fn fresh(model: &Model) -> Model {
    Model::with_params(model.config().clone(), model.params()).unwrap()
}

#[test]
fn concurrent_calls_on_one_model_match_a_lone_call() {
    for (model, h) in [
        (
            chain_model(),
            Hamiltonian::tfim(SITES, 1, false, 1.0, 0.7).unwrap(),
        ),
        (
            grid_model(),
            Hamiltonian::heisenberg(3, 4, false, 1.0, 0.3).unwrap(),
        ),
    ] {
        let n = 300; // two chunks of samples, the second partial
        let expected: Vec<Results> = (0..4).map(|s| run(&fresh(&model), &h, s, n)).collect();
        // The lone calls' own consistency: sampling and evaluation agree.
        for r in &expected {
            for (s, e) in r.sampled_log_psi.iter().zip(&r.log_psi) {
                assert!((s - e).norm() < 1e-12, "{s} vs {e}");
            }
        }
        std::thread::scope(|scope| {
            for t in 0..4u64 {
                let (model, h, expected) = (&model, &h, &expected);
                scope.spawn(move || {
                    for round in 0..3u64 {
                        let seed = (t + round) % 4;
                        let got = run(model, h, seed, n);
                        assert!(
                            got == expected[seed as usize],
                            "host thread {t}, round {round}: results differ from a lone call"
                        );
                    }
                });
            }
        });
    }
}

/// One layer of the linear gated cell, whose local energies propagate each flip's change.
fn linear_model(lx: u32, ly: u32) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::LinearGated)
            .with_lx(lx)
            .with_ly(ly)
            .with_hidden(8)
            .with_phase(PhaseKind::Softsign)
            .with_sign_rule(SignRule::Marshall)
            .with_seed(6),
    )
    .unwrap()
}

#[test]
fn same_results_for_one_two_and_three_threads() {
    let n = 700; // three chunks, the last one partial
    for (model, h) in [
        (
            chain_model(),
            Hamiltonian::heisenberg(SITES, 1, true, 1.0, 0.4).unwrap(),
        ),
        (
            linear_model(SITES, 1),
            Hamiltonian::heisenberg(SITES, 1, true, 1.0, 0.4).unwrap(),
        ),
        (
            linear_model(3, 4),
            Hamiltonian::heisenberg(3, 4, false, 1.0, 0.3).unwrap(),
        ),
    ] {
        same_results_for_any_thread_count(&model, &h, n);
    }
}

fn same_results_for_any_thread_count(model: &Model, h: &Hamiltonian, n: usize) {
    let mut results = Vec::new();
    for threads in [1, 2, 3] {
        rnnwf::set_num_threads(threads).unwrap();
        results.push(run(model, h, 11, n));
    }
    rnnwf::set_num_threads(0).unwrap();
    assert!(results[0] == results[1], "1 and 2 threads differ");
    assert!(results[0] == results[2], "1 and 3 threads differ");
    // The batched gradient is the weighted sum of the per-sample ones.
    let r = &results[0];
    let np = model.num_params();
    let scale = r.vjp.iter().map(|g| g.abs()).fold(0.0, f64::max);
    for k in 0..np {
        let sum: f64 = (0..n)
            .map(|i| {
                let o = r.grads[i * np + k];
                (i as f64 * 0.37).sin() * o.re + (i as f64 * 0.91).cos() * o.im
            })
            .sum();
        assert!(
            (r.vjp[k] - sum).abs() < 1e-10 * scale,
            "{k}: {} vs {sum}",
            r.vjp[k]
        );
    }
}

#[test]
fn changing_the_thread_count_while_calls_run_changes_no_result() {
    let model = grid_model();
    let h = Hamiltonian::heisenberg(3, 4, false, 1.0, 0.0).unwrap();
    let n = 520;
    let expected = run(&fresh(&model), &h, 3, n);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for threads in [1, 3, 2, 0].into_iter().cycle() {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                rnnwf::set_num_threads(threads).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        });
        let workers: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| (0..3).all(|_| run(&model, &h, 3, n) == expected)))
            .collect();
        let all_equal = workers.into_iter().all(|w| w.join().unwrap());
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(
            all_equal,
            "a call gave other numbers while the count changed"
        );
    });
    rnnwf::set_num_threads(0).unwrap();
}

#[test]
fn reused_workspaces_give_what_fresh_ones_give() {
    let model = grid_model();
    let h = Hamiltonian::heisenberg(3, 4, false, 1.0, 0.5).unwrap();
    // Large calls first leave large workspaces full of their numbers; smaller calls then
    // reuse them, and must not read anything the large calls left behind.
    for n in [600, 257, 5, 1, 300] {
        let reused = run(&model, &h, n as u64, n);
        let lone = run(&fresh(&model), &h, n as u64, n);
        assert!(
            reused == lone,
            "n = {n}: reused workspaces changed the results"
        );
    }
    // A clone with other parameters shares no workspace and no number with the original.
    let mut other = model.clone();
    let shifted: Vec<f64> = model.params().iter().map(|p| p * 0.9 + 0.01).collect();
    other.set_params(&shifted).unwrap();
    assert!(run(&other, &h, 2, 40) == run(&fresh(&other), &h, 2, 40));
    assert!(run(&model, &h, 2, 40) == run(&fresh(&model), &h, 2, 40));
}

#[test]
fn more_threads_than_the_cap_are_refused() {
    let e = rnnwf::set_num_threads(MAX_THREADS + 1).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("1024"), "{}", e.message);
    assert_eq!(MAX_THREADS, 1024, "the C API documents 1024");
    assert_eq!(rnnwf_set_num_threads(1025), RNNWF_ERR_INVALID_ARGUMENT);
    assert_eq!(rnnwf_set_num_threads(u32::MAX), RNNWF_ERR_INVALID_ARGUMENT);
    assert_eq!(rnnwf_set_num_threads(0), RNNWF_OK);
}

#[test]
fn a_model_and_its_clones_can_be_shared_between_threads() {
    fn shareable<T: Clone + std::fmt::Debug + Send + Sync>() {}
    shareable::<Model>();
}
