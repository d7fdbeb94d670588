//! Workspaces kept between calls, so that a call does not map and fault in fresh memory
//! for buffers the previous call just freed (the passes, local-energy snapshots and
//! backward workspaces run to tens of megabytes).
//!
//! A model owns one cache: every workspace in it has that model's shape, so any of them
//! fits any later call on the model with no more rows. A workspace is leased to one task
//! at a time and comes back when the lease ends. The cache keeps at most one workspace of
//! each kind per pool thread ([`num_threads`]), the largest ones; the rest are freed.

use super::num_threads;
use crate::buffer::reuse;
use crate::error::Result;
use std::any::{Any, TypeId};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};

/// A returned workspace: its type, the rows it was built for, and itself.
struct Entry {
    kind: TypeId,
    rows: usize,
    workspace: Box<dyn Any + Send>,
}

/// The idle workspaces of one model. Cloning gives an empty cache: a clone is a new model
/// that builds its own.
#[derive(Default)]
pub(crate) struct WorkspaceCache {
    idle: Mutex<Vec<Entry>>,
}

impl Clone for WorkspaceCache {
    fn clone(&self) -> Self {
        WorkspaceCache::default()
    }
}

impl fmt::Debug for WorkspaceCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkspaceCache")
            .field("idle", &self.idle().len())
            .finish()
    }
}

impl WorkspaceCache {
    fn idle(&self) -> MutexGuard<'_, Vec<Entry>> {
        // Entries are whole workspaces, pushed or removed in one step: consistent after a
        // panic elsewhere.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A workspace of type `W` for up to `rows` rows: the smallest idle one with at least
    /// that many, else a new one from `make(rows)`, whose failure (a workspace too large
    /// for memory) is returned. `W` must have the model's shape, and its users must not
    /// depend on what a previous user left in it.
    pub fn lease<W: Send + 'static>(
        &self,
        rows: usize,
        make: impl FnOnce(usize) -> Result<W>,
    ) -> Result<Lease<'_, W>> {
        let kind = TypeId::of::<W>();
        let found = {
            let mut idle = self.idle();
            let best = idle
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == kind && e.rows >= rows)
                .min_by_key(|(_, e)| e.rows)
                .map(|(i, _)| i);
            best.map(|i| idle.swap_remove(i))
        };
        let (rows, workspace) = match found {
            Some(entry) => {
                let workspace = entry
                    .workspace
                    .downcast::<W>()
                    .expect("an entry holds the type its kind names");
                (entry.rows, *workspace)
            }
            None => (rows, make(rows)?),
        };
        Ok(Lease {
            cache: self,
            rows,
            workspace: Some(workspace),
        })
    }

    /// A vector of exactly `len` default values, reusing an idle vector's memory; `what`
    /// names it when `len` values cannot be allocated.
    pub fn lease_vec<T: Clone + Default + Send + 'static>(
        &self,
        len: usize,
        what: &str,
    ) -> Result<Lease<'_, Vec<T>>> {
        let mut lease = self.lease(len, |_| Ok(Vec::new()))?;
        lease.clear();
        reuse(&mut lease, len, what)?;
        Ok(lease)
    }

    /// Takes `workspace` back, then frees the smallest of its kind beyond one per pool
    /// thread.
    fn put<W: Send + 'static>(&self, rows: usize, workspace: W) {
        let kind = TypeId::of::<W>();
        let limit = num_threads();
        let mut freed = Vec::new();
        let mut idle = self.idle();
        idle.push(Entry {
            kind,
            rows,
            workspace: Box::new(workspace),
        });
        while idle.iter().filter(|e| e.kind == kind).count() > limit {
            let smallest = idle
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == kind)
                .min_by_key(|(_, e)| e.rows)
                .map(|(i, _)| i)
                .expect("the kind has entries");
            freed.push(idle.swap_remove(smallest));
        }
        drop(idle);
        drop(freed); // outside the lock: freeing large buffers takes time
    }
}

