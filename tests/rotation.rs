//! The basis rotation about z, `Hamiltonian::rotate_z`: the rotated operator's dense matrix
//! against `D H D^dagger` built here (`D = diag(e^{-i theta(s)})`, `theta(s) = sum_j phi_j
//! s_j`) for Pauli sums, a d = 3 local operator and a mixed one; ground energies unchanged;
//! local energies against the dense `<s|H'|psi> / <s|psi>`; the sign-free test; the
//! Marshall rule as the angle pi; refusals. Which lattice maps survive the rotation, some
//! as anti-unitary symmetries, is `tests/conjugated_maps.rs`.

mod common;
use common::dense;
use common::local_terms::*;
use common::*;
use rnnwf::{
    exact_ground_energy, local_energies, sign_free, three_sublattice_angles, CellKind, Complex64,
    ErrorKind, Hamiltonian, Model, ModelConfig, Pauli, PhaseKind, SignRule, Symmetry,
};
use std::f64::consts::PI;

/// The dense matrix of any operator: its Pauli strings and its local terms, each from the
/// terms as the operator lists them.
fn full_matrix(h: &Hamiltonian) -> Vec<Complex64> {
    let mut m = dense_of_local_terms(h);
    if h.terms().next().is_some() {
        for (a, b) in m.iter_mut().zip(dense::matrix(h)) {
            *a += b;
        }
    }
    m
}

/// A copy of `h` rotated by `angles`.
fn rotate(h: &Hamiltonian, angles: &[f64]) -> Hamiltonian {
    let mut rotated = h.clone();
    rotated.rotate_z(angles).unwrap();
    rotated
}

/// `D M D^dagger` with `D = diag(e^{-i theta(s)})` over `all_configs(n, d)`.
fn conjugated(m: &[Complex64], n: usize, d: usize, angles: &[f64]) -> Vec<Complex64> {
    let configs = all_configs(n, d);
    let theta: Vec<f64> = configs
        .chunks(n)
        .map(|s| s.iter().zip(angles).map(|(&v, a)| v as f64 * a).sum())
        .collect();
    let dim = theta.len();
    let mut out = m.to_vec();
    for r in 0..dim {
        for c in 0..dim {
            out[r * dim + c] *= Complex64::from_polar(1.0, theta[c] - theta[r]);
        }
    }
    out
}

fn assert_matrices_close(a: &[Complex64], b: &[Complex64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).norm())
        .fold(0.0, f64::max);
    assert!(worst <= tol, "{what}: largest difference {worst:e}");
}

fn random_angles(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = TestRng(seed);
    (0..n).map(|_| 4.0 * PI * rng.symmetric()).collect()
}

#[test]
fn a_bond_rotates_by_the_difference_of_its_angles() {
    let (a, b) = (0.7, -0.4);
    let mut h = Hamiltonian::new(2).unwrap();
    for p in ["XX", "YY", "ZZ"] {
        h.add_term(1.5, p, &[0, 1]).unwrap();
    }
    h.rotate_z(&[a, b]).unwrap();
    let coeff = |p: [Pauli; 2]| {
        h.terms()
            .find(|(_, ops)| *ops == [(0, p[0]), (1, p[1])])
            .map_or(0.0, |(c, _)| c)
    };
    let (c, s) = (1.5 * (a - b).cos(), 1.5 * (a - b).sin());
    use Pauli::{X, Y, Z};
    assert!((coeff([X, X]) - c).abs() < 1e-14 && (coeff([Y, Y]) - c).abs() < 1e-14);
    assert!((coeff([X, Y]) - s).abs() < 1e-14, "XY: {}", coeff([X, Y]));
    assert!((coeff([Y, X]) + s).abs() < 1e-14, "YX: {}", coeff([Y, X]));
    assert_eq!(coeff([Z, Z]), 1.5);
    assert_eq!(h.num_terms(), 5);
}

#[test]
fn pauli_sums_become_d_h_d_dagger() {
    let triangular = Hamiltonian::triangular(2, 3, false, 1.0).unwrap();
    let random = random_pauli_sum(6, 30, 7);
    for (name, h) in [("2x3 triangular", triangular), ("random Pauli sum", random)] {
        for (k, angles) in [
            random_angles(6, 3),
            three_sublattice_angles(2, 3).unwrap(),
            vec![PI, 0.0, PI / 2.0, -PI / 2.0, 0.0, 3.0 * PI],
        ]
        .iter()
        .enumerate()
        {
            let rotated = rotate(&h, angles);
            let expected = conjugated(&dense::matrix(&h), 6, 2, angles);
            assert_matrices_close(
                &dense::matrix(&rotated),
                &expected,
                1e-12,
                &format!("{name}, angles {k}"),
            );
        }
    }
}

