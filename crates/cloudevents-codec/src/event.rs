//! The event model: a native mirror of the `bindery:cloudevents/types` WIT.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The CloudEvents version every decoded event carries.
pub const SPEC_VERSION: &str = "1.0";

/// The type of the answer by which an event stage drops an event: the
/// binder acknowledges the event without a reply (see the `handler`
/// interface of `wit/cloudevents.wit`).
pub const DROPPED_TYPE: &str = "dev.bindery.dropped";

/// A CloudEvent: context attributes plus data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// `id`: identifies the event.
    pub id: String,
    /// `source`: the URI-reference of the event's context.
    pub source: String,
    /// `specversion`: the CloudEvents version.
    pub specversion: String,
    /// `type`: the kind of event.
    pub ty: String,
    /// `datacontenttype`: the media type of `data`.
    pub datacontenttype: Option<String>,
    /// `dataschema`: the absolute URI of the schema of `data`.
    pub dataschema: Option<String>,
    /// `subject`: the subject within `source`.
    pub subject: Option<String>,
    /// `time`: an RFC 3339 timestamp.
    pub time: Option<String>,
    /// Extension attributes, in the order received.
    pub extensions: Vec<Extension>,
    /// The payload bytes.
    pub data: Option<Vec<u8>>,
}

impl Event {
    /// The answer by which a stage drops the event `id` from `source`.
    pub fn dropped(id: &str, source: &str) -> Self {
        Self {
            id: id.to_owned(),
            source: source.to_owned(),
            specversion: SPEC_VERSION.to_owned(),
            ty: DROPPED_TYPE.to_owned(),
            ..Self::default()
        }
    }

    /// Whether this answer drops its event (see [`DROPPED_TYPE`]).
    pub fn is_dropped(&self) -> bool {
        self.ty == DROPPED_TYPE
    }

    /// The extension called `name`, if the event has one.
    pub fn extension(&self, name: &str) -> Option<&AttributeValue> {
        self.extensions
            .iter()
            .find(|ext| ext.name == name)
            .map(|ext| &ext.value)
    }

    /// The media type that `data` is in: `datacontenttype`, or the
    /// `application/json` that the JSON format implies when it is absent.
    pub fn effective_content_type(&self) -> &str {
        self.datacontenttype
            .as_deref()
            .unwrap_or("application/json")
    }
}

/// One extension context attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Lower-case ASCII letters and digits.
    pub name: String,
    /// The typed value.
    pub value: AttributeValue,
}

impl Extension {
    /// An extension attribute called `name` with `value`.
    pub fn new(name: impl Into<String>, value: AttributeValue) -> Self {
        Self {
            name: name.into(),
            value,
        }
    }
}

/// A typed attribute value, as in the CloudEvents type system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// `Boolean`.
    Boolean(bool),
    /// `Integer`: a signed 32-bit integer.
    Integer(i32),
    /// `String`.
    String(String),
    /// `Binary`: bytes, base64 in string form.
    Binary(Vec<u8>),
    /// `URI`: an absolute URI.
    Uri(String),
    /// `URI-reference`.
    UriRef(String),
    /// `Timestamp`: RFC 3339.
    Timestamp(String),
}

impl AttributeValue {
    /// The type of this value.
    pub fn kind(&self) -> AttributeKind {
        match self {
            Self::Boolean(_) => AttributeKind::Boolean,
            Self::Integer(_) => AttributeKind::Integer,
            Self::String(_) => AttributeKind::String,
            Self::Binary(_) => AttributeKind::Binary,
            Self::Uri(_) => AttributeKind::Uri,
            Self::UriRef(_) => AttributeKind::UriRef,
            Self::Timestamp(_) => AttributeKind::Timestamp,
        }
    }
}

/// The canonical string representation (spec section "Type System").
impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Boolean(value) => write!(f, "{value}"),
            Self::Integer(value) => write!(f, "{value}"),
            Self::Binary(bytes) => f.write_str(&BASE64.encode(bytes)),
            Self::String(value)
            | Self::Uri(value)
            | Self::UriRef(value)
            | Self::Timestamp(value) => f.write_str(value),
        }
    }
}

