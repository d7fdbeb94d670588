//! d ln psi / d theta of the 2D RNN against central finite differences, for every parameter
//! block of both grid cells (and ELU), two layers, phase head, Marshall sign and U(1).

mod common;
use common::finite_differences::{check_log_psi_grad, GradientCase, SAMPLES};
use common::ALL_CELLS;
use rnnwf::{CellKind, Complex64, Model, ModelConfig, PhaseKind, SignRule};

/// Compares every entry of the analytic per-sample gradient with a central difference, and
/// the batched weighted gradient with the weighted sum of the per-sample ones.
fn check_against_finite_differences(cfg: ModelConfig) {
    let (case, largest) = check_log_psi_grad(&cfg);
    let GradientCase {
        model,
        configs,
        grad,
    } = case;
    let (n, np) = (SAMPLES, model.num_params());
    for (block, largest) in model.param_blocks().iter().zip(largest) {
        // Every block takes part: a block whose gradient is identically zero would pass the
        // comparison above without testing anything. Only a grid one site wide has no
        // horizontal neighbours, and there its horizontal weights must do nothing.
        if cfg.lx == 1 && block.name.ends_with("horizontal_weight") {
            assert_eq!(largest, 0.0, "{}", block.name);
        } else {
            assert!(largest > 1e-4, "{}: gradient {largest}", block.name);
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
            "parameter {k}: {w} vs {expected}"
        );
    }
}

fn base(cell: CellKind) -> ModelConfig {
    ModelConfig::default()
        .with_cell(cell)
        .with_lx(3)
        .with_ly(3)
        .with_local_dim(2)
        .with_hidden(4)
        .with_layers(2)
        .with_phase(PhaseKind::Softsign)
        .with_sign_rule(SignRule::None)
        .with_u1_total(None)
        .with_seed(17)
}

#[test]
fn grid_gradients_match_finite_differences_for_every_cell_with_phase_and_two_layers() {
    for cell in ALL_CELLS {
        check_against_finite_differences(base(cell));
    }
}

#[test]
fn grid_gradients_match_finite_differences_with_marshall_and_u1() {
    for cell in ALL_CELLS {
        check_against_finite_differences(
            base(cell)
                .with_lx(4)
                .with_ly(3)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(6)),
        );
    }
}

#[test]
fn grid_gradients_match_finite_differences_for_three_values_one_layer_no_phase() {
    for cell in [CellKind::Vanilla, CellKind::Gru] {
        check_against_finite_differences(
            base(cell)
                .with_lx(2)
                .with_ly(3)
                .with_local_dim(3)
                .with_layers(1)
                .with_phase(PhaseKind::None)
                .with_u1_total(Some(5)),
        );
    }
}

/// The batched weighted gradient over several chunks is the same for any thread count and
/// equals the sum of per-sample gradients.
#[test]
fn grid_weighted_gradient_equals_sum_of_per_sample_gradients() {
    let model = Model::new(base(CellKind::Gru).with_lx(4).with_ly(4).with_hidden(6)).unwrap();
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
    let mut results = Vec::new();
    for threads in [1, 2, 3] {
        rnnwf::set_num_threads(threads).unwrap();
        let mut grad = vec![0.0; np];
        model.log_psi_vjp(&configs, &re, &im, &mut grad).unwrap();
        results.push(grad);
    }
    rnnwf::set_num_threads(0).unwrap();
    assert_eq!(results[0], results[1], "thread count changed the gradient");
    assert_eq!(results[0], results[2], "thread count changed the gradient");
    let scale = expected.iter().map(|g| g.abs()).fold(0.0, f64::max);
    for (k, (g, e)) in results[0].iter().zip(&expected).enumerate() {
        assert!((g - e).abs() < 1e-10 * scale, "parameter {k}: {g} vs {e}");
    }
}

/// A grid one site wide (only vertical neighbours) and one two rows high.
#[test]
fn grid_gradients_match_finite_differences_on_narrow_grids() {
    for (lx, ly) in [(1u32, 5u32), (5, 2)] {
        for cell in [CellKind::Gru, CellKind::VanillaElu, CellKind::TensorGru] {
            check_against_finite_differences(base(cell).with_lx(lx).with_ly(ly));
        }
    }
}
