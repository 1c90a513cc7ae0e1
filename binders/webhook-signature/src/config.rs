//! The middleware's settings, read from its environment.
//!
//! `bindery compose` turns each key of the middleware's `config` table into
//! a `BINDERY_WEBHOOK_SIGNATURE_<KEY>` variable:
//!
//! | variable | manifest key | meaning | default |
//! |---|---|---|---|
//! | `BINDERY_WEBHOOK_SIGNATURE_SECRET` | `secret` | the shared secret: `whsec_` and base64, or base64 | none: required |
//! | `BINDERY_WEBHOOK_SIGNATURE_TOLERANCE` | `tolerance` | seconds a timestamp may lie before or after now | 300 |
//! | `BINDERY_WEBHOOK_SIGNATURE_MAX_BODY` | `max-body` | the largest body it reads, in bytes | 1048576 |

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The prefix of every variable the middleware reads.
pub const PREFIX: &str = "BINDERY_WEBHOOK_SIGNATURE_";

/// The default tolerance: five minutes, as Standard Webhooks recommends.
pub const DEFAULT_TOLERANCE: u64 = 300;

/// The default largest body: 1 MiB, the http-cloudevents binder's default.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// The prefix Standard Webhooks gives secrets.
const SECRET_PREFIX: &str = "whsec_";

/// The middleware's settings.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The HMAC key: the secret's decoded bytes.
    pub key: Vec<u8>,
    /// Seconds a timestamp may differ from now.
    pub tolerance: u64,
    /// The largest body read, in bytes.
    pub max_body: usize,
}

impl std::fmt::Debug for Config {
    /// Leaves the key out, so it reaches no log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("tolerance", &self.tolerance)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// A setting that is missing or cannot be read; the request gets a 500
/// that names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No secret is set.
    #[error("{PREFIX}SECRET is not set: give the middleware a `secret` in its config")]
    NoSecret,
    /// The secret is not base64 (after an optional `whsec_`), or is empty.
    #[error("{PREFIX}SECRET is not `whsec_` and base64, nor base64")]
    Secret,
    /// A number that does not parse or is out of range.
    #[error("{PREFIX}{name} is `{value}`, not {wanted}")]
    Number {
        /// The variable, without the prefix.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        wanted: &'static str,
    },
    /// A variable under the prefix that the middleware does not know.
    #[error(
        "{name} is not a setting of the webhook-signature middleware (it knows SECRET, TOLERANCE, MAX_BODY)"
    )]
    Unknown {
        /// The whole variable name.
        name: String,
    },
}

impl Config {
    /// Reads the settings from environment variables; variables without
    /// the prefix are ignored.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut secret = None;
        let mut tolerance = DEFAULT_TOLERANCE;
        let mut max_body = DEFAULT_MAX_BODY;
        for (name, value) in vars {
            let Some(setting) = name.strip_prefix(PREFIX) else {
                continue;
            };
            match setting {
                "SECRET" => secret = Some(value),
                "TOLERANCE" => tolerance = number("TOLERANCE", &value, "a number of seconds")?,
                "MAX_BODY" => {
                    max_body = number("MAX_BODY", &value, "a number of bytes below 4 GiB")
                        .and_then(|bytes: u32| {
                            usize::try_from(bytes).map_err(|_| ConfigError::Number {
                                name: "MAX_BODY",
                                value: value.clone(),
                                wanted: "a number of bytes below 4 GiB",
                            })
                        })?;
                }
                _ => return Err(ConfigError::Unknown { name }),
            }
        }
        let secret = secret.ok_or(ConfigError::NoSecret)?;
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix(SECRET_PREFIX).unwrap_or(encoded);
        let key = STANDARD.decode(encoded).map_err(|_| ConfigError::Secret)?;
        if key.is_empty() {
            return Err(ConfigError::Secret);
        }
        Ok(Self {
            key,
            tolerance,
            max_body,
        })
    }
}

fn number<T: std::str::FromStr>(
    name: &'static str,
    value: &str,
    wanted: &'static str,
) -> Result<T, ConfigError> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ConfigError::Number {
            name,
            value: value.to_owned(),
            wanted,
        });
    }
    digits.parse().map_err(|_| ConfigError::Number {
        name,
        value: value.to_owned(),
        wanted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_env(
            vars.iter()
                .map(|(name, value)| (name.to_string(), value.to_string())),
        )
    }

    #[test]
    fn secrets_decode_with_or_without_their_prefix() {
        let prefixed = read(&[("BINDERY_WEBHOOK_SIGNATURE_SECRET", "whsec_c2VjcmV0")]).unwrap();
        let bare = read(&[("BINDERY_WEBHOOK_SIGNATURE_SECRET", "c2VjcmV0")]).unwrap();
        assert_eq!(prefixed.key, b"secret");
        assert_eq!(prefixed, bare);
        assert_eq!(prefixed.tolerance, DEFAULT_TOLERANCE);
        assert_eq!(prefixed.max_body, DEFAULT_MAX_BODY);
        assert!(!format!("{prefixed:?}").contains("115"));
    }

    #[test]
    fn bad_settings_name_their_variable() {
        assert_eq!(read(&[]).unwrap_err(), ConfigError::NoSecret);
        for secret in ["whsec_", "not base64!", ""] {
            assert_eq!(
                read(&[("BINDERY_WEBHOOK_SIGNATURE_SECRET", secret)]).unwrap_err(),
                ConfigError::Secret
            );
        }
        let secret = ("BINDERY_WEBHOOK_SIGNATURE_SECRET", "c2VjcmV0");
        for (name, value) in [
            ("BINDERY_WEBHOOK_SIGNATURE_TOLERANCE", "-1"),
            (
                "BINDERY_WEBHOOK_SIGNATURE_TOLERANCE",
                "99999999999999999999999",
            ),
            ("BINDERY_WEBHOOK_SIGNATURE_MAX_BODY", "4294967296"),
            ("BINDERY_WEBHOOK_SIGNATURE_MAX_BODY", "1k"),
        ] {
            let error = read(&[secret, (name, value)]).unwrap_err().to_string();
            assert!(error.starts_with(name) && error.contains(value), "{error}");
        }
        let error = read(&[secret, ("BINDERY_WEBHOOK_SIGNATURE_SECRETS", "x")]).unwrap_err();
        assert!(error.to_string().contains("SECRETS is not a setting"));
        let set = read(&[
            secret,
            ("BINDERY_WEBHOOK_SIGNATURE_TOLERANCE", "60"),
            ("BINDERY_WEBHOOK_SIGNATURE_MAX_BODY", "1024"),
            ("BINDERY_CONFIG_MAX_BODY", "not ours"),
        ])
        .unwrap();
        assert_eq!((set.tolerance, set.max_body), (60, 1024));
    }
}
