//! The lattice symmetry that follows the operator: which maps of the grid leave an operator
//! invariant (`rnnwf::invariant_maps`, exact on the terms), the model restricted to them
//! (`Model::restrict_symmetry`), whose amplitude is invariant under exactly its kept maps
//! (checked by enumeration), and the kept maps through checkpoints and resizes.

mod common;
use common::lattice_maps::{image, sector, SQUARE};
use rnnwf::{
    invariant_maps, symmetry_invariant, CellKind, Complex64, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, SignRule, Symmetry, SymmetryMap,
};

fn model(lx: u32, ly: u32, d: u32, symmetry: Symmetry) -> Model {
    Model::new(
        ModelConfig::default()
            .with_lx(lx)
            .with_ly(ly)
            .with_local_dim(d)
            .with_hidden(4)
            .with_symmetry(symmetry)
            .with_seed(3),
    )
    .unwrap()
}

fn names(maps: &[SymmetryMap]) -> Vec<String> {
    maps.iter().map(|m| m.name()).collect()
}

/// The names `model`'s group keeps for `h`.
fn kept(m: &Model, h: &Hamiltonian) -> Vec<String> {
    names(&invariant_maps(m, h).unwrap())
}

fn with_flips(maps: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = maps.iter().map(|s| s.to_string()).collect();
    all.extend(maps.iter().map(|s| format!("{s}+flip")));
    all
}

/// The maps, then each with the flip and the conjugation.
fn with_conjugated_flips(maps: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = maps.iter().map(|s| s.to_string()).collect();
    all.extend(maps.iter().map(|s| format!("{s}+flip+conj")));
    all
}

fn strings(maps: &[&str]) -> Vec<String> {
    maps.iter().map(|s| s.to_string()).collect()
}

const TRIANGULAR_MAPS: [&str; 4] = ["identity", "half_turn", "diagonal", "antidiagonal"];

#[test]
fn square_heisenberg_and_j1j2_keep_all_of_d4_and_the_flip() {
    for (l, periodic, j2) in [
        (4, false, 0.0),
        (4, false, 0.5),
        (3, false, 0.7),
        (4, true, 0.5),
    ] {
        let h = Hamiltonian::heisenberg(l, l, periodic, 1.0, j2).unwrap();
        let m = model(l, l, 2, Symmetry::LatticeSpinFlip);
        assert_eq!(kept(&m, &h), with_flips(&SQUARE), "{l}x{l} J2 = {j2}");
        assert!(symmetry_invariant(&m, &h).unwrap());
        // The whole group kept: the same model, written as before.
        let r = m.restrict_symmetry(&h).unwrap();
        assert_eq!(r.config(), m.config());
        assert_eq!(r.to_checkpoint_bytes(), m.to_checkpoint_bytes());
    }
    // A chain keeps its reflection; a rectangle its D2.
    let chain = Hamiltonian::heisenberg(6, 1, false, 1.0, 0.3).unwrap();
    assert_eq!(
        kept(&model(6, 1, 2, Symmetry::Lattice), &chain),
        strings(&["identity", "reflect_x"])
    );
    let rect = Hamiltonian::heisenberg(4, 3, false, 1.0, 0.0).unwrap();
    assert_eq!(
        kept(&model(4, 3, 2, Symmetry::Lattice), &rect),
        strings(&["identity", "reflect_x", "reflect_y", "half_turn"])
    );
}

#[test]
fn the_triangular_lattice_keeps_exactly_the_half_turn_and_the_diagonals() {
    for (l, periodic) in [(4, false), (3, false), (4, true), (6, false)] {
        let h = Hamiltonian::triangular(l, l, periodic, 1.0).unwrap();
        let m = model(l, l, 2, Symmetry::Lattice);
        assert_eq!(kept(&m, &h), strings(&TRIANGULAR_MAPS), "{l}x{l}");
        assert!(!symmetry_invariant(&m, &h).unwrap());
        let r = m.restrict_symmetry(&h).unwrap();
        assert_eq!(names(&r.symmetry_maps()), strings(&TRIANGULAR_MAPS));
        assert_eq!(r.symmetry_size(), 4);
        assert!(symmetry_invariant(&r, &h).unwrap());
        let flip = model(l, l, 2, Symmetry::LatticeSpinFlip);
        assert_eq!(kept(&flip, &h), with_flips(&TRIANGULAR_MAPS));
    }
    // On a rectangle the diagonals do not exist: the half turn is left.
    let h = Hamiltonian::triangular(4, 3, false, 1.0).unwrap();
    assert_eq!(
        kept(&model(4, 3, 2, Symmetry::Lattice), &h),
        strings(&["identity", "half_turn"])
    );
}

