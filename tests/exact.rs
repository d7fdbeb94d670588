//! Exact tools: Lanczos ground energies against the free-fermion closed form and dense
//! diagonalisation; exact expectation values against dense <psi|H|psi>.

mod common;
use common::dense;
use common::*;
use rnnwf::{
    exact_expectation, exact_ground_energy, CellKind, Complex64, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, SignRule,
};
use std::f64::consts::PI;

/// Open Ising chain at J = h = 1: E0 = 1 - 1/sin(pi / (2 (2N + 1))).
fn ising_closed_form(n: u32) -> f64 {
    1.0 - 1.0 / (PI / (2.0 * (2.0 * n as f64 + 1.0))).sin()
}

#[test]
fn lanczos_matches_the_open_ising_chain_closed_form() {
    assert!((ising_closed_form(10) - -12.3814899997).abs() < 1e-9);
    assert!((ising_closed_form(20) - -25.1077971116).abs() < 1e-9);
    for n in [1u32, 2, 5, 10, 13] {
        let e = exact_ground_energy(&Hamiltonian::tfim(n, 1, false, 1.0, 1.0).unwrap()).unwrap();
        let exact = ising_closed_form(n);
        assert!(
            (e - exact).abs() < 1e-10 * exact.abs(),
            "N = {n}: {e} vs {exact}"
        );
    }
}

/// 2^20 states: the vectors no longer fit the caches (how long it takes is
/// `cargo bench --bench exact`).
#[test]
fn lanczos_on_2_to_the_20_states_is_exact() {
    let e = exact_ground_energy(&Hamiltonian::tfim(20, 1, false, 1.0, 1.0).unwrap()).unwrap();
    assert!((e - -25.1077971116).abs() < 1e-9, "{e}");
    assert!((e - ising_closed_form(20)).abs() < 1e-10 * 25.0, "{e}");
}

#[test]
fn lanczos_matches_dense_diagonalisation() {
    let cases = [
        (
            "heisenberg chain 10 open",
            Hamiltonian::heisenberg(10, 1, false, 1.0, 0.0).unwrap(),
        ),
        (
            "j1-j2 chain 8 periodic",
            Hamiltonian::heisenberg(8, 1, true, 1.0, 0.5).unwrap(),
        ),
        (
            "heisenberg 3x3 periodic",
            Hamiltonian::heisenberg(3, 3, true, 1.0, 0.3).unwrap(),
        ),
        (
            "tfim 2x4 periodic",
            Hamiltonian::tfim(4, 2, true, 0.6, 1.1).unwrap(),
        ),
        (
            "random pauli sum with Y, 7 sites",
            random_pauli_sum(7, 40, 3),
        ),
        (
            "random pauli sum with Y, 8 sites",
            random_pauli_sum(8, 30, 4),
        ),
    ];
    for (name, h) in cases {
        let lanczos = exact_ground_energy(&h).unwrap();
        let reference = dense::lowest_eigenvalue(&dense::matrix(&h));
        assert!(
            (lanczos - reference).abs() < 1e-9 * reference.abs().max(1.0),
            "{name}: Lanczos {lanczos} vs dense {reference}"
        );
    }
}

#[test]
fn lanczos_on_known_small_spectra() {
    // 4-site periodic Heisenberg ring: -2 in S.S units, -8 in Pauli units.
    let e = exact_ground_energy(&Hamiltonian::heisenberg(4, 1, true, 1.0, 0.0).unwrap()).unwrap();
    assert!((e + 8.0).abs() < 1e-10, "{e}");
    // Zero, a constant, one field.
    assert_eq!(
        exact_ground_energy(&Hamiltonian::new(3).unwrap()).unwrap(),
        0.0
    );
    let c = Hamiltonian::parse(2, "0.5").unwrap();
    assert!((exact_ground_energy(&c).unwrap() - 0.5).abs() < 1e-14);
    let y = Hamiltonian::parse(1, "-2 Y0").unwrap();
    assert!((exact_ground_energy(&y).unwrap() + 2.0).abs() < 1e-12);
}

#[test]
fn exact_expectation_matches_dense_expectation() {
    let configs = [
        (CellKind::Gru, false, SignRule::None, None),
        (CellKind::Vanilla, true, SignRule::None, None),
        (CellKind::Gru, true, SignRule::Marshall, Some(4)),
    ];
    for (i, (cell, phase, sign_rule, u1_total)) in configs.into_iter().enumerate() {
        let m = Model::new(
            ModelConfig::default()
                .with_cell(cell)
                .with_lx(8)
                .with_hidden(5)
                .with_layers(2)
                .with_phase(if phase {
                    PhaseKind::Softsign
                } else {
                    PhaseKind::None
                })
                .with_sign_rule(sign_rule)
                .with_u1_total(u1_total)
                .with_seed(40 + i as u64),
        )
        .unwrap();
        let psi = psi_all(&m);
        for h in [
            Hamiltonian::tfim(8, 1, true, 1.0, 0.9).unwrap(),
            Hamiltonian::heisenberg(8, 1, false, 1.0, 0.4).unwrap(),
            random_pauli_sum(8, 20, 11),
        ] {
            let h_psi = dense::apply(&dense::matrix(&h), &psi);
            let reference: Complex64 = psi.iter().zip(&h_psi).map(|(a, b)| a.conj() * b).sum();
            let value = exact_expectation(&m, &h).unwrap();
            assert!(close(value, reference, 1e-11), "{value} vs {reference}");
            assert!(value.im.abs() < 1e-12, "Hermitian: {value}");
        }
    }
}

#[test]
fn exact_tools_refuse_too_many_sites_and_mismatched_models() {
    let big = Hamiltonian::tfim(25, 1, false, 1.0, 1.0).unwrap();
    let e = exact_ground_energy(&big).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(
        e.message.contains("24") && e.message.contains("25"),
        "{}",
        e.message
    );
    let m = Model::new(ModelConfig::default().with_lx(25)).unwrap();
    let e = exact_expectation(&m, &big).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("24"), "{}", e.message);
    let m = Model::new(ModelConfig::default().with_lx(6)).unwrap();
    let e = exact_expectation(&m, &Hamiltonian::tfim(5, 1, false, 1.0, 1.0).unwrap()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    let q = Model::new(ModelConfig::default().with_lx(6).with_local_dim(3)).unwrap();
    let e = exact_expectation(&q, &Hamiltonian::tfim(6, 1, false, 1.0, 1.0).unwrap()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
}
