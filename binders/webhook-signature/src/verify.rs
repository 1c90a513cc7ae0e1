//! The Standard Webhooks check: the timestamp within the window, then one
//! `v1` signature equal (in constant time) to the HMAC-SHA256 of
//! `<id>.<timestamp>.<body>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{Config, ConfigError};

/// Why a request does not reach the next stage; each maps to a status and
/// a problem document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A required header is absent (or repeated).
    #[error("the request has no single `{0}` header")]
    Missing(&'static str),
    /// `webhook-timestamp` is not a number of seconds.
    #[error("`webhook-timestamp` is not a number of seconds since 1970")]
    Timestamp,
    /// The timestamp lies outside the tolerance window: an old request
    /// replayed, or a clock far off.
    #[error("`webhook-timestamp` is more than {tolerance} s from now")]
    OutsideWindow {
        /// The window, in seconds either side of now.
        tolerance: u64,
    },
    /// No `v1` signature matches.
    #[error("no signature in `webhook-signature` matches the request")]
    NoMatch,
    /// This instance already delivered a request with this `webhook-id`
    /// within the tolerance window.
    #[error("`webhook-id` was already delivered; a replay is refused")]
    Replayed,
    /// The body is larger than the middleware reads.
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body could not be read.
    #[error("the body could not be read: {0}")]
    Unreadable(String),
    /// The middleware's settings are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Refusal {
    /// The HTTP status: 401 for every signature problem, 409 for a replay.
    pub fn status(&self) -> u16 {
        match self {
            Self::TooLarge(_) => 413,
            Self::Unreadable(_) => 400,
            Self::Config(_) => 500,
            Self::Replayed => 409,
            _ => 401,
        }
    }

    /// A short, stable name: the `error` of the problem document.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) | Self::Timestamp | Self::OutsideWindow { .. } | Self::NoMatch => {
                "bad-signature"
            }
            Self::Replayed => "replayed",
            Self::TooLarge(_) => "body-too-large",
            Self::Unreadable(_) => "unreadable-body",
            Self::Config(_) => "config",
        }
    }

    /// The problem document, `{"error": "<code>", "detail": "<why>"}`, as
    /// the http-cloudevents binder writes them.
    pub fn document(&self) -> Vec<u8> {
        serde_json::json!({ "error": self.code(), "detail": self.to_string() })
            .to_string()
            .into_bytes()
    }
}

/// Checks a request: `id`, `timestamp` and `signature` are the values of
/// its `webhook-id`, `webhook-timestamp` and `webhook-signature` headers,
/// `now` the current time in seconds since 1970.
pub fn verify(
    config: &Config,
    id: &[u8],
    timestamp: &[u8],
    signature: &[u8],
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let seconds = std::str::from_utf8(timestamp)
        .ok()
        .filter(|text| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|text| text.parse::<i64>().ok())
        .ok_or(Refusal::Timestamp)?;
    if now.abs_diff(seconds) > config.tolerance {
        return Err(Refusal::OutsideWindow {
            tolerance: config.tolerance,
        });
    }
    let mac = signed(&config.key, id, timestamp, body);
    let matches = signature
        .split(|byte| *byte == b' ')
        .filter_map(|entry| entry.strip_prefix(b"v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|candidate| mac.clone().verify_slice(&candidate).is_ok());
    if matches {
        Ok(())
    } else {
        Err(Refusal::NoMatch)
    }
}

/// The `webhook-signature` value a sender with `key` gives this request:
/// `v1,<base64 signature>`.
pub fn sign(key: &[u8], id: &[u8], timestamp: &[u8], body: &[u8]) -> String {
    let signature = signed(key, id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", STANDARD.encode(signature))
}

/// The MAC of `<id>.<timestamp>.<body>`, ready to finish or compare.
fn signed(key: &[u8], id: &[u8], timestamp: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in [id, b".", timestamp, b".", body] {
        mac.update(part);
    }
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (the signature
    /// checked independently with Python's `hmac`).
    const ID: &[u8] = b"msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: &[u8] = b"1614265330";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const NOW: i64 = 1614265330;

    fn config() -> Config {
        Config::from_env([(
            "BINDERY_WEBHOOK_SIGNATURE_SECRET".to_owned(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        )])
        .unwrap()
    }

    #[test]
    fn the_specification_example_signs_and_verifies() {
        let config = config();
        assert_eq!(sign(&config.key, ID, TIMESTAMP, BODY), SIGNATURE);
        verify(&config, ID, TIMESTAMP, SIGNATURE.as_bytes(), BODY, NOW).unwrap();
        let rotating = format!("v1,b3RoZXI= v1a,xyz {SIGNATURE}");
        verify(&config, ID, TIMESTAMP, rotating.as_bytes(), BODY, NOW + 299).unwrap();
    }

    #[test]
    fn anything_changed_is_refused() {
        let config = config();
        let check = |id: &[u8], timestamp: &[u8], signature: &[u8], body: &[u8], now: i64| {
            verify(&config, id, timestamp, signature, body, now).unwrap_err()
        };
        let signature = SIGNATURE.as_bytes();
        assert_eq!(
            check(b"msg_other", TIMESTAMP, signature, BODY, NOW),
            Refusal::NoMatch
        );
        assert_eq!(
            check(ID, TIMESTAMP, signature, b"{}", NOW),
            Refusal::NoMatch
        );
        assert_eq!(
            check(ID, TIMESTAMP, b"v2,g0hM9Ss=", BODY, NOW),
            Refusal::NoMatch
        );
        assert_eq!(check(ID, TIMESTAMP, b"", BODY, NOW), Refusal::NoMatch);
        for timestamp in [
            &b""[..],
            b"-1",
            b"1e9",
            b"+1614265330",
            b"99999999999999999999",
        ] {
            assert_eq!(
                check(ID, timestamp, signature, BODY, NOW),
                Refusal::Timestamp
            );
        }
        let late = check(ID, TIMESTAMP, signature, BODY, NOW + 301);
        assert_eq!(late, Refusal::OutsideWindow { tolerance: 300 });
        assert_eq!(late.status(), 401);
        assert_eq!(
            check(ID, TIMESTAMP, signature, BODY, NOW - 301),
            Refusal::OutsideWindow { tolerance: 300 }
        );
    }

    #[test]
    fn refusals_map_to_statuses_and_documents() {
        assert_eq!(Refusal::NoMatch.status(), 401);
        assert_eq!(Refusal::TooLarge(5).status(), 413);
        assert_eq!(Refusal::Config(ConfigError::NoSecret).status(), 500);
        let document: serde_json::Value =
            serde_json::from_slice(&Refusal::Missing("webhook-id").document()).unwrap();
        assert_eq!(document["error"], "bad-signature");
        assert_eq!(
            document["detail"],
            "the request has no single `webhook-id` header"
        );
    }
}
