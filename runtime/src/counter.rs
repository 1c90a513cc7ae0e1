//! How many instances the host has made: what instance reuse saves, for
//! benchmarks and operators.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A shared count of the instances a [`crate::Host`] has made, HTTP and
/// NATS alike; it stays readable while the host serves.
#[derive(Debug, Clone, Default)]
pub struct Instantiations(Arc<AtomicU64>);

impl Instantiations {
    /// The instances made so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one more.
    pub(crate) fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
