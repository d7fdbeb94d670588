//! `Model::resize`: the same weights on another lattice. Checked against enumeration: the
//! resized model is normalised, and since the weights do not depend on the size, a lattice
//! with more rows (or a longer chain) has the smaller one's distribution as its marginal.

mod common;

use common::{all_configs, grid_model, log_psi_all, model, total_probability, ALL_CELLS};
use rnnwf::{ErrorKind, ModelConfig, SignRule};

/// Sum over the sites past the first `n_small` (in site order) of P, for each prefix.
fn marginal_of_prefix(probs: &[f64], n_big: usize, n_small: usize) -> Vec<f64> {
    let tail = 1usize << (n_big - n_small);
    probs.chunks_exact(tail).map(|c| c.iter().sum()).collect()
}

#[test]
fn more_rows_have_the_smaller_lattice_as_their_marginal() {
    for cell in ALL_CELLS {
        for layers in [1, 2] {
            let small = grid_model(cell, 3, 2, layers, true, 7);
            let big = small.resize(3, 3, None).unwrap();
            assert_eq!(big.params(), small.params());
            assert_eq!((big.config().lx, big.config().ly), (3, 3));
            let configs = all_configs(9, 2);
            let probs: Vec<f64> = log_psi_all(&big, &configs)
                .iter()
                .map(|l| (2.0 * l.re).exp())
                .collect();
            assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            // Site order x + 3y: the last 3 sites are row 2, the last row visited.
            let marginal = marginal_of_prefix(&probs, 9, 6);
            let small_probs: Vec<f64> = log_psi_all(&small, &all_configs(6, 2))
                .iter()
                .map(|l| (2.0 * l.re).exp())
                .collect();
            for (a, b) in marginal.iter().zip(&small_probs) {
                assert!((a - b).abs() < 1e-13, "{cell:?} {layers}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn a_longer_chain_has_the_shorter_one_as_its_marginal() {
    for cell in ALL_CELLS {
        let short = model(cell, 5, 2, 2, false, 3);
        let long = short.resize(8, 1, None).unwrap();
        let probs: Vec<f64> = log_psi_all(&long, &all_configs(8, 2))
            .iter()
            .map(|l| (2.0 * l.re).exp())
            .collect();
        let marginal = marginal_of_prefix(&probs, 8, 5);
        let short_probs: Vec<f64> = log_psi_all(&short, &all_configs(5, 2))
            .iter()
            .map(|l| (2.0 * l.re).exp())
            .collect();
        for (a, b) in marginal.iter().zip(&short_probs) {
            assert!((a - b).abs() < 1e-13, "{cell:?}: {a} vs {b}");
        }
    }
}

/// Resized into a U(1) sector with the Marshall sign: normalised over the sector, the sign
/// is the rule's on the new coordinates, and resizing back gives the original bit for bit.
#[test]
fn u1_and_marshall_follow_the_new_lattice_and_resizing_back_restores_the_original() {
    for cell in ALL_CELLS {
        let original = rnnwf::Model::new(
            ModelConfig::default()
                .with_cell(cell)
                .with_lx(2)
                .with_ly(3)
                .with_hidden(6)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(3))
                .with_seed(11),
        )
        .unwrap();
        let big = original.resize(4, 3, Some(6)).unwrap();
        assert_eq!(big.config().u1_total, Some(6));
        assert_eq!(big.config().sign_rule, SignRule::Marshall);
        let configs = all_configs(12, 2);
        assert!((total_probability(&big, &configs) - 1.0).abs() < 1e-12);
        for (c, l) in configs.chunks_exact(12).zip(log_psi_all(&big, &configs)) {
            if c.iter().map(|&v| v as u32).sum::<u32>() != 6 {
                assert_eq!(l.re, f64::NEG_INFINITY);
                continue;
            }
            let downs_on_a = (0..12usize)
                .filter(|&i| (i % 4 + i / 4).is_multiple_of(2) && c[i] == 1)
                .count();
            let expected = if downs_on_a.is_multiple_of(2) {
                0.0
            } else {
                std::f64::consts::PI
            };
            assert!((l.im.rem_euclid(2.0 * std::f64::consts::PI) - expected).abs() < 1e-12);
        }
        let back = big.resize(2, 3, Some(3)).unwrap();
        let small_configs = all_configs(6, 2);
        assert_eq!(
            log_psi_all(&back, &small_configs),
            log_psi_all(&original, &small_configs)
        );
    }
}

#[test]
fn what_cannot_transfer_is_refused_and_the_model_is_unchanged() {
    let grid = grid_model(rnnwf::CellKind::Gru, 3, 3, 1, false, 1);
    let chain = model(rnnwf::CellKind::Gru, 6, 2, 1, false, 1);
    let params = grid.params().to_vec();
    let cases = [
        (grid.resize(9, 1, None), "chain"),
        (chain.resize(3, 2, None), "grid"),
        (grid.resize(0, 3, None), "lx and ly"),
        (grid.resize(4, 4, Some(17)), "u1_total"),
    ];
    for (result, word) in cases {
        let err = result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert!(err.to_string().contains(word), "{err}");
    }
    assert_eq!(grid.params(), &params[..]);
    assert_eq!((grid.config().lx, grid.config().ly), (3, 3));
}

/// The tensorized cell's update is a convex combination of two tanh outputs, so every unit of
/// its state stays in [-1, 1], hence |h| <= sqrt(hidden), on any lattice and for any weights
/// (here the initial ones scaled by 20, far outside a trained model's range).
#[test]
fn tensor_cell_states_stay_bounded_on_larger_lattices() {
    let small = grid_model(rnnwf::CellKind::TensorGru, 3, 3, 2, false, 9);
    let wild: Vec<f64> = small.params().iter().map(|p| 20.0 * p).collect();
    let mut small = small;
    small.set_params(&wild).unwrap();
    let big = small.resize(12, 12, None).unwrap();
    let n = 64;
    let mut configs = vec![0u8; n * 144];
    big.sample(3, n, &mut configs, None).unwrap();
    let norms = big.state_norms(&configs).unwrap();
    assert_eq!(norms.len(), 2);
    let bound = (big.config().hidden as f64).sqrt();
    for layer in &norms {
        assert_eq!(layer.len(), 144);
        assert!(layer.iter().all(|&h| h <= bound + 1e-12), "{layer:?}");
        // Not trivially zero: the scaled weights saturate the units.
        assert!(layer[143] > 0.3 * bound, "{}", layer[143]);
    }
}
