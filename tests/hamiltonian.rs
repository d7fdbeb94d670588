//! Operators: building term by term, merging, the text format and its errors, and the
//! bonds of the built-in lattice models.

use rnnwf::{ErrorKind, Hamiltonian, Pauli};

fn terms(h: &Hamiltonian) -> Vec<(f64, Vec<(u32, Pauli)>)> {
    h.terms().map(|(c, ops)| (c, ops.to_vec())).collect()
}

/// The bonds (a, b) with a < b that carry a term on `letters` (e.g. "ZZ"), with coefficients.
fn pair_terms(h: &Hamiltonian, letter: Pauli) -> Vec<(u32, u32, f64)> {
    h.terms()
        .filter(|(_, ops)| ops.len() == 2 && ops.iter().all(|o| o.1 == letter))
        .map(|(c, ops)| (ops[0].0, ops[1].0, c))
        .collect()
}

fn sorted(mut v: Vec<(u32, u32, f64)>) -> Vec<(u32, u32, f64)> {
    v.sort_by_key(|b| (b.0, b.1));
    v
}

#[test]
fn parses_terms_comments_blank_lines_and_constants() {
    let text = "# TFIM on 3 sites\n\
                -1.0 Z0 Z1\n\
                \n\
                -1.0 Z1 Z2   # second bond\n\
                \t-0.5 X0\r\n\
                -0.5 X1\n\
                0.25 X0 Y2 Z1\n\
                0.5\n\
                   # indented comment\n\
                1e-1 Z1 Z0\n";
    let h = Hamiltonian::parse(3, text).unwrap();
    use Pauli::*;
    let mut expected = vec![
        (0.5, vec![]),
        (-0.9, vec![(0, Z), (1, Z)]),
        (-1.0, vec![(1, Z), (2, Z)]),
        (-0.5, vec![(0, X)]),
        (-0.5, vec![(1, X)]),
        (0.25, vec![(0, X), (1, Z), (2, Y)]),
    ];
    let mut got = terms(&h);
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    got.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for ((c, ops), (ce, opse)) in got.iter().zip(&expected) {
        assert_eq!(ops, opse);
        assert!((c - ce).abs() < 1e-15, "{ops:?}: {c} vs {ce}");
    }
    assert_eq!(h.num_terms(), 6);
    assert_eq!(h.num_sites(), 3);
    // Empty text is the zero operator.
    assert_eq!(
        Hamiltonian::parse(3, "\n# nothing\n").unwrap().num_terms(),
        0
    );
}

