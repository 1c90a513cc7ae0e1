//! A binder executor's event stages: components between the binder and the
//! app that handle each event first (filters, schema checks, user logic),
//! outermost first, and the CloudEvents Subscription shorthand for a
//! leading filter:
//!
//! ```toml
//! executor = { type = "binder", binder = "http-cloudevents",
//!     types = ["com.example.order.created"],
//!     filters = [{ sql = "source LIKE '/orders/%'" }],
//!     stages = [
//!         { binder = "filter", config = { filters = [{ prefix = { type = "com.example." } }] } },
//!         { component = "enrich" },
//!         { path = "stages/audit.wasm" },
//!     ] }
//! ```
//!
//! `types` and `filters` become a `filter` stage in front of the others
//! (passing an event of any of the `types` that passes every filter).
//! Filters are checked when the manifest is read: an unknown dialect or a
//! CESQL expression that does not parse is an error on the executor's line.

use filter::Filters;

use crate::config::BinderConfig;
use crate::source::BinderSource;
use crate::stage::{Stage, StageSource};

/// The name of the built-in filter stage.
pub const FILTER_STAGE: &str = "filter";

/// The name of the built-in schema stage.
pub const SCHEMA_STAGE: &str = "schema";

/// The event stages of a binder executor, as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventStages {
    /// `stages`, outermost first.
    pub stages: Vec<Stage>,
    /// `types`: the event types to pass, if any are named.
    pub types: Vec<String>,
    /// `filters`: Subscriptions API filter expressions, all of which an
    /// event must pass.
    pub filters: Vec<toml::Value>,
}

impl EventStages {
    /// The stages and shorthand as written, checked: every filter (of the
    /// shorthand and of each built-in `filter` stage) parses, and no two
    /// stages share a name (their settings would share variables).
    pub(crate) fn new(
        stages: Vec<Stage>,
        types: Vec<String>,
        filters: Vec<toml::Value>,
    ) -> Result<Self, String> {
        if types.iter().any(String::is_empty) {
            return Err("`types` names event types; an empty one matches nothing".into());
        }
        read_filters(Some(&toml::Value::Array(filters.clone())))?;
        for stage in &stages {
            if stage.is_builtin(FILTER_STAGE) {
                read_filters(stage.config.get("filters"))
                    .map_err(|error| format!("the `filter` stage's {error}"))?;
            }
            if stage.is_builtin(SCHEMA_STAGE) {
                schema_files(stage)?;
            }
        }
        let events = Self {
            stages,
            types,
            filters,
        };
        let chain = events.chain();
        for (index, stage) in chain.iter().enumerate() {
            if chain[..index]
                .iter()
                .any(|other| other.name() == stage.name())
            {
                return Err(format!(
                    "two event stages are named `{}`, and their settings would collide; \
                     give the filters of the `types`/`filters` shorthand and of a `filter` \
                     stage in one place",
                    stage.name()
                ));
            }
        }
        Ok(events)
    }

    /// The stages, outermost first, with the shorthand's filter stage in
    /// front when there is one.
    pub fn chain(&self) -> Vec<Stage> {
        let mut chain = Vec::with_capacity(self.stages.len() + 1);
        if !self.types.is_empty() || !self.filters.is_empty() {
            let mut filters = self.filters.clone();
            if !self.types.is_empty() {
                let any = self
                    .types
                    .iter()
                    .map(|ty| {
                        toml::Value::Table(toml::Table::from_iter([(
                            "exact".to_owned(),
                            toml::Value::Table(toml::Table::from_iter([(
                                "type".to_owned(),
                                toml::Value::String(ty.clone()),
                            )])),
                        )]))
                    })
                    .collect();
                filters.insert(
                    0,
                    toml::Value::Table(toml::Table::from_iter([(
                        "any".to_owned(),
                        toml::Value::Array(any),
                    )])),
                );
            }
            let config =
                toml::Table::from_iter([("filters".to_owned(), toml::Value::Array(filters))]);
            chain.push(Stage {
                source: StageSource::Binder(BinderSource::Builtin(FILTER_STAGE.into())),
                config: BinderConfig::try_from(config).expect("filters are JSON"),
            });
        }
        chain.extend(self.stages.iter().cloned());
        chain
    }

    /// Whether there is no stage and no shorthand.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty() && self.types.is_empty() && self.filters.is_empty()
    }
}

/// The filters of a `filters` value, read as the filter stage will.
fn read_filters(filters: Option<&toml::Value>) -> Result<Filters, String> {
    let Some(filters) = filters else {
        return Ok(Filters::default());
    };
    let json = serde_json::to_value(filters).map_err(|error| error.to_string())?;
    Filters::from_json(&json).map_err(|error| {
        // The message names where the filter is; its source says why.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        message
    })
}

/// The schema files of a built-in `schema` stage, by the event type or
/// `dataschema` URI each applies to: its `config.schemas`, a table of file
/// paths relative to the manifest.
pub fn schema_files(stage: &Stage) -> Result<Vec<(String, String)>, String> {
    const SHAPE: &str = "the `schema` stage takes `config = { schemas = { \"<event type or dataschema URI>\" = \"<schema file>\" } }`";
    let Some(toml::Value::Table(schemas)) = stage.config.get("schemas") else {
        return Err(SHAPE.into());
    };
    if schemas.is_empty() {
        return Err(SHAPE.into());
    }
    schemas
        .iter()
        .map(|(key, file)| match file {
            toml::Value::String(file) if !file.is_empty() => Ok((key.clone(), file.clone())),
            _ => Err(format!("{SHAPE}; `{key}` names no file")),
        })
        .collect()
}
