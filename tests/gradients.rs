//! d ln psi / d theta against central finite differences, for every parameter block.

mod common;
use common::all_configs;
use common::finite_differences::check_log_psi_grad;
use rnnwf::{CellKind, Complex64, Model, ModelConfig, PhaseKind, SignRule};

fn configs_for(model: &Model, count: usize, seed: u64) -> Vec<u8> {
    let mut c = vec![0u8; count * model.num_sites()];
    model.sample(seed, count, &mut c, None).unwrap();
    c
}

/// Compares every entry of the analytic per-sample gradient with a central difference.
fn check_against_finite_differences(cfg: ModelConfig) {
    check_log_psi_grad(&cfg);
}

fn base(cell: CellKind) -> ModelConfig {
    ModelConfig::default()
        .with_cell(cell)
        .with_lx(6)
        .with_ly(1)
        .with_local_dim(2)
        .with_hidden(4)
        .with_layers(2)
        .with_phase(PhaseKind::Softsign)
        .with_sign_rule(SignRule::None)
        .with_u1_total(None)
        .with_seed(17)
}

#[test]
fn gradients_match_finite_differences_for_both_cells_with_phase_and_two_layers() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        check_against_finite_differences(base(cell));
    }
}

#[test]
fn gradients_match_finite_differences_with_marshall_and_u1() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        check_against_finite_differences(
            base(cell)
                .with_sign_rule(SignRule::Marshall)
                .with_u1_total(Some(3)),
        );
    }
}

#[test]
fn gradients_match_finite_differences_for_three_values_one_layer_no_phase() {
    for cell in [
        CellKind::Vanilla,
        CellKind::Gru,
        CellKind::TensorGru,
        CellKind::LinearGated,
    ] {
        check_against_finite_differences(
            base(cell)
                .with_local_dim(3)
                .with_layers(1)
                .with_phase(PhaseKind::None)
                .with_u1_total(Some(5)),
        );
    }
}

/// The batched weighted gradient equals the weighted sum of per-sample gradients, over
/// several chunks and thread counts.
#[test]
fn weighted_gradient_equals_sum_of_per_sample_gradients() {
    let model = Model::new(base(CellKind::Gru).with_lx(8).with_hidden(6)).unwrap();
    let n = 600;
    let configs = configs_for(&model, n, 9);
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
    for threads in [1, 2] {
        rnnwf::set_num_threads(threads).unwrap();
        let mut grad = vec![0.0; np];
        model.log_psi_vjp(&configs, &re, &im, &mut grad).unwrap();
        results.push(grad);
    }
    rnnwf::set_num_threads(0).unwrap();
    assert_eq!(results[0], results[1], "thread count changed the gradient");
    let scale = expected.iter().map(|g| g.abs()).fold(0.0, f64::max);
    for (k, (g, e)) in results[0].iter().zip(&expected).enumerate() {
        assert!((g - e).abs() < 1e-10 * scale, "parameter {k}: {g} vs {e}");
    }
}

#[test]
fn gradient_is_refused_where_psi_vanishes() {
    let model = Model::new(base(CellKind::Gru).with_u1_total(Some(3))).unwrap();
    let configs = all_configs(6, 2);
    let outside = &configs[..6]; // all up: zero down spins, not 3
    let mut grad = vec![Complex64::new(0.0, 0.0); model.num_params()];
    let err = model.log_psi_grad(outside, &mut grad).unwrap_err();
    assert_eq!(err.kind, rnnwf::ErrorKind::InvalidArgument);
    assert!(err.message.contains("probability 0"), "{}", err.message);
}
