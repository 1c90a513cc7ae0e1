//! The table a dependency or a middleware stage is written as: where its
//! component comes from (`component`, `binder`, `path`, or `url` with
//! `digest`) and its `config`. Each reads it into its own validated type.

use serde::{Deserialize, Serialize};

use crate::config::BinderConfig;
use crate::digest::Sha256Digest;
use crate::id::ComponentId;
use crate::source::BinderSource;

/// The table as written.
#[derive(Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSourced {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Sha256Digest>,
    #[serde(default, skip_serializing_if = "BinderConfig::is_empty")]
    pub config: BinderConfig,
}

impl RawSourced {
    /// A table naming `source`, with `config`.
    pub fn of(source: BinderSource, config: BinderConfig) -> Self {
        let mut raw = Self {
            config,
            ..Self::default()
        };
        match source {
            BinderSource::Builtin(name) => raw.binder = Some(name),
            BinderSource::File(path) => raw.path = Some(path),
            BinderSource::Url { url, digest } => {
                raw.url = Some(url);
                raw.digest = Some(digest);
            }
        }
        raw
    }

    /// Its `binder`, `path` or `url` with `digest`; `exactly_one` is the
    /// error when it has none or more than one (a `component` included).
    pub fn binder_source(self, exactly_one: &str) -> Result<BinderSource, String> {
        if self.component.is_some() {
            return Err(exactly_one.into());
        }
        BinderSource::from_parts(self.binder, self.path, self.url, self.digest, exactly_one)
    }
}
