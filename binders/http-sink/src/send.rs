//! The request an event becomes, and what the sink's answer means.

use codec::{Event, Form, json, validate};
use retry::{Attempt, GaveUp, is_transient_status, retry_after};

use crate::config::{Config, Mode};

/// Why an event was not delivered; mirrors the WIT `send-error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The sink answered and refused the event.
    #[error("refused: {0}")]
    Refused(String),
    /// The sink could not be reached, or did not answer in time.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The event is not a valid CloudEvent.
    #[error("invalid: {0}")]
    Invalid(String),
}

/// An HTTP `POST` to the configured URL: its headers and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The headers, names in lower case.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The most of a refusing answer's body quoted in the error.
const QUOTED: usize = 200;

/// The request that sends `event` as `config` says, once it passes the
/// checks a binder makes of an event it sends.
pub fn request(config: &Config, event: Event) -> Result<Request, SendError> {
    match config.mode {
        Mode::Binary => {
            validate(&event, Form::Headers).map_err(|err| SendError::Invalid(err.to_string()))?;
            let (headers, body) = http_binding::binary::encode(event);
            Ok(Request { headers, body })
        }
        Mode::Structured => {
            validate(&event, Form::Json).map_err(|err| SendError::Invalid(err.to_string()))?;
            Ok(Request {
                headers: vec![(
                    "content-type".to_owned(),
                    b"application/cloudevents+json".to_vec(),
                )],
                body: json::encode_event(&event),
            })
        }
    }
}

/// What an answer with `status`, a `Retry-After` header `wait` (if any) and
/// a body starting with `body` means: a 2xx took the event; a 429 or a 5xx
/// (but 501 and 505) is worth another try, after `wait` if it says; any
/// other status refused it.
pub fn outcome(status: u16, wait: Option<&[u8]>, body: &[u8]) -> Attempt<SendError> {
    if (200..300).contains(&status) {
        return Attempt::Sent;
    }
    let quoted = String::from_utf8_lossy(&body[..body.len().min(QUOTED)]);
    let quoted = quoted.trim();
    let error = SendError::Refused(if quoted.is_empty() {
        format!("status {status}")
    } else {
        format!("status {status}: {quoted}")
    });
    if is_transient_status(status) {
        Attempt::Retry {
            error,
            after: wait.and_then(retry_after),
        }
    } else {
        Attempt::Fail(error)
    }
}

/// The error the app sees once the sink gave up: the last failure, with the
/// number of tries when there were several.
pub fn gave_up(gave_up: GaveUp<SendError>) -> SendError {
    if gave_up.attempts <= 1 {
        return gave_up.error;
    }
    let tries = gave_up.tries();
    match gave_up.error {
        SendError::Refused(why) => SendError::Refused(why + &tries),
        SendError::Unreachable(why) => SendError::Unreachable(why + &tries),
        SendError::Invalid(why) => SendError::Invalid(why + &tries),
    }
}
