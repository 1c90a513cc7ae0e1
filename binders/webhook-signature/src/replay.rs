//! The `webhook-id`s this instance let through, remembered while a replay of
//! them could still pass the timestamp check, so that a captured request is
//! refused the second time (409) instead of being delivered again.
//!
//! The memory is bounded and per instance: at most [`REMEMBERED`] ids (as
//! SHA-256 digests, 32 bytes each), each forgotten once its window is over;
//! past the bound the oldest is forgotten first. A host that runs several
//! instances at once (or several hosts) does not share it, so a replay that
//! reaches another instance within the window is not caught here: the app
//! should still treat `webhook-id` as an idempotency key.
//!
//! An id is remembered only after the next stage answered with a success, so
//! a sender's retry after a failure (same id, by Standard Webhooks) passes.

use std::collections::{HashSet, VecDeque};

use sha2::{Digest as _, Sha256};

/// The most ids one instance remembers.
pub const REMEMBERED: usize = 10_000;

/// The ids let through, with when each was let through.
#[derive(Debug)]
pub struct Delivered {
    /// Digest and time of each id, oldest first.
    order: VecDeque<([u8; 32], i64)>,
    /// The digests in `order`.
    known: HashSet<[u8; 32]>,
    /// The most ids kept.
    capacity: usize,
}

impl Delivered {
    /// An empty memory for at most `capacity` ids.
    pub fn new(capacity: usize) -> Self {
        Self {
            order: VecDeque::new(),
            known: HashSet::new(),
            capacity: capacity.max(1),
        }
    }

    /// Whether `id` was let through and could still be replayed at `now`,
    /// with timestamps accepted within `tolerance` seconds of now.
    pub fn contains(&mut self, id: &[u8], now: i64, tolerance: u64) -> bool {
        self.forget_expired(now, tolerance);
        self.known.contains(&digest(id))
    }

    /// Remembers that `id` was let through at `now`.
    pub fn remember(&mut self, id: &[u8], now: i64, tolerance: u64) {
        self.forget_expired(now, tolerance);
        let digest = digest(id);
        if !self.known.insert(digest) {
            return;
        }
        self.order.push_back((digest, now));
        while self.order.len() > self.capacity {
            if let Some((oldest, _)) = self.order.pop_front() {
                self.known.remove(&oldest);
            }
        }
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Forgets the ids whose replay the timestamp check refuses by now: one
    /// let through at `t` carried a timestamp no earlier than `t -
    /// tolerance`, which passes the check until `t + 2 × tolerance`.
    fn forget_expired(&mut self, now: i64, tolerance: u64) {
        let window = i64::try_from(tolerance.saturating_mul(2)).unwrap_or(i64::MAX);
        while let Some(&(oldest, at)) = self.order.front() {
            if at.saturating_add(window) >= now {
                break;
            }
            self.order.pop_front();
            self.known.remove(&oldest);
        }
    }
}

fn digest(id: &[u8]) -> [u8; 32] {
    Sha256::digest(id).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_refused_again_only_within_its_window() {
        let mut delivered = Delivered::new(REMEMBERED);
        assert!(!delivered.contains(b"msg_1", 1000, 300));
        delivered.remember(b"msg_1", 1000, 300);
        assert!(delivered.contains(b"msg_1", 1000, 300));
        assert!(delivered.contains(b"msg_1", 1600, 300));
        assert!(!delivered.contains(b"msg_2", 1600, 300));
        assert!(!delivered.contains(b"msg_1", 1601, 300));
        assert!(delivered.is_empty());
    }

    #[test]
    fn the_memory_is_bounded() {
        let mut delivered = Delivered::new(3);
        for id in [&b"a"[..], b"b", b"c", b"d"] {
            delivered.remember(id, 1000, 300);
        }
        assert_eq!(delivered.len(), 3);
        assert!(!delivered.contains(b"a", 1000, 300));
        assert!(delivered.contains(b"d", 1000, 300));
        delivered.remember(b"d", 1001, 300);
        assert_eq!(delivered.len(), 3);
    }
}
