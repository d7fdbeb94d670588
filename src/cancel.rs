//! Cancellation of a training step from another thread or a signal handler: a request is
//! one atomic store, seen at the next chunk boundary of the step's passes (sampling, local
//! energies, the gradient pass) and at every iteration of SR's conjugate gradient.
//!
//! The step runs inside `within`, which makes its token the calling thread's active one;
//! `parallel::for_each_task` carries that token to the threads computing the chunks. Calls
//! outside a step never see a request.

use crate::error::{Error, ErrorKind, Result};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A request to cancel, shared between a driver and whoever may cancel its steps. Cloning
/// gives another handle on the same request.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// Asks the running (or, if none runs, the next) step to stop. One atomic store: safe
    /// from any thread and from a signal handler.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a request is pending.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Drops a pending request.
    pub fn clear(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

thread_local! {
    static ACTIVE: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

/// Runs `f` with `token` as the calling thread's active token.
pub(crate) fn within<R>(token: &CancelToken, f: impl FnOnce() -> R) -> R {
    with_active(Some(token.clone()), f)
}

/// Runs `f` with no active token: the host's reduction hook, whose own calls into the
/// library (a read of another model, say) are not part of the step.
pub(crate) fn outside<R>(f: impl FnOnce() -> R) -> R {
    with_active(None, f)
}

/// Runs `f` with `token` active on the calling thread; the previous one comes back
/// afterwards, also on a panic.
fn with_active<R>(token: Option<CancelToken>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<CancelToken>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ACTIVE.with(|a| *a.borrow_mut() = previous);
        }
    }
    let previous = ACTIVE.with(|a| std::mem::replace(&mut *a.borrow_mut(), token));
    let _restore = Restore(previous);
    f()
}

/// The calling thread's active token, if it runs a step.
pub(crate) fn active() -> Option<CancelToken> {
    ACTIVE.with(|a| a.borrow().clone())
}

/// `Cancelled` when the calling thread runs a step whose cancellation was requested.
pub(crate) fn check() -> Result<()> {
    check_token(active().as_ref())
}

/// `Cancelled` when `token` holds a request.
pub(crate) fn check_token(token: Option<&CancelToken>) -> Result<()> {
    match token {
        Some(t) if t.is_requested() => Err(cancelled()),
        _ => Ok(()),
    }
}

/// What a process that cannot finish a step fills the next reduction's buffer with, so that
/// the others fail there too: +inf after a cancellation (every sum is then +inf, whatever
/// the others add and however the reduction rounds), NaN after any other error.
pub(crate) fn failure_fill(error: &Error) -> f64 {
    match error.kind {
        ErrorKind::Cancelled => f64::INFINITY,
        _ => f64::NAN,
    }
}

/// Whether a reduced buffer carries another process's cancellation: every value +inf.
pub(crate) fn cancelled_elsewhere(sums: &[f64]) -> bool {
    !sums.is_empty() && sums.iter().all(|&x| x == f64::INFINITY)
}

/// The error of a step stopped by a request on another process, reached through the
/// reduction.
pub(crate) fn cancelled_on_another_process() -> Error {
    Error::new(
        ErrorKind::Cancelled,
        "the step was cancelled on another process (its request reached this one through the \
         allreduce): the model and the optimiser state are as before it",
    )
}

/// The error of a step stopped by a request on this process.
pub(crate) fn cancelled() -> Error {
    Error::new(
        ErrorKind::Cancelled,
        "the step was cancelled (rnnwf_vmc_cancel): the model and the optimiser state are as \
         before it",
    )
}