/// J_x on the x bonds, J_y on the y bonds, as Pauli strings.
fn anisotropic(l: u32, jx: f64, jy: f64) -> Hamiltonian {
    let mut h = Hamiltonian::new(l * l).unwrap();
    for y in 0..l {
        for x in 0..l {
            let i = x + l * y;
            for (j, c, ok) in [(i + 1, jx, x + 1 < l), (i + l, jy, y + 1 < l)] {
                if ok {
                    for p in ["XX", "YY", "ZZ"] {
                        h.add_term(c, p, &[i, j]).unwrap();
                    }
                }
            }
        }
    }
    h
}

#[test]
fn operators_with_fewer_symmetries_lose_exactly_the_right_maps() {
    // Different couplings along x and y: the turns and diagonals swap them.
    let m = model(4, 4, 2, Symmetry::LatticeSpinFlip);
    assert_eq!(
        kept(&m, &anisotropic(4, 1.0, 0.5)),
        with_flips(&["identity", "reflect_x", "reflect_y", "half_turn"])
    );
    // Equal couplings written bond by bond: all of D4 again.
    assert_eq!(kept(&m, &anisotropic(4, 0.5, 0.5)), with_flips(&SQUARE));
    // A Z field on the corner (0, 0) of a 3x3 grid: only the maps fixing that corner (the
    // identity and the diagonal reflection), and no flip (Z changes sign).
    let m = model(3, 3, 2, Symmetry::LatticeSpinFlip);
    let mut h = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap();
    h.add_term(0.3, "Z", &[0]).unwrap();
    assert_eq!(kept(&m, &h), strings(&["identity", "diagonal"]));
    // An X field there keeps the flip.
    let mut h = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap();
    h.add_term(0.3, "X", &[0]).unwrap();
    assert_eq!(kept(&m, &h), with_flips(&["identity", "diagonal"]));
    // A Y field on the centre breaks no map; the flip sends it to -Y, which is also its
    // complex conjugate, so each map with the flip is an anti-unitary symmetry.
    let mut h = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap();
    h.add_term(0.3, "Y", &[4]).unwrap();
    assert_eq!(kept(&m, &h), with_conjugated_flips(&SQUARE));
    // A coefficient off by more than the tolerance breaks the symmetry; one within it not.
    for (delta, all) in [(1e-9, false), (1e-14, true)] {
        let mut h = Hamiltonian::heisenberg(3, 3, false, 1.0, 0.0).unwrap();
        h.add_term(delta, "ZZ", &[0, 1]).unwrap();
        assert_eq!(kept(&m, &h).len() == 16, all, "delta {delta}");
    }
}

#[test]
fn tfim_keeps_the_flip_only_with_the_transverse_field() {
    let m = model(4, 4, 2, Symmetry::LatticeSpinFlip);
    let h = Hamiltonian::tfim(4, 4, false, 1.0, 3.0).unwrap();
    assert_eq!(kept(&m, &h), with_flips(&SQUARE));
    // A longitudinal field on every site: every map, no flip.
    let mut h = Hamiltonian::tfim(4, 4, false, 1.0, 3.0).unwrap();
    for i in 0..16 {
        h.add_term(0.2, "Z", &[i]).unwrap();
    }
    assert_eq!(kept(&m, &h), strings(&SQUARE));
}

/// The one-site matrix `m` (d x d) as a dense term on `site`.
fn one_site(h: &mut Hamiltonian, site: u32, m: &[f64]) {
    let m: Vec<Complex64> = m.iter().map(|&x| Complex64::new(x, 0.0)).collect();
    h.add_local(&[site], &m).unwrap();
}

