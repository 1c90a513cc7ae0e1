//! Conveniences on [`Event`] for the code that handles events: typed data
//! (JSON, text, bytes), extension attributes by name and type, and trace
//! context passed from one event to the next.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::event::{AttributeValue, Event, Extension};
use crate::json::is_json_media_type;

/// Why an event's data cannot be read as asked.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The event has no data.
    #[error("the event has no data")]
    NoData,
    /// The data is not in a JSON media type.
    #[error("the data is `{0}`, not JSON")]
    NotJson(String),
    /// The data does not parse as the type asked for, or cannot be written.
    #[error("the data does not fit: {0}")]
    Json(#[source] serde_json::Error),
    /// The data is not UTF-8 text.
    #[error("the data is not UTF-8 text")]
    NotText(#[source] std::str::Utf8Error),
}

/// The trace context extensions (the CloudEvents distributed tracing
/// extension) that [`Event::with_trace_of`] carries over.
pub const TRACE_EXTENSIONS: [&str; 2] = ["traceparent", "tracestate"];

impl Event {
    /// The data, parsed as JSON into `T`; the data must be in a JSON media
    /// type (or have none, which the JSON format implies).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, DataError> {
        let content_type = self.effective_content_type();
        if !is_json_media_type(content_type) {
            return Err(DataError::NotJson(content_type.to_owned()));
        }
        let data = self.data.as_deref().ok_or(DataError::NoData)?;
        serde_json::from_slice(data).map_err(DataError::Json)
    }

    /// The event with `value`, as JSON, for its data, and
    /// `application/json` for its `datacontenttype`.
    pub fn with_json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, DataError> {
        self.data = Some(serde_json::to_vec(value).map_err(DataError::Json)?);
        self.datacontenttype = Some("application/json".into());
        Ok(self)
    }

    /// The data as UTF-8 text.
    pub fn text(&self) -> Result<&str, DataError> {
        let data = self.data.as_deref().ok_or(DataError::NoData)?;
        std::str::from_utf8(data).map_err(DataError::NotText)
    }

    /// The event with `text` for its data, as `text/plain; charset=utf-8`.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.data = Some(text.into().into_bytes());
        self.datacontenttype = Some("text/plain; charset=utf-8".into());
        self
    }

    /// The event with `bytes` for its data, in the media type `content_type`.
    pub fn with_bytes(mut self, bytes: impl Into<Vec<u8>>, content_type: &str) -> Self {
        self.data = Some(bytes.into());
        self.datacontenttype = Some(content_type.to_owned());
        self
    }

    /// Sets the extension `name` to `value`, in place of any value it had.
    pub fn set_extension(&mut self, name: &str, value: impl Into<AttributeValue>) {
        let value = value.into();
        match self.extensions.iter_mut().find(|ext| ext.name == name) {
            Some(extension) => extension.value = value,
            None => self.extensions.push(Extension::new(name, value)),
        }
    }

    /// Removes the extension `name`, returning its value if it had one.
    pub fn remove_extension(&mut self, name: &str) -> Option<AttributeValue> {
        let index = self.extensions.iter().position(|ext| ext.name == name)?;
        Some(self.extensions.remove(index).value)
    }

    /// The W3C `traceparent` this event carries, if any.
    pub fn traceparent(&self) -> Option<&str> {
        self.extension("traceparent")?.as_str()
    }

    /// The event with the trace context of `cause` (`traceparent` and
    /// `tracestate`), so that a trace continues through the answer or the
    /// event sent on.
    pub fn with_trace_of(mut self, cause: &Event) -> Self {
        for name in TRACE_EXTENSIONS {
            match cause.extension(name) {
                Some(value) => self.set_extension(name, value.clone()),
                None => {
                    self.remove_extension(name);
                }
            }
        }
        self
    }
}

impl AttributeValue {
    /// The text of a string, URI, URI-reference or timestamp value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) | Self::Uri(text) | Self::UriRef(text) | Self::Timestamp(text) => {
                Some(text)
            }
            Self::Boolean(_) | Self::Integer(_) | Self::Binary(_) => None,
        }
    }

    /// A boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Boolean(value) => Some(*value),
            _ => None,
        }
    }

    /// An integer value.
    pub fn as_integer(&self) -> Option<i32> {
        match self {
            Self::Integer(value) => Some(*value),
            _ => None,
        }
    }

    /// The bytes of a binary value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Binary(bytes) => Some(bytes),
            _ => None,
        }
    }
}

impl From<bool> for AttributeValue {
    fn from(value: bool) -> Self {
        Self::Boolean(value)
    }
}

impl From<i32> for AttributeValue {
    fn from(value: i32) -> Self {
        Self::Integer(value)
    }
}

impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

impl From<&str> for AttributeValue {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<Vec<u8>> for AttributeValue {
    fn from(value: Vec<u8>) -> Self {
        Self::Binary(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    struct Order {
        id: String,
        items: u32,
    }

    #[test]
    fn typed_data_extensions_and_trace_context() {
        let order = Order {
            id: "A-1".into(),
            items: 2,
        };
        let event = Event::default().with_json(&order).unwrap();
        assert_eq!(event.datacontenttype.as_deref(), Some("application/json"));
        assert_eq!(event.json::<Order>().unwrap(), order);
        assert!(matches!(
            event.clone().with_text("hi").json::<Order>(),
            Err(DataError::NotJson(_))
        ));
        assert_eq!(event.clone().with_text("hi").text().unwrap(), "hi");
        assert!(matches!(Event::default().text(), Err(DataError::NoData)));
        assert!(matches!(
            event
                .clone()
                .with_bytes(vec![0xff], "application/octet-stream")
                .text(),
            Err(DataError::NotText(_))
        ));

        let mut cause = Event::default();
        cause.set_extension("traceparent", "00-abc-01");
        cause.set_extension("priority", 3);
        cause.set_extension("priority", 4);
        assert_eq!(cause.extensions.len(), 2);
        assert_eq!(
            cause
                .extension("priority")
                .and_then(AttributeValue::as_integer),
            Some(4)
        );
        let mut answer = Event::default();
        answer.set_extension("tracestate", "stale");
        let answer = answer.with_trace_of(&cause);
        assert_eq!(answer.traceparent(), Some("00-abc-01"));
        assert_eq!(answer.extension("tracestate"), None);
        assert_eq!(answer.extension("priority"), None);
    }
}
