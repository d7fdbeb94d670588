//! The sign-free test against brute force: every off-diagonal element of the dense matrix
//! (built from the Pauli matrices, independently of the library's grouped form) times the
//! sign rule on both sides, over every pair of configurations.

mod common;

use common::dense;
use common::TestRng;
use rnnwf::{sign_free, Complex64, ErrorKind, Hamiltonian, Model, ModelConfig, SignRule};

fn model(lx: u32, ly: u32, rule: SignRule) -> Model {
    Model::new(
        ModelConfig::default()
            .with_lx(lx)
            .with_ly(ly)
            .with_hidden(4)
            .with_sign_rule(rule)
            .with_u1_total(None),
    )
    .unwrap()
}

/// Brute force: every <r|H|c> sigma(r) sigma(c), r != c, real and <= 0.
fn brute_force(h: &Hamiltonian, lx: u32, rule: SignRule) -> bool {
    let sites = h.num_sites();
    let m = dense::matrix(h);
    let dim = 1usize << sites;
    // Site 0 is the most significant bit of an index (dense::index_of).
    let sign = |index: usize| -> f64 {
        if rule == SignRule::None {
            return 1.0;
        }
        let downs_on_a = (0..sites)
            .filter(|&i| (i % lx as usize + i / lx as usize).is_multiple_of(2))
            .filter(|&i| (index >> (sites - 1 - i)) & 1 == 1)
            .count();
        if downs_on_a % 2 == 1 {
            -1.0
        } else {
            1.0
        }
    };
    (0..dim).all(|r| {
        (0..dim).filter(|&c| c != r).all(|c| {
            let z: Complex64 = m[r * dim + c] * (sign(r) * sign(c));
            z.im.abs() <= 1e-12 && z.re <= 1e-12
        })
    })
}

fn check(h: &Hamiltonian, lx: u32, ly: u32, rule: SignRule, expected: bool) {
    let fast = sign_free(&model(lx, ly, rule), h).unwrap();
    assert_eq!(
        brute_force(h, lx, rule),
        expected,
        "{lx}x{ly} {rule:?}: brute force"
    );
    assert_eq!(fast, expected, "{lx}x{ly} {rule:?}: sign_free");
}

#[test]
fn heisenberg_is_sign_free_with_marshall_on_bipartite_lattices_only() {
    use SignRule::{Marshall, None};
    // Chains: open or even periodic are bipartite; an odd ring is not.
    check(
        &Hamiltonian::heisenberg(6, 1, false, 1.0, 0.0).unwrap(),
        6,
        1,
        Marshall,
        true,
    );
    check(
        &Hamiltonian::heisenberg(6, 1, true, 1.0, 0.0).unwrap(),
        6,
        1,
        Marshall,
        true,
    );
    check(
        &Hamiltonian::heisenberg(5, 1, true, 1.0, 0.0).unwrap(),
        5,
        1,
        Marshall,
        false,
    );
    check(
        &Hamiltonian::heisenberg(6, 1, false, 1.0, 0.0).unwrap(),
        6,
        1,
        None,
        false,
    );
    // A ferromagnet needs no rule, and the Marshall rule spoils it.
    check(
        &Hamiltonian::heisenberg(6, 1, false, -1.0, 0.0).unwrap(),
        6,
        1,
        None,
        true,
    );
    check(
        &Hamiltonian::heisenberg(6, 1, false, -1.0, 0.0).unwrap(),
        6,
        1,
        Marshall,
        false,
    );
    // Grids, open and periodic (4 x 2: periodic along x only adds bonds, 2 wraps count once).
    check(
        &Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap(),
        3,
        3,
        Marshall,
        true,
    );
    check(
        &Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap(),
        3,
        3,
        None,
        false,
    );
    check(
        &Hamiltonian::heisenberg(4, 2, true, 1.0, 0.0).unwrap(),
        4,
        2,
        Marshall,
        true,
    );
    check(
        &Hamiltonian::heisenberg(4, 2, true, 1.0, 0.0).unwrap(),
        4,
        2,
        None,
        false,
    );
    check(
        &Hamiltonian::heisenberg(3, 3, true, 1.0, 0.0).unwrap(),
        3,
        3,
        Marshall,
        false,
    );
}

