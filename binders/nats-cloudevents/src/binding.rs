//! One NATS message: decoded as a structured event or a batch, handed to
//! the app event by event, and answered on a subject.

use codec::{DecodeError, Event, Form, HandlerError, json, validate};

use crate::config::Config;

/// A message as the broker delivered it (`wasmcloud:messaging`'s
/// `broker-message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject it arrived on.
    pub subject: String,
    /// Its body: a structured event or a batch.
    pub body: Vec<u8>,
    /// Where the sender expects an answer, if anywhere.
    pub reply_to: Option<String>,
}

/// A message for the binder to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// The subject to publish on.
    pub subject: String,
    /// The answer: a structured event, or a batch for a batch.
    pub body: Vec<u8>,
}

/// What became of a message the app processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The app answered; the answer is to be published.
    Answered(Publish),
    /// The app answered, but there is nowhere to publish the answer: the
    /// message had no `reply-to` and no `reply-subject` is configured.
    Dropped {
        /// How many answer events were dropped.
        answers: usize,
    },
    /// The app answered nothing.
    Handled,
}

impl Delivered {
    /// The line a binder writes to stderr for [`Delivered::Dropped`] answers
    /// to a message on `subject`; `None` for the other outcomes.
    pub fn dropped_note(&self, subject: &str) -> Option<String> {
        match self {
            Self::Dropped { answers } => Some(format!(
                "nats-cloudevents: dropped {answers} answer event(s) to a message on {subject}: it has no reply-to and no reply-subject is configured"
            )),
            Self::Answered(_) | Self::Handled => None,
        }
    }
}

/// Why a message was not processed, and whether sending it again may help.
///
/// An invalid message, or one the app rejects as invalid, is not worth
/// sending again; an app that is unavailable or failed, or an answer that
/// could not be made, may succeed later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}{}", if *.retry { "; the message may be retried" } else { "; the message should not be retried" })]
pub struct Failure {
    /// What went wrong, short.
    pub reason: String,
    /// Whether redelivering the message may succeed.
    pub retry: bool,
}

impl Failure {
    fn invalid(reason: String) -> Self {
        Self {
            reason,
            retry: false,
        }
    }

    fn transient(reason: String) -> Self {
        Self {
            reason,
            retry: true,
        }
    }
}

impl From<HandlerError> for Failure {
    fn from(error: HandlerError) -> Self {
        match error {
            HandlerError::Invalid(detail) => {
                Self::invalid(format!("the app rejected the event: {detail}"))
            }
            HandlerError::Unavailable(detail) => {
                Self::transient(format!("the app is unavailable: {detail}"))
            }
            HandlerError::Internal(detail) => Self::transient(format!("the app failed: {detail}")),
        }
    }
}

/// Handles one message: decodes it (an event, or a batch when the body
/// starts with `[`), calls `handle` for each event, and says what to publish.
pub fn on_message(
    config: &Config,
    message: &Message,
    mut handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
) -> Result<Delivered, Failure> {
    if message.body.len() > config.max_body {
        return Err(Failure::invalid(format!(
            "the body is {} bytes, over the limit of {}",
            message.body.len(),
            config.max_body
        )));
    }
    let invalid = |error: DecodeError| Failure::invalid(format!("invalid event: {error}"));
    let types = &config.extension_types;
    let is_batch = message.body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[');
    let mut answers = Vec::new();
    let mut call = |event| -> Result<(), Failure> {
        // An answer that drops its event (a stage filtered it) is no answer.
        if let Some(answer) = handle(event)?.filter(|answer| !answer.is_dropped()) {
            validate(&answer, Form::Json).map_err(|error| {
                Failure::transient(format!("the app answered with an invalid event: {error}"))
            })?;
            answers.push(answer);
        }
        Ok(())
    };
    if is_batch {
        for event in json::decode_batch(&message.body, types).map_err(invalid)? {
            call(event)?;
        }
    } else {
        call(json::decode_event(&message.body, types).map_err(invalid)?)?;
    }
    if answers.is_empty() {
        return Ok(Delivered::Handled);
    }
    let Some(subject) = config.reply_subject.as_ref().or(message.reply_to.as_ref()) else {
        return Ok(Delivered::Dropped {
            answers: answers.len(),
        });
    };
    let body = match answers.as_slice() {
        [answer] if !is_batch => json::encode_event(answer),
        _ => json::encode_batch(&answers),
    };
    Ok(Delivered::Answered(Publish {
        subject: subject.clone(),
        body,
    }))
}
