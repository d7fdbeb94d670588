//! Permits to compute: one per pool thread. Every thread that runs tasks holds one, the
//! calling thread as well as the pool's, so calls from several host threads at once never
//! run more threads than the pool has, and a call of one task runs on its caller's thread
//! without handing it to the pool and waiting for it back.

use std::cell::Cell;
use std::sync::{Condvar, Mutex};

thread_local! {
    /// Whether this thread holds a permit: a task that calls in again runs in place.
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is running tasks under a permit already.
pub(super) fn held_here() -> bool {
    HOLDING.with(Cell::get)
}

pub(super) struct Permits {
    free: Mutex<usize>,
    returned: Condvar,
}

impl Permits {
    pub fn new(count: usize) -> Self {
        Permits {
            free: Mutex::new(count),
            returned: Condvar::new(),
        }
    }

    /// Waits for a free permit. Holders never wait on anything, so one comes back.
    pub fn acquire(&self) -> Permit<'_> {
        // The count is one integer, consistent after any panic.
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.returned.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        HOLDING.with(|h| h.set(true));
        Permit { permits: self }
    }
}

/// A permit held until dropped, also when a task panics.
pub(super) struct Permit<'a> {
    permits: &'a Permits,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        HOLDING.with(|h| h.set(false));
        *self.permits.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.permits.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn no_more_holders_at_once_than_permits() {
        let permits = Permits::new(2);
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    for _ in 0..20 {
                        let _permit = permits.acquire();
                        assert!(held_here());
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        running.fetch_sub(1, Ordering::SeqCst);
                    }
                    assert!(!held_here());
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 2);
    }
}
