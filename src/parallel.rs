//! One thread pool for the process. Calls split a batch into fixed-size chunks; each chunk
//! is computed the same way whichever thread takes it, so results never depend on the
//! thread count.
//!
//! The pool is built once and kept: a call neither spawns threads nor pays for their
//! stacks. The calling thread computes too, beside up to `threads - 1` of the pool's, and
//! every computing thread holds one of `threads` permits, so calls from several host
//! threads at once never compute on more threads than that. Changing the count builds a
//! new pool; a call in flight keeps the pool it started with, and the old pool's threads
//! exit once its last call returns.

mod permits;
mod workspace_cache;

pub(crate) use workspace_cache::WorkspaceCache;

use crate::error::{Error, Result};
use permits::Permits;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex, MutexGuard};

/// Rows per chunk of a batched pass. Part of the reproducibility contract: random streams
/// are per chunk, so changing it changes which samples a seed gives.
pub const CHUNK_ROWS: usize = 256;

/// Most threads [`set_num_threads`] accepts: far beyond any machine's cores, a larger
/// request is almost surely a mistake.
pub const MAX_THREADS: usize = 1024;

/// A pool and the permits its computing threads hold.
struct Engine {
    pool: ThreadPool,
    permits: Permits,
}

/// The requested count (0 = all cores) and the engine built for it, if built yet.
struct PoolState {
    requested: usize,
    engine: Option<Arc<Engine>>,
}

static POOL: Mutex<PoolState> = Mutex::new(PoolState {
    requested: 0,
    engine: None,
});

fn state() -> MutexGuard<'static, PoolState> {
    // The state is two plain fields, consistent after any panic.
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The variable that sets the default thread count, read when a count of 0 is resolved.
pub const THREADS_VARIABLE: &str = "RNNWF_NUM_THREADS";

/// `n` with 0 resolved to the default: `RNNWF_NUM_THREADS` when it holds a count from 1 to
/// [`MAX_THREADS`] (as OMP_NUM_THREADS does for OpenMP codes, so that a job script sets it
/// for every library call), otherwise the number of cores.
fn resolve(n: usize) -> usize {
    if n != 0 {
        return n;
    }
    let from_variable = std::env::var(THREADS_VARIABLE)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&t| (1..=MAX_THREADS).contains(&t));
    from_variable.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

fn build_engine(threads: usize) -> Result<Engine> {
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("rnnwf-{i}"))
        .build()
        .map_err(|e| Error::io(format!("could not start a pool of {threads} threads: {e}")))?;
    Ok(Engine {
        pool,
        permits: Permits::new(threads),
    })
}

/// Sets the threads every later call in this process uses; 0 means the default
/// (`RNNWF_NUM_THREADS`, else all cores). Builds the
/// pool now, so that a failure to start threads is reported here: then the previous count
/// and pool stay in force. Refuses more than [`MAX_THREADS`].
pub fn set_num_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(Error::invalid(format!(
            "{n} threads is more than the {MAX_THREADS} allowed (0 means the default)"
        )));
    }
    let threads = resolve(n);
    let mut state = state();
    let current = state.engine.as_ref().map(|e| e.pool.current_num_threads());
    if current != Some(threads) {
        state.engine = Some(Arc::new(build_engine(threads)?));
    }
    state.requested = n;
    Ok(())
}

/// The thread count in force, with 0 resolved to the number of cores.
pub fn num_threads() -> usize {
    let state = state();
    // The pool's own count once built: the variable is read when the pool is made.
    match &state.engine {
        Some(engine) => engine.pool.current_num_threads(),
        None => resolve(state.requested),
    }
}

/// The engine in force, built on first use; `None` if the operating system refuses to start
/// its threads, and then calls run on the calling thread (results are the same).
fn engine() -> Option<Arc<Engine>> {
    let mut state = state();
    if state.engine.is_none() {
        state.engine = build_engine(resolve(state.requested)).ok().map(Arc::new);
    }
    state.engine.clone()
}