#[test]
fn parse_errors_name_the_line_and_the_token() {
    let cases = [
        (
            "-1 Z0 Z1\n0.5 Q1\n",
            "line 2",
            "\"Q1\"",
            "unknown Pauli letter",
        ),
        ("-1 Z0 Z9", "line 1", "\"Z9\"", "out of range"),
        ("\n\n1 Z1 X1", "line 3", "\"X1\"", "twice"),
        ("abc Z0", "line 1", "\"abc\"", "coefficient"),
        ("Z0 Z1", "line 1", "\"Z0\"", "coefficient"),
        ("inf Z0", "line 1", "\"inf\"", "not finite"),
        ("NaN Z0", "line 1", "\"NaN\"", "not finite"),
        ("1e400 Z0", "line 1", "\"1e400\"", "not finite"),
        ("1 Z", "line 1", "\"Z\"", "site index"),
        ("1 Z1a", "line 1", "\"Z1a\"", "site index"),
        ("1 Z-1", "line 1", "\"Z-1\"", "site index"),
        ("1 Z+1", "line 1", "\"Z+1\"", "site index"),
        ("1 z1", "line 1", "\"z1\"", "unknown Pauli letter"),
        (
            "1 Z99999999999",
            "line 1",
            "\"Z99999999999\"",
            "out of range",
        ),
        ("1 ÄZ1", "line 1", "\"ÄZ1\"", "unknown Pauli letter"),
        ("1 Zé", "line 1", "\"Zé\"", "site index"),
    ];
    for (text, line, token, why) in cases {
        let e = Hamiltonian::parse(4, text).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{text:?}");
        for part in [line, token, why] {
            assert!(
                e.message.contains(part),
                "{text:?}: message {:?} lacks {part:?}",
                e.message
            );
        }
    }
    let overflow = Hamiltonian::parse(2, "1e308 Z0\n1e308 Z0\n").unwrap_err();
    assert!(overflow.message.contains("line 2"), "{}", overflow.message);
    assert!(
        overflow.message.contains("overflows"),
        "{}",
        overflow.message
    );
    assert_eq!(
        Hamiltonian::parse(0, "1 Z0").unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
}

#[test]
fn add_term_refusals_name_the_problem_and_leave_the_operator_unchanged() {
    let mut h = Hamiltonian::new(4).unwrap();
    h.add_term(-1.0, "ZZ", &[0, 1]).unwrap();
    h.add_term(0.5, "XY", &[2, 3]).unwrap();
    let before = h.clone();
    let before_terms = terms(&h);
    // Letters and sites of different counts are two arrays that disagree in length
    // (BufferSize); everything else is a value out of range.
    let (invalid, length) = (ErrorKind::InvalidArgument, ErrorKind::BufferSize);
    let refusals: [(f64, &str, &[u32], ErrorKind, &str); 8] = [
        (f64::NAN, "Z", &[0], invalid, "not finite"),
        (f64::INFINITY, "Z", &[0], invalid, "not finite"),
        (1.0, "ZZ", &[0], length, "2 letters but 1 sites"),
        (1.0, "Z", &[0, 1], length, "1 letters but 2 sites"),
        (1.0, "ZQ", &[0, 1], invalid, "unknown Pauli letter"),
        (1.0, "Zx", &[0, 1], invalid, "unknown Pauli letter"),
        (1.0, "ZZ", &[0, 4], invalid, "site 4 is out of range"),
        (1.0, "XZ", &[2, 2], invalid, "site 2 appears twice"),
    ];
    for (coeff, paulis, sites, kind, why) in refusals {
        let e = h.add_term(coeff, paulis, sites).unwrap_err();
        assert_eq!(e.kind, kind, "{paulis} {sites:?}");
        assert!(
            e.message.contains(why),
            "{paulis} {sites:?}: {:?}",
            e.message
        );
        assert_eq!(h, before);
        assert_eq!(terms(&h), before_terms);
    }
    // A merge that overflows is refused too.
    h.add_term(f64::MAX, "Z", &[3]).unwrap();
    let before = h.clone();
    let e = h.add_term(f64::MAX, "Z", &[3]).unwrap_err();
    assert!(e.message.contains("overflows"), "{}", e.message);
    assert_eq!(h, before);
}

#[test]
fn terms_on_the_same_string_merge_and_cancelling_terms_vanish() {
    let mut h = Hamiltonian::new(3).unwrap();
    h.add_term(1.0, "ZX", &[0, 2]).unwrap();
    h.add_term(0.5, "XZ", &[2, 0]).unwrap(); // same string, other order
    h.add_term(2.0, "YZ", &[1, 0]).unwrap();
    h.add_term(0.25, "", &[]).unwrap();
    h.add_term(0.5, "", &[]).unwrap();
    assert_eq!(h.num_terms(), 3);
    use Pauli::*;
    let t = terms(&h);
    assert!(t.contains(&(1.5, vec![(0, Z), (2, X)])), "{t:?}");
    assert!(t.contains(&(2.0, vec![(0, Z), (1, Y)])), "{t:?}");
    assert!(t.contains(&(0.75, vec![])), "{t:?}");
    h.add_term(-2.0, "ZY", &[0, 1]).unwrap();
    assert_eq!(h.num_terms(), 2);
    assert!(!terms(&h).iter().any(|(_, ops)| ops.contains(&(1, Y))));
    h.add_term(0.0, "X", &[1]).unwrap();
    assert_eq!(h.num_terms(), 2, "a zero term adds nothing");
}

#[test]
fn tfim_bonds_on_chains_and_grids() {
    // Open chain of 4: bonds (0,1), (1,2), (2,3); fields on every site.
    let h = Hamiltonian::tfim(4, 1, false, 1.5, 0.7).unwrap();
    assert_eq!(
        sorted(pair_terms(&h, Pauli::Z)),
        vec![(0, 1, -1.5), (1, 2, -1.5), (2, 3, -1.5)]
    );
    let fields: Vec<_> = h.terms().filter(|(_, o)| o.len() == 1).collect();
    assert_eq!(fields.len(), 4);
    assert!(fields.iter().all(|(c, o)| *c == -0.7 && o[0].1 == Pauli::X));
    // Periodic chain of 4 adds (0,3).
    let h = Hamiltonian::tfim(4, 1, true, 1.0, 1.0).unwrap();
    assert_eq!(pair_terms(&h, Pauli::Z).len(), 4);
    assert!(pair_terms(&h, Pauli::Z).contains(&(0, 3, -1.0)));
    // Periodic chains of 2 and 1: the wrapped bond would repeat (0,1) or join 0 to itself.
    assert_eq!(
        pair_terms(&Hamiltonian::tfim(2, 1, true, 1.0, 1.0).unwrap(), Pauli::Z),
        vec![(0, 1, -1.0)]
    );
    assert_eq!(
        Hamiltonian::tfim(1, 1, true, 1.0, 1.0).unwrap().num_terms(),
        1
    );
    // 3 x 2 open grid, sites x + 3y: 4 horizontal + 3 vertical bonds.
    let h = Hamiltonian::tfim(3, 2, false, 1.0, 1.0).unwrap();
    let bonds: Vec<_> = sorted(pair_terms(&h, Pauli::Z))
        .iter()
        .map(|b| (b.0, b.1))
        .collect();
    assert_eq!(
        bonds,
        vec![(0, 1), (0, 3), (1, 2), (1, 4), (2, 5), (3, 4), (4, 5)]
    );
    // 3 x 3 periodic: 2 bonds per site. 3 x 2 periodic: the vertical wrap repeats bonds.
    assert_eq!(
        pair_terms(&Hamiltonian::tfim(3, 3, true, 1.0, 1.0).unwrap(), Pauli::Z).len(),
        18
    );
    assert_eq!(
        pair_terms(&Hamiltonian::tfim(3, 2, true, 1.0, 1.0).unwrap(), Pauli::Z).len(),
        9
    );
    // Zero couplings add nothing.
    assert_eq!(
        Hamiltonian::tfim(5, 1, false, 0.0, 1.0)
            .unwrap()
            .num_terms(),
        5
    );
    assert_eq!(
        Hamiltonian::tfim(5, 1, false, 1.0, 0.0)
            .unwrap()
            .num_terms(),
        4
    );
}

#[test]
fn heisenberg_nearest_and_next_nearest_bonds() {
    let bonds = |h: &Hamiltonian, c: f64| -> Vec<(u32, u32)> {
        let mut v: Vec<_> = pair_terms(h, Pauli::X)
            .into_iter()
            .filter(|b| b.2 == c)
            .map(|b| (b.0, b.1))
            .collect();
        v.sort();
        v
    };
    // Open chain of 5.
    let h = Hamiltonian::heisenberg(5, 1, false, 1.0, 0.5).unwrap();
    assert_eq!(bonds(&h, 1.0), vec![(0, 1), (1, 2), (2, 3), (3, 4)]);
    assert_eq!(bonds(&h, 0.5), vec![(0, 2), (1, 3), (2, 4)]);
    assert_eq!(h.num_terms(), 3 * 7);
    for letter in [Pauli::X, Pauli::Y, Pauli::Z] {
        assert_eq!(pair_terms(&h, letter).len(), 7);
    }
    // Periodic chain of 6: 6 + 6 bonds.
    let h = Hamiltonian::heisenberg(6, 1, true, 1.0, 0.5).unwrap();
    assert_eq!(
        bonds(&h, 0.5),
        vec![(0, 2), (0, 4), (1, 3), (1, 5), (2, 4), (3, 5)]
    );
    // Periodic chain of 4: (0,2) and (1,3) once each; of 3: every pair is nearest.
    let h = Hamiltonian::heisenberg(4, 1, true, 1.0, 0.5).unwrap();
    assert_eq!(bonds(&h, 0.5), vec![(0, 2), (1, 3)]);
    let h = Hamiltonian::heisenberg(3, 1, true, 1.0, 0.5).unwrap();
    assert_eq!(bonds(&h, 1.0), vec![(0, 1), (0, 2), (1, 2)]);
    assert!(bonds(&h, 0.5).is_empty());
    // 3 x 3 open grid: 12 nearest bonds, 8 diagonals; periodic: 18 and 18.
    let h = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.5).unwrap();
    assert_eq!(bonds(&h, 1.0).len(), 12);
    assert_eq!(
        bonds(&h, 0.5),
        vec![
            (0, 4),
            (1, 3),
            (1, 5),
            (2, 4),
            (3, 7),
            (4, 6),
            (4, 8),
            (5, 7)
        ]
    );
    let h = Hamiltonian::heisenberg(3, 3, true, 1.0, 0.5).unwrap();
    assert_eq!((bonds(&h, 1.0).len(), bonds(&h, 0.5).len()), (18, 18));
    // A grid one site wide has no diagonals.
    let h = Hamiltonian::heisenberg(1, 4, true, 1.0, 0.5).unwrap();
    assert_eq!(bonds(&h, 1.0), vec![(0, 1), (0, 3), (1, 2), (2, 3)]);
    assert!(bonds(&h, 0.5).is_empty());
}

#[test]
fn builtins_refuse_bad_lattices_and_couplings() {
    for e in [
        Hamiltonian::tfim(0, 1, false, 1.0, 1.0).unwrap_err(),
        Hamiltonian::tfim(3, 0, false, 1.0, 1.0).unwrap_err(),
        Hamiltonian::tfim(4096, 4096, false, 1.0, 1.0).unwrap_err(),
        Hamiltonian::tfim(3, 1, false, f64::NAN, 1.0).unwrap_err(),
        Hamiltonian::tfim(3, 1, false, 1.0, f64::INFINITY).unwrap_err(),
        Hamiltonian::heisenberg(3, 1, false, 1.0, f64::NAN).unwrap_err(),
        Hamiltonian::heisenberg(0, 0, false, 1.0, 1.0).unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{}", e.message);
    }
}
