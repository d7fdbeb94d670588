//! Threads split a batch into fixed-size chunks; each chunk is computed the same way
//! whichever thread takes it, so results never depend on the thread count.

use crate::error::Result;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Rows per chunk of a batched pass. Part of the reproducibility contract: random streams
/// are per chunk, so changing it changes which samples a seed gives.
pub const CHUNK_ROWS: usize = 256;

static NUM_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Threads used by every call in this process; 0 means all cores.
pub fn set_num_threads(n: usize) {
    NUM_THREADS.store(n, Ordering::Relaxed);
}

/// The thread count in force, with 0 resolved to the number of cores.
pub fn num_threads() -> usize {
    match NUM_THREADS.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
}

/// Runs `work` on every task, on up to `num_threads()` threads, each with its own workspace
/// made by `make_workspace` on first use. Returns the first error in task order.
pub(crate) fn for_each_task<T, W, M, F>(tasks: Vec<T>, make_workspace: M, work: F) -> Result<()>
where
    T: Send,
    M: Fn() -> W + Sync,
    F: Fn(&mut W, T) -> Result<()> + Sync,
{
    let threads = num_threads().min(tasks.len());
    if threads <= 1 {
        let mut ws = make_workspace();
        return tasks.into_iter().try_for_each(|t| work(&mut ws, t));
    }
    let queue = Mutex::new(tasks.into_iter().enumerate());
    let first_error: Mutex<Option<(usize, crate::error::Error)>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
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
