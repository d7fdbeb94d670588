//! One thread pool for the process. Calls split a batch into fixed-size chunks; each chunk
//! is computed the same way whichever thread takes it, so results never depend on the
//! thread count.
//!
//! The pool is built once and kept: a call neither spawns threads nor pays for their
//! stacks. Concurrent calls from several host threads share it, so they never run more
//! threads than it has. Changing the count builds a new pool; a call in flight keeps the
//! pool it started with, and the old pool's threads exit once its last call returns.

mod workspace_cache;

pub(crate) use workspace_cache::WorkspaceCache;

use crate::error::{Error, Result};
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex, MutexGuard};

/// Rows per chunk of a batched pass. Part of the reproducibility contract: random streams
/// are per chunk, so changing it changes which samples a seed gives.
pub const CHUNK_ROWS: usize = 256;

/// Most threads [`set_num_threads`] accepts: far beyond any machine's cores, a larger
/// request is almost surely a mistake.
pub const MAX_THREADS: usize = 1024;

/// The requested count (0 = all cores) and the pool built for it, if built yet.
struct PoolState {
    requested: usize,
    pool: Option<Arc<ThreadPool>>,
}

static POOL: Mutex<PoolState> = Mutex::new(PoolState {
    requested: 0,
    pool: None,
});

fn state() -> MutexGuard<'static, PoolState> {
    // The state is two plain fields, consistent after any panic.
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// `n` with 0 resolved to the number of cores.
fn resolve(n: usize) -> usize {
    match n {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
}

fn build_pool(threads: usize) -> Result<ThreadPool> {
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("rnnwf-{i}"))
        .build()
        .map_err(|e| Error::io(format!("could not start a pool of {threads} threads: {e}")))
}

/// Sets the threads every later call in this process uses; 0 means all cores. Builds the
/// pool now, so that a failure to start threads is reported here: then the previous count
/// and pool stay in force. Refuses more than [`MAX_THREADS`].
pub fn set_num_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(Error::invalid(format!(
            "{n} threads is more than the {MAX_THREADS} allowed (0 means all cores)"
        )));
    }
    let threads = resolve(n);
    let mut state = state();
    let current = state.pool.as_ref().map(|p| p.current_num_threads());
    if current != Some(threads) {
        state.pool = Some(Arc::new(build_pool(threads)?));
    }
    state.requested = n;
    Ok(())
}

/// The thread count in force, with 0 resolved to the number of cores.
pub fn num_threads() -> usize {
    resolve(state().requested)
}

/// The pool in force, built on first use; `None` if the operating system refuses to start
/// its threads, and then calls run on the calling thread (results are the same).
fn pool() -> Option<Arc<ThreadPool>> {
    let mut state = state();
    if state.pool.is_none() {
        state.pool = build_pool(resolve(state.requested)).ok().map(Arc::new);
    }
    state.pool.clone()
}

/// Runs `work` on every task on the process's pool, each pool thread that takes part with
/// its own workspace made by `make_workspace` when it starts. Returns the first error in
/// task order.
pub(crate) fn for_each_task<T, W, M, F>(tasks: Vec<T>, make_workspace: M, work: F) -> Result<()>
where
    T: Send,
    M: Fn() -> W + Sync,
    F: Fn(&mut W, T) -> Result<()> + Sync,
{
    let in_order = |tasks: Vec<T>| {
        let mut ws = make_workspace();
        tasks.into_iter().try_for_each(|t| work(&mut ws, t))
    };
    if tasks.is_empty() {
        return Ok(());
    }
    let Some(pool) = pool() else {
        return in_order(tasks);
    };
    // A task that itself calls in here runs its tasks in place: its thread is already one
    // of the pool's, and waiting on the pool from it could only take more workspaces.
    if pool.current_thread_index().is_some() {
        return in_order(tasks);
    }
    let threads = pool.current_num_threads().min(tasks.len());
    if threads <= 1 {
        return pool.install(|| in_order(tasks));
    }
    let queue = Mutex::new(tasks.into_iter().enumerate());
    let first_error: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    pool.scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                let mut ws = make_workspace();
                loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some((index, task)) = next else { break };
                    if let Err(e) = work(&mut ws, task) {
                        let mut slot = first_error.lock().unwrap_or_else(|e| e.into_inner());
                        if slot.as_ref().is_none_or(|(i, _)| index < *i) {
                            *slot = Some((index, e));
                        }
                    }
                }
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}