#[test]
fn local_and_mixed_operators_become_d_h_d_dagger() {
    let (n, d) = (4u32, 3u32);
    let h = operator(n, d, &random_terms(n, d as usize, 6, false, 11));
    let angles = random_angles(n as usize, 5);
    let rotated = rotate(&h, &angles);
    let expected = conjugated(&full_matrix(&h), n as usize, d as usize, &angles);
    assert_matrices_close(&full_matrix(&rotated), &expected, 1e-12, "d = 3");
    // Rotated terms stay exactly Hermitian (the operator keeps them as they are).
    for t in rotated.local_terms() {
        for a in 0..t.dim {
            for b in 0..t.dim {
                assert_eq!(t.matrix[a * t.dim + b], t.matrix[b * t.dim + a].conj());
            }
        }
    }

    let mut mixed = operator(5, 2, &random_terms(5, 2, 5, false, 12));
    for p in ["XX", "YY", "ZZ"] {
        mixed.add_term(0.8, p, &[0, 3]).unwrap();
    }
    mixed.add_term(-0.6, "XYZ", &[1, 2, 4]).unwrap();
    let angles = random_angles(5, 6);
    let rotated = rotate(&mixed, &angles);
    let expected = conjugated(&full_matrix(&mixed), 5, 2, &angles);
    assert_matrices_close(&full_matrix(&rotated), &expected, 1e-12, "mixed");
}

#[test]
fn the_ground_energy_is_unchanged() {
    for (h, angles) in [
        (
            Hamiltonian::triangular(3, 3, false, 1.0).unwrap(),
            three_sublattice_angles(3, 3).unwrap(),
        ),
        // Periodic 4 x 2: wrapped bonds join a sublattice to itself; still unitary.
        (
            Hamiltonian::triangular(4, 2, true, 1.0).unwrap(),
            three_sublattice_angles(4, 2).unwrap(),
        ),
        (
            Hamiltonian::heisenberg(3, 3, false, 1.0, 0.5).unwrap(),
            random_angles(9, 9),
        ),
    ] {
        let before = exact_ground_energy(&h).unwrap();
        let rotated = rotate(&h, &angles);
        let after = exact_ground_energy(&rotated).unwrap();
        let dense_after = dense::lowest_eigenvalue(&dense::matrix(&rotated));
        assert!((before - after).abs() < 1e-9, "{before} vs {after}");
        assert!(
            (before - dense_after).abs() < 1e-9,
            "{before} vs {dense_after}"
        );
    }
}

#[test]
fn three_sublattice_angles_separate_every_open_triangular_bond() {
    let third = 2.0 * PI / 3.0;
    let angles = three_sublattice_angles(4, 3).unwrap();
    assert_eq!(angles.len(), 12);
    for (i, a) in angles.iter().enumerate() {
        let (x, y) = (i % 4, i / 4);
        assert_eq!(*a, third * ((x + y) % 3) as f64);
    }
    for (lx, ly) in [(4, 4), (5, 3), (2, 7)] {
        let angles = three_sublattice_angles(lx, ly).unwrap();
        let h = Hamiltonian::triangular(lx, ly, false, 1.0).unwrap();
        let mut bonds = 0;
        for (_, ops) in h.terms() {
            assert_ne!(angles[ops[0].0 as usize], angles[ops[1].0 as usize]);
            bonds += 1;
        }
        assert!(bonds > 0);
    }
    assert_eq!(
        three_sublattice_angles(0, 3).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
}

fn grid_model(lx: u32, ly: u32, rule: SignRule, symmetry: Symmetry) -> Model {
    Model::new(
        ModelConfig::default()
            .with_lx(lx)
            .with_ly(ly)
            .with_hidden(5)
            .with_phase(PhaseKind::Softsign)
            .with_sign_rule(rule)
            .with_symmetry(symmetry)
            .with_u1_total(None)
            .with_seed(3),
    )
    .unwrap()
}

#[test]
fn local_energies_equal_dense_on_every_configuration() {
    let h = Hamiltonian::triangular(2, 3, false, 1.0).unwrap();
    let angles = three_sublattice_angles(2, 3).unwrap();
    let rotated = rotate(&h, &angles);
    let expected = conjugated(&dense::matrix(&h), 6, 2, &angles);
    let model = grid_model(2, 3, SignRule::None, Symmetry::None);
    assert_eq!(check_against_dense(&model, &rotated, &expected, 1e-10), 64);

    let (n, d) = (4u32, 3u32);
    let h = operator(n, d, &random_terms(n, d as usize, 6, false, 13));
    let angles = random_angles(n as usize, 14);
    let rotated = rotate(&h, &angles);
    let expected = conjugated(&full_matrix(&h), n as usize, d as usize, &angles);
    let cfg = ModelConfig::default()
        .with_cell(CellKind::Gru)
        .with_lx(n)
        .with_local_dim(d)
        .with_hidden(6)
        .with_phase(PhaseKind::Softsign)
        .with_seed(15);
    let model = Model::new(cfg).unwrap();
    assert_eq!(check_against_dense(&model, &rotated, &expected, 1e-10), 81);
}

/// Pi on sublattice A (x + y even) is the Marshall rule: the same local energies as the
/// rule on the unrotated operator, configuration by configuration.
#[test]
fn the_angle_pi_on_sublattice_a_is_the_marshall_rule() {
    let (lx, ly) = (3u32, 3u32);
    let marshall: Vec<f64> = (0..lx * ly)
        .map(|i| if (i % lx + i / lx) % 2 == 0 { PI } else { 0.0 })
        .collect();
    let h = Hamiltonian::heisenberg(lx, ly, false, 1.0, 0.5).unwrap();
    let rotated = rotate(&h, &marshall);
    let configs = all_configs(9, 2);
    let rows = configs.len() / 9;
    let with_rule = grid_model(lx, ly, SignRule::Marshall, Symmetry::None);
    let without = grid_model(lx, ly, SignRule::None, Symmetry::None);
    let (mut a, mut b) = (vec![ZERO; rows], vec![ZERO; rows]);
    local_energies(&with_rule, &h, &configs, &mut a).unwrap();
    local_energies(&without, &rotated, &configs, &mut b).unwrap();
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(close(*x, *y, 1e-10), "config {k}: {x} vs {y}");
    }
}

