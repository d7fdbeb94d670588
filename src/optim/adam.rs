//! Adam's moment estimates, kept between steps and saved with the optimiser.

/// First and second moments and the number of updates taken.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    pub m: Vec<f64>,
    pub v: Vec<f64>,
    pub t: u64,
}

impl AdamState {
    pub fn new(num_params: usize) -> Self {
        AdamState {
            m: vec![0.0; num_params],
            v: vec![0.0; num_params],
            t: 0,
        }
    }

    /// Updates the moments with gradient `g` and writes the step (to subtract, already
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
