//! Local energies with prefix reuse against full re-evaluation of every connected
//! configuration and against the dense <s|H|psi> / <s|psi> by enumeration.

mod common;
use common::dense;
use common::*;
use rnnwf::{
    local_energies, local_energies_naive, CellKind, Complex64, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, SignRule,
};

#[derive(Clone, Copy, Debug)]
struct Variant {
    phase: bool,
    marshall: bool,
    u1: bool,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        phase: false,
        marshall: false,
        u1: false,
    },
    Variant {
        phase: true,
        marshall: false,
        u1: false,
    },
    Variant {
        phase: false,
        marshall: true,
        u1: false,
    },
    Variant {
        phase: true,
        marshall: true,
        u1: true,
    },
];

fn model_for(cell: CellKind, sites: u32, v: Variant, seed: u64) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(sites)
            .with_ly(1)
            .with_local_dim(2)
            .with_hidden(6)
            .with_layers(2)
            .with_phase(if v.phase {
                PhaseKind::Softsign
            } else {
                PhaseKind::None
            })
            .with_sign_rule(if v.marshall {
                SignRule::Marshall
            } else {
                SignRule::None
            })
            .with_u1_total(v.u1.then_some(sites / 2))
            .with_seed(seed),
    )
    .unwrap()
}

/// The same model with `layers` layers.
fn with_layers(m: Model, layers: u32) -> Model {
    Model::new(m.config().clone().with_layers(layers)).unwrap()
}

fn operators(sites: u32) -> Vec<(&'static str, Hamiltonian)> {
    vec![
        (
            "tfim open",
            Hamiltonian::tfim(sites, 1, false, 1.0, 0.8).unwrap(),
        ),
        (
            "tfim periodic",
            Hamiltonian::tfim(sites, 1, true, 0.7, 1.3).unwrap(),
        ),
        (
            "heisenberg",
            Hamiltonian::heisenberg(sites, 1, false, 1.0, 0.0).unwrap(),
        ),
        (
            "j1-j2 periodic",
            Hamiltonian::heisenberg(sites, 1, true, 1.0, 0.45).unwrap(),
        ),
        ("random pauli sum", random_pauli_sum(sites, 25, 99)),
    ]
}

fn energies(
    f: fn(&Model, &Hamiltonian, &[u8], &mut [Complex64]) -> rnnwf::Result<()>,
    m: &Model,
    h: &Hamiltonian,
    configs: &[u8],
) -> Vec<Complex64> {
    let mut out = vec![Complex64::new(f64::NAN, 0.0); configs.len() / m.num_sites()];
    f(m, h, configs, &mut out).unwrap();
    out
}

#[test]
fn prefix_reuse_equals_naive_and_dense_for_every_configuration() {
    let sites = 8u32;
    let n = sites as usize;
    let every = all_configs(n, 2);
    // One layer of the linear gated cell takes its own path (propagation), two the prefix reuse.
    for (cell, layers) in [
        (CellKind::Vanilla, 2),
        (CellKind::Gru, 2),
        (CellKind::TensorGru, 2),
        (CellKind::LinearGated, 2),
        (CellKind::LinearGated, 1),
    ] {
        for (vi, v) in VARIANTS.iter().enumerate() {
            let m = with_layers(model_for(cell, sites, *v, 31 + vi as u64), layers);
            let psi = psi_all(&m);
            // Every configuration with psi != 0 (the U(1) subspace when constrained).
            let configs: Vec<u8> = every
                .chunks(n)
                .filter(|c| psi[dense::index_of(c)].norm() > 0.0)
                .flatten()
                .copied()
                .collect();
            if v.u1 {
                assert_eq!(configs.len() / n, 70, "C(8,4) configurations");
            }
            for (name, h) in operators(sites) {
                let fast = energies(local_energies, &m, &h, &configs);
                let naive = energies(local_energies_naive, &m, &h, &configs);
                let h_psi = dense::apply(&dense::matrix(&h), &psi);
                for ((c, f), nv) in configs.chunks(n).zip(&fast).zip(&naive) {
                    let k = dense::index_of(c);
                    let exact = h_psi[k] / psi[k];
                    assert!(
                        close(*f, exact, 1e-10) && close(*nv, exact, 1e-10),
                        "{cell:?} x{layers} {v:?} {name} {c:?}: prefix {f}, naive {nv}, dense {exact}"
                    );
                }
            }
        }
    }
}

#[test]
fn positive_model_of_a_stoquastic_operator_has_real_local_energies() {
    let m = model_for(CellKind::Gru, 9, VARIANTS[0], 4);
    let h = Hamiltonian::tfim(9, 1, true, 1.0, 1.0).unwrap();
    let mut configs = vec![0u8; 300 * 9];
    m.sample(5, 300, &mut configs, None).unwrap();
    for e in energies(local_energies, &m, &h, &configs) {
        assert_eq!(e.im, 0.0, "{e}");
    }
}

/// A model wide enough that the saved states exceed the memory budget, so passes restart
/// from checkpoints every few positions instead of every position.
#[test]
fn restarts_from_sparse_checkpoints_match_naive() {
    let sites = 16u32;
    let m = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Vanilla)
            .with_lx(sites)
            .with_hidden(2048)
            .with_layers(1)
            .with_phase(PhaseKind::Softsign)
            .with_seed(8),
    )
    .unwrap();
    let n = 3;
    let mut configs = vec![0u8; n * sites as usize];
    m.sample(1, n, &mut configs, None).unwrap();
    for h in [
        Hamiltonian::tfim(sites, 1, false, 1.0, 1.0).unwrap(),
        random_pauli_sum(sites, 20, 7),
    ] {
        let fast = energies(local_energies, &m, &h, &configs);
        let naive = energies(local_energies_naive, &m, &h, &configs);
        for (f, nv) in fast.iter().zip(&naive) {
            assert!(close(*f, *nv, 1e-10), "{f} vs {nv}");
        }
    }
}