#[test]
fn dense_spin1_and_bose_hubbard_operators_behave_right() {
    let m = model(3, 3, 3, Symmetry::LatticeSpinFlip);
    // S.S, (S.S)^2 and D (S^z)^2 are all even under S -> -S (the reversal of S^z = 1, 0, -1).
    let h = Hamiltonian::spin1(3, 3, false, 1.0, 0.3, 0.2).unwrap();
    assert_eq!(kept(&m, &h), with_flips(&SQUARE));
    // A field in S^z on every site is odd: the flip goes, the maps stay.
    let mut odd = h.clone();
    for i in 0..9 {
        one_site(&mut odd, i, &[0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.4]);
    }
    assert_eq!(kept(&m, &odd), strings(&SQUARE));
    // Bose-Hubbard with a cutoff of 2: n -> 2 - n is not a symmetry of the hopping.
    let h = Hamiltonian::bose_hubbard(3, 3, false, 2, 1.0, 4.0, 0.5).unwrap();
    assert_eq!(kept(&m, &h), strings(&SQUARE));
    let h = Hamiltonian::bose_hubbard(4, 3, false, 2, 1.0, 4.0, 0.5).unwrap();
    assert_eq!(
        kept(&model(4, 3, 3, Symmetry::Lattice), &h),
        strings(&["identity", "reflect_x", "reflect_y", "half_turn"])
    );
}

/// 1e308 times the identity on one site (finite and Hermitian, accepted): its Pauli
/// coefficients (1e308 +- 1e308) / 2 must not overflow, or even the identity would look like
/// a change of the operator. The same on every site sums to 4e308: refused by name.
#[test]
fn coefficients_near_the_largest_float_keep_their_maps_or_are_refused() {
    let m = model(4, 1, 2, Symmetry::Lattice);
    let mut h = Hamiltonian::new_local(4, 2).unwrap();
    one_site(&mut h, 0, &[1e308, 0.0, 0.0, 1e308]);
    assert_eq!(kept(&m, &h), strings(&["identity", "reflect_x"]));
    for i in 1..4 {
        one_site(&mut h, i, &[1e308, 0.0, 0.0, 1e308]);
    }
    let err = invariant_maps(&m, &h).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Numerical);
    assert!(err.message.contains("overflow"), "{err}");
}

/// Grouping two atoms of a row per RNN site (d = 4): reflecting the grouped grid along x
/// moves each group without reversing its atoms (atoms 0, 1, 2, 3 of a row go to 2, 3, 0,
/// 1), not a symmetry of the array; along y it is the array's own reflection.
#[test]
fn a_grouped_rydberg_array_keeps_only_the_reflection_across_its_groups() {
    let h = Hamiltonian::rydberg(4, 4, 1.0, 1.1, 1.2, 2.0, 2).unwrap();
    assert_eq!(
        kept(&model(2, 4, 4, Symmetry::Lattice), &h),
        strings(&["identity", "reflect_y"])
    );
    // One atom per site: all of D4.
    let h = Hamiltonian::rydberg(4, 4, 1.0, 1.1, 1.2, 2.0, 1).unwrap();
    assert_eq!(
        kept(&model(4, 4, 2, Symmetry::Lattice), &h),
        strings(&SQUARE)
    );
}

#[test]
fn the_operator_is_compared_as_a_whole_not_term_by_term() {
    // On a 2-site chain, Z0 + Z1 written as a dense bond term holding Z on site 0 and a
    // Pauli Z on site 1: no term is reflection invariant, the sum is.
    let m = model(2, 1, 2, Symmetry::LatticeSpinFlip);
    let z0: Vec<Complex64> = [
        1.0, 0., 0., 0., 0., 1., 0., 0., 0., 0., -1., 0., 0., 0., 0., -1.,
    ]
    .iter()
    .map(|&x| Complex64::new(x, 0.0))
    .collect();
    let mut h = Hamiltonian::new(2).unwrap();
    h.add_local(&[0, 1], &z0).unwrap();
    h.add_term(1.0, "Z", &[1]).unwrap();
    assert_eq!(kept(&m, &h), strings(&["identity", "reflect_x"]));
    // The same bond term with its sites listed the other way round is Z on site 1: then the
    // operator is 2 Z1, and the reflection goes.
    let mut h = Hamiltonian::new(2).unwrap();
    h.add_local(&[1, 0], &z0).unwrap();
    h.add_term(1.0, "Z", &[1]).unwrap();
    assert_eq!(kept(&m, &h), strings(&["identity"]));
    // The Heisenberg bond as a dense matrix equals its Pauli form: both keep everything,
    // and one cancels the other to the zero operator, which keeps everything too.
    let bond: Vec<Complex64> = [
        1., 0., 0., 0., 0., -1., 2., 0., 0., 2., -1., 0., 0., 0., 0., 1.,
    ]
    .iter()
    .map(|&x| Complex64::new(x, 0.0))
    .collect();
    let mut dense = Hamiltonian::new(2).unwrap();
    dense.add_local(&[0, 1], &bond).unwrap();
    assert_eq!(kept(&m, &dense), with_flips(&["identity", "reflect_x"]));
    // A Y field written as a dense term keeps the flip only with the conjugation, as the
    // Pauli Y does.
    let y: Vec<Complex64> = vec![
        Complex64::new(0.0, 0.0),
        Complex64::new(0.0, -1.0),
        Complex64::new(0.0, 1.0),
        Complex64::new(0.0, 0.0),
    ];
    let mut h = Hamiltonian::new(2).unwrap();
    h.add_local(&[0], &y).unwrap();
    h.add_term(1.0, "Y", &[1]).unwrap();
    assert_eq!(
        kept(&m, &h),
        with_conjugated_flips(&["identity", "reflect_x"])
    );
}