#[test]
fn sign_free_after_rotation() {
    // Open square Heisenberg: not sign-free without a rule, sign-free after the Marshall
    // angles with no rule (all elements exactly real: the angle pi gives exact signs).
    let (lx, ly) = (4u32, 3u32);
    let h = Hamiltonian::heisenberg(lx, ly, false, 1.0, 0.0).unwrap();
    let none = grid_model(lx, ly, SignRule::None, Symmetry::None);
    assert!(!sign_free(&none, &h).unwrap());
    let marshall: Vec<f64> = (0..lx * ly)
        .map(|i| if (i % lx + i / lx) % 2 == 0 { PI } else { 0.0 })
        .collect();
    let rotated = rotate(&h, &marshall);
    assert!(sign_free(&none, &rotated).unwrap());
    // ... and then the Marshall rule on top undoes it.
    let rule = grid_model(lx, ly, SignRule::Marshall, Symmetry::None);
    assert!(!sign_free(&rule, &rotated).unwrap());
    // Complex off-diagonal elements are never sign-free.
    let mut tri = Hamiltonian::triangular(4, 3, false, 1.0).unwrap();
    tri.rotate_z(&three_sublattice_angles(4, 3).unwrap())
        .unwrap();
    let m = dense::matrix(&tri);
    assert!(m.iter().any(|z| z.im.abs() > 0.1));
    assert!(!sign_free(&none, &tri).unwrap());
}

#[test]
fn bad_angles_are_refused_and_leave_the_operator_unchanged() {
    let h = Hamiltonian::triangular(2, 3, false, 1.0).unwrap();
    let mut g = h.clone();
    let e = g.rotate_z(&[0.1; 5]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BufferSize);
    assert!(e.to_string().contains("5 angles for 6 sites"), "{e}");
    let mut bad = vec![0.0; 6];
    bad[4] = f64::NAN;
    let e = g.rotate_z(&bad).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("angles[4]"), "{e}");
    bad[4] = f64::INFINITY;
    assert_eq!(
        g.rotate_z(&bad).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    assert_eq!(g, h);

    // Finite angles whose sum over a dense term's two sites overflows: refused, unchanged
    // (the term's phase would be NaN).
    let mut dense = Hamiltonian::new_local(2, 2).unwrap();
    let mut m = vec![Complex64::new(0.0, 0.0); 16];
    m[3] = Complex64::new(1.0, 0.0);
    m[12] = Complex64::new(1.0, 0.0);
    dense.add_local(&[0, 1], &m).unwrap();
    let before = dense.clone();
    let e = dense.rotate_z(&[1e308, 1e308]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("overflow"), "{e}");
    assert_eq!(dense, before);

    // A long string whose every factor splits: refused before any work, unchanged.
    let n = 30u32;
    let mut long = Hamiltonian::new(n).unwrap();
    let sites: Vec<u32> = (0..n).collect();
    long.add_term(1.0, &"X".repeat(n as usize), &sites).unwrap();
    long.add_term(0.5, "Z", &[0]).unwrap();
    let before = long.clone();
    let e = long.rotate_z(&vec![0.3; n as usize]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(long, before);
    // Multiples of pi/2 do not split it.
    long.rotate_z(&vec![PI / 2.0; n as usize]).unwrap();
    assert_eq!(long.num_terms(), 2);
}