#[test]
fn frustrated_models_are_not_sign_free() {
    use SignRule::{Marshall, None};
    // J1-J2 at J2 = 0.5: the diagonals join sites of one sublattice.
    let j1j2 = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.5).unwrap();
    check(&j1j2, 3, 3, Marshall, false);
    check(&j1j2, 3, 3, None, false);
    let chain = Hamiltonian::heisenberg(8, 1, false, 1.0, 0.5).unwrap();
    check(&chain, 8, 1, Marshall, false);
    for periodic in [false, true] {
        let tri = Hamiltonian::triangular(3, 3, periodic, 1.0).unwrap();
        check(&tri, 3, 3, Marshall, false);
        check(&tri, 3, 3, None, false);
    }
}

#[test]
fn tfim_is_sign_free_for_a_non_negative_field() {
    use SignRule::{Marshall, None};
    for j in [1.0, -1.0] {
        check(
            &Hamiltonian::tfim(3, 3, true, j, 0.7).unwrap(),
            3,
            3,
            None,
            true,
        );
        check(
            &Hamiltonian::tfim(8, 1, false, j, 0.0).unwrap(),
            8,
            1,
            None,
            true,
        );
        // A negative field flips the sign of every single-spin flip.
        check(
            &Hamiltonian::tfim(3, 3, false, j, -0.7).unwrap(),
            3,
            3,
            None,
            false,
        );
        // The Marshall rule helps on one sublattice and hurts on the other.
        check(
            &Hamiltonian::tfim(3, 3, false, j, 0.7).unwrap(),
            3,
            3,
            Marshall,
            false,
        );
        check(
            &Hamiltonian::tfim(3, 3, false, j, -0.7).unwrap(),
            3,
            3,
            Marshall,
            false,
        );
    }
}

/// Random sums of strings with few Y, signs and supports that leave a good share sign-free:
/// both answers must occur, and agree with brute force each time.
#[test]
fn random_pauli_sums_agree_with_brute_force() {
    let mut rng = TestRng(24);
    let (mut free, mut not_free) = (0, 0);
    for case in 0..300 {
        let (lx, ly) = [(6, 1), (3, 2), (2, 3)][case % 3];
        let sites = lx * ly;
        let mut h = Hamiltonian::new(sites).unwrap();
        for _ in 0..1 + rng.below(5) {
            let len = 1 + rng.below(3) as usize;
            let mut chosen: Vec<u32> = Vec::new();
            while chosen.len() < len {
                let s = rng.below(sites as u64) as u32;
                if !chosen.contains(&s) {
                    chosen.push(s);
                }
            }
            let alphabet: &[char] = if case.is_multiple_of(2) {
                &['X', 'Z']
            } else {
                &['X', 'Y', 'Z']
            };
            let letters: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                .collect();
            // Mostly negative coefficients, as in sign-free operators.
            let c = rng.symmetric() - 0.6;
            h.add_term(c, &letters, &chosen).unwrap();
            // Pair XX with YY sometimes, so that groups with several masks occur.
            if letters.chars().all(|l| l == 'X') && len == 2 && rng.below(2) == 0 {
                h.add_term(rng.symmetric(), "YY", &chosen).unwrap();
            }
        }
        for rule in [SignRule::None, SignRule::Marshall] {
            let expected = brute_force(&h, lx, rule);
            let got = sign_free(&model(lx, ly, rule), &h).unwrap();
            assert_eq!(
                got,
                expected,
                "case {case} {rule:?}: {:?}",
                h.terms().collect::<Vec<_>>()
            );
            if expected {
                free += 1;
            } else {
                not_free += 1;
            }
        }
    }
    assert!(
        free >= 30 && not_free >= 30,
        "sign-free {free}, not {not_free}"
    );
}