#[test]
fn a_restricted_model_is_invariant_under_exactly_its_kept_maps() {
    // 4x4 open triangular, zero magnetisation, a phase head: psi_S(g s) = psi_S(s) for the
    // four kept maps to rounding, and the other four change some amplitude.
    let (l, n) = (4usize, 16usize);
    let full = Model::new(
        ModelConfig::default()
            .with_lx(l as u32)
            .with_ly(l as u32)
            .with_hidden(6)
            .with_phase(PhaseKind::Softsign)
            .with_u1_total(Some(8))
            .with_symmetry(Symmetry::Lattice)
            .with_seed(11),
    )
    .unwrap();
    let h = Hamiltonian::triangular(l as u32, l as u32, false, 1.0).unwrap();
    let m = full.restrict_symmetry(&h).unwrap();
    let configs = sector(n, 8);
    let count = configs.len() / n;
    let mut psi = vec![Complex64::new(0.0, 0.0); count];
    m.log_psi(&configs, &mut psi).unwrap();
    let total: f64 = psi.iter().map(|x| (2.0 * x.re).exp()).sum();
    assert!((total - 1.0).abs() < 1e-12, "normalised: {total}");
    for name in SQUARE {
        let images: Vec<u8> = configs
            .chunks(n)
            .flat_map(|s| image(name, s, l, l))
            .collect();
        let mut moved = vec![Complex64::new(0.0, 0.0); count];
        m.log_psi(&images, &mut moved).unwrap();
        let largest = psi
            .iter()
            .zip(&moved)
            .map(|(a, b)| (a.exp() - b.exp()).norm() / a.exp().norm().max(1e-300))
            .fold(0.0, f64::max);
        if TRIANGULAR_MAPS.contains(&name) {
            assert!(largest < 1e-10, "{name}: psi changes by {largest:e}");
        } else {
            assert!(largest > 1e-3, "{name}: psi should change, by {largest:e}");
        }
    }
}

