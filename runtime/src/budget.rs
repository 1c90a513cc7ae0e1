//! Admission and memory budgets. Before an instance is made, its work takes
//! an [`Admission`]: one instance slot, and a share of the host's memory as
//! large as one instance may use (`--memory-limit`), so that the instances
//! alive never hold more than `--max-memory-total` between them and an
//! instance that started can always grow to its own limit. Work that finds
//! no slot or no memory left waits, bounded for HTTP (then 503) and
//! without bound for NATS messages, which the broker keeps.
//!
//! Within an instance, one budget spans all its linear memories (a
//! component made of nested components has one per part): a memory that
//! would grow past it is refused the growth (the guest sees an allocation
//! failure and usually traps, which costs that request or message alone).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::ResourceLimiter;

/// The unit the host's memory is counted in: one WebAssembly page.
const PAGE: usize = 64 << 10;

/// The instance slots and the memory of all instances of a host together.
#[derive(Debug)]
pub(crate) struct Admissions {
    slots: Arc<Semaphore>,
    pages: Arc<Semaphore>,
    /// The pages one instance takes from `pages`.
    share: u32,
    /// The bytes one instance may use: the configured limit, or the host's
    /// whole budget if that is smaller.
    instance_limit: usize,
}

/// What an instance holds while it is alive: its slot and its share of the
/// host's memory, given back when it is dropped (with the instance's store).
#[derive(Debug)]
pub(crate) struct Admission {
    _slot: OwnedSemaphorePermit,
    _memory: OwnedSemaphorePermit,
}

/// Work that found no slot or no memory within its wait.
#[derive(Debug, thiserror::Error)]
#[error("the host is at its instance or memory limit")]
pub(crate) struct Busy;

impl Admissions {
    /// `slots` instances at once, `total` bytes of memory across them and
    /// `instance_limit` bytes for each.
    pub(crate) fn new(slots: u32, total: usize, instance_limit: usize) -> Self {
        let pages = (total / PAGE).clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        let share = instance_limit.div_ceil(PAGE).clamp(1, pages);
        Self {
            slots: Arc::new(Semaphore::new(slots as usize)),
            pages: Arc::new(Semaphore::new(pages)),
            share: share as u32,
            instance_limit: instance_limit.min(pages * PAGE),
        }
    }

    /// A slot and a share of the memory, waiting up to `wait` for them
    /// (`None`: until they are free).
    pub(crate) async fn admit(&self, wait: Option<Duration>) -> Result<Admission, Busy> {
        let taken = async {
            let slot = self.slots.clone().acquire_owned().await.map_err(|_| Busy)?;
            let memory = self
                .pages
                .clone()
                .acquire_many_owned(self.share)
                .await
                .map_err(|_| Busy)?;
            Ok(Admission {
                _slot: slot,
                _memory: memory,
            })
        };
        match wait {
            Some(wait) => tokio::time::timeout(wait, taken).await.map_err(|_| Busy)?,
            None => taken.await,
        }
    }

    /// The budget of one instance's memories.
    pub(crate) fn instance_memory(&self) -> InstanceMemory {
        InstanceMemory {
            used: 0,
            limit: self.instance_limit,
        }
    }
}

/// One instance's memory budget and its limiter: what its memories hold
/// together.
#[derive(Debug)]
pub(crate) struct InstanceMemory {
    used: usize,
    limit: usize,
}

impl ResourceLimiter for InstanceMemory {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let extra = desired.saturating_sub(current);
        if self.used.saturating_add(extra) > self.limit {
            tracing::debug!(
                used = self.used,
                extra,
                limit = self.limit,
                "a memory was refused growth: the instance's budget is spent"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_is_bounded_across_its_memories() {
        let admissions = Admissions::new(4, 10 << 20, 3 << 20);
        let mut instance = admissions.instance_memory();
        assert!(instance.memory_growing(0, 2 << 20, None).unwrap());
        assert!(instance.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!instance.memory_growing(1 << 20, 2 << 20, None).unwrap());
    }

    #[tokio::test]
    async fn the_host_admits_as_many_instances_as_its_memory_holds() {
        let admissions = Admissions::new(8, 7 << 20, 3 << 20);
        let wait = Some(Duration::from_millis(10));
        let first = admissions.admit(wait).await.unwrap();
        let _second = admissions.admit(wait).await.unwrap();
        assert!(admissions.admit(wait).await.is_err(), "1 MiB is left");
        drop(first);
        assert!(admissions.admit(wait).await.is_ok());
    }

    #[tokio::test]
    async fn the_host_admits_as_many_instances_as_it_has_slots() {
        let admissions = Admissions::new(1, 1 << 30, 1 << 20);
        let wait = Some(Duration::from_millis(10));
        let only = admissions.admit(wait).await.unwrap();
        assert!(admissions.admit(wait).await.is_err());
        drop(only);
        assert!(admissions.admit(wait).await.is_ok());
    }

    #[test]
    fn an_instance_limit_above_the_host_budget_is_the_host_budget() {
        let admissions = Admissions::new(1, 4 << 20, 1 << 30);
        assert_eq!(admissions.instance_memory().limit, 4 << 20);
    }
}
