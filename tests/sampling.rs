//! Exactness of the autoregressive distribution on a chain: U(1) and the sign rule.
//! Normalisation, sampled ln psi = evaluated, the samples' chi-square and thread counts are
//! checked for every topology in tests/topologies.rs.

mod common;
use common::*;
use rnnwf::{CellKind, Model, ModelConfig, PhaseKind, SignRule};
use std::f64::consts::PI;

#[test]
fn u1_constraint_normalises_on_the_subspace_and_vanishes_outside() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        for (d, sites, total) in [
            (2u32, 8u32, 4u32),
            (2, 7, 2),
            (3, 5, 6),
            (3, 5, 0),
            (2, 6, 6),
        ] {
            let m = Model::new(
                ModelConfig::default()
                    .with_cell(cell)
                    .with_lx(sites)
                    .with_local_dim(d)
                    .with_hidden(4)
                    .with_layers(2)
                    .with_u1_total(Some(total))
                    .with_phase(PhaseKind::Softsign)
                    .with_seed(3),
            )
            .unwrap();
            let configs = all_configs(sites as usize, d as usize);
            let lp = log_psi_all(&m, &configs);
            let mut inside = 0.0;
            for (c, l) in configs.chunks(sites as usize).zip(&lp) {
                let sum: u32 = c.iter().map(|&v| v as u32).sum();
                let p = (2.0 * l.re).exp();
                if sum == total {
                    inside += p;
                } else {
                    assert_eq!(p, 0.0, "config {c:?} outside the subspace has P = {p}");
                }
            }
            assert!(
                (inside - 1.0).abs() < 1e-10,
                "{cell:?} d={d} Q={total}: {inside}"
            );
            // Samples land only in the subspace.
            let mut samples = vec![0u8; 500 * sites as usize];
            m.sample(1, 500, &mut samples, None).unwrap();
            for c in samples.chunks(sites as usize) {
                assert_eq!(c.iter().map(|&v| v as u32).sum::<u32>(), total);
            }
        }
    }
}

#[test]
fn marshall_sign_adds_pi_per_down_spin_on_sublattice_a() {
    let base = ModelConfig::default()
        .with_lx(6)
        .with_hidden(4)
        .with_seed(9)
        .with_phase(PhaseKind::Softsign);
    let plain = Model::new(base.clone()).unwrap();
    let signed = Model::new(base.clone().with_sign_rule(SignRule::Marshall)).unwrap();
    let configs = all_configs(6, 2);
    let a = log_psi_all(&plain, &configs);
    let b = log_psi_all(&signed, &configs);
    for ((c, a), b) in configs.chunks(6).zip(&a).zip(&b) {
        let downs_on_a = c.iter().step_by(2).filter(|&&v| v == 1).count();
        assert_eq!(a.re, b.re);
        let diff = (b.im - a.im).rem_euclid(2.0 * PI);
        let expected = PI * (downs_on_a % 2) as f64;
        assert!(
            (diff - expected).abs() < 1e-12 || (diff - expected).abs() > 2.0 * PI - 1e-12,
            "{c:?}: phase difference {diff}, expected {expected}"
        );
    }
}
