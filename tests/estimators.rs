//! Sampled estimators against exact values: expectations against full enumeration, and
//! Renyi-2 entropies against the purity of the enumerated state.

mod common;
use common::*;
use rnnwf::{
    exact_expectation, expectation, renyi2, CellKind, Complex64, ErrorKind, Hamiltonian, Model,
    ModelConfig, PhaseKind, SignRule,
};

fn model(sites: u32, phase: bool, sign_rule: SignRule, u1_total: Option<u32>, seed: u64) -> Model {
    Model::new(
        ModelConfig::default()
            .with_cell(CellKind::Gru)
            .with_lx(sites)
            .with_hidden(6)
            .with_layers(2)
            .with_phase(if phase {
                PhaseKind::Softsign
            } else {
                PhaseKind::None
            })
            .with_sign_rule(sign_rule)
            .with_u1_total(u1_total)
            .with_seed(seed),
    )
    .unwrap()
}

#[test]
fn sampled_expectations_agree_with_enumeration_within_five_standard_errors() {
    let n = 20_000;
    let cases = [
        (
            model(10, false, SignRule::None, None, 1),
            Hamiltonian::tfim(10, 1, false, 1.0, 1.0).unwrap(),
        ),
        (
            model(10, true, SignRule::Marshall, Some(5), 2),
            Hamiltonian::heisenberg(10, 1, true, 1.0, 0.3).unwrap(),
        ),
        (
            model(10, true, SignRule::None, None, 3),
            random_pauli_sum(10, 30, 17),
        ),
        (
            model(10, false, SignRule::Marshall, None, 4),
            Hamiltonian::parse(10, "1 Z0 Z5\n0.5 X2 Y3").unwrap(),
        ),
    ];
    for (m, h) in &cases {
        let exact = exact_expectation(m, h).unwrap();
        let est = expectation(m, h, 123, n).unwrap();
        assert_eq!(est.n, n as u64);
        assert!(est.variance > 0.0 && est.error > 0.0);
        assert!((est.error - (est.variance / n as f64).sqrt()).abs() <= 1e-15 * est.error.max(1.0));
        assert!(
            (est.mean - exact).norm() <= 5.0 * est.error,
            "sampled {} +- {} vs exact {exact}",
            est.mean,
            est.error
        );
    }
}

#[test]
fn a_constant_has_zero_variance_and_estimates_are_reproducible() {
    let m = model(6, true, SignRule::None, None, 5);
    let c = Hamiltonian::parse(6, "0.5").unwrap();
    let est = expectation(&m, &c, 1, 100).unwrap();
    assert_eq!(est.mean, Complex64::new(0.5, 0.0));
    assert_eq!((est.variance, est.error), (0.0, 0.0));
    let h = Hamiltonian::tfim(6, 1, true, 1.0, 0.5).unwrap();
    rnnwf::set_num_threads(1).unwrap();
    let one = expectation(&m, &h, 7, 900).unwrap();
    rnnwf::set_num_threads(2).unwrap();
    let two = expectation(&m, &h, 7, 900).unwrap();
    rnnwf::set_num_threads(0).unwrap();
    assert_eq!(one, two);
    assert_ne!(one, expectation(&m, &h, 8, 900).unwrap());
}

/// S2(A) = -ln Tr(rho_A^2) of the enumerated state.
fn exact_renyi2(m: &Model, region: &[u32]) -> f64 {
    let sites = m.num_sites();
    let psi = psi_all(m);
    let norm: f64 = psi.iter().map(|a| a.norm_sqr()).sum();
    let in_a: Vec<bool> = (0..sites).map(|i| region.contains(&(i as u32))).collect();
    // Split each basis index (site 0 most significant) into its A and B parts.
    let split = |k: usize| {
        let (mut a, mut b) = (0usize, 0usize);
        for (i, &inside) in in_a.iter().enumerate() {
            let bit = (k >> (sites - 1 - i)) & 1;
            if inside {
                a = 2 * a + bit;
            } else {
                b = 2 * b + bit;
            }
        }
        (a, b)
    };
    let (da, db) = (1usize << region.len(), 1usize << (sites - region.len()));
    let mut mat = vec![Complex64::new(0.0, 0.0); da * db];
    for (k, amp) in psi.iter().enumerate() {
        let (a, b) = split(k);
        mat[a * db + b] = amp / norm.sqrt();
    }
    let mut purity = 0.0;
    for a in 0..da {
        for a2 in 0..da {
            let rho: Complex64 = (0..db)
                .map(|b| mat[a * db + b] * mat[a2 * db + b].conj())
                .sum();
            purity += rho.norm_sqr();
        }
    }
    -purity.ln()
}

