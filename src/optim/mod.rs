//! Parameter updates: SGD, Adam and stochastic reconfiguration in sample space (minSR).

mod adam;
mod minsr;
mod sr_cg;

pub use adam::AdamState;
pub(crate) use minsr::minsr_direction;
pub(crate) use sr_cg::sr_conjugate_gradient;

/// The update rule of a training step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    /// theta -= lr * g
    Sgd,
    /// Adam with bias correction (Kingma & Ba).
    Adam,
    /// Stochastic reconfiguration solved in sample space (minSR, Chen & Heyl 2023).
    MinSr,
}

/// Scales `v` down to norm `max_norm` when it is longer (0 = no clipping). Returns the norm
/// before clipping.
pub(crate) fn clip_norm(v: &mut [f64], max_norm: f64) -> f64 {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if max_norm > 0.0 && norm > max_norm {
        let scale = max_norm / norm;
        v.iter_mut().for_each(|x| *x *= scale);
    }
    norm
}
