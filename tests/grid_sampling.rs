//! The 2D RNN (ly > 1) as a distribution: normalised with three values per site and with
//! U(1), the sign rule's checkerboard, the snake order. Normalisation on 3x3, 4x3 and 3x4,
//! sampled ln psi = evaluated, histograms and thread counts are checked for every topology
//! in tests/topologies.rs.

mod common;
use common::*;
use rnnwf::{CellKind, Model, ModelConfig, PhaseKind, SignRule};
use std::f64::consts::PI;

/// Three values per site: the one-hot inputs of both neighbours are `local_dim` wide.
#[test]
fn grid_probabilities_sum_to_one_for_three_values_per_site() {
    for cell in ALL_CELLS {
        let m = Model::new(
            ModelConfig::default()
                .with_cell(cell)
                .with_lx(3)
                .with_ly(2)
                .with_local_dim(3)
                .with_hidden(4)
                .with_layers(2)
                .with_phase(PhaseKind::Softsign)
                .with_seed(2),
        )
        .unwrap();
        let total = total_probability(&m, &all_configs(6, 3));
        assert!((total - 1.0).abs() < 1e-10, "{cell:?}: sum P = {total}");
    }
}

#[test]
fn grid_u1_constraint_normalises_on_the_subspace_and_vanishes_outside() {
    for cell in ALL_CELLS {
        for (lx, ly, total) in [(3u32, 3u32, 4u32), (4, 3, 6), (4, 3, 1), (3, 3, 9)] {
            let sites = (lx * ly) as usize;
            let m = Model::new(
                ModelConfig::default()
                    .with_cell(cell)
                    .with_lx(lx)
                    .with_ly(ly)
                    .with_hidden(4)
                    .with_layers(2)
                    .with_u1_total(Some(total))
                    .with_phase(PhaseKind::Softsign)
                    .with_sign_rule(SignRule::Marshall)
                    .with_seed(3),
            )
            .unwrap();
            let configs = all_configs(sites, 2);
            let lp = log_psi_all(&m, &configs);
            let mut inside = 0.0;
            for (c, l) in configs.chunks(sites).zip(&lp) {
                let sum: u32 = c.iter().map(|&v| v as u32).sum();
                let p = (2.0 * l.re).exp();
                if sum == total {
                    inside += p;
                } else {
                    assert_eq!(
                        p, 0.0,
                        "{cell:?} config {c:?} outside the subspace has P = {p}"
                    );
                }
            }
            assert!(
                (inside - 1.0).abs() < 1e-10,
                "{cell:?} {lx}x{ly} Q={total}: {inside}"
            );
            let mut samples = vec![0u8; 300 * sites];
            m.sample(1, 300, &mut samples, None).unwrap();
            for c in samples.chunks(sites) {
                assert_eq!(c.iter().map(|&v| v as u32).sum::<u32>(), total);
            }
        }
    }
}

/// The sign rule counts down spins on the sites with x + y even of the grid (not of the
/// snake): on a 4x3 grid those are not every other site index.
#[test]
fn grid_marshall_sign_uses_the_checkerboard_of_the_grid() {
    let base = ModelConfig::default()
        .with_lx(4)
        .with_ly(3)
        .with_hidden(4)
        .with_seed(9)
        .with_phase(PhaseKind::Softsign);
    let plain = Model::new(base.clone()).unwrap();
    let signed = Model::new(base.clone().with_sign_rule(SignRule::Marshall)).unwrap();
    let configs = all_configs(12, 2);
    let a = log_psi_all(&plain, &configs);
    let b = log_psi_all(&signed, &configs);
    for ((c, a), b) in configs.chunks(12).zip(&a).zip(&b) {
        let downs_on_a = (0..12usize)
            .filter(|i| (i % 4 + i / 4).is_multiple_of(2) && c[*i] == 1)
            .count();
        assert_eq!(a.re, b.re);
        let diff = (b.im - a.im).rem_euclid(2.0 * PI);
        let expected = PI * (downs_on_a % 2) as f64;
        assert!(
            (diff - expected).abs() < 1e-12 || (diff - expected).abs() > 2.0 * PI - 1e-12,
            "{c:?}: phase difference {diff}, expected {expected}"
        );
    }
}

