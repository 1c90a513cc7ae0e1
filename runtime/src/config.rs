//! The host's limits and settings, as an embedder or the command line gives
//! them.

use std::path::PathBuf;
use std::time::Duration;

use manifest::InstanceReuse;

/// How often the deadline clock ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The host's limits and settings.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// How long one request may run before it is stopped (504).
    pub deadline: Duration,
    /// The most memory one linear memory of an instance may grow to, in bytes.
    pub memory_limit: usize,
    /// The largest request body accepted, in bytes (413 beyond).
    pub max_body: usize,
    /// The largest request head (request line and headers) accepted, in
    /// bytes (431 beyond; at least 8 KiB).
    pub max_header_bytes: usize,
    /// How long a client may take to send a request head, and then its body
    /// (the connection is closed, or the request answered with 408, beyond).
    pub read_timeout: Duration,
    /// How many instances may be alive at once (the pooling allocator's
    /// size); a request beyond is answered with 503 and `Retry-After`.
    pub max_instances: u32,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The NATS broker to connect to, over the manifest's
    /// `[application.trigger.nats] address`.
    pub nats_address: Option<String>,
    /// How instances are reused: these settings, then the manifest's
    /// `[application.trigger.http] instance-reuse`, then
    /// [`Reuse`](crate::Reuse)'s defaults.
    pub reuse: InstanceReuse,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(30),
            memory_limit: 128 << 20,
            max_body: 16 << 20,
            max_header_bytes: 64 << 10,
            read_timeout: Duration::from_secs(30),
            max_instances: 256,
            cache_dir: None,
            nats_address: None,
            reuse: InstanceReuse::default(),
        }
    }
}

impl HostConfig {
    /// The deadline in ticks of the epoch clock.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        (self.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}
