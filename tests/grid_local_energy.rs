//! Local energies of the 2D RNN: prefix reuse along the snake against full re-evaluation of
//! every connected configuration, and against the dense <s|H|psi> / <s|psi> by enumeration,
//! for the 2D transverse-field Ising and J1-J2 Heisenberg models.

mod common;
use common::dense;
use common::*;
use rnnwf::{
    local_energies, local_energies_naive, CellKind, Complex64, Hamiltonian, Model, ModelConfig,
    PhaseKind, SignRule,
};

#[derive(Clone, Copy, Debug)]
struct Variant {
    phase: bool,
    marshall: bool,
    u1: bool,
}

const VARIANTS: [Variant; 3] = [
    Variant {
        phase: false,
        marshall: false,
        u1: false,
    },
    Variant {
        phase: true,
        marshall: true,
        u1: false,
    },
    Variant {
        phase: true,
        marshall: true,
        u1: true,
    },
];

/// The same model with `layers` layers.
fn with_layers(m: Model, layers: u32) -> Model {
    Model::new(m.config().clone().with_layers(layers)).unwrap()
}

fn model_for(cell: CellKind, lx: u32, ly: u32, v: Variant, seed: u64) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(cell)
            .with_lx(lx)
            .with_ly(ly)
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
            .with_u1_total(v.u1.then_some(lx * ly / 2))
            .with_seed(seed),
    )
    .unwrap()
}

fn operators(lx: u32, ly: u32) -> Vec<(&'static str, Hamiltonian)> {
    vec![
        (
            "tfim open",
            Hamiltonian::tfim(lx, ly, false, 1.0, 3.0).unwrap(),
        ),
        (
            "tfim periodic",
            Hamiltonian::tfim(lx, ly, true, 0.7, 1.3).unwrap(),
        ),
        (
            "heisenberg open",
            Hamiltonian::heisenberg(lx, ly, false, 1.0, 0.0).unwrap(),
        ),
        (
            "j1-j2 periodic",
            Hamiltonian::heisenberg(lx, ly, true, 1.0, 0.5).unwrap(),
        ),
        ("random pauli sum", random_pauli_sum(lx * ly, 25, 99)),
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

/// Every configuration with psi != 0 (the U(1) subspace when constrained).
fn support(m: &Model, psi: &[Complex64]) -> Vec<u8> {
    let n = m.num_sites();
    all_configs(n, 2)
        .chunks(n)
        .filter(|c| psi[dense::index_of(c)].norm() > 0.0)
        .flatten()
        .copied()
        .collect()
}

#[test]
fn grid_prefix_reuse_equals_naive_and_dense_for_every_configuration() {
    // One layer of the linear gated cell takes its own path (propagation), two the prefix reuse.
    let cells = ALL_CELLS.map(|c| (c, 2)).into_iter();
    for (cell, layers) in cells.chain([(CellKind::LinearGated, 1)]) {
        for (vi, v) in VARIANTS.iter().enumerate() {
            let (lx, ly) = (3u32, 3u32);
            let n = 9;
            let m = with_layers(model_for(cell, lx, ly, *v, 31 + vi as u64), layers);
            let psi = psi_all(&m);
            let configs = support(&m, &psi);
            if v.u1 {
                assert_eq!(configs.len() / n, 126, "C(9,4) configurations");
            }
            for (name, h) in operators(lx, ly) {
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

/// A 4x3 grid, where the snake turns twice: prefix reuse against naive evaluation on every
/// configuration (the dense matrix would take 256 MiB).
#[test]
fn grid_prefix_reuse_equals_naive_on_a_four_by_three_grid() {
    let (lx, ly) = (4u32, 3u32);
    for (cell, layers) in [
        (CellKind::Gru, 2),
        (CellKind::VanillaElu, 2),
        (CellKind::TensorGru, 2),
        (CellKind::LinearGated, 1),
    ] {
        let v = VARIANTS[1];
        let m = with_layers(model_for(cell, lx, ly, v, 5), layers);
        let configs = all_configs(12, 2);
        for (name, h) in operators(lx, ly) {
            let fast = energies(local_energies, &m, &h, &configs);
            let naive = energies(local_energies_naive, &m, &h, &configs);
            for ((c, f), nv) in configs.chunks(12).zip(&fast).zip(&naive) {
                assert!(close(*f, *nv, 1e-10), "{cell:?} {name} {c:?}: {f} vs {nv}");
            }
        }
    }
}

/// A model wide enough that the saved per-column states exceed the memory budget, so passes
/// restart from checkpoints every few positions instead of every position.
#[test]
fn grid_restarts_from_sparse_checkpoints_match_naive() {
    let m = Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(4)
            .with_ly(4)
            .with_hidden(512)
            .with_layers(1)
            .with_phase(PhaseKind::Softsign)
            .with_seed(8),
    )
    .unwrap();
    let n = 3;
    let mut configs = vec![0u8; n * 16];
    m.sample(1, n, &mut configs, None).unwrap();
    for h in [
        Hamiltonian::tfim(4, 4, false, 1.0, 3.0).unwrap(),
        Hamiltonian::heisenberg(4, 4, true, 1.0, 0.5).unwrap(),
        random_pauli_sum(16, 20, 7),
    ] {
        let fast = energies(local_energies, &m, &h, &configs);
        let naive = energies(local_energies_naive, &m, &h, &configs);
        for (f, nv) in fast.iter().zip(&naive) {
            assert!(close(*f, *nv, 1e-10), "{f} vs {nv}");
        }
    }
}

#[test]
fn grid_same_local_energies_for_any_thread_count() {
    let v = VARIANTS[1];
    let m = model_for(CellKind::Gru, 4, 3, v, 2);
    let h = Hamiltonian::heisenberg(4, 3, false, 1.0, 0.5).unwrap();
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
}
