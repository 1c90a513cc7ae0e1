//! HTTP binary content mode (HTTP binding section 3.1): attributes in `ce-`
//! headers, `datacontenttype` in `Content-Type`, data as the body.

use crate::header;
use codec::{Data, RawValue, assemble};
use codec::{DecodeError, Place};
use codec::{Event, ExtensionTypes};
use codec::{Form, first_duplicate};

/// An HTTP header: its name as sent and its raw value.
pub type Header = (String, Vec<u8>);

/// The prefix of every attribute header.
const PREFIX: &str = "ce-";

/// Whether any header carries a CloudEvents attribute.
pub fn has_attributes(headers: &[Header]) -> bool {
    headers.iter().any(|(name, _)| is_attribute(name))
}

fn is_attribute(name: &str) -> bool {
    name.get(..PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(PREFIX))
}

/// Decodes a binary-mode message; the body becomes the event's data as it
/// is (not copied). An empty body means the event has no data.
pub fn decode(
    headers: &[Header],
    body: Vec<u8>,
    types: &ExtensionTypes,
) -> Result<Event, DecodeError> {
    let mut attributes = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-type") {
            let place = Place::Header("content-type".into());
            let value = std::str::from_utf8(value).map_err(|_| DecodeError::Invalid {
                place: place.clone(),
                reason: "not valid UTF-8".into(),
            })?;
            attributes.push((
                "datacontenttype".to_owned(),
                RawValue::Text(value.trim().to_owned()),
            ));
            continue;
        }
        if !is_attribute(name) {
            continue;
        }
        let attribute = name[PREFIX.len()..].to_ascii_lowercase();
        let place = || Place::Header(format!("{PREFIX}{attribute}"));
        if attribute == "datacontenttype" {
            return Err(DecodeError::DataContentTypeHeader);
        }
        let value = header::decode(value).map_err(|reason| DecodeError::Invalid {
            place: place(),
            reason,
        })?;
        attributes.push((attribute, RawValue::Text(value)));
    }
    if let Some(name) = first_duplicate(attributes.iter().map(|(name, _)| name.as_str())) {
        return Err(DecodeError::Duplicate(Form::Headers.place(name)));
    }
    let data = if body.is_empty() {
        Data::None
    } else {
        Data::AsSent(body)
    };
    assemble(attributes, data, Form::Headers, types)
}

/// Encodes an event for binary mode: its headers (`Content-Type` first) and
/// its body.
///
/// An event with data but no `datacontenttype` gets `application/json`, as
/// the JSON format implies (JSON format section 3.1.2).
pub fn encode(mut event: Event) -> (Vec<Header>, Vec<u8>) {
    let mut headers = Vec::with_capacity(6 + event.extensions.len());
    if event.datacontenttype.is_some() || event.data.is_some() {
        headers.push((
            "content-type".to_owned(),
            event.effective_content_type().as_bytes().to_vec(),
        ));
    }
    let mut push = |name: &str, value: &str| {
        let mut header_name = String::with_capacity(PREFIX.len() + name.len());
        header_name.push_str(PREFIX);
        header_name.push_str(name);
        headers.push((header_name, header::encode(value).into_bytes()));
    };
    push("specversion", &event.specversion);
    push("id", &event.id);
    push("source", &event.source);
    push("type", &event.ty);
    let optional = [
        ("dataschema", &event.dataschema),
        ("subject", &event.subject),
        ("time", &event.time),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            push(name, value);
        }
    }
    for extension in &event.extensions {
        push(&extension.name, &extension.value.to_string());
    }
    (headers, event.data.take().unwrap_or_default())
}
