//! A binder's or a stage's `config` table, and the environment variables it
//! reaches the component as.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The prefix of the environment variables that carry binder settings.
pub const CONFIG_PREFIX: &str = "BINDERY_CONFIG_";

/// A binder's `config` table: keys with string, number, boolean or datetime
/// values, or flat lists of them. It reaches the binder as environment
/// variables (see [`BinderConfig::environment`]).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(try_from = "toml::Table", into = "toml::Table")]
pub struct BinderConfig(toml::Table);

/// Why a `config` value cannot become an environment variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("binder config `{key}`: {reason}")]
pub struct ConfigError {
    /// The key at fault.
    pub key: String,
    /// Why.
    pub reason: &'static str,
}

impl BinderConfig {
    /// The setting `key`, if given.
    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        self.0.get(key)
    }

    /// Whether there are no settings.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn environment(&self) -> BTreeMap<String, String> {
        self.environment_under(CONFIG_PREFIX)
    }

    /// The settings as environment variables named with `prefix`: key
    /// `max-body` becomes `<prefix>MAX_BODY`; lists are joined with commas.
    pub(crate) fn environment_under(&self, prefix: &str) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(key, value)| {
                let value = env_value(value).expect("checked when the config was read");
                (config_variable(prefix, key), value)
            })
            .collect()
    }
}

impl TryFrom<toml::Table> for BinderConfig {
    type Error = ConfigError;

    fn try_from(table: toml::Table) -> Result<Self, ConfigError> {
        for (key, value) in &table {
            env_value(value).map_err(|reason| ConfigError {
                key: key.clone(),
                reason,
            })?;
        }
        Ok(Self(table))
    }
}

impl From<BinderConfig> for toml::Table {
    fn from(config: BinderConfig) -> Self {
        config.0
    }
}

/// `allowed-origins` → `BINDERY_CONFIG_ALLOWED_ORIGINS`.
fn config_variable(prefix: &str, key: &str) -> String {
    format!("{prefix}{}", key.to_ascii_uppercase().replace('-', "_"))
}

/// A config value as an environment variable value: a scalar as itself, a
/// list of scalars joined with commas, and anything nested (a table, a list
/// of tables) as JSON text.
fn env_value(value: &toml::Value) -> Result<String, &'static str> {
    match value {
        toml::Value::String(text) => Ok(text.clone()),
        toml::Value::Integer(number) => Ok(number.to_string()),
        toml::Value::Float(number) => Ok(number.to_string()),
        toml::Value::Boolean(flag) => Ok(flag.to_string()),
        toml::Value::Datetime(datetime) => Ok(datetime.to_string()),
        toml::Value::Array(items)
            if !items
                .iter()
                .any(|item| matches!(item, toml::Value::Array(_) | toml::Value::Table(_))) =>
        {
            items
                .iter()
                .map(env_value)
                .collect::<Result<Vec<_>, _>>()
                .map(|items| items.join(","))
        }
        nested => serde_json::to_string(nested).map_err(|_| "a value cannot be written as JSON"),
    }
}
