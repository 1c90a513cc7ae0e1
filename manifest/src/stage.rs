//! A stage: a component composed in front of another, as an HTTP trigger's
//! middleware (`dependencies.middleware`) or a binder executor's event
//! stages (`stages`).
//!
//! A stage is a component defined in the manifest (`component`, Spin's
//! form), a built-in (`binder`), a file (`path`) or a download (`url` with
//! `digest`); the last three take a `config` table, which reaches the stage
//! as `BINDERY_<NAME>_<KEY>` variables.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::BinderConfig;
use crate::id::ComponentId;
use crate::source::BinderSource;
use crate::sourced::RawSourced;

/// One stage.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawSourced", into = "RawSourced")]
pub struct Stage {
    /// Where its component comes from.
    pub source: StageSource,
    /// Its settings (not for `component` stages, which take their
    /// component's `environment`); they reach it as
    /// `BINDERY_<NAME>_<KEY>` variables.
    pub config: BinderConfig,
}

/// Where a stage's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageSource {
    /// `component = "<id>"`: a component of the manifest, by id.
    Component(ComponentId),
    /// `binder`, `path` or `url` with `digest`.
    Binder(BinderSource),
}

impl TryFrom<RawSourced> for Stage {
    type Error = String;

    fn try_from(mut raw: RawSourced) -> Result<Self, String> {
        const EXACTLY_ONE: &str = "a stage takes exactly one of `component`, `binder`, \
                                   `path` or `url` (with `digest`)";
        let config = std::mem::take(&mut raw.config);
        let source = match raw.component.take() {
            Some(id) if raw.binder.is_none() && raw.path.is_none() && raw.url.is_none() => {
                if !config.is_empty() {
                    return Err(format!(
                        "stage component `{id}` takes its settings from \
                         `[component.{id}] environment`, not `config`"
                    ));
                }
                StageSource::Component(id)
            }
            Some(_) => return Err(EXACTLY_ONE.into()),
            None => StageSource::Binder(raw.binder_source(EXACTLY_ONE)?),
        };
        Ok(Self { source, config })
    }
}

impl From<Stage> for RawSourced {
    fn from(stage: Stage) -> Self {
        match stage.source {
            StageSource::Component(id) => Self {
                component: Some(id),
                config: stage.config,
                ..Self::default()
            },
            StageSource::Binder(source) => Self::of(source, stage.config),
        }
    }
}

impl Stage {
    /// Whether this is the built-in stage `name`.
    pub fn is_builtin(&self, name: &str) -> bool {
        matches!(&self.source, StageSource::Binder(BinderSource::Builtin(builtin)) if builtin == name)
    }

    /// The stage's name: the component id, the built-in's name, or the
    /// file name without `.wasm`.
    pub fn name(&self) -> &str {
        let source = match &self.source {
            StageSource::Component(id) => return id.as_str(),
            StageSource::Binder(BinderSource::Builtin(name)) => return name,
            StageSource::Binder(BinderSource::File(path)) => path.as_str(),
            StageSource::Binder(BinderSource::Url { url, .. }) => url.as_str(),
        };
        let file = source.rsplit(['/', '\\']).next().unwrap_or(source);
        file.strip_suffix(".wasm").unwrap_or(file)
    }

    /// The prefix of its settings' variables: `BINDERY_WEBHOOK_SIGNATURE_`
    /// for the stage named `webhook-signature`.
    pub fn prefix(&self) -> String {
        let name: String = self
            .name()
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' => c.to_ascii_uppercase(),
                _ => '_',
            })
            .collect();
        format!("BINDERY_{name}_")
    }

    /// Its settings as environment variables: key `secret` of the
    /// `webhook-signature` stage becomes `BINDERY_WEBHOOK_SIGNATURE_SECRET`.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.config.environment_under(&self.prefix())
    }
}
