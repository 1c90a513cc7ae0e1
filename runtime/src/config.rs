//! The host's limits and settings, as an embedder or the command line gives
//! them.

use std::path::PathBuf;
use std::time::Duration;

use manifest::InstanceReuse;

/// How often the deadline clock ticks, and so how often a guest that
/// computes without pause yields its thread.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The host's limits and settings.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// How long one request may run before it is stopped (504).
    pub deadline: Duration,
    /// The most memory one instance may use, across all its linear memories
    /// (a composed component has one per part), in bytes.
    pub memory_limit: usize,
    /// The most memory all instances together may use, in bytes. Each
    /// instance alive reserves its whole [`memory_limit`](Self::memory_limit),
    /// so this admits `max_memory_total / memory_limit` instances at once:
    /// beyond, a request waits [`slot_wait`](Self::slot_wait) then gets 503,
    /// and a message waits.
    pub max_memory_total: usize,
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
    /// How long a request beyond the instance slots (or the memory) waits
    /// for one before it is answered with 503 (messages wait for theirs without bound).
    pub slot_wait: Duration,
    /// How many HTTP connections may be open at once; beyond, the host
    /// accepts no more until one closes (they wait in the kernel's
    /// backlog). An idle keep-alive connection is closed after
    /// [`read_timeout`](Self::read_timeout).
    pub max_connections: usize,
    /// The most bytes of NATS messages the host holds while they wait for
    /// an instance or are delivered, across all subscriptions; a message
    /// beyond it is dropped and counted in the log.
    pub nats_buffer_bytes: usize,
    /// How long the host, told to stop, waits for the requests and
    /// messages in flight (and the broker's last flush) before it stops
    /// them and returns.
    pub shutdown_grace: Duration,
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The NATS broker to connect to, over the manifest's
    /// `[application.trigger.nats] address`.
    pub nats_address: Option<String>,
    /// How the host authenticates to the NATS broker, and its TLS.
    pub broker_auth: crate::BrokerAuth,
    /// The subjects a component may reply to (its message's reply subject,
    /// without an `allowed_outbound_hosts` entry for it), as NATS subject
    /// patterns: `None` for any subject but the system ones (`$JS.`,
    /// `$SYS.`, ... are never allowed), `Some(["_INBOX.>"])` for the
    /// inboxes of NATS clients only.
    pub reply_subjects: Option<Vec<manifest::SubjectPattern>>,
    /// How instances are reused: these settings, then the manifest's
    /// `[application.trigger.http] instance-reuse`, then
    /// [`Reuse`](crate::Reuse)'s defaults.
    pub reuse: InstanceReuse,
    /// Whether to write `/tmp/perf-<pid>.map`, which names compiled guest
    /// functions for `perf` (wasmtime's perf map). Engines built without
    /// wasmtime's `profiling` feature refuse it.
    pub perf_map: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(30),
            memory_limit: 128 << 20,
            max_memory_total: 8 << 30,
            max_body: 16 << 20,
            max_header_bytes: 64 << 10,
            read_timeout: Duration::from_secs(30),
            max_instances: 256,
            max_connections: 1024,
            slot_wait: Duration::from_millis(100),
            shutdown_grace: Duration::from_secs(10),
            nats_buffer_bytes: 64 << 20,
            cache_dir: None,
            nats_address: None,
            broker_auth: crate::BrokerAuth::default(),
            reply_subjects: None,
            reuse: InstanceReuse::default(),
            perf_map: false,
        }
    }
}
