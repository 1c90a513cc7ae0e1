//! The binder's configuration: `BINDERY_CONFIG_*` environment variables,
//! which `bindery compose` writes from the executor's `config` table.

pub use codec::ConfigError;
use codec::{ExtensionTypes, settings};

pub use codec::CONFIG_PREFIX as PREFIX;

/// The default largest message body, in bytes: NATS's own default maximum
/// payload.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// The settings this binder knows, as variable names without the prefix.
const KNOWN: [&str; 3] = ["REPLY_SUBJECT", "MAX_BODY", "EXTENSION_TYPES"];

/// The binder's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where answers are published; when unset, to each message's `reply-to`.
    pub reply_subject: Option<String>,
    /// The largest message body accepted, in bytes.
    pub max_body: usize,
    /// Extension attributes whose type is known.
    pub extension_types: ExtensionTypes,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            reply_subject: None,
            max_body: DEFAULT_MAX_BODY,
            extension_types: ExtensionTypes::default(),
        }
    }
}

impl Config {
    /// Reads the configuration from environment variables. Variables without
    /// the [`PREFIX`] are ignored; an unknown setting with it is an error.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        for setting in settings(vars) {
            match setting.key.as_str() {
                "REPLY_SUBJECT" => {
                    let subject = setting.value.trim();
                    if !is_subject(subject) {
                        return Err(setting.invalid(
                            "expected a NATS subject: dot-separated tokens, no spaces or wildcards",
                        ));
                    }
                    config.reply_subject = Some(subject.to_owned());
                }
                "MAX_BODY" => config.max_body = setting.size(u32::MAX as usize)?,
                "EXTENSION_TYPES" => config.extension_types = setting.extension_types()?,
                _ => return Err(setting.unknown(&KNOWN)),
            }
        }
        Ok(config)
    }
}

/// A subject one can publish to: non-empty tokens separated by `.`, with no
/// whitespace and no wildcard (`*`, `>`).
pub(crate) fn is_subject(subject: &str) -> bool {
    !subject.is_empty()
        && subject.split('.').all(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|byte| byte.is_ascii_graphic() && byte != b'*' && byte != b'>')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_env(
            pairs
                .iter()
                .map(|(name, value)| (format!("{PREFIX}{name}"), value.to_string())),
        )
    }

    #[test]
    fn settings_are_read_and_checked() {
        let config = from(&[
            ("REPLY_SUBJECT", "orders.accepted"),
            ("MAX_BODY", "4096"),
            ("EXTENSION_TYPES", "priority=integer"),
        ])
        .unwrap();
        assert_eq!(config.reply_subject.as_deref(), Some("orders.accepted"));
        assert_eq!(config.max_body, 4096);
        for bad in ["", "a..b", "orders.*", "orders.>", "has space"] {
            let error = from(&[("REPLY_SUBJECT", bad)]).unwrap_err();
            assert_eq!(error.variable, "BINDERY_CONFIG_REPLY_SUBJECT", "{bad}");
        }
        assert!(from(&[("MAX_BODY", "4294967296")]).is_err());
        assert!(from(&[("EXTENSION_TYPES", "priority=float")]).is_err());
        let unknown = from(&[("RESPONSE_MODE", "binary")]).unwrap_err();
        assert!(unknown.reason.contains("REPLY_SUBJECT"), "{unknown}");
    }
}