/// Groups with many sign-sensitive strings (rank up to 11, decided by enumeration) and a
/// plain XX term that outweighs them fully, nearly or by half: the same answers as brute
/// force, both of them.
#[test]
fn groups_of_many_strings_are_decided_exactly() {
    let mut rng = TestRng(7);
    let mut seen = [0; 2];
    for case in 0..60 {
        let mut h = Hamiltonian::new(10).unwrap();
        // All strings flip sites 0 and 1 (X or Y there, an even number of Y) and carry Z on
        // random other sites: one group, many masks.
        let mut weight = 0.0;
        for _ in 0..11 {
            let pair = ["XX", "YY"][rng.below(2) as usize];
            let mut letters = pair.to_string();
            let mut sites = vec![0, 1];
            for s in 2..10 {
                if rng.below(3) == 0 {
                    letters.push('Z');
                    sites.push(s);
                }
            }
            let c = rng.symmetric();
            weight += c.abs();
            h.add_term(c, &letters, &sites).unwrap();
        }
        let share = [1.01, 0.8, 0.6][case % 3];
        h.add_term(-share * weight, "XX", &[0, 1]).unwrap();
        let expected = brute_force(&h, 10, SignRule::None);
        assert_eq!(
            sign_free(&model(10, 1, SignRule::None), &h).unwrap(),
            expected,
            "case {case}"
        );
        seen[expected as usize] += 1;
    }
    assert!(
        seen[0] >= 5 && seen[1] >= 20,
        "not sign-free, sign-free: {seen:?}"
    );
}

#[test]
fn mismatched_operators_are_refused() {
    let h = Hamiltonian::heisenberg(4, 1, false, 1.0, 0.0).unwrap();
    let err = sign_free(&model(5, 1, SignRule::None), &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("4 sites"), "{err}");
}

/// One group with 22 linearly independent masks (XX on sites 0, 1 times Z on one other site
/// each, plus the plain XX): rank 22, above the enumeration limit. Its largest element is
/// then r_0 + sum |r_t| in closed form, so the bound decides the sign-free case exactly, the
/// all-up configuration decides a positive sum, and the rest is refused by name.
#[test]
fn high_rank_groups_are_decided_by_bounds_or_refused() {
    let group = |plain: f64, others: &[f64]| {
        let mut h = Hamiltonian::new(24).unwrap();
        h.add_term(plain, "XX", &[0, 1]).unwrap();
        for (k, &c) in others.iter().enumerate() {
            h.add_term(c, "XXZ", &[0, 1, 2 + k as u32]).unwrap();
        }
        sign_free(&model(24, 1, SignRule::None), &h)
    };
    let mixed: Vec<f64> = (0..22u32)
        .map(|k| if k.is_multiple_of(2) { 0.1 } else { -0.1 })
        .collect();
    assert!(group(-2.3, &mixed).unwrap(), "-2.3 + 22 * 0.1 < 0");
    assert!(
        !group(0.5, &[0.1; 22]).unwrap(),
        "positive on the all-up configuration"
    );
    let err = group(-1.0, &mixed).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert!(err.message.contains("rank above 20"), "{err}");
}

/// One flip group of 10^5 strings X_0 Z_k, whose masks have rank 10^5 - 1: refused by name
/// at once, in memory linear in the operator (the elimination stops past rank 20; bit sets
/// over every site per string would take 10^5 x 10^5 bits, over a gigabyte).
#[test]
fn a_group_of_very_high_rank_is_refused_at_once() {
    let sites = 100_000u32;
    let mut h = Hamiltonian::new(sites).unwrap();
    for k in 1..sites {
        h.add_term(-1.0, "XZ", &[0, k]).unwrap();
    }
    let err = sign_free(&model(sites, 1, SignRule::None), &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);
    assert!(err.message.contains("rank above 20"), "{err}");
}
