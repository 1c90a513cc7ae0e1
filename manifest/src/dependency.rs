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

use crate::digest::Sha256Digest;
use crate::executor::{BinderConfig, BinderSource};

/// The interface a sink binder satisfies.
pub const SENDER: &str = "bindery:cloudevents/sender";

/// The prefix of a sender dependency's settings, apart from a binder's.
pub const SENDER_PREFIX: &str = "BINDERY_SENDER_";

/// One dependency: where the component that satisfies the import comes
/// from, and its settings (for a built-in sink binder).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawDependency", into = "RawDependency")]
pub struct Dependency {
    /// Where it comes from: `binder` (built in), `path`, or `url` with
    /// `digest`.
    pub source: BinderSource,
    /// Its settings; they reach it as `BINDERY_SENDER_*` variables.
    pub config: BinderConfig,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawDependency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    digest: Option<Sha256Digest>,
    #[serde(default, skip_serializing_if = "BinderConfig::is_empty")]
    config: BinderConfig,
}

impl TryFrom<RawDependency> for Dependency {
    type Error = String;

    fn try_from(raw: RawDependency) -> Result<Self, String> {
        let source = BinderSource::from_parts(
            raw.binder,
            raw.path,
            raw.url,
            raw.digest,
            "a dependency takes exactly one of `binder`, `path` or `url` (with `digest`); \
             registry versions are not supported",
        )?;
        Ok(Self {
            source,
            config: raw.config,
        })
    }
}

impl From<Dependency> for RawDependency {
    fn from(dependency: Dependency) -> Self {
        let (binder, path, url, digest) = match dependency.source {
            BinderSource::Builtin(name) => (Some(name), None, None, None),
            BinderSource::File(path) => (None, Some(path), None, None),
            BinderSource::Url { url, digest } => (None, None, Some(url), Some(digest)),
        };
        Self {
            binder,
            path,
            url,
            digest,
            config: dependency.config,
        }
    }
}

impl Dependency {
    /// Its settings as environment variables: key `url` becomes
    /// `BINDERY_SENDER_URL`.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.config.environment_under(SENDER_PREFIX)
    }
}