#[test]
fn renyi2_agrees_with_the_purity_of_the_enumerated_state() {
    let n = 20_000;
    let models = [
        model(8, false, SignRule::None, None, 10),
        model(8, true, SignRule::Marshall, None, 11),
        model(8, true, SignRule::None, Some(4), 12),
    ];
    for m in &models {
        for region in [&[0u32, 1, 2, 3][..], &[1, 4, 6], &[5]] {
            let exact = exact_renyi2(m, region);
            let est = renyi2(m, region, 99, n).unwrap();
            assert_eq!(est.n, n as u64);
            assert!(est.error > 0.0 && est.mean.im == 0.0);
            assert!(
                (est.mean.re - exact).abs() <= 5.0 * est.error,
                "{region:?}: sampled {} +- {} vs exact {exact}",
                est.mean.re,
                est.error
            );
        }
    }
}

#[test]
fn renyi2_of_the_whole_system_vanishes_and_complements_agree() {
    let m = model(10, true, SignRule::Marshall, None, 20);
    let all: Vec<u32> = (0..10).collect();
    let whole = renyi2(&m, &all, 3, 2000).unwrap();
    assert!(
        whole.mean.re.abs() < 1e-10 && whole.error < 1e-10,
        "{whole:?}"
    );
    let empty = renyi2(&m, &[], 3, 2000).unwrap();
    assert_eq!(
        (empty.mean, empty.error, empty.n),
        (Complex64::new(0.0, 0.0), 0.0, 2000)
    );
    let a = [0u32, 2, 3, 7];
    let b: Vec<u32> = (0..10).filter(|i| !a.contains(i)).collect();
    let sa = renyi2(&m, &a, 5, 20_000).unwrap();
    let sb = renyi2(&m, &b, 6, 20_000).unwrap();
    let tolerance = 5.0 * (sa.error.powi(2) + sb.error.powi(2)).sqrt();
    assert!(
        (sa.mean.re - sb.mean.re).abs() <= tolerance,
        "S2(A) = {} +- {}, S2(B) = {} +- {}",
        sa.mean.re,
        sa.error,
        sb.mean.re,
        sb.error
    );
    assert!(
        sa.mean.re > 10.0 * sa.error,
        "a non-trivial entropy: {sa:?}"
    );
}

#[test]
fn estimators_refuse_bad_regions_counts_and_operators() {
    let m = model(6, false, SignRule::None, None, 1);
    let e = renyi2(&m, &[0, 6], 1, 10).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("region[1] = 6"), "{}", e.message);
    let e = renyi2(&m, &[2, 1, 2], 1, 10).unwrap_err();
    assert!(e.message.contains("site 2 appears twice"), "{}", e.message);
    assert_eq!(
        renyi2(&m, &[1], 1, 0).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        renyi2(&m, &[], 1, 0).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    let h = Hamiltonian::tfim(6, 1, false, 1.0, 1.0).unwrap();
    assert_eq!(
        expectation(&m, &h, 1, 0).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    let wrong = Hamiltonian::tfim(7, 1, false, 1.0, 1.0).unwrap();
    assert_eq!(
        expectation(&m, &wrong, 1, 10).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    let q = Model::new(ModelConfig::default().with_lx(6).with_local_dim(3)).unwrap();
    assert_eq!(
        expectation(&q, &h, 1, 10).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
}