#[test]
fn the_kept_maps_survive_save_load_and_resize() {
    let full = Model::new(
        ModelConfig::default()
            .with_lx(4)
            .with_ly(4)
            .with_hidden(3)
            .with_sign_rule(SignRule::Marshall)
            .with_phase(PhaseKind::Softsign)
            .with_symmetry(Symmetry::LatticeSpinFlip)
            .with_cell(CellKind::TensorGru)
            .with_seed(2),
    )
    .unwrap();
    let h = Hamiltonian::triangular(4, 4, false, 1.0).unwrap();
    let m = full.restrict_symmetry(&h).unwrap();
    assert_eq!(names(&m.symmetry_maps()), with_flips(&TRIANGULAR_MAPS));
    let bytes = m.to_checkpoint_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains(
            "\"symmetry_maps\":\"identity,half_turn,diagonal,antidiagonal,identity+flip,\
             half_turn+flip,diagonal+flip,antidiagonal+flip\""
        ),
        "the key as documented"
    );
    assert!(
        text.contains("\"format_version\":\"2\""),
        "a file with the key is version 2"
    );
    let back = Model::from_checkpoint_bytes(&bytes).unwrap();
    assert_eq!(back.config(), m.config());
    assert_eq!(back.to_checkpoint_bytes(), bytes);
    let configs = sector(16, 8);
    let mut a = vec![Complex64::new(0.0, 0.0); configs.len() / 16];
    let mut b = a.clone();
    m.log_psi(&configs, &mut a).unwrap();
    back.log_psi(&configs, &mut b).unwrap();
    assert_eq!(a, b);
    // The unrestricted model's file has no such key.
    assert!(!String::from_utf8_lossy(&full.to_checkpoint_bytes()).contains("symmetry_maps"));

    // A square keeps the maps; a rectangle drops the diagonals, keeping the half turn.
    let bigger = m.resize(6, 6, None).unwrap();
    assert_eq!(names(&bigger.symmetry_maps()), with_flips(&TRIANGULAR_MAPS));
    let h6 = Hamiltonian::triangular(6, 6, false, 1.0).unwrap();
    assert!(symmetry_invariant(&bigger, &h6).unwrap());
    let rect = m.resize(5, 3, None).unwrap();
    assert_eq!(
        names(&rect.symmetry_maps()),
        with_flips(&["identity", "half_turn"])
    );
    let back = rect.resize(4, 4, None).unwrap();
    assert_eq!(
        names(&back.symmetry_maps()),
        with_flips(&["identity", "half_turn"])
    );
    // D2 kept on a square is the whole group of a rectangle: the resized model has no list.
    let d2 = full.restrict_symmetry(&anisotropic(4, 1.0, 0.5)).unwrap();
    assert_eq!(d2.symmetry_size(), 8);
    let rect = d2.resize(5, 3, None).unwrap();
    assert_eq!(rect.config().symmetry_maps, None);
    assert_eq!(rect.symmetry_size(), 8);
    // On a 1-wide grid the half turn is the y reflection, and is named so.
    let column = m.resize(1, 4, None).unwrap();
    assert_eq!(column.symmetry_size(), 4, "{:?}", column.symmetry_maps());
    assert_eq!(column.config().symmetry_maps, None);
}

#[test]
fn bad_inputs_are_refused_with_a_message() {
    let h = Hamiltonian::triangular(4, 4, false, 1.0).unwrap();
    let bare = model(4, 4, 2, Symmetry::None);
    let e = bare.restrict_symmetry(&h).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("no lattice symmetry"), "{}", e.message);
    // Without a symmetry the group is the identity, which every operator keeps.
    assert!(symmetry_invariant(&bare, &h).unwrap());
    let m = model(4, 4, 2, Symmetry::Lattice);
    let wrong = Hamiltonian::triangular(3, 3, false, 1.0).unwrap();
    for e in [
        m.restrict_symmetry(&wrong).unwrap_err(),
        invariant_maps(&m, &wrong).unwrap_err(),
        symmetry_invariant(&m, &wrong).unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains("9 sites"), "{}", e.message);
    }
    let spin1 = Hamiltonian::spin1(4, 4, false, 1.0, 0.0, 0.0).unwrap();
    let e = m.restrict_symmetry(&spin1).unwrap_err();
    assert!(e.message.contains("local_dim"), "{}", e.message);

    // Config lists that are not a proper subgroup of the lattice's group, each named.
    let map = |s: &str| SymmetryMap::from_name(s).unwrap();
    let cfg = |maps: &[&str], symmetry: Symmetry, lx: u32| {
        ModelConfig::default()
            .with_lx(lx)
            .with_ly(4)
            .with_symmetry(symmetry)
            .with_symmetry_maps(Some(maps.iter().map(|s| map(s)).collect()))
    };
    for (maps, symmetry, lx, says) in [
        (&["identity"][..], Symmetry::None, 4, "symmetry NONE"),
        (
            &["half_turn"][..],
            Symmetry::Lattice,
            4,
            "start with the identity",
        ),
        (
            &["identity", "diagonal", "half_turn"][..],
            Symmetry::Lattice,
            4,
            "in the group's order",
        ),
        (
            &["identity", "identity+flip"][..],
            Symmetry::Lattice,
            4,
            "not an element",
        ),
        (
            &["identity", "diagonal"][..],
            Symmetry::Lattice,
            3,
            "not an element",
        ),
        (
            &["identity", "quarter_turn"][..],
            Symmetry::Lattice,
            4,
            "not a group",
        ),
        (
            &["identity", "reflect_x", "reflect_y", "half_turn"][..],
            Symmetry::Lattice,
            3,
            "whole group",
        ),
    ] {
        let e = Model::new(cfg(maps, symmetry, lx)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{maps:?}");
        assert!(e.message.contains(says), "{maps:?}: {}", e.message);
    }
    assert!(Model::new(cfg(&["identity", "half_turn"], Symmetry::Lattice, 4)).is_ok());
}
