//! Why a message could not be decoded into CloudEvents.

use std::fmt;

/// Where in a message an attribute was found: it names the thing at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An HTTP header (binary mode).
    Header(String),
    /// A member of a JSON event object (structured and batch modes).
    Member(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header(name) => write!(f, "header `{name}`"),
            Self::Member(name) => write!(f, "attribute `{name}`"),
        }
    }
}

/// A message that is not a valid CloudEvent (or batch); HTTP answers 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A required attribute is absent.
    #[error("{0} is required but missing")]
    Missing(Place),
    /// An attribute that must not be empty is empty.
    #[error("{0} must not be empty")]
    Empty(Place),
    /// An attribute's value has the wrong shape.
    #[error("{place}: {reason}")]
    Invalid {
        /// The attribute at fault.
        place: Place,
        /// What is wrong with it.
        reason: String,
    },
    /// An attribute is given twice.
    #[error("{0} appears more than once")]
    Duplicate(Place),
    /// `ce-datacontenttype` was sent; binary mode carries it as `Content-Type`.
    #[error(
        "header `ce-datacontenttype` is not allowed in binary mode: send the media type as `Content-Type`"
    )]
    DataContentTypeHeader,
    /// `specversion` names a version this binder does not speak.
    #[error("{place}: unsupported specversion `{version}` (expected 1.0 or 0.3)")]
    SpecVersion {
        /// Where the version was found.
        place: Place,
        /// The version sent.
        version: String,
    },
    /// The body is not well-formed JSON.
    #[error("malformed JSON: {0}")]
    Json(String),
    /// A structured event is not a JSON object.
    #[error("a structured-mode event must be a JSON object")]
    NotAnObject,
    /// A batch is not a JSON array.
    #[error("a batch must be a JSON array of event objects")]
    NotABatch,
    /// Both `data` and `data_base64` are present.
    #[error("attributes `data` and `data_base64` are mutually exclusive")]
    DataAndDataBase64,
    /// Events of one batch disagree on `specversion`.
    #[error("the batch mixes specversion `{first}` and `{other}`")]
    MixedSpecVersions {
        /// The version of the first event.
        first: String,
        /// The first version that differs from it.
        other: String,
    },
    /// One event of a batch is invalid.
    #[error("batch event {index}: {error}")]
    InBatch {
        /// The zero-based position of the event in the batch.
        index: usize,
        /// What is wrong with it.
        error: Box<DecodeError>,
    },
}
