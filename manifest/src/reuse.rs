//! `[application.trigger.http] instance-reuse`: how a host reuses the
//! instances of the app's HTTP components.
//!
//! ```toml
//! [application.trigger.http]
//! instance-reuse = { max-requests = 64, max-concurrent = 8, wasip2-max-requests = 1, idle-timeout-ms = 500 }
//! ```
//!
//! Every key is optional; `bindery serve`'s flags override them, and a key
//! neither gives keeps the host's default (those of `wasmtime serve`).

use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

/// How a host reuses instances; `None` leaves a setting to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InstanceReuse {
    /// The most requests one instance of a WASI 0.3 component serves
    /// before it is retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests: Option<NonZeroU32>,
    /// The most requests one instance of a WASI 0.3 component serves at
    /// once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<NonZeroU32>,
    /// The most requests one instance of a WASI 0.2 component serves, one
    /// after another: 1 gives every request a fresh instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wasip2_max_requests: Option<NonZeroU32>,
    /// How long an idle instance is kept for the next request, in
    /// milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_ms: Option<u64>,
}

impl InstanceReuse {
    /// Each setting of `self`, or of `fallback` where `self` has none.
    pub fn or(self, fallback: Self) -> Self {
        Self {
            max_requests: self.max_requests.or(fallback.max_requests),
            max_concurrent: self.max_concurrent.or(fallback.max_concurrent),
            wasip2_max_requests: self.wasip2_max_requests.or(fallback.wasip2_max_requests),
            idle_timeout_ms: self.idle_timeout_ms.or(fallback.idle_timeout_ms),
        }
    }

    /// Reads `instance-reuse` from an `[application.trigger]` table, if
    /// its `http` table has one.
    pub(crate) fn from_application_triggers(
        triggers: Option<&toml::Table>,
    ) -> Result<Self, crate::ParseError> {
        let Some(value) = triggers
            .and_then(|triggers| triggers.get("http"))
            .and_then(|http| http.get("instance-reuse"))
        else {
            return Ok(Self::default());
        };
        value.clone().try_into().map_err(|error: toml::de::Error| {
            crate::ParseError::InstanceReuse(error.message().to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<InstanceReuse, String> {
        let table: toml::Table = toml::from_str(text).unwrap();
        InstanceReuse::from_application_triggers(Some(&table)).map_err(|error| error.to_string())
    }

    #[test]
    fn settings_are_read_and_layered() {
        let manifest = read("http = { base = \"/\", instance-reuse = { max-requests = 64, idle-timeout-ms = 500 } }").unwrap();
        assert_eq!(manifest.max_requests, NonZeroU32::new(64));
        assert_eq!(manifest.idle_timeout_ms, Some(500));
        assert_eq!(
            read("http = { base = \"/\" }").unwrap(),
            InstanceReuse::default()
        );
        let flags = InstanceReuse {
            max_requests: NonZeroU32::new(8),
            max_concurrent: NonZeroU32::new(2),
            ..InstanceReuse::default()
        };
        let both = flags.or(manifest);
        assert_eq!(both.max_requests, NonZeroU32::new(8));
        assert_eq!(both.max_concurrent, NonZeroU32::new(2));
        assert_eq!(both.idle_timeout_ms, Some(500));
        assert_eq!(both.wasip2_max_requests, None);
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        let zero = read("http = { instance-reuse = { max-requests = 0 } }").unwrap_err();
        assert!(
            zero.contains("instance-reuse") && zero.contains("nonzero"),
            "{zero}"
        );
        let unknown = read("http = { instance-reuse = { max-request = 5 } }").unwrap_err();
        assert!(unknown.contains("unknown field `max-request`"), "{unknown}");
    }
}
