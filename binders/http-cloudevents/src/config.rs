//! The binder's settings, read from its environment.
//!
//! `bindery compose` turns each key of the manifest's executor `config`
//! table into a `BINDERY_CONFIG_<KEY>` variable (upper case, `-` as `_`,
//! lists joined with commas), so these are the names a manifest sets:
//!
//! | variable | manifest key | meaning | default |
//! |---|---|---|---|
//! | `BINDERY_CONFIG_ALLOWED_ORIGINS` | `allowed-origins` | webhook origins allowed to send, compared exactly; `*` allows any | none: every handshake is refused |
//! | `BINDERY_CONFIG_ALLOWED_RATE` | `allowed-rate` | requests per minute granted in the handshake, or `*` | the rate the sender asked for |
//! | `BINDERY_CONFIG_RESPONSE_MODE` | `response-mode` | `same`, `binary` or `structured` | `same` |
//! | `BINDERY_CONFIG_MAX_BODY` | `max-body` | the largest request body, in bytes | 1048576 |
//! | `BINDERY_CONFIG_EXTENSION_TYPES` | `extension-types` | typed extensions, as `name=type` pairs | none: extensions in headers are strings |
//! | `BINDERY_CONFIG_REPLY` | `reply` | `response` answers with the handler's events; `sink` sends them through the component's sender and answers 202 | `response` |
//! | `BINDERY_CONFIG_RETRY_AFTER` | `retry-after` | the `Retry-After` of a 503 (the app is unavailable), in seconds | 5 |

pub use codec::ConfigError;
use codec::{ExtensionTypes, settings};

/// The prefix of every variable the binder reads.
pub const PREFIX: &str = "BINDERY_CONFIG_";

/// The settings this binder knows, as variable names without the prefix.
const KNOWN: [&str; 7] = [
    "ALLOWED_ORIGINS",
    "ALLOWED_RATE",
    "RESPONSE_MODE",
    "MAX_BODY",
    "EXTENSION_TYPES",
    "REPLY",
    "RETRY_AFTER",
];

/// The largest `max-body` accepted: one byte past it must still count on a
/// 32-bit target, where the binder runs.
pub const MAX_BODY_LIMIT: usize = u32::MAX as usize - 1;

/// The default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// The default `Retry-After` of a 503, in seconds.
pub const DEFAULT_RETRY_AFTER: u32 = 5;

/// The longest `Retry-After` accepted, in seconds: a day.
pub const MAX_RETRY_AFTER: u32 = 86_400;

/// The binder's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Origins allowed by the webhook handshake; `*` allows any.
    pub allowed_origins: Vec<String>,
    /// The rate granted by the webhook handshake, if one is configured.
    pub allowed_rate: Option<Rate>,
    /// The content mode of responses.
    pub response_mode: ResponseMode,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// Extension attributes whose type is known.
    pub extension_types: ExtensionTypes,
    /// Where the handler's answer events go.
    pub reply: Reply,
    /// The `Retry-After` of a 503, in seconds, so that a producer's retry
    /// policy waits before sending again.
    pub retry_after: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            allowed_rate: None,
            response_mode: ResponseMode::Same,
            max_body: DEFAULT_MAX_BODY,
            extension_types: ExtensionTypes::default(),
            reply: Reply::Response,
            retry_after: DEFAULT_RETRY_AFTER,
        }
    }
}

/// A webhook request rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// `*`: no limit.
    Unlimited,
    /// Requests per minute, greater than zero.
    PerMinute(u32),
}

impl Rate {
    /// Parses `*` or a positive integer of any size (digits only); a rate
    /// above `u32::MAX` per minute is capped there, since no sender needs
    /// more and the webhook spec sets no upper bound.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "*" => Some(Self::Unlimited),
            number if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                let significant = number.trim_start_matches('0');
                match significant.parse::<u32>() {
                    _ if significant.is_empty() => None,
                    Ok(rate) => Some(Self::PerMinute(rate)),
                    Err(_) => Some(Self::PerMinute(u32::MAX)),
                }
            }
            _ => None,
        }
    }

    /// The lower of two rates.
    pub fn min(self, other: Self) -> Self {
        match (self, other) {
            (Self::PerMinute(a), Self::PerMinute(b)) => Self::PerMinute(a.min(b)),
            (Self::Unlimited, rate) | (rate, Self::Unlimited) => rate,
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unlimited => f.write_str("*"),
            Self::PerMinute(rate) => write!(f, "{rate}"),
        }
    }
}

/// The content mode responses are sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// The mode of the request (a batch is always answered with a batch).
    Same,
    /// Binary mode.
    Binary,
    /// Structured mode.
    Structured,
}

/// Where the handler's answer events go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// In the HTTP response (200, or 204 without an answer).
    Response,
    /// Through `bindery:cloudevents/sender`, Knative style: the request is
    /// answered 202 once every answer event was sent, 502 if the sink
    /// failed.
    Sink,
}

impl Config {
    /// Reads the configuration from environment variables. Variables without
    /// the [`PREFIX`] are ignored; an unknown setting with it is an error.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        for setting in settings(vars) {
            let list = || {
                setting
                    .value
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
            };
            match setting.key.as_str() {
                "ALLOWED_ORIGINS" => config.allowed_origins = list().map(str::to_owned).collect(),
                "ALLOWED_RATE" => {
                    config.allowed_rate =
                        Some(Rate::parse(&setting.value).ok_or_else(|| {
                            setting.invalid("expected `*` or a positive integer")
                        })?);
                }
                "RESPONSE_MODE" => {
                    config.response_mode = match setting.value.trim() {
                        "same" => ResponseMode::Same,
                        "binary" => ResponseMode::Binary,
                        "structured" => ResponseMode::Structured,
                        _ => {
                            return Err(
                                setting.invalid("expected `same`, `binary` or `structured`")
                            );
                        }
                    };
                }
                "MAX_BODY" => config.max_body = setting.size(MAX_BODY_LIMIT)?,
                "EXTENSION_TYPES" => config.extension_types = setting.extension_types()?,
                "REPLY" => {
                    config.reply = match setting.value.trim() {
                        "response" => Reply::Response,
                        "sink" => Reply::Sink,
                        _ => return Err(setting.invalid("expected `response` or `sink`")),
                    };
                }
                "RETRY_AFTER" => {
                    config.retry_after = setting
                        .value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|&seconds| seconds <= MAX_RETRY_AFTER)
                        .ok_or_else(|| {
                            setting.invalid(&format!(
                                "expected whole seconds, at most {MAX_RETRY_AFTER}"
                            ))
                        })?;
                }
                _ => return Err(setting.unknown(&KNOWN)),
            }
        }
        Ok(config)
    }
}
