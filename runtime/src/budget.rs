//! Memory budgets: one per instance, across all its linear memories (a
//! component made of nested components may have several), and one for the
//! host as a whole, across all its instances. A memory that would grow past
//! either is refused the growth (the guest sees an allocation failure and
//! usually traps, which costs that request or message alone).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::ResourceLimiter;

/// The memory of all instances of a host together.
#[derive(Debug)]
pub(crate) struct HostMemory {
    used: AtomicUsize,
    limit: usize,
}

impl HostMemory {
    /// A budget of `limit` bytes, none used.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            used: AtomicUsize::new(0),
            limit,
        }
    }

    /// Whether the host has used its whole budget, so that new work should
    /// wait (or be refused with 503) rather than start.
    pub(crate) fn exhausted(&self) -> bool {
        self.used.load(Ordering::Acquire) >= self.limit
    }

    /// Takes `bytes` from the budget, if they are left.
    fn reserve(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.limit)
            })
            .is_ok()
    }

    /// Gives `bytes` back.
    fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// One instance's memory budget, its share of the host's, and its limiter:
/// what its memories hold together, given back to the host when the
/// instance's store is dropped.
#[derive(Debug)]
pub(crate) struct InstanceMemory {
    host: Arc<HostMemory>,
    used: usize,
    limit: usize,
}

impl InstanceMemory {
    /// A budget of `limit` bytes for one instance, within `host`'s.
    pub(crate) fn new(host: Arc<HostMemory>, limit: usize) -> Self {
        Self {
            host,
            used: 0,
            limit,
        }
    }
}

impl ResourceLimiter for InstanceMemory {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let extra = desired.saturating_sub(current);
        let within = self.used.saturating_add(extra) <= self.limit;
        if !within || !self.host.reserve(extra) {
            tracing::debug!(
                used = self.used,
                extra,
                limit = self.limit,
                "a memory was refused growth: the instance's or the host's budget is spent"
            );
            return Ok(false);
        }
        self.used += extra;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl Drop for InstanceMemory {
    fn drop(&mut self) {
        self.host.release(self.used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_is_bounded_across_its_memories() {
        let host = Arc::new(HostMemory::new(10 << 20));
        let mut instance = InstanceMemory::new(host.clone(), 3 << 20);
        assert!(instance.memory_growing(0, 2 << 20, None).unwrap());
        assert!(instance.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!instance.memory_growing(1 << 20, 2 << 20, None).unwrap());
        drop(instance);
        assert_eq!(host.used.load(Ordering::Acquire), 0);
    }

    #[test]
    fn the_host_is_bounded_across_its_instances() {
        let host = Arc::new(HostMemory::new(4 << 20));
        let mut first = InstanceMemory::new(host.clone(), 3 << 20);
        let mut second = InstanceMemory::new(host.clone(), 3 << 20);
        assert!(first.memory_growing(0, 3 << 20, None).unwrap());
        assert!(!second.memory_growing(0, 2 << 20, None).unwrap());
        assert!(host.exhausted() || second.memory_growing(0, 1 << 20, None).unwrap());
        drop(first);
        assert!(second.memory_growing(0, 2 << 20, None).unwrap());
    }
}
