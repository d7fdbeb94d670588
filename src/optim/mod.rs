//! The stages of a training step after the gradient stage: a preconditioner turns the
//! gradient estimate into an update direction ([`Preconditioner`]: none, stochastic
//! reconfiguration, or SPRING), an update rule turns the direction into new parameters
//! ([`UpdateRule`]: SGD or Adam). Any preconditioner pairs with any update rule.

mod minsr;
mod preconditioner;
mod spring;
mod sr_cg;
mod update;

pub use minsr::SrSolve;
pub use preconditioner::Preconditioner;
pub(crate) use preconditioner::{PreconditionerWorkspace, Samples, SrSettings};
pub(crate) use spring::Momentum;
pub use update::{AdamState, UpdateRule};
pub(crate) use update::{ProposedUpdate, UpdateSettings};

/// The optimiser setting of a run: the update rule, or minSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    /// theta -= lr * d
    Sgd,
    /// Adam with bias correction (Kingma & Ba).
    Adam,
    /// SGD after stochastic reconfiguration (minSR, Chen & Heyl 2023): the same as `Sgd`
    /// with [`Preconditioner::Sr`], or with [`Preconditioner::Spring`] when that is the
    /// preconditioner setting.
    MinSr,
}

impl Optimizer {
    /// The update rule this setting applies.
    pub fn update_rule(self) -> UpdateRule {
        match self {
            Optimizer::Sgd | Optimizer::MinSr => UpdateRule::Sgd,
            Optimizer::Adam => UpdateRule::Adam,
        }
    }

    /// The preconditioner a step runs with this optimiser and the `preconditioner` setting:
    /// minSR always means SR (SPRING when that is the setting).
    pub fn preconditioner_with(self, preconditioner: Preconditioner) -> Preconditioner {
        match (self, preconditioner) {
            (Optimizer::MinSr, Preconditioner::None) => Preconditioner::Sr,
            _ => preconditioner,
        }
    }
}