/// Runs `work` on every task, on the calling thread and up to `threads - 1` of the pool's,
/// each with its own workspace made by `make_workspace` when it starts. Returns the first
/// error in task order. A workspace that cannot be made on the calling thread fails the call
/// before any task runs; one of the pool's threads that cannot make one does not compute.
/// Tasks are taken from the iterator as they run, so their number costs no memory.
pub(crate) fn for_each_task<I, T, W, M, F>(tasks: I, make_workspace: M, work: F) -> Result<()>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: ExactSizeIterator + Send,
    T: Send,
    M: Fn() -> Result<W> + Sync,
    F: Fn(&mut W, T) -> Result<()> + Sync,
{
    let tasks = tasks.into_iter();
    // A step's cancellation request, seen before each chunk on whichever thread runs it.
    let cancel = crate::cancel::active();
    let work = |ws: &mut W, task: T| {
        crate::cancel::check_token(cancel.as_ref())?;
        work(ws, task)
    };
    let in_order = |mut tasks: I::IntoIter| {
        if tasks.len() == 0 {
            return Ok(());
        }
        let mut ws = make_workspace()?;
        tasks.try_for_each(|t| work(&mut ws, t))
    };
    // A task that itself calls in here runs the new tasks in place, under its permit.
    if tasks.len() == 0 || permits::held_here() {
        return in_order(tasks);
    }
    let Some(engine) = engine() else {
        return in_order(tasks);
    };
    let threads = engine.pool.current_num_threads().min(tasks.len());
    if threads <= 1 {
        let _permit = engine.permits.acquire();
        return in_order(tasks);
    }
    let queue = Mutex::new(tasks.enumerate());
    let remaining = || queue.lock().unwrap_or_else(|e| e.into_inner()).len();
    let first_error: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    // Tasks until none remain, in whatever order the threads take them.
    let run = |ws: &mut W| loop {
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
        let Some((index, task)) = next else { break };
        if let Err(e) = work(ws, task) {
            let mut slot = first_error.lock().unwrap_or_else(|e| e.into_inner());
            if slot.as_ref().is_none_or(|(i, _)| index < *i) {
                *slot = Some((index, e));
            }
        }
    };
    // One of the pool's threads: while tasks remain, a permit, a workspace and tasks. One
    // that cannot get a workspace (memory runs short) leaves its share to the others: fewer
    // threads, the same results.
    let help = || {
        if remaining() == 0 {
            return;
        }
        let _permit = engine.permits.acquire();
        if let Ok(mut ws) = make_workspace() {
            run(&mut ws);
        }
    };
    // The calling thread makes its workspace before any task runs, so that a workspace no
    // memory can hold fails the call before anything is written.
    let permit = engine.permits.acquire();
    let mut ws = make_workspace()?;
    engine.pool.in_place_scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|_| help());
        }
        run(&mut ws);
        // The permit goes back before the caller waits for the pool's threads.
        drop(permit);
    });
    match first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_calls_compute_on_no_more_threads_than_the_count() {
        let (running, most, done) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let tasks: Vec<usize> = (0..8).collect();
                    for_each_task(
                        tasks,
                        || Ok(()),
                        |_, _| {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_micros(300));
                            running.fetch_sub(1, Ordering::SeqCst);
                            done.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        },
                    )
                    .unwrap();
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 32);
        assert!(most.load(Ordering::SeqCst) <= num_threads());
    }

    #[test]
    fn the_first_error_in_task_order_wins() {
        let tasks: Vec<usize> = (0..40).collect();
        let result = for_each_task(
            tasks,
            || Ok(()),
            |_, i| {
                // Later tasks fail sooner, so they tend to report first.
                std::thread::sleep(std::time::Duration::from_micros(40 * (40 - i as u64)));
                match i % 7 {
                    5 => Err(Error::invalid(format!("task {i}"))),
                    _ => Ok(()),
                }
            },
        );
        assert_eq!(result.unwrap_err().message, "task 5");
    }

    #[test]
    fn a_workspace_the_caller_cannot_make_fails_the_call_before_any_task() {
        let ran = AtomicUsize::new(0);
        let result = for_each_task(
            0..64,
            || Err::<(), _>(Error::invalid("no room")),
            |_, _| {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        );
        assert_eq!(result.unwrap_err().message, "no room");
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn pool_threads_without_a_workspace_leave_their_tasks_to_the_caller() {
        let caller = std::thread::current().id();
        let (done, elsewhere) = (AtomicUsize::new(0), AtomicUsize::new(0));
        for_each_task(
            0..64,
            || match std::thread::current().id() == caller {
                true => Ok(()),
                false => Err(Error::invalid("no room")),
            },
            |_, _| {
                if std::thread::current().id() != caller {
                    elsewhere.fetch_add(1, Ordering::SeqCst);
                }
                done.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(done.load(Ordering::SeqCst), 64);
        assert_eq!(elsewhere.load(Ordering::SeqCst), 0);
    }
}
