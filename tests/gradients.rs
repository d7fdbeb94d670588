//! d ln psi / d theta on every topology (open chain, open grid, periodic grid, dilated
//! chain) against central finite differences, for every parameter block of every cell, with
//! and without the phase head, the Marshall sign, U(1) and three values per site; the
//! batched weighted gradient against the per-sample ones. Their thread-count independence
//! is checked in tests/topologies.rs.

mod common;
use common::finite_differences::{check_log_psi_grad, GradientCase, SAMPLES};
use common::topology::{block_is_read, build, TOPOLOGIES};
use rnnwf::{CellKind, Complex64, ErrorKind, ModelConfig, PhaseKind, SignRule};

/// Compares every entry of the analytic per-sample gradient with a central difference,
/// checks that every block that is read has a gradient (and every other block none), and
/// the batched weighted gradient against the weighted sum of the per-sample ones.
fn check_against_finite_differences(cfg: ModelConfig) {
    let (case, largest) = check_log_psi_grad(&cfg);
    let GradientCase {
        model,
        configs,
        grad,
    } = case;
    let (n, np) = (SAMPLES, model.num_params());
    for (block, largest) in model.param_blocks().iter().zip(largest) {
        // A block whose gradient is identically zero would pass the comparison above
        // without testing anything.
        if block_is_read(&cfg, &block.name) {
            assert!(
                largest > 1e-4,
                "{cfg:?}\n{}: gradient {largest}",
                block.name
            );
        } else {
            assert_eq!(largest, 0.0, "{cfg:?}\n{}", block.name);
        }
    }

    let re = [0.3, -1.1, 0.7];
    let im = [0.9, 0.2, -0.4];
    let mut weighted = vec![0.0; np];
    model
        .log_psi_vjp(&configs, &re, &im, &mut weighted)
        .unwrap();
    for (k, w) in weighted.iter().enumerate() {
        let expected: f64 = (0..n)
            .map(|i| re[i] * grad[i * np + k].re + im[i] * grad[i * np + k].im)
            .sum();
        assert!(
            (w - expected).abs() < 1e-10,
            "{cfg:?}\nparameter {k}: {w} vs {expected}"
        );
    }
}

/// Hidden size 4, the phase head, seed 17.
fn base(cfg: ModelConfig) -> ModelConfig {
    cfg.with_hidden(4)
        .with_phase(PhaseKind::Softsign)
        .with_seed(17)
}

/// Two and three layers (a dilated chain's third reads 4 positions back) on 6 and 9 sites
/// (2x3 has no wrap along x), with and without the Marshall sign.
#[test]
fn gradients_match_finite_differences_for_every_cell_with_phase_on_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            for (lx, ly) in [(2, 3), (3, 3)] {
                for layers in [2, 3] {
                    for sign_rule in [SignRule::None, SignRule::Marshall] {
                        check_against_finite_differences(
                            base(topology.config(cell, lx, ly))
                                .with_layers(layers)
                                .with_sign_rule(sign_rule),
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn gradients_match_finite_differences_with_marshall_and_u1_on_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            for (lx, ly) in [(2, 3), (4, 3)] {
                check_against_finite_differences(
                    base(topology.config(cell, lx, ly))
                        .with_layers(2)
                        .with_sign_rule(SignRule::Marshall)
                        .with_u1_total(Some(lx * ly / 2)),
                );
            }
        }
    }
}

#[test]
fn gradients_match_finite_differences_for_three_values_one_layer_no_phase_on_every_topology() {
    for topology in TOPOLOGIES {
        for cell in topology.cells() {
            check_against_finite_differences(
                base(topology.config(cell, 2, 3))
                    .with_local_dim(3)
                    .with_layers(1)
                    .with_phase(PhaseKind::None)
                    .with_u1_total(Some(5)),
            );
        }
    }
}

/// A grid one site wide (only vertical neighbours) and one two rows high, open and periodic
/// (where each has one wrap that is read and one that is not).
#[test]
fn grid_gradients_match_finite_differences_on_narrow_grids() {
    for topology in TOPOLOGIES.into_iter().filter(|t| t.is_grid()) {
        for (lx, ly) in [(1u32, 5u32), (5, 2)] {
            for cell in [CellKind::Gru, CellKind::VanillaElu, CellKind::TensorGru] {
                check_against_finite_differences(
                    base(topology.config(cell, lx, ly)).with_layers(2),
                );
            }
        }
    }
}

/// The batched weighted gradient over several chunks equals the sum of per-sample gradients.
#[test]
fn weighted_gradient_equals_sum_of_per_sample_gradients_on_every_topology() {
    for topology in TOPOLOGIES {
        let model = build(
            base(topology.config(CellKind::Gru, 4, 4))
                .with_hidden(6)
                .with_layers(2),
        );
        let n = 600;
        let mut configs = vec![0u8; n * 16];
        model.sample(9, n, &mut configs, None).unwrap();
        let np = model.num_params();
        let re: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let im: Vec<f64> = (0..n).map(|i| (i as f64 * 0.91).cos()).collect();
        let mut per_sample = vec![Complex64::new(0.0, 0.0); n * np];
        model.log_psi_grad(&configs, &mut per_sample).unwrap();
        let mut expected = vec![0.0; np];
        for i in 0..n {
            for k in 0..np {
                let o = per_sample[i * np + k];
                expected[k] += re[i] * o.re + im[i] * o.im;
            }
        }
        let mut grad = vec![0.0; np];
        model.log_psi_vjp(&configs, &re, &im, &mut grad).unwrap();
        let scale = expected.iter().map(|g| g.abs()).fold(0.0, f64::max);
        for (k, (g, e)) in grad.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() < 1e-10 * scale,
                "{topology:?} parameter {k}: {g} vs {e}"
            );
        }
    }
}

#[test]
fn gradient_is_refused_where_psi_vanishes_on_every_topology() {
    for topology in TOPOLOGIES {
        let model = build(base(topology.config(CellKind::Gru, 2, 3)).with_u1_total(Some(3)));
        let outside = [0u8; 6]; // all up: zero down spins, not 3
        let mut grad = vec![Complex64::new(0.0, 0.0); model.num_params()];
        let err = model.log_psi_grad(&outside, &mut grad).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument, "{topology:?}");
        assert!(err.message.contains("probability 0"), "{}", err.message);
    }
}
