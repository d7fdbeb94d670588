//! Exactness of the autoregressive distribution: normalisation, U(1), sign rule, and that
//! samples follow the enumerated P.

mod common;
use common::*;
use rnnwf::{CellKind, Complex64, Model, ModelConfig, PhaseKind, SignRule};
use std::f64::consts::PI;

#[test]
fn probabilities_sum_to_one() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        for d in [2u32, 3] {
            for layers in [1u32, 2] {
                for phase in [false, true] {
                    let sites = if d == 2 { 7 } else { 5 };
                    let m = model(cell, sites, d, layers, phase, 11 + layers as u64);
                    let total = total_probability(&m, &all_configs(sites as usize, d as usize));
                    assert!(
                        (total - 1.0).abs() < 1e-10,
                        "{cell:?} d={d} layers={layers} phase={phase}: sum P = {total}"
                    );
                }
            }
        }
    }
}

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

#[test]
fn sampled_log_psi_equals_evaluated_log_psi() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        let m = Model::new(
            ModelConfig::default()
                .with_cell(cell)
                .with_lx(12)
                .with_ly(1)
                .with_local_dim(3)
                .with_hidden(8)
                .with_layers(2)
                .with_phase(PhaseKind::Softsign)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(9))
                .with_seed(5),
        )
        .unwrap();
        let n = 700;
        let mut configs = vec![0u8; n * 12];
        let mut sampled = vec![Complex64::new(0.0, 0.0); n];
        m.sample(42, n, &mut configs, Some(&mut sampled)).unwrap();
        let evaluated = log_psi_all(&m, &configs);
        for (s, e) in sampled.iter().zip(&evaluated) {
            assert!((s - e).norm() < 1e-12, "{s} vs {e}");
        }
    }
}

#[test]
fn same_seed_same_samples_for_any_thread_count() {
    let m = model(CellKind::Gru, 10, 2, 2, true, 1);
    let n = 1000; // four chunks, the last one partial
    let run = |threads| {
        rnnwf::set_num_threads(threads).unwrap();
        let mut c = vec![0u8; n * 10];
        let mut l = vec![Complex64::new(0.0, 0.0); n];
        m.sample(77, n, &mut c, Some(&mut l)).unwrap();
        (c, l)
    };
    let one = run(1);
    let two = run(2);
    let three = run(3);
    rnnwf::set_num_threads(0).unwrap();
    assert_eq!(one, two);
    assert_eq!(one, three);
    let mut other = vec![0u8; n * 10];
    m.sample(78, n, &mut other, None).unwrap();
    assert_ne!(one.0, other);
}

/// Pearson chi-square of 2e5 samples over the 32 configurations of 5 sites against the
/// enumerated P. With 31 degrees of freedom the 99.9% quantile is 61.1.
#[test]
fn sample_histogram_matches_enumerated_probabilities() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        let m = model(cell, 5, 2, 2, false, 21);
        let configs = all_configs(5, 2);
        let p: Vec<f64> = log_psi_all(&m, &configs)
            .iter()
            .map(|l| (2.0 * l.re).exp())
            .collect();
        let n = 200_000;
        let mut samples = vec![0u8; n * 5];
        m.sample(2024, n, &mut samples, None).unwrap();
        let mut counts = [0usize; 32];
        for c in samples.chunks(5) {
            let k = c.iter().fold(0usize, |k, &v| 2 * k + v as usize);
            counts[k] += 1;
        }
        let chi2: f64 = counts
            .iter()
            .zip(&p)
            .map(|(&o, &p)| {
                let e = p * n as f64;
                (o as f64 - e).powi(2) / e
            })
            .sum();
        assert!(chi2 < 61.1, "{cell:?}: chi-square {chi2} over 31 dof");
    }
}
