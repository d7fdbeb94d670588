//! Cancelling a training step from another thread (`Vmc::cancel_token`): the step stops at
//! the next chunk boundary with `Cancelled` and changes nothing; a request stays pending
//! until a step returns `Cancelled` or it is cleared. Two processes: tests/distributed.rs.

use rnnwf::vmc::{Vmc, VmcConfig};
use rnnwf::{CellKind, ErrorKind, Hamiltonian, Model, ModelConfig};
use std::time::{Duration, Instant};

/// A chain whose steps take many chunks (256 samples each) and about a second or more.
fn big() -> (Model, Hamiltonian) {
    let sites = 64;
    let model = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(sites)
            .with_hidden(32)
            .with_seed(5),
    )
    .unwrap();
    (model, Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).unwrap())
}

fn driver(n_samples: u64) -> Vmc {
    Vmc::new(VmcConfig::default().with_n_samples(n_samples)).unwrap()
}

/// A request from another thread while a step runs: `Cancelled` long before the step would
/// have ended, the parameters and step counter as before, the request consumed, and the
/// next step runs to the end. Without cancellation the step ran to its end.
#[test]
fn a_request_from_another_thread_stops_a_running_step() {
    let (mut model, h) = big();
    let mut vmc = driver(4096);
    // How long a whole step takes here and now.
    let start = Instant::now();
    vmc.step(&mut model, &h).unwrap();
    let whole = start.elapsed();
    let before = model.params().to_vec();
    let token = vmc.cancel_token();
    let delay = whole / 10;
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(delay);
        token.request();
    });
    let start = Instant::now();
    let err = vmc.step(&mut model, &h).unwrap_err();
    let stopped = start.elapsed();
    canceller.join().unwrap();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{err}");
    assert!(
        stopped < whole / 2,
        "stopped after {stopped:?}; a whole step takes {whole:?}"
    );
    assert_eq!(model.params(), before.as_slice());
    assert_eq!(vmc.steps(), 1);
    assert!(!vmc.cancel_token().is_requested(), "consumed");
    assert_eq!(vmc.step(&mut model, &h).unwrap().step, 1);
}

/// A request made between steps cancels the next step before it computes anything (none is
/// lost); `clear` drops one. Every kind of step honours it.
#[test]
fn a_pending_request_cancels_the_next_step_of_every_kind_and_clear_drops_it() {
    let (mut model, h) = big();
    let mut vmc = driver(64);
    let token = vmc.cancel_token();
    let before = model.params().to_vec();
    let n = model.num_sites();
    let data = vec![0u8; 8 * n];
    let mut configs = vec![0u8; 64 * n];
    let mut log_psi = vec![rnnwf::Complex64::new(0.0, 0.0); 64];
    model
        .sample(1, 64, &mut configs, Some(&mut log_psi))
        .unwrap();
    let energies = vec![rnnwf::Complex64::new(-1.0, 0.0); 64];
    type Step<'a> = Box<dyn Fn(&mut Vmc, &mut Model) -> rnnwf::Result<()> + 'a>;
    let steps: [(&str, Step); 4] = [
        ("step", Box::new(|v, m| v.step(m, &h).map(drop))),
        ("fit_step", Box::new(|v, m| v.fit_step(m, &data).map(drop))),
        (
            "step_on_samples",
            Box::new(|v, m| v.step_on_samples(m, &h, &configs, &log_psi).map(drop)),
        ),
        (
            "step_on_local_energies",
            Box::new(|v, m| v.step_on_local_energies(m, &configs, &energies).map(drop)),
        ),
    ];
    for (what, step) in &steps {
        token.request();
        let start = Instant::now();
        let err = step(&mut vmc, &mut model).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cancelled, "{what}: {err}");
        assert!(start.elapsed() < Duration::from_millis(500), "{what}");
        assert_eq!(model.params(), before.as_slice(), "{what}");
        assert_eq!(vmc.steps(), 0, "{what}");
        assert!(!token.is_requested(), "{what}: consumed");
    }
    token.request();
    token.clear();
    vmc.step(&mut model, &h).unwrap();
    assert_eq!(vmc.steps(), 1);
}

/// A request never reaches calls outside a step: sampling and evaluating go on.
#[test]
fn a_request_does_not_touch_calls_outside_a_step() {
    let (model, h) = big();
    let vmc = driver(64);
    vmc.cancel_token().request();
    let mut configs = vec![0u8; 300 * model.num_sites()];
    model.sample(1, 300, &mut configs, None).unwrap();
    let mut e = vec![rnnwf::Complex64::new(0.0, 0.0); 300];
    rnnwf::local_energies(&model, &h, &configs, &mut e).unwrap();
    assert!(
        vmc.cancel_token().is_requested(),
        "still pending for the next step"
    );
}
