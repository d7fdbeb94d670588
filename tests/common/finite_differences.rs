//! The analytic log-derivative against central finite differences, shared by
//! tests/gradients.rs and tests/symmetry.rs.

use rnnwf::{Complex64, Model, ModelConfig};

/// A model of `cfg` with every parameter moved off its initial value (so that no block, zero
/// biases included, is tested only at a special point), 3 configurations sampled from it, and
/// their per-sample gradients `[3][num_params]`.
pub struct GradientCase {
    pub model: Model,
    pub configs: Vec<u8>,
    pub grad: Vec<Complex64>,
}

pub const SAMPLES: usize = 3;

/// Checks every entry of d ln psi / d theta of `cfg`'s perturbed model against a central
/// difference to 1e-6 relative; returns the case and each block's largest |gradient|.
pub fn check_log_psi_grad(cfg: &ModelConfig) -> (GradientCase, Vec<f64>) {
    let initial = Model::new(cfg.clone()).unwrap();
    let mut params = initial.params().to_vec();
    for (i, p) in params.iter_mut().enumerate() {
        *p += 0.1 * ((i as f64) * 0.7).sin();
    }
    let model = Model::with_params(cfg.clone(), &params).unwrap();
    let mut configs = vec![0u8; SAMPLES * model.num_sites()];
    model.sample(5, SAMPLES, &mut configs, None).unwrap();
    let np = model.num_params();
    let mut grad = vec![Complex64::new(0.0, 0.0); SAMPLES * np];
    model.log_psi_grad(&configs, &mut grad).unwrap();
    let step = 1e-5;
    let log_psi =
        |p: &[f64]| super::log_psi_all(&Model::with_params(cfg.clone(), p).unwrap(), &configs);
    let mut largest = Vec::new();
    for block in model.param_blocks() {
        let mut block_largest: f64 = 0.0;
        for k in block.range.clone() {
            let mut plus = params.clone();
            plus[k] += step;
            let mut minus = params.clone();
            minus[k] -= step;
            let (lp, lm) = (log_psi(&plus), log_psi(&minus));
            for i in 0..SAMPLES {
                let fd = (lp[i] - lm[i]) / (2.0 * step);
                let an = grad[i * np + k];
                block_largest = block_largest.max(an.norm());
                let err = (fd - an).norm() / an.norm().max(1e-3);
                assert!(
                    err < 1e-6,
                    "{cfg:?}\n{} [{}] sample {i}: analytic {an}, finite difference {fd}",
                    block.name,
                    k - block.range.start
                );
            }
        }
        largest.push(block_largest);
    }
    (
        GradientCase {
            model,
            configs,
            grad,
        },
        largest,
    )
}
