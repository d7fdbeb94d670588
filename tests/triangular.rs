//! The triangular-lattice Heisenberg builder: bonds against hand enumeration, and its ground
//! energy by the library's Lanczos against an independent dense diagonalisation.

mod common;

use common::dense;
use rnnwf::{exact_ground_energy, ErrorKind, Hamiltonian, Pauli};

/// The bonds (a, b), a < b, with their coupling, checking that each carries XX, YY and ZZ
/// with the same coefficient and nothing else is present.
fn bonds(h: &Hamiltonian) -> Vec<(u32, u32, f64)> {
    let mut out = Vec::new();
    for (c, ops) in h.terms() {
        assert_eq!(ops.len(), 2, "only two-site terms: {ops:?}");
        assert_eq!(ops[0].1, ops[1].1, "same letter on both sites: {ops:?}");
        if ops[0].1 == Pauli::Z {
            out.push((ops[0].0, ops[1].0, c));
        }
    }
    for &(a, b, c) in &out {
        for p in [Pauli::X, Pauli::Y] {
            let found = h.terms().any(|(c2, o)| o == [(a, p), (b, p)] && c2 == c);
            assert!(found, "bond ({a}, {b}) lacks {p:?}{p:?}");
        }
    }
    assert_eq!(h.num_terms(), 3 * out.len());
    out.sort_by_key(|x| (x.0, x.1));
    out
}

fn pairs(list: &[(u32, u32)], j: f64) -> Vec<(u32, u32, f64)> {
    let mut v: Vec<_> = list.iter().map(|&(a, b)| (a.min(b), a.max(b), j)).collect();
    v.sort_by_key(|x| (x.0, x.1));
    v
}

#[test]
fn bonds_of_small_lattices_by_hand() {
    // 3 x 2 open, sites
    //   3 4 5
    //   0 1 2
    // horizontal 0-1 1-2 3-4 4-5, vertical 0-3 1-4 2-5, diagonal 0-4 1-5.
    let open = [
        (0, 1),
        (1, 2),
        (3, 4),
        (4, 5),
        (0, 3),
        (1, 4),
        (2, 5),
        (0, 4),
        (1, 5),
    ];
    assert_eq!(
        bonds(&Hamiltonian::triangular(3, 2, false, 0.5).unwrap()),
        pairs(&open, 0.5)
    );
    // 3 x 3 periodic: 27 distinct bonds, 6 per site.
    let h = Hamiltonian::triangular(3, 3, true, 1.0).unwrap();
    let b = bonds(&h);
    assert_eq!(b.len(), 27);
    for site in 0..9 {
        assert_eq!(
            b.iter()
                .filter(|&&(a, c, _)| a == site || c == site)
                .count(),
            6
        );
    }
    // The diagonal of site 8 = (2, 2) wraps to (0, 0); of site 2 = (2, 0) to (0, 1) = 3.
    assert!(b.contains(&(0, 8, 1.0)) && b.contains(&(2, 3, 1.0)));
    // 3 x 2 periodic: the y wrap of (x, 1) is the vertical bond already there and the
    // diagonal (x, 1)-(x+1, 0) is new: 6 horizontal, 3 vertical, 6 diagonal.
    let periodic = [
        (0, 1),
        (1, 2),
        (2, 0),
        (3, 4),
        (4, 5),
        (5, 3),
        (0, 3),
        (1, 4),
        (2, 5),
        (0, 4),
        (1, 5),
        (2, 3),
        (3, 1),
        (4, 2),
        (5, 0),
    ];
    assert_eq!(
        bonds(&Hamiltonian::triangular(3, 2, true, 1.0).unwrap()),
        pairs(&periodic, 1.0)
    );
    // A chain (ly = 1): only the horizontal bonds, open or periodic.
    let chain = [(0, 1), (1, 2), (2, 3)];
    assert_eq!(
        bonds(&Hamiltonian::triangular(4, 1, false, 1.0).unwrap()),
        pairs(&chain, 1.0)
    );
    let ring = [(0, 1), (1, 2), (2, 3), (0, 3)];
    assert_eq!(
        bonds(&Hamiltonian::triangular(4, 1, true, 1.0).unwrap()),
        pairs(&ring, 1.0)
    );
    // J = 0 is the zero operator.
    assert_eq!(
        Hamiltonian::triangular(3, 3, true, 0.0)
            .unwrap()
            .num_terms(),
        0
    );
}

#[test]
fn ground_energy_matches_dense_diagonalisation() {
    for (lx, ly, periodic) in [(3, 3, false), (3, 2, true), (3, 3, true)] {
        let h = Hamiltonian::triangular(lx, ly, periodic, 1.0).unwrap();
        let lanczos = exact_ground_energy(&h).unwrap();
        let dense = dense::lowest_eigenvalue(&dense::matrix(&h));
        assert!(
            (lanczos - dense).abs() < 1e-8,
            "{lx}x{ly} periodic={periodic}: Lanczos {lanczos} dense {dense}"
        );
    }
    // A triangle, closed form: sum_<ij> sigma_i.sigma_j = (sigma_tot^2 - 9) / 2 with
    // sigma_tot^2 = 4 S (S + 1), lowest at S = 1/2: -3.
    let triangle = Hamiltonian::triangular(2, 2, false, 1.0).unwrap();
    assert_eq!(triangle.num_terms(), 15, "2 x 2: 4 edges and one diagonal");
    let single = {
        let mut h = Hamiltonian::new(3).unwrap();
        for (a, b) in [(0, 1), (1, 2), (0, 2)] {
            for p in ["XX", "YY", "ZZ"] {
                h.add_term(1.0, p, &[a, b]).unwrap();
            }
        }
        h
    };
    assert!((exact_ground_energy(&single).unwrap() + 3.0).abs() < 1e-9);
}

#[test]
fn bad_lattices_and_couplings_are_refused() {
    for (lx, ly, j) in [
        (0, 3, 1.0),
        (3, 0, 1.0),
        (3, 3, f64::NAN),
        (3, 3, f64::INFINITY),
    ] {
        let err = Hamiltonian::triangular(lx, ly, false, j).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument, "{lx} {ly} {j}");
    }
}
