//! New events: the required attributes given, `id` and `time` filled in,
//! and the result validated as a binder validates an app's answer.

use codec::{AttributeValue, DataError, Event, Form, SPEC_VERSION, timestamp};
use serde::Serialize;

/// Why [`EventBuilder::build`] refused the event.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The data could not be written.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The event is not a valid CloudEvent.
    #[error("not a valid CloudEvent: {0}")]
    Invalid(#[source] codec::DecodeError),
}

/// Builds an [`Event`]: `type` and `source` are required, `id` defaults to
/// a random UUID and `time` to now.
///
/// ```
/// use bindery_sdk::EventBuilder;
///
/// let event = EventBuilder::new("com.example.order.audited", "/orders")
///     .subject("A-17")
///     .extension("priority", 3)
///     .json(&serde_json::json!({"orderId": "A-17"}))
///     .build()
///     .unwrap();
/// assert_eq!(event.id.len(), 36);
/// assert!(event.time.is_some());
/// ```
#[derive(Debug)]
pub struct EventBuilder {
    event: Event,
    /// Why the data given could not be written, reported by `build`.
    data_error: Option<DataError>,
}

impl EventBuilder {
    /// An event of type `ty` from `source` (a URI-reference).
    pub fn new(ty: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            event: Event {
                ty: ty.into(),
                source: source.into(),
                specversion: SPEC_VERSION.into(),
                ..Event::default()
            },
            data_error: None,
        }
    }

    /// Its `id`, instead of a random UUID.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.event.id = id.into();
        self
    }

    /// Its `subject`.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.event.subject = Some(subject.into());
        self
    }

    /// Its `time` (RFC 3339), instead of now.
    pub fn time(mut self, time: impl Into<String>) -> Self {
        self.event.time = Some(time.into());
        self
    }

    /// Its `dataschema` (an absolute URI).
    pub fn dataschema(mut self, dataschema: impl Into<String>) -> Self {
        self.event.dataschema = Some(dataschema.into());
        self
    }

    /// An extension attribute.
    pub fn extension(mut self, name: &str, value: impl Into<AttributeValue>) -> Self {
        self.event.set_extension(name, value);
        self
    }

    /// `value` as JSON data.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        let event = std::mem::take(&mut self.event);
        match event.with_json(value) {
            Ok(event) => self.event = event,
            Err(error) => self.data_error = Some(error),
        }
        self
    }

    /// `text` as `text/plain; charset=utf-8` data.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.event = std::mem::take(&mut self.event).with_text(text);
        self
    }

    /// `bytes` as data in the media type `content_type`.
    pub fn bytes(mut self, bytes: impl Into<Vec<u8>>, content_type: &str) -> Self {
        self.event = std::mem::take(&mut self.event).with_bytes(bytes, content_type);
        self
    }

    /// The trace context of `cause` (see [`Event::with_trace_of`]).
    pub fn trace_of(mut self, cause: &Event) -> Self {
        self.event = std::mem::take(&mut self.event).with_trace_of(cause);
        self
    }

    /// The event, with `id` and `time` filled in where absent, once it
    /// passes the checks a binder makes.
    pub fn build(self) -> Result<Event, BuildError> {
        if let Some(error) = self.data_error {
            return Err(error.into());
        }
        let mut event = self.event;
        if event.id.is_empty() {
            event.id = uuid::Builder::from_random_bytes(random_bytes())
                .into_uuid()
                .to_string();
        }
        if event.time.is_none() {
            event.time = Some(now());
        }
        codec::validate(&event, Form::Json).map_err(BuildError::Invalid)?;
        Ok(event)
    }
}

/// Sixteen random bytes: from `wasi:random` in a component, and from the
/// standard library's hash seeds natively (where only tests run).
fn random_bytes() -> [u8; 16] {
    #[cfg(target_arch = "wasm32")]
    {
        let bytes = crate::bindings::wasi::random::random::get_random_bytes(16);
        bytes.try_into().unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::hash::BuildHasher as _;
        let state = std::collections::hash_map::RandomState::new();
        let high = state.hash_one(0u8).to_le_bytes();
        let low = state.hash_one(1u8).to_le_bytes();
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&high);
        bytes[8..].copy_from_slice(&low);
        bytes
    }
}

/// Now, in RFC 3339 form.
fn now() -> String {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    timestamp::format(timestamp::Instant {
        seconds: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        nanos: since_epoch.subsec_nanos(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_id_and_time_and_validates() {
        let first = EventBuilder::new("com.example.t", "/s").build().unwrap();
        let second = EventBuilder::new("com.example.t", "/s").build().unwrap();
        assert_ne!(first.id, second.id);
        assert_eq!(
            first.id.as_bytes()[14],
            b'4',
            "a version 4 UUID: {}",
            first.id
        );
        assert!(timestamp::parse(first.time.as_deref().unwrap()).is_ok());
        let kept = EventBuilder::new("t", "/s")
            .id("1")
            .time("2018-04-05T17:31:00Z")
            .build();
        assert_eq!(kept.unwrap().id, "1");
        assert!(matches!(
            EventBuilder::new("", "/s").build(),
            Err(BuildError::Invalid(_))
        ));
        assert!(matches!(
            EventBuilder::new("t", "/s")
                .extension("Bad-Name", 1)
                .build(),
            Err(BuildError::Invalid(_))
        ));
        let data = EventBuilder::new("t", "/s").json(&[1, 2]).build().unwrap();
        assert_eq!(data.json::<Vec<u8>>().unwrap(), [1, 2]);
    }
}
