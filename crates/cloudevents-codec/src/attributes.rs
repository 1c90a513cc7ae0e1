//! Turning decoded attributes into an [`Event`]: the part of decoding that
//! binary and structured mode share (required attributes, 0.3 up-conversion,
//! extension typing, validation).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::DecodeError;
use crate::event::{AttributeKind, AttributeValue, Event, Extension, ExtensionTypes, SPEC_VERSION};
use crate::validate::{Form, check_attributes};

/// An attribute value as a format carries it, before it is typed.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// A string: every header value, and JSON strings.
    Text(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number without a fraction or exponent.
    Integer(i64),
    /// A JSON number with a fraction or exponent.
    Fraction,
}

/// An event's data as a format delivered it.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// No data.
    None,
    /// The bytes as sent: a 0.3 `datacontentencoding: base64` still applies.
    AsSent(Vec<u8>),
    /// Bytes already decoded (from `data_base64`): no encoding applies.
    Decoded(Vec<u8>),
}

/// Builds an event from its attributes (names unique) and data.
pub fn assemble(
    attributes: Vec<(String, RawValue)>,
    data: Data,
    form: Form,
    types: &ExtensionTypes,
) -> Result<Event, DecodeError> {
    let (data, encoded) = match data {
        Data::None => (None, false),
        Data::AsSent(bytes) => (Some(bytes), true),
        Data::Decoded(bytes) => (Some(bytes), false),
    };
    let mut event = Event {
        data,
        ..Event::default()
    };
    let mut encoding = None;
    let version = attributes
        .iter()
        .find(|(name, _)| name == "specversion")
        .map(|(_, value)| text(value, form, "specversion"))
        .transpose()?;
    let legacy = match version {
        None => return Err(DecodeError::Missing(form.place("specversion"))),
        Some("") => return Err(DecodeError::Empty(form.place("specversion"))),
        Some(SPEC_VERSION) => false,
        Some("0.3") => true,
        Some(other) => {
            return Err(DecodeError::SpecVersion {
                place: form.place("specversion"),
                version: other.to_owned(),
            });
        }
    };
    let mut seen = [false; 3];
    // Consumed, so that names and string values move into the event.
    for (name, value) in attributes {
        let slot = match (name.as_str(), legacy) {
            ("specversion", _) => {
                event.specversion = SPEC_VERSION.to_owned();
                continue;
            }
            ("id", _) => {
                seen[0] = true;
                &mut event.id
            }
            ("source", _) => {
                seen[1] = true;
                &mut event.source
            }
            ("type", _) => {
                seen[2] = true;
                &mut event.ty
            }
            ("datacontenttype", _) => event.datacontenttype.insert(String::new()),
            ("dataschema", false) | ("schemaurl", true) => event.dataschema.insert(String::new()),
            ("subject", _) => event.subject.insert(String::new()),
            ("time", _) => event.time.insert(String::new()),
            ("datacontentencoding", true) => encoding.insert(String::new()),
            _ => {
                let value = extension(&name, value, form, types)?;
                event.extensions.push(Extension::new(name, value));
                continue;
            }
        };
        *slot = into_text(value, form, &name)?;
    }
    for (present, required) in seen.into_iter().zip(["id", "source", "type"]) {
        if !present {
            return Err(DecodeError::Missing(form.place(required)));
        }
    }
    if let Some(encoding) = encoding {
        if !encoding.eq_ignore_ascii_case("base64") {
            return Err(DecodeError::Invalid {
                place: form.place("datacontentencoding"),
                reason: format!("unsupported encoding `{encoding}` (only base64 is defined)"),
            });
        }
        if let Some(data) = event.data.as_mut().filter(|_| encoded) {
            *data = BASE64.decode(&*data).map_err(|err| DecodeError::Invalid {
                place: form.place("data"),
                reason: format!("not valid base64: {err}"),
            })?;
        }
    }
    check_attributes(&event, form)?;
    Ok(event)
}

fn text<'a>(value: &'a RawValue, form: Form, name: &str) -> Result<&'a str, DecodeError> {
    match value {
        RawValue::Text(text) => Ok(text),
        _ => Err(not_a_string(form, name)),
    }
}

fn into_text(value: RawValue, form: Form, name: &str) -> Result<String, DecodeError> {
    match value {
        RawValue::Text(text) => Ok(text),
        _ => Err(not_a_string(form, name)),
    }
}

fn not_a_string(form: Form, name: &str) -> DecodeError {
    DecodeError::Invalid {
        place: form.place(name),
        reason: "must be a string".into(),
    }
}

fn extension(
    name: &str,
    value: RawValue,
    form: Form,
    types: &ExtensionTypes,
) -> Result<AttributeValue, DecodeError> {
    let invalid = |reason: String| DecodeError::Invalid {
        place: form.place(name),
        reason,
    };
    let kind = types.get(name);
    match value {
        RawValue::Text(text) => kind
            .unwrap_or(AttributeKind::String)
            .parse_owned(text)
            .map_err(invalid),
        RawValue::Bool(value) if matches!(kind, None | Some(AttributeKind::Boolean)) => {
            Ok(AttributeValue::Boolean(value))
        }
        RawValue::Integer(number) if matches!(kind, None | Some(AttributeKind::Integer)) => {
            i32::try_from(number)
                .map(AttributeValue::Integer)
                .map_err(|_| {
                    invalid(format!(
                        "`{number}` is not an integer in the 32-bit signed range"
                    ))
                })
        }
        RawValue::Fraction if matches!(kind, None | Some(AttributeKind::Integer)) => Err(invalid(
            "a number with a fraction or an exponent is not an integer".into(),
        )),
        _ => Err(invalid(format!(
            "the JSON value does not fit the declared type {:?}",
            kind.unwrap_or(AttributeKind::String)
        ))),
    }
}
