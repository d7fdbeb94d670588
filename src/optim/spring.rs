//! SPRING (Goldshlager, Abrahamsen and Lin, J. Comput. Phys. 2024, arXiv:2401.10190): minSR
//! with momentum. Each step's update phi_k solves the regularised least-squares problem
//!
//! ```text
//! min_phi |A phi - b|^2 + lambda |phi - mu phi_{k-1}|^2,
//! ```
//!
//! SR's problem with the shift pulling towards the decayed previous update instead of zero.
//! Its solution, in the two forms the preconditioner uses (docs/method.md):
//!
//! ```text
//! phi_k = mu phi_{k-1} + A^T (A A^T + lambda I)^{-1} (b - mu A phi_{k-1})   (sample space)
//!       = (A^T A + lambda I)^{-1} (A^T b + lambda mu phi_{k-1})            (parameter space)
//! ```
//!
//! (the second from the first by A^T (A A^T + lambda)^{-1} = (A^T A + lambda)^{-1} A^T). mu = 0
//! is minSR. The parameter-space form needs no more reductions than SR's conjugate gradient:
//! phi_{k-1} is the same on every process.

use crate::kernels::matvec;

/// The momentum of one SPRING step: the decay `mu` in (0, 1) and the previous update
/// phi_{k-1} (`num_params`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Momentum<'a> {
    pub mu: f64,
    pub previous: &'a [f64],
}

impl Momentum<'_> {
    /// Sample space, before the solve: `b -= mu A phi_{k-1}` for `a` of `b.len()` rows,
    /// row-major; `scratch` (`b.len()`) receives A phi_{k-1}.
    pub(crate) fn project_residual(&self, a: &[f64], b: &mut [f64], scratch: &mut [f64]) {
        matvec(a, b.len(), self.previous.len(), self.previous, scratch);
        b.iter_mut()
            .zip(scratch.iter())
            .for_each(|(b, x)| *b -= self.mu * x);
    }

    /// Sample space, after the solve: `direction += mu phi_{k-1}`.
    pub(crate) fn add_decayed(&self, direction: &mut [f64]) {
        direction
            .iter_mut()
            .zip(self.previous)
            .for_each(|(d, p)| *d += self.mu * p);
    }

    /// Parameter space: the right-hand side `f + shift mu phi_{k-1}` into `rhs`.
    pub(crate) fn parameter_space_rhs(&self, f: &[f64], shift: f64, rhs: &mut [f64]) {
        for ((r, f), p) in rhs.iter_mut().zip(f).zip(self.previous) {
            *r = f + shift * self.mu * p;
        }
    }
}
