//! The update rules of the pipeline's last stage: SGD and Adam turn the update direction (the
//! gradient, or SR's natural gradient) into new parameters, after clipping its norm.

use crate::buffer::{reuse, try_zeroed_vec};
use crate::error::Result;

/// How the update direction becomes a parameter change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateRule {
    /// theta -= lr * d
    Sgd,
    /// Adam with bias correction (Kingma & Ba) on the direction d.
    Adam,
}

/// The settings an update rule reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct UpdateSettings {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Largest norm of the direction; 0 = no clipping.
    pub clip: f64,
}

/// Adam's first and second moments and the number of updates taken.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AdamState {
    pub m: Vec<f64>,
    pub v: Vec<f64>,
    pub t: u64,
}

impl AdamState {
    /// Zero moments for `num_params` parameters, allocated fallibly (`OutOfMemory`).
    pub fn new(num_params: usize) -> Result<Self> {
        Ok(AdamState {
            m: try_zeroed_vec(num_params, "Adam's first moments")?,
            v: try_zeroed_vec(num_params, "Adam's second moments")?,
            t: 0,
        })
    }

    /// Updates the moments with direction `g` and writes the step (to subtract, already
    /// scaled by `lr`) into `step`.
    pub fn update(
        &mut self,
        g: &[f64],
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        step: &mut [f64],
    ) {
        self.t += 1;
        let c1 = 1.0 - beta1.powi(self.t.min(i32::MAX as u64) as i32);
        let c2 = 1.0 - beta2.powi(self.t.min(i32::MAX as u64) as i32);
        for (((m, v), &g), s) in self.m.iter_mut().zip(&mut self.v).zip(g).zip(step) {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *s = lr * (*m / c1) / ((*v / c2).sqrt() + eps);
        }
    }
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

/// A proposed update, kept between steps so that its buffers are reused: the new parameters
/// and Adam's new moments, committed only once the model has taken the parameters.
#[derive(Debug, Default)]
pub(crate) struct ProposedUpdate {
    step: Vec<f64>,
    pub new_params: Vec<f64>,
    /// Adam's moments after this update (unused by SGD).
    adam: AdamState,
}

impl ProposedUpdate {
    /// Clips `direction` and proposes `params - step` by `rule`, from Adam's `current` state
    /// (None: zero moments).
    pub(crate) fn propose(
        &mut self,
        rule: UpdateRule,
        s: &UpdateSettings,
        params: &[f64],
        direction: &mut [f64],
        current: Option<&AdamState>,
    ) -> Result<()> {
        let np = params.len();
        clip_norm(direction, s.clip);
        reuse(&mut self.step, np, "the update step")?;
        reuse(&mut self.new_params, np, "the new parameters")?;
        match rule {
            UpdateRule::Sgd => {
                for (step, d) in self.step.iter_mut().zip(direction.iter()) {
                    *step = s.learning_rate * d;
                }
            }
            UpdateRule::Adam => {
                match current {
                    Some(c) => {
                        self.adam.m.clone_from(&c.m);
                        self.adam.v.clone_from(&c.v);
                        self.adam.t = c.t;
                    }
                    None => {
                        reuse(&mut self.adam.m, np, "Adam's first moments")?;
                        reuse(&mut self.adam.v, np, "Adam's second moments")?;
                        self.adam.m.fill(0.0);
                        self.adam.v.fill(0.0);
                        self.adam.t = 0;
                    }
                }
                self.adam.update(
                    direction,
                    s.learning_rate,
                    s.beta1,
                    s.beta2,
                    s.eps,
                    &mut self.step,
                );
            }
        }
        for ((new, p), step) in self.new_params.iter_mut().zip(params).zip(&self.step) {
            *new = p - step;
        }
        Ok(())
    }

    /// Makes Adam's proposed moments the state (after the model took the new parameters).
    /// SGD leaves the state as it was.
    pub(crate) fn commit(&mut self, rule: UpdateRule, state: &mut Option<AdamState>) {
        if rule == UpdateRule::Adam {
            match state {
                Some(current) => std::mem::swap(current, &mut self.adam),
                None => *state = Some(std::mem::take(&mut self.adam)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_state_of_more_parameters_than_memory_is_refused() {
        let err = AdamState::new(usize::MAX).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::OutOfMemory);
        let zero = AdamState::new(3).unwrap();
        assert_eq!((zero.m, zero.v, zero.t), (vec![0.0; 3], vec![0.0; 3], 0));
    }
}
