//! `[component.<id>.dependencies]`, in Spin's shape: an imported interface
//! of the component, and the component that satisfies it at build time.
//!
//! ```toml
//! [component.orders.dependencies]
//! "bindery:cloudevents/sender" = { binder = "http-sink", config = { url = "http://127.0.0.1:9000/audit" } }
//! "example:kv/store" = { path = "kv.wasm" }
//! "example:log/sink" = { url = "https://example.com/log.wasm", digest = "sha256:..." }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::BinderConfig;
use crate::source::BinderSource;
use crate::sourced::RawSourced;

/// The interface a sink binder satisfies.
pub const SENDER: &str = "bindery:cloudevents/sender";

/// The prefix of a sender dependency's settings, apart from a binder's.
pub const SENDER_PREFIX: &str = "BINDERY_SENDER_";

/// The dependency key of a component's dead-letter sink: any sender,
/// given the events its `bindery:cloudevents/sender` dependency gives up on.
pub const DEAD_LETTER: &str = "bindery:cloudevents/sender#dead-letter";

/// The prefix of the dead-letter sink's settings (before its own
/// `BINDERY_SENDER_*` names) and of the dead-letter router's.
pub const DEAD_LETTER_PREFIX: &str = "BINDERY_DEAD_LETTER_";

/// One dependency: where the component that satisfies the import comes
/// from, and its settings (for a built-in sink binder).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawSourced", into = "RawSourced")]
pub struct Dependency {
    /// Where it comes from: `binder` (built in), `path`, or `url` with
    /// `digest`.
    pub source: BinderSource,
    /// Its settings; they reach it as `BINDERY_SENDER_*` variables.
    pub config: BinderConfig,
}

impl TryFrom<RawSourced> for Dependency {
    type Error = String;

    fn try_from(mut raw: RawSourced) -> Result<Self, String> {
        let config = std::mem::take(&mut raw.config);
        let source = raw.binder_source(
            "a dependency takes exactly one of `binder`, `path` or `url` (with `digest`); \
             registry versions are not supported",
        )?;
        Ok(Self { source, config })
    }
}

impl From<Dependency> for RawSourced {
    fn from(dependency: Dependency) -> Self {
        Self::of(dependency.source, dependency.config)
    }
}

impl Dependency {
    /// Its settings as environment variables: key `url` becomes
    /// `BINDERY_SENDER_URL`.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.config.environment_under(SENDER_PREFIX)
    }

    /// Its settings as the dead-letter sink's: key `subject` becomes
    /// `BINDERY_DEAD_LETTER_BINDERY_SENDER_SUBJECT`, which the sink reads as
    /// `BINDERY_SENDER_SUBJECT`.
    pub fn dead_letter_environment(&self) -> BTreeMap<String, String> {
        self.environment()
            .into_iter()
            .map(|(name, value)| (format!("{DEAD_LETTER_PREFIX}{name}"), value))
            .collect()
    }
}
