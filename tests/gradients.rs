//! d ln psi / d theta against central finite differences, for every parameter block.

mod common;
use common::all_configs;
use rnnwf::{CellKind, Complex64, Model, ModelConfig, PhaseKind, SignRule};

fn configs_for(model: &Model, count: usize, seed: u64) -> Vec<u8> {
    let mut c = vec![0u8; count * model.num_sites()];
    model.sample(seed, count, &mut c, None).unwrap();
    c
}

fn log_psi(model: &Model, configs: &[u8]) -> Vec<Complex64> {
    let mut out = vec![Complex64::new(0.0, 0.0); configs.len() / model.num_sites()];
    model.log_psi(configs, &mut out).unwrap();
    out
}

/// Compares every entry of the analytic per-sample gradient with a central difference.
fn check_against_finite_differences(cfg: ModelConfig) {
    let model = Model::new(cfg.clone()).unwrap();
    // Perturb the zero biases too, so that no block is tested only at a special point.
    let mut params = model.params().to_vec();
    for (i, p) in params.iter_mut().enumerate() {
        *p += 0.1 * ((i as f64) * 0.7).sin();
    }
    let model = Model::with_params(cfg.clone(), &params).unwrap();
    let configs = configs_for(&model, 3, 5);
    let np = model.num_params();
    let n = 3;
    let mut grad = vec![Complex64::new(0.0, 0.0); n * np];
    model.log_psi_grad(&configs, &mut grad).unwrap();
    let step = 1e-5;
    let mut worst: f64 = 0.0;
    for block in model.param_blocks() {
        for k in block.range.clone() {
            let mut plus = params.clone();
            plus[k] += step;
            let mut minus = params.clone();
            minus[k] -= step;
            let lp = log_psi(&Model::with_params(cfg.clone(), &plus).unwrap(), &configs);
            let lm = log_psi(&Model::with_params(cfg.clone(), &minus).unwrap(), &configs);
            for i in 0..n {
                let fd = (lp[i] - lm[i]) / (2.0 * step);
                let an = grad[i * np + k];
                let err = (fd - an).norm() / an.norm().max(1e-3);
                worst = worst.max(err);
                assert!(
                    err < 1e-6,
                    "{cfg:?}\n{} [{}] sample {i}: analytic {an}, finite difference {fd}",
                    block.name,
                    k - block.range.start
                );
            }
        }
    }
    assert!(worst.is_finite());
}

fn base(cell: CellKind) -> ModelConfig {
    ModelConfig {
        cell,
        lx: 6,
        ly: 1,
        local_dim: 2,
        hidden: 4,
        layers: 2,
        phase: PhaseKind::Softsign,
        sign_rule: SignRule::None,
        u1_total: None,
        seed: 17,
    }
}

#[test]
fn gradients_match_finite_differences_for_both_cells_with_phase_and_two_layers() {
    for cell in [CellKind::Vanilla, CellKind::Gru] {
        check_against_finite_differences(base(cell));
    }
}

#[test]
fn gradients_match_finite_differences_with_marshall_and_u1() {
    for cell in [CellKind::Vanilla, CellKind::Gru] {
        check_against_finite_differences(ModelConfig {
            sign_rule: SignRule::Marshall,
            u1_total: Some(3),
            ..base(cell)
        });
    }
}

#[test]
fn gradients_match_finite_differences_for_three_values_one_layer_no_phase() {
    for cell in [CellKind::Vanilla, CellKind::Gru] {
        check_against_finite_differences(ModelConfig {
            local_dim: 3,
            layers: 1,
            phase: PhaseKind::None,
            u1_total: Some(5),
            ..base(cell)
        });
    }
}

/// The batched weighted gradient equals the weighted sum of per-sample gradients, over
/// several chunks and thread counts.
#[test]
fn weighted_gradient_equals_sum_of_per_sample_gradients() {
    let model = Model::new(ModelConfig {
        lx: 8,
        hidden: 6,
        ..base(CellKind::Gru)
    })
    .unwrap();
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
        rnnwf::set_num_threads(threads);
        let mut grad = vec![0.0; np];
        model.log_psi_vjp(&configs, &re, &im, &mut grad).unwrap();
        results.push(grad);
    }
    rnnwf::set_num_threads(0);
    assert_eq!(results[0], results[1], "thread count changed the gradient");
    let scale = expected.iter().map(|g| g.abs()).fold(0.0, f64::max);
    for (k, (g, e)) in results[0].iter().zip(&expected).enumerate() {
        assert!((g - e).abs() < 1e-10 * scale, "parameter {k}: {g} vs {e}");
    }
}

#[test]
fn gradient_is_refused_where_psi_vanishes() {
    let model = Model::new(ModelConfig {
        u1_total: Some(3),
        ..base(CellKind::Gru)
    })
    .unwrap();
    let configs = all_configs(6, 2);
    let outside = &configs[..6]; // all up: zero down spins, not 3
    let mut grad = vec![Complex64::new(0.0, 0.0); model.num_params()];
    let err = model.log_psi_grad(outside, &mut grad).unwrap_err();
    assert_eq!(err.kind, rnnwf::ErrorKind::InvalidArgument);
    assert!(err.message.contains("probability 0"), "{}", err.message);
}
