//! Trigger executors: Bindery's `type = "binder"`, and the others, which are
//! passed through to the host.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::BinderConfig;
use crate::digest::Sha256Digest;
use crate::events::EventStages;
use crate::source::BinderSource;
use crate::stage::Stage;

/// A trigger's `executor` table.
#[derive(Debug, Clone, PartialEq)]
pub enum Executor {
    /// `{ type = "binder", ... }`: a binder, composed at build time.
    Binder(BinderExecutor),
    /// Any other executor (Spin's `{ type = "spin" }`, say), passed through
    /// to the host as written.
    Other(toml::Table),
}

/// `executor = { type = "binder", ... }`: exactly one of `binder`, `source`
/// or `url` (with `digest`) says which binder; `config` carries its
/// settings.
///
/// ```toml
/// executor = { type = "binder", binder = "http-cloudevents", config = { allowed-origins = ["events.example.com"] } }
/// executor = { type = "binder", source = "binders/my-binder.wasm" }
/// executor = { type = "binder", url = "https://example.com/b.wasm", digest = "sha256:..." }
/// executor = { type = "binder", binder = "http-cloudevents", wasi = "0.3" }
/// executor = { type = "binder", binder = "http-cloudevents", types = ["com.example.order.created"],
///              stages = [{ component = "enrich" }] }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawBinderExecutor", into = "RawBinderExecutor")]
pub struct BinderExecutor {
    /// Which binder.
    pub binder: BinderSource,
    /// Its settings.
    pub config: BinderConfig,
    /// `wasi = "0.2"` or `"0.3"`: which build of a built-in binder, by the
    /// generation of `wasi:http` it exports. A binder file or download is
    /// one build, of its own generation, and takes no `wasi`.
    pub wasi: Option<WasiGeneration>,
    /// The event stages between the binder and the app, and the
    /// subscription shorthand (`types`, `filters`) for a leading filter.
    pub events: EventStages,
}

/// A generation of WASI, as a built-in binder's build targets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum WasiGeneration {
    /// WASI 0.2: `wasi:http/incoming-handler@0.2.x`, one instance per request.
    #[serde(rename = "0.2")]
    P2,
    /// WASI 0.3: `wasi:http/handler@0.3.x`, instances reused.
    #[serde(rename = "0.3")]
    P3,
}

impl WasiGeneration {
    /// `0.2` or `0.3`.
    pub fn name(self) -> &'static str {
        match self {
            Self::P2 => "0.2",
            Self::P3 => "0.3",
        }
    }
}

/// The `executor` table as written.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawBinderExecutor {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    digest: Option<Sha256Digest>,
    #[serde(default, skip_serializing_if = "BinderConfig::is_empty")]
    config: BinderConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wasi: Option<WasiGeneration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    stages: Vec<Stage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    filters: Vec<toml::Value>,
}

impl TryFrom<RawBinderExecutor> for BinderExecutor {
    type Error = String;

    fn try_from(raw: RawBinderExecutor) -> Result<Self, String> {
        let binder = BinderSource::from_parts(
            raw.binder,
            raw.source,
            raw.url,
            raw.digest,
            "a binder executor takes exactly one of `binder`, `source` or `url`",
        )?;
        if raw.wasi.is_some() && !matches!(binder, BinderSource::Builtin(_)) {
            return Err(
                "`wasi` selects a build of a built-in binder (`binder = \"...\"`); a binder file or download is of one WASI generation already".into(),
            );
        }
        let events = EventStages::new(raw.stages, raw.types, raw.filters)?;
        Ok(Self {
            binder,
            config: raw.config,
            wasi: raw.wasi,
            events,
        })
    }
}

impl BinderExecutor {
    /// The binder's settings as environment variables: key `max-body`
    /// becomes `BINDERY_CONFIG_MAX_BODY`, lists are joined with commas.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.config.environment()
    }
}

impl From<BinderExecutor> for RawBinderExecutor {
    fn from(executor: BinderExecutor) -> Self {
        let (binder, source, url, digest) = match executor.binder {
            BinderSource::Builtin(name) => (Some(name), None, None, None),
            BinderSource::File(path) => (None, Some(path), None, None),
            BinderSource::Url { url, digest } => (None, None, Some(url), Some(digest)),
        };
        Self {
            kind: "binder".into(),
            binder,
            source,
            url,
            digest,
            config: executor.config,
            wasi: executor.wasi,
            stages: executor.events.stages,
            types: executor.events.types,
            filters: executor.events.filters,
        }
    }
}

impl Executor {
    /// The binder executor, if this is one.
    pub fn as_binder(&self) -> Option<&BinderExecutor> {
        match self {
            Self::Binder(binder) => Some(binder),
            Self::Other(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Executor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        if table.get("type").and_then(toml::Value::as_str) != Some("binder") {
            return Ok(Self::Other(table));
        }
        BinderExecutor::deserialize(toml::Value::Table(table))
            .map(Self::Binder)
            .map_err(|error| serde::de::Error::custom(error.message()))
    }
}

impl Serialize for Executor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Binder(binder) => binder.serialize(serializer),
            Self::Other(table) => table.serialize(serializer),
        }
    }
}
