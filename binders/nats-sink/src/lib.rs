//! The `nats-sink` binder: it exports `bindery:cloudevents/sender` and
//! publishes each event it is given to a NATS subject, in structured mode
//! with the JSON event format (the CloudEvents NATS binding), through the
//! host's `wasmcloud:messaging/consumer`.
//!
//! The pure part, here, reads the configuration and makes the message; on
//! `wasm32` the crate also builds the component.
//!
//! ```
//! use bindery_nats_sink::{Config, message};
//! use codec::Event;
//!
//! let config = Config::from_env([("BINDERY_SENDER_SUBJECT".to_owned(), "orders.audited".to_owned())]).unwrap();
//! let event = Event {
//!     id: "1".into(),
//!     source: "/orders".into(),
//!     specversion: "1.0".into(),
//!     ty: "com.example.order.audited".into(),
//!     ..Event::default()
//! };
//! let (subject, body) = message(&config, &event).unwrap();
//! assert_eq!(subject, "orders.audited");
//! assert!(body.starts_with(b"{"));
//! ```
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod component;

use codec::{ConfigError, Event, Form, json, settings_under, validate};
pub use retry::{Attempt, Policy};

/// The prefix of the sink's variables, apart from a binder's.
pub const PREFIX: &str = "BINDERY_SENDER_";

/// The settings the sink knows.
pub const KNOWN: [&str; 3] = ["SUBJECT", "RETRY_BUDGET_MS", "RETRY_FIRST_MS"];

/// The sink's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The subject events are published to (`SUBJECT`, required): tokens
    /// separated by `.`, without wildcards or white space.
    pub subject: String,
    /// When to publish again after a failure (`RETRY_BUDGET_MS`, the total
    /// time, default 10,000, 0 to publish once; `RETRY_FIRST_MS`, the
    /// first wait, default 100).
    pub retry: Policy,
}

impl Config {
    /// Reads the configuration from environment variables; variables
    /// without [`PREFIX`] are ignored, an unknown one with it is an error.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut subject = None;
        let mut retry = Policy::default();
        for setting in settings_under(PREFIX, vars) {
            match setting.key.as_str() {
                "SUBJECT" => {
                    let value = setting.value.trim();
                    let valid = value.split('.').all(|token| {
                        !token.is_empty()
                            && token != "*"
                            && token != ">"
                            && !token
                                .bytes()
                                .any(|byte| byte.is_ascii_whitespace() || byte.is_ascii_control())
                    });
                    if !valid {
                        return Err(setting.invalid(
                            "expected a NATS subject without wildcards, like orders.audited",
                        ));
                    }
                    subject = Some(value.to_owned());
                }
                "RETRY_BUDGET_MS" => retry.budget = setting.millis(true)?,
                "RETRY_FIRST_MS" => retry.first_wait = setting.millis(false)?,
                _ => return Err(setting.unknown(&KNOWN)),
            }
        }
        let subject = subject.ok_or_else(|| ConfigError {
            variable: format!("{PREFIX}SUBJECT"),
            reason: "required: the subject events are published to".into(),
        })?;
        Ok(Self { subject, retry })
    }
}

/// The subject and body that publish `event`, once it passes the checks a
/// binder makes of an event it sends; the error says why it is not valid.
pub fn message(config: &Config, event: &Event) -> Result<(String, Vec<u8>), String> {
    validate(event, Form::Json).map_err(|err| err.to_string())?;
    Ok((config.subject.clone(), json::encode_event(event)))
}

/// What a failed publish means: the host's refusal of the subject (a
/// subject outside `allowed_outbound_hosts`, or not a subject, as
/// `bindery serve` words it) is final; anything else, such as a broker
/// that is away, is worth another try.
pub fn publish_failed(reason: String) -> Attempt<String> {
    if reason.contains("is not allowed") || reason.contains("is not a subject") {
        Attempt::Fail(reason)
    } else {
        Attempt::Retry {
            error: reason,
            after: None,
        }
    }
}
