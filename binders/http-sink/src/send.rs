//! The request an event becomes, and what the sink's answer means.

use codec::{Event, Form, json, validate};

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

/// What an answer with `status` and a body starting with `body` means: a
/// 2xx took the event; anything else refused it.
pub fn outcome(status: u16, body: &[u8]) -> Result<(), SendError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let quoted = String::from_utf8_lossy(&body[..body.len().min(QUOTED)]);
    let quoted = quoted.trim();
    Err(SendError::Refused(if quoted.is_empty() {
        format!("status {status}")
    } else {
        format!("status {status}: {quoted}")
    }))
}
