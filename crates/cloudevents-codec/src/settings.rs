//! What every binder's configuration shares: `BINDERY_CONFIG_*` environment
//! variables, which `bindery compose` writes from a trigger executor's
//! `config` table, and the error that names the variable at fault.

use crate::event::ExtensionTypes;

/// The prefix of every configuration variable.
pub const PREFIX: &str = "BINDERY_CONFIG_";

/// A configuration variable with a value the binder cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration variable `{variable}`: {reason}")]
pub struct ConfigError {
    /// The variable at fault.
    pub variable: String,
    /// What is wrong with its value.
    pub reason: String,
}

/// One configuration variable: its full name, its key (the name without
/// its prefix) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The variable's full name, for example `BINDERY_CONFIG_MAX_BODY`.
    pub variable: String,
    /// The name without the prefix, for example `MAX_BODY`.
    pub key: String,
    /// The value.
    pub value: String,
}

impl Setting {
    /// The error for a value that does not fit: `{expected}, not `{value}``.
    pub fn invalid(&self, expected: &str) -> ConfigError {
        ConfigError {
            variable: self.variable.clone(),
            reason: format!("{expected}, not `{}`", self.value),
        }
    }

    /// The value as a whole number of milliseconds, at most a day; zero
    /// only if `zero_allowed`.
    pub fn millis(&self, zero_allowed: bool) -> Result<std::time::Duration, ConfigError> {
        const DAY_MS: u64 = 86_400_000;
        self.value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|&millis| (zero_allowed || millis > 0) && millis <= DAY_MS)
            .map(std::time::Duration::from_millis)
            .ok_or_else(|| {
                let least = if zero_allowed { "0" } else { "1" };
                self.invalid(&format!(
                    "expected whole milliseconds from {least} to {DAY_MS}"
                ))
            })
    }

    /// The value as a size in bytes, at most `max`.
    pub fn size(&self, max: usize) -> Result<usize, ConfigError> {
        self.value
            .trim()
            .parse()
            .ok()
            .filter(|&size| size <= max)
            .ok_or_else(|| self.invalid(&format!("expected a size in bytes, at most {max}")))
    }

    /// The value as extension types: `name=type` pairs (see
    /// [`ExtensionTypes::parse`]).
    pub fn extension_types(&self) -> Result<ExtensionTypes, ConfigError> {
        ExtensionTypes::parse(&self.value).ok_or_else(|| {
            self.invalid("expected `name=type` pairs, with types boolean, integer, string, binary, uri, uri-ref or timestamp")
        })
    }

    /// The error for a key the binder does not know, listing the known ones.
    pub fn unknown(&self, known: &[&str]) -> ConfigError {
        ConfigError {
            variable: self.variable.clone(),
            reason: format!("unknown setting; the known ones are {}", known.join(", ")),
        }
    }
}

/// The configuration variables among `vars`: those with [`PREFIX`].
pub fn settings(vars: impl IntoIterator<Item = (String, String)>) -> impl Iterator<Item = Setting> {
    settings_under(PREFIX, vars)
}

/// The configuration variables among `vars` with `prefix`: for a component
/// composed beside a binder (a sink), whose settings must not be mistaken
/// for the binder's.
pub fn settings_under(
    prefix: &'static str,
    vars: impl IntoIterator<Item = (String, String)>,
) -> impl Iterator<Item = Setting> {
    vars.into_iter().filter_map(move |(variable, value)| {
        let key = variable.strip_prefix(prefix)?.to_owned();
        Some(Setting {
            variable,
            key,
            value,
        })
    })
}