/// The type of an attribute, used to read a value from its string form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    /// `Boolean`.
    Boolean,
    /// `Integer`.
    Integer,
    /// `String`.
    String,
    /// `Binary`.
    Binary,
    /// `URI`.
    Uri,
    /// `URI-reference`.
    UriRef,
    /// `Timestamp`.
    Timestamp,
}

impl AttributeKind {
    /// Parses a kind from its name: `boolean`, `integer`, `string`, `binary`,
    /// `uri`, `uri-ref` or `timestamp`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "boolean" => Self::Boolean,
            "integer" => Self::Integer,
            "string" => Self::String,
            "binary" => Self::Binary,
            "uri" => Self::Uri,
            "uri-ref" => Self::UriRef,
            "timestamp" => Self::Timestamp,
            _ => return None,
        })
    }

    /// Reads a value of this kind from its canonical string form.
    pub fn parse(self, text: &str) -> Result<AttributeValue, String> {
        Ok(match self {
            Self::Boolean => match text {
                "true" => AttributeValue::Boolean(true),
                "false" => AttributeValue::Boolean(false),
                _ => return Err(format!("`{text}` is not a boolean (true or false)")),
            },
            Self::Integer => {
                // The canonical form (CloudEvents type system, after RFC 7159
                // section 6): an optional `-`, then `0` or digits without a
                // leading zero; no `+`.
                let digits = text.strip_prefix('-').unwrap_or(text);
                let canonical = !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && (digits == "0" || !digits.starts_with('0'));
                AttributeValue::Integer(
                    text.parse()
                        .ok()
                        .filter(|_| canonical)
                        .ok_or_else(|| format!("`{text}` is not an integer in the 32-bit signed range, written as digits with no `+` or leading zero"))?,
                )
            }
            Self::Binary => AttributeValue::Binary(
                BASE64
                    .decode(text)
                    .map_err(|err| format!("not valid base64: {err}"))?,
            ),
            Self::String | Self::Uri | Self::UriRef | Self::Timestamp => {
                return self.parse_owned(text.to_owned());
            }
        })
    }

    /// Reads a value of this kind from its canonical string form, taking
    /// the string, which the string-like kinds keep without a copy.
    pub fn parse_owned(self, text: String) -> Result<AttributeValue, String> {
        Ok(match self {
            Self::String => AttributeValue::String(text),
            Self::Uri => AttributeValue::Uri(text),
            Self::UriRef => AttributeValue::UriRef(text),
            Self::Timestamp => AttributeValue::Timestamp(text),
            Self::Boolean | Self::Integer | Self::Binary => return self.parse(&text),
        })
    }
}

/// Extension attributes whose type is known ahead of time.
///
/// Formats that carry no type information (HTTP headers, JSON strings) give an
/// unknown extension the `String` type; a known one is read as its own type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionTypes(Vec<(String, AttributeKind)>);

impl ExtensionTypes {
    /// Declares that the extension `name` has type `kind`.
    pub fn with(mut self, name: impl Into<String>, kind: AttributeKind) -> Self {
        self.0.push((name.into(), kind));
        self
    }

    /// Parses the binders' configuration form: `name=type` pairs separated
    /// by commas, for example `priority=integer,traceurl=uri`. `None` if a
    /// pair is malformed or names an unknown type.
    pub fn parse(text: &str) -> Option<Self> {
        text.split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .try_fold(Self::default(), |types, pair| {
                let (name, kind) = pair.split_once('=')?;
                Some(types.with(name.trim(), AttributeKind::from_name(kind.trim())?))
            })
    }

    /// The declared type of `name`, if any.
    pub fn get(&self, name: &str) -> Option<AttributeKind> {
        self.0
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, kind)| *kind)
    }
}

/// Why an app could not process an event (the WIT `handler-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerError {
    /// The app rejects the event: HTTP 400.
    Invalid(String),
    /// The app cannot take it now: HTTP 503.
    Unavailable(String),
    /// The app failed: HTTP 500.
    Internal(String),
}
