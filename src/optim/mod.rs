//! The stages of a training step after the local energies: a preconditioner turns the
//! gradient estimate into an update direction ([`Preconditioner`]: none, or stochastic
//! reconfiguration), an update rule turns the direction into new parameters
//! ([`UpdateRule`]: SGD or Adam). Any preconditioner pairs with any update rule.

mod minsr;
mod preconditioner;
mod sr_cg;
mod update;

pub use minsr::SrSolve;
pub use preconditioner::Preconditioner;
pub(crate) use preconditioner::{PreconditionerWorkspace, Samples};
pub use update::{AdamState, UpdateRule};
pub(crate) use update::{ProposedUpdate, UpdateSettings};

/// The optimiser setting of a run: the update rule, or minSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    /// theta -= lr * d
    Sgd,
    /// Adam with bias correction (Kingma & Ba).
    Adam,
    /// SGD after stochastic reconfiguration (minSR, Chen & Heyl 2023), whatever the
    /// preconditioner setting: the same as `Sgd` with [`Preconditioner::Sr`].
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
    /// minSR always means SR.
    pub fn preconditioner_with(self, preconditioner: Preconditioner) -> Preconditioner {
        match self {
            Optimizer::MinSr => Preconditioner::Sr,
            _ => preconditioner,
        }
    }
}