/// The linear cell's propagation walks a sample's connected configurations 128 at a time:
/// an operator with several hundred off-diagonal flip patterns takes several walks, on a chain
/// and on a grid (whose rows read back a window of positions), with the phase head.
#[test]
fn linear_propagation_in_several_walks_matches_naive() {
    for (lx, ly) in [(12u32, 1u32), (4, 3)] {
        let sites = lx * ly;
        let m = Model::new(
            ModelConfig::default()
                .with_cell(CellKind::LinearGated)
                .with_lx(lx)
                .with_ly(ly)
                .with_hidden(7)
                .with_phase(PhaseKind::Softsign)
                .with_seed(12),
        )
        .unwrap();
        let h = random_pauli_sum(sites, 600, 3);
        let mut configs = vec![0u8; 5 * sites as usize];
        m.sample(2, 5, &mut configs, None).unwrap();
        let fast = energies(local_energies, &m, &h, &configs);
        let naive = energies(local_energies_naive, &m, &h, &configs);
        for (f, nv) in fast.iter().zip(&naive) {
            assert!(close(*f, *nv, 1e-10), "{lx}x{ly}: {f} vs {nv}");
        }
    }
}

/// On long lattices a connected configuration's change of state dies out long before the
/// end, and its walk stops once the rest is its first-order change to within rounding: the
/// results still equal naive re-evaluation, for single flips without a mask (Ising), flip
/// pairs under U(1) with Marshall and the phase head (J1-J2), on chains and on a narrow grid.
#[test]
fn linear_walks_that_stop_early_match_naive() {
    let cases = [
        (
            120u32,
            1u32,
            Hamiltonian::tfim(120, 1, false, 1.0, 0.7).unwrap(),
        ),
        (
            60,
            1,
            Hamiltonian::heisenberg(60, 1, false, 1.0, 0.3).unwrap(),
        ),
        (
            2,
            100,
            Hamiltonian::heisenberg(2, 100, false, 1.0, 0.2).unwrap(),
        ),
    ];
    for (lx, ly, h) in cases {
        let sites = lx * ly;
        let ising = ly == 1 && lx == 120;
        let config = ModelConfig::default()
            .with_cell(CellKind::LinearGated)
            .with_lx(lx)
            .with_ly(ly)
            .with_hidden(9)
            .with_seed(4);
        let m = Model::new(if ising {
            config
        } else {
            config
                .with_phase(PhaseKind::Softsign)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(sites / 2))
        })
        .unwrap();
        let mut configs = vec![0u8; 6 * sites as usize];
        m.sample(5, 6, &mut configs, None).unwrap();
        let fast = energies(local_energies, &m, &h, &configs);
        let naive = energies(local_energies_naive, &m, &h, &configs);
        // Tighter than elsewhere: a walk that stopped without its first-order tail is off by
        // about 1e-12 here.
        for (f, nv) in fast.iter().zip(&naive) {
            assert!(close(*f, *nv, 1e-13), "{lx}x{ly}: {f} vs {nv}");
        }
    }
}

#[test]
fn same_local_energies_for_any_thread_count() {
    let v = Variant {
        phase: true,
        marshall: true,
        u1: false,
    };
    let m = model_for(CellKind::Gru, 12, v, 2);
    let h = random_pauli_sum(12, 30, 5);
    let n = 700; // three chunks, the last one partial
    let mut configs = vec![0u8; n * 12];
    m.sample(9, n, &mut configs, None).unwrap();
    let run = |threads| {
        rnnwf::set_num_threads(threads).unwrap();
        energies(local_energies, &m, &h, &configs)
    };
    let one = run(1);
    let two = run(2);
    let three = run(3);
    rnnwf::set_num_threads(0).unwrap();
    assert_eq!(one, two);
    assert_eq!(one, three);
    assert!(energies(local_energies, &m, &h, &[]).is_empty());
}

#[test]
fn refuses_operators_and_configurations_that_do_not_fit_the_model() {
    let m = model_for(CellKind::Gru, 6, VARIANTS[0], 1);
    let configs = vec![0u8; 2 * 6];
    let mut out = vec![Complex64::new(0.0, 0.0); 2];
    let wrong_size = Hamiltonian::tfim(5, 1, false, 1.0, 1.0).unwrap();
    for f in [local_energies, local_energies_naive] {
        let e = f(&m, &wrong_size, &configs, &mut out).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(
            e.message.contains("5 sites") && e.message.contains("6"),
            "{}",
            e.message
        );
    }
    let qutrits = Model::new(ModelConfig::default().with_lx(6).with_local_dim(3)).unwrap();
    let h = Hamiltonian::tfim(6, 1, false, 1.0, 1.0).unwrap();
    let e = local_energies(&qutrits, &h, &configs, &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("local_dim = 3"), "{}", e.message);
    // Lengths and site values.
    let e = local_energies(&m, &h, &configs[..11], &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BufferSize);
    let mut bad = configs.clone();
    bad[7] = 2;
    let e = local_energies(&m, &h, &bad, &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    // A configuration outside the U(1) subspace has psi = 0: no local energy.
    let u1 = model_for(
        CellKind::Gru,
        6,
        Variant {
            phase: false,
            marshall: false,
            u1: true,
        },
        1,
    );
    let mut outside = vec![0u8, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1];
    let e = local_energies(&u1, &h, &outside, &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("configs[1]"), "{}", e.message);
    outside[6] = 0;
    local_energies(&u1, &h, &outside, &mut out).unwrap();
    assert!(out.iter().all(|e| e.re.is_finite() && e.im.is_finite()));
}