/// A workspace on loan from a [`WorkspaceCache`], returned to it when dropped.
pub(crate) struct Lease<'a, W: Send + 'static> {
    cache: &'a WorkspaceCache,
    /// The rows the workspace was built for (at least the rows asked for).
    rows: usize,
    /// Always `Some` until dropped.
    workspace: Option<W>,
}

impl<W: Send + 'static> Deref for Lease<'_, W> {
    type Target = W;
    fn deref(&self) -> &W {
        self.workspace
            .as_ref()
            .expect("a lease holds its workspace")
    }
}

impl<W: Send + 'static> DerefMut for Lease<'_, W> {
    fn deref_mut(&mut self) -> &mut W {
        self.workspace
            .as_mut()
            .expect("a lease holds its workspace")
    }
}

impl<W: Send + 'static> Drop for Lease<'_, W> {
    fn drop(&mut self) {
        // A task that panicked may have left the workspace half-written: let it go.
        if std::thread::panicking() {
            return;
        }
        if let Some(workspace) = self.workspace.take() {
            self.cache.put(self.rows, workspace);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_workspace_is_reused_for_as_many_rows_or_fewer() {
        let cache = WorkspaceCache::default();
        let first = cache.lease(10, |rows| Ok(vec![7u8; rows])).unwrap();
        let address = first.as_ptr();
        drop(first);
        let again = cache.lease(4, |rows| Ok(vec![0u8; rows])).unwrap();
        assert_eq!(again.as_ptr(), address);
        assert_eq!(again.len(), 10, "the cached workspace, not a new one");
        drop(again);
        let bigger = cache.lease(11, |rows| Ok(vec![0u8; rows])).unwrap();
        assert_ne!(bigger.as_ptr(), address);
        assert_eq!(bigger.len(), 11);
    }

    #[test]
    fn workspaces_on_loan_at_once_are_distinct() {
        let cache = WorkspaceCache::default();
        let a = cache.lease(3, |rows| Ok(vec![1u32; rows])).unwrap();
        let b = cache.lease(3, |rows| Ok(vec![2u32; rows])).unwrap();
        assert_ne!(a.as_ptr(), b.as_ptr());
        assert_eq!((a[0], b[0]), (1, 2));
    }

    #[test]
    fn kinds_do_not_mix_and_vectors_come_back_cleared() {
        let cache = WorkspaceCache::default();
        let mut v = cache.lease_vec::<f64>(5, "v").unwrap();
        v.fill(3.0);
        drop(v);
        drop(cache.lease(5, |rows| Ok(vec![9u64; rows])).unwrap());
        let v = cache.lease_vec::<f64>(4, "v").unwrap();
        assert_eq!(*v, vec![0.0; 4]);
        let w = cache.lease(5, |_| Ok(Vec::<u64>::new())).unwrap();
        assert_eq!(*w, vec![9u64; 5]);
    }

    #[test]
    fn the_cache_keeps_at_most_one_per_pool_thread_per_kind() {
        let cache = WorkspaceCache::default();
        let limit = num_threads();
        let leases: Vec<_> = (0..limit + 3)
            .map(|i| cache.lease(i + 1, |rows| Ok(vec![0u8; rows])).unwrap())
            .collect();
        drop(leases);
        drop(cache.lease(1, |_| Ok(0u32)).unwrap());
        assert_eq!(cache.idle().len(), limit + 1);
        // The largest were kept.
        let kept = cache.lease(limit + 3, |_| Ok(Vec::<u8>::new())).unwrap();
        assert_eq!(kept.len(), limit + 3);
    }

    #[test]
    fn a_clone_starts_empty() {
        let cache = WorkspaceCache::default();
        drop(cache.lease(2, |rows| Ok(vec![0u8; rows])).unwrap());
        assert_eq!(cache.idle().len(), 1);
        assert_eq!(cache.clone().idle().len(), 0);
    }
}
