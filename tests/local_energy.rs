//! Local energies on every topology (open chain, open grid, periodic grid, dilated chain):
//! prefix reuse, with restarts also from sparse checkpoints, against full re-evaluation of
//! every connected configuration and against the dense <s|H|psi> / <s|psi> by enumeration;
//! the linear gated cell's propagation; the refused inputs. Their thread-count independence
//! is checked in tests/topologies.rs.

mod common;
use common::dense;
use common::topology::{build, Topology, TOPOLOGIES};
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

const VARIANTS: [Variant; 5] = [
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
        u1: false,
    },
    Variant {
        phase: true,
        marshall: true,
        u1: true,
    },
];

impl Variant {
    /// `cfg` with this variant's phase head, sign rule and U(1) total (half the sites).
    fn apply(self, cfg: ModelConfig) -> ModelConfig {
        let sites = cfg.lx * cfg.ly;
        cfg.with_phase(if self.phase {
            PhaseKind::Softsign
        } else {
            PhaseKind::None
        })
        .with_sign_rule(if self.marshall {
            SignRule::Marshall
        } else {
            SignRule::None
        })
        .with_u1_total(self.u1.then_some(sites / 2))
    }
}

/// Open and periodic Ising and Heisenberg models, J1-J2 included, and a random Pauli sum
/// (with Y strings) on the `lx x ly` lattice.
fn operators(lx: u32, ly: u32) -> Vec<(&'static str, Hamiltonian)> {
    vec![
        (
            "tfim open",
            Hamiltonian::tfim(lx, ly, false, 1.0, 0.8).unwrap(),
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

/// Prefix reuse and naive re-evaluation agree to 1e-10 on `configs`.
fn assert_prefix_reuse_equals_naive(m: &Model, h: &Hamiltonian, configs: &[u8], what: &str) {
    let fast = energies(local_energies, m, h, configs);
    let naive = energies(local_energies_naive, m, h, configs);
    let n = m.num_sites();
    for ((c, f), nv) in configs.chunks(n).zip(&fast).zip(&naive) {
        assert!(close(*f, *nv, 1e-10), "{what} {c:?}: {f} vs {nv}");
    }
}

/// The number of ways to choose `k` of `n`.
fn binomial(n: u64, k: u64) -> u64 {
    (0..k).fold(1, |c, i| c * (n - i) / (i + 1))
}

/// The cells with the layer counts the prefix reuse is checked with: two layers, and three
/// (a dilated chain's third layer reads 4 positions back); one layer of the linear gated
/// cell takes its own path (propagation), two the prefix reuse.
fn cells_and_layers(topology: Topology) -> Vec<(CellKind, u32)> {
    let mut out: Vec<(CellKind, u32)> = topology
        .cells()
        .into_iter()
        .flat_map(|c| [(c, 2), (c, 3)])
        .collect();
    if topology.has_linear_cell() {
        out.push((CellKind::LinearGated, 1));
    }
    out
}

/// On every configuration with psi != 0 of 8 sites (chains) or 3x3 (grids), for every cell,
/// with and without the phase head, the Marshall sign and U(1).
#[test]
fn prefix_reuse_equals_naive_and_dense_for_every_configuration_on_every_topology() {
    for topology in TOPOLOGIES {
        let lattices: &[(u32, u32)] = if topology.is_grid() {
            &[(3, 3)]
        } else {
            &[(8, 1)]
        };
        for &(lx, ly) in lattices {
            let n = (lx * ly) as usize;
            let operators: Vec<_> = operators(lx, ly)
                .into_iter()
                .map(|(name, h)| {
                    let matrix = dense::matrix(&h);
                    (name, h, matrix)
                })
                .collect();
            for (cell, layers) in cells_and_layers(topology) {
                for (vi, v) in VARIANTS.iter().enumerate() {
                    let cfg = v.apply(topology.config(cell, lx, ly).with_hidden(6));
                    let m = build(cfg.with_layers(layers).with_seed(31 + vi as u64));
                    let psi = psi_all(&m);
                    // Every configuration with psi != 0 (the U(1) subspace when constrained).
                    let configs: Vec<u8> = all_configs(n, 2)
                        .chunks(n)
                        .filter(|c| psi[dense::index_of(c)].norm() > 0.0)
                        .flatten()
                        .copied()
                        .collect();
                    let expected = if v.u1 {
                        binomial(n as u64, n as u64 / 2)
                    } else {
                        1 << n
                    };
                    assert_eq!(configs.len() / n, expected as usize, "{topology:?} {v:?}");
                    for (name, h, matrix) in &operators {
                        let fast = energies(local_energies, &m, h, &configs);
                        let naive = energies(local_energies_naive, &m, h, &configs);
                        let h_psi = dense::apply(matrix, &psi);
                        for ((c, f), nv) in configs.chunks(n).zip(&fast).zip(&naive) {
                            let k = dense::index_of(c);
                            let exact = h_psi[k] / psi[k];
                            assert!(
                                close(*f, exact, 1e-10) && close(*nv, exact, 1e-10),
                                "{topology:?} {cell:?} x{layers} {v:?} {name} {c:?}: \
                                 prefix {f}, naive {nv}, dense {exact}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A 4x3 grid, where the snake turns twice, open and periodic: prefix reuse against naive
/// evaluation on every configuration (the dense matrix would take 256 MiB).
#[test]
fn prefix_reuse_equals_naive_on_a_four_by_three_grid() {
    for topology in TOPOLOGIES.into_iter().filter(|t| t.is_grid()) {
        let mut cells: Vec<(CellKind, u32)> =
            [CellKind::Gru, CellKind::VanillaElu, CellKind::TensorGru]
                .map(|c| (c, 2))
                .to_vec();
        if topology.has_linear_cell() {
            cells.push((CellKind::LinearGated, 1));
        }
        for (cell, layers) in cells {
            let cfg = VARIANTS[3].apply(topology.config(cell, 4, 3).with_hidden(6));
            let m = build(cfg.with_layers(layers).with_seed(5));
            let configs = all_configs(12, 2);
            for (name, h) in operators(4, 3) {
                let what = format!("{topology:?} {cell:?} {name}");
                assert_prefix_reuse_equals_naive(&m, &h, &configs, &what);
            }
        }
    }
}

/// States too wide for a snapshot at every position: restarts replay from checkpoints
/// several positions apart, which must carry each layer's last 2^l states on a dilated chain
/// and row 0's states on a periodic grid. A checkpoint of 256 rows holds at least
/// `layers x hidden` f64 per row (more where the topology keeps several states), so both
/// models below (1100 and 3 x 384 > 1024 f64 per row) exceed the 32 MiB budget of 16
/// checkpoints and restart every second position or sparser.
#[test]
fn restarts_from_sparse_checkpoints_match_naive_on_every_topology() {
    for topology in TOPOLOGIES {
        for (cell, layers, hidden) in [(CellKind::Vanilla, 1, 1100), (CellKind::Gru, 3, 384)] {
            let m = build(
                topology
                    .config(cell, 4, 4)
                    .with_hidden(hidden)
                    .with_layers(layers)
                    .with_phase(PhaseKind::Softsign)
                    .with_seed(8),
            );
            let n = 3;
            let mut configs = vec![0u8; n * 16];
            m.sample(1, n, &mut configs, None).unwrap();
            let (lx, ly) = topology.lattice(4, 4);
            // Single flips, flip pairs on every bond, and strings of up to 4 sites.
            for (name, h) in operators(lx, ly).into_iter().filter(|(name, _)| {
                ["tfim open", "j1-j2 periodic", "random pauli sum"].contains(name)
            }) {
                let what = format!("{topology:?} {cell:?} x{layers} {name}");
                assert_prefix_reuse_equals_naive(&m, &h, &configs, &what);
            }
        }
    }
}

#[test]
fn positive_model_of_a_stoquastic_operator_has_real_local_energies_on_every_topology() {
    for topology in TOPOLOGIES {
        let m = build(
            topology
                .config(CellKind::Gru, 3, 3)
                .with_hidden(6)
                .with_layers(2)
                .with_seed(4),
        );
        let (lx, ly) = topology.lattice(3, 3);
        let h = Hamiltonian::tfim(lx, ly, true, 1.0, 1.0).unwrap();
        let mut configs = vec![0u8; 300 * 9];
        m.sample(5, 300, &mut configs, None).unwrap();
        for e in energies(local_energies, &m, &h, &configs) {
            assert_eq!(e.im, 0.0, "{topology:?}: {e}");
        }
    }
}

#[test]
fn no_configurations_give_no_local_energies_on_every_topology() {
    for topology in TOPOLOGIES {
        let m = build(topology.config(CellKind::Gru, 3, 3));
        let (lx, ly) = topology.lattice(3, 3);
        let h = Hamiltonian::heisenberg(lx, ly, true, 1.0, 0.5).unwrap();
        assert!(energies(local_energies, &m, &h, &[]).is_empty());
    }
}

/// The linear cell's propagation walks a sample's connected configurations 128 at a time:
/// an operator with several hundred off-diagonal flip patterns takes several walks, on a chain
/// and on a grid (whose rows read back a window of positions), with the phase head.
#[test]
fn linear_propagation_in_several_walks_matches_naive() {
    for topology in TOPOLOGIES.into_iter().filter(|t| t.has_linear_cell()) {
        let m = build(
            topology
                .config(CellKind::LinearGated, 4, 3)
                .with_hidden(7)
                .with_phase(PhaseKind::Softsign)
                .with_seed(12),
        );
        let h = random_pauli_sum(12, 600, 3);
        let mut configs = vec![0u8; 5 * 12];
        m.sample(2, 5, &mut configs, None).unwrap();
        assert_prefix_reuse_equals_naive(&m, &h, &configs, &format!("{topology:?}"));
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
fn refuses_operators_and_configurations_that_do_not_fit_the_model() {
    let chain = |u1: Option<u32>| {
        build(
            Topology::OpenChain
                .config(CellKind::Gru, 6, 1)
                .with_hidden(6)
                .with_layers(2)
                .with_u1_total(u1)
                .with_seed(1),
        )
    };
    let m = chain(None);
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
    let u1 = chain(Some(3));
    let mut outside = vec![0u8, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1];
    let e = local_energies(&u1, &h, &outside, &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("configs[1]"), "{}", e.message);
    outside[6] = 0;
    local_energies(&u1, &h, &outside, &mut out).unwrap();
    assert!(out.iter().all(|e| e.re.is_finite() && e.im.is_finite()));
}
