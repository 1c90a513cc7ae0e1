//! The sink's configuration: `BINDERY_SENDER_*` environment variables,
//! which `bindery compose` writes from the dependency's `config` table.

use std::time::Duration;

use codec::{ConfigError, Setting, settings_under};
use fluent_uri::Uri;
use retry::Policy;

/// The prefix of the sink's variables, apart from a binder's.
pub const PREFIX: &str = "BINDERY_SENDER_";

/// The settings the sink knows.
pub const KNOWN: [&str; 5] = [
    "URL",
    "MODE",
    "TIMEOUT_MS",
    "RETRY_BUDGET_MS",
    "RETRY_FIRST_MS",
];

/// How events are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Attributes in `ce-` headers, data as the body.
    Binary,
    /// The event as `application/cloudevents+json`.
    Structured,
}

/// Where events go: an `http` or `https` URL, taken apart as wasi:http
/// wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `http` or `https`.
    pub scheme: String,
    /// `host[:port]`.
    pub authority: String,
    /// The path and query, at least `/`.
    pub path_with_query: String,
}

/// The sink's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where events go (`URL`, required).
    pub target: Target,
    /// The content mode (`MODE`: `binary`, the default, or `structured`).
    pub mode: Mode,
    /// How long to wait for the sink to connect and to answer
    /// (`TIMEOUT_MS`, default 10,000).
    pub timeout: Duration,
    /// When to send again after a transient failure (`RETRY_BUDGET_MS`,
    /// the total time, default 10,000, 0 to send once; `RETRY_FIRST_MS`,
    /// the first wait, default 100).
    pub retry: Policy,
}

impl Config {
    /// Reads the configuration from environment variables; variables
    /// without [`PREFIX`] are ignored, an unknown one with it is an error.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut target = None;
        let mut mode = Mode::Binary;
        let mut timeout = Duration::from_secs(10);
        let mut retry = Policy::default();
        for setting in settings_under(PREFIX, vars) {
            match setting.key.as_str() {
                "URL" => target = Some(parse_url(&setting)?),
                "MODE" => {
                    mode = match setting.value.trim() {
                        "binary" => Mode::Binary,
                        "structured" => Mode::Structured,
                        _ => return Err(setting.invalid("expected `binary` or `structured`")),
                    }
                }
                "TIMEOUT_MS" => timeout = setting.millis(false)?,
                "RETRY_BUDGET_MS" => retry.budget = setting.millis(true)?,
                "RETRY_FIRST_MS" => retry.first_wait = setting.millis(false)?,
                _ => return Err(setting.unknown(&KNOWN)),
            }
        }
        let target = target.ok_or_else(|| ConfigError {
            variable: format!("{PREFIX}URL"),
            reason: "required: the URL events are sent to".into(),
        })?;
        Ok(Self {
            target,
            mode,
            timeout,
            retry,
        })
    }
}

fn parse_url(setting: &Setting) -> Result<Target, ConfigError> {
    let expected = "expected an absolute http or https URL, like http://127.0.0.1:9000/events";
    let uri = Uri::parse(setting.value.trim()).map_err(|_| setting.invalid(expected))?;
    let scheme = uri.scheme().as_str().to_ascii_lowercase();
    let authority = uri
        .authority()
        .map(|authority| authority.as_str().to_owned());
    match (scheme.as_str(), authority) {
        ("http" | "https", Some(authority))
            if !authority.is_empty() && !authority.contains('@') =>
        {
            let path = uri.path().as_str();
            let mut path_with_query = if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            };
            if let Some(query) = uri.query() {
                path_with_query.push('?');
                path_with_query.push_str(query.as_str());
            }
            Ok(Target {
                scheme,
                authority,
                path_with_query,
            })
        }
        _ => Err(setting.invalid(expected)),
    }
}