/// Snake position of each site of a 3x3 grid: row 0 left to right, row 1 right to left.
const SNAKE_3X3: [usize; 9] = [0, 1, 2, 5, 4, 3, 6, 7, 8];

/// The conditional of a site depends only on the sites before it in the snake: changing any
/// later site leaves it exactly as it was. Checked for every configuration of a 3x3 grid and
/// every site changed, with two layers so that the upper layer's inputs are covered too.
#[test]
fn conditionals_depend_only_on_earlier_sites_of_the_snake() {
    for cell in ALL_CELLS {
        let m = grid_model(cell, 3, 3, 2, true, 4);
        let configs = all_configs(9, 2);
        let mut base = vec![0.0; configs.len()];
        m.log_conditionals(&configs, &mut base).unwrap();
        for changed in 0..9 {
            let flipped: Vec<u8> = configs
                .chunks(9)
                .flat_map(|c| {
                    let mut c = c.to_vec();
                    c[changed] ^= 1;
                    c
                })
                .collect();
            let mut after = vec![0.0; configs.len()];
            m.log_conditionals(&flipped, &mut after).unwrap();
            let mut later_moved = 0;
            for (b, a) in base.chunks(9).zip(after.chunks(9)) {
                for site in 0..9 {
                    if site == changed {
                        continue;
                    }
                    if SNAKE_3X3[site] < SNAKE_3X3[changed] {
                        assert_eq!(
                            b[site], a[site],
                            "{cell:?}: site {site} moved when the later site {changed} changed"
                        );
                    } else if b[site] != a[site] {
                        later_moved += 1;
                    }
                }
            }
            // The next site of the snake reads the changed one (as a horizontal or vertical
            // neighbour, or through the state carried on): some later conditional moves.
            if SNAKE_3X3[changed] < 8 {
                assert!(later_moved > 0, "{cell:?}: site {changed} feeds nothing");
            }
        }
        // The conditionals multiply to P.
        let lp = log_psi_all(&m, &configs);
        for (c, l) in base.chunks(9).zip(&lp) {
            let sum: f64 = c.iter().sum();
            assert!((sum - 2.0 * l.re).abs() < 1e-12);
        }
    }
}

/// The snake, not the index order: site 5 = (2, 1) is visited before site 3 = (0, 1).
#[test]
fn snake_visits_row_one_right_to_left() {
    let m = grid_model(CellKind::Gru, 3, 3, 1, false, 12);
    assert_eq!(m.order(), &[0, 1, 2, 5, 4, 3, 6, 7, 8]);
    let a = [0u8, 1, 0, 1, 1, 0, 0, 1, 1];
    let mut b = a;
    b[3] ^= 1;
    let (mut ca, mut cb) = (vec![0.0; 9], vec![0.0; 9]);
    m.log_conditionals(&a, &mut ca).unwrap();
    m.log_conditionals(&b, &mut cb).unwrap();
    assert_eq!(ca[5], cb[5], "site 5 is visited before site 3");
    assert_eq!(ca[4], cb[4], "site 4 is visited before site 3");
    assert_ne!(ca[6], cb[6], "site 6 = (0, 2) reads site 3 above it");
}

/// A grid one site wide is a column: every site has only its vertical neighbour.
#[test]
fn single_column_and_two_row_grids_are_normalised() {
    for cell in ALL_CELLS {
        for (lx, ly) in [(1u32, 6u32), (6, 2)] {
            let m = grid_model(cell, lx, ly, 2, true, 8);
            let total = total_probability(&m, &all_configs((lx * ly) as usize, 2));
            assert!((total - 1.0).abs() < 1e-10, "{cell:?} {lx}x{ly}: {total}");
        }
    }
}
