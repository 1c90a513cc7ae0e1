//! The JSON event format (structured mode) and the JSON batch format.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue as RawJson;

use crate::attributes::{Data, RawValue, assemble};
use crate::error::{DecodeError, Place};
use crate::event::{AttributeValue, Event, ExtensionTypes};
use crate::validate::{Form, first_duplicate};

/// Whether a media type declares JSON content: `*/json` or `*/*+json`,
/// parameters ignored (JSON format section 3.1).
pub fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence.split_once('/').is_some_and(|(_, subtype)| {
        let subtype = subtype.to_ascii_lowercase();
        subtype == "json" || subtype.ends_with("+json")
    })
}

/// Decodes one event in the JSON format.
pub fn decode_event(body: &[u8], types: &ExtensionTypes) -> Result<Event, DecodeError> {
    decode_object(utf8(body)?, types).map(|(event, _)| event)
}

/// Decodes a JSON batch: an array of events, possibly empty, that all share
/// one `specversion`.
pub fn decode_batch(body: &[u8], types: &ExtensionTypes) -> Result<Vec<Event>, DecodeError> {
    let Json::Array(items) = parse(utf8(body)?)? else {
        return Err(DecodeError::NotABatch);
    };
    let mut first_version: Option<String> = None;
    // Grown as items pass validation: never sized by a count the sender
    // controls.
    let mut events = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let in_batch = |error| DecodeError::InBatch {
            index,
            error: Box::new(error),
        };
        let Json::Object(members) = item else {
            return Err(in_batch(DecodeError::NotAnObject));
        };
        let (event, version) = decode_members(members, types).map_err(in_batch)?;
        match &first_version {
            Some(first) if *first != version => {
                return Err(DecodeError::MixedSpecVersions {
                    first: first.clone(),
                    other: version,
                });
            }
            Some(_) => {}
            None => first_version = Some(version),
        }
        events.push(event);
    }
    Ok(events)
}

/// JSON text is UTF-8 (RFC 8259 section 8.1); checking it once lets every
/// later step parse from `&str`.
fn utf8(body: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(body)
        .map_err(|err| DecodeError::Json(format!("the body is not UTF-8: {err}")))
}

fn parse(text: &str) -> Result<Json<'_>, DecodeError> {
    serde_json::from_str(text).map_err(|err| DecodeError::Json(err.to_string()))
}

/// Decodes one event object; also returns its `specversion` as sent.
fn decode_object(text: &str, types: &ExtensionTypes) -> Result<(Event, String), DecodeError> {
    let Json::Object(members) = parse(text)? else {
        return Err(DecodeError::NotAnObject);
    };
    decode_members(members, types)
}

/// Decodes the members of one event object; also returns its `specversion`
/// as sent.
fn decode_members(
    members: Vec<(String, Member<'_>)>,
    types: &ExtensionTypes,
) -> Result<(Event, String), DecodeError> {
    if let Some(name) = first_duplicate(members.iter().map(|(name, _)| name.as_str())) {
        return Err(DecodeError::Duplicate(Place::Member(name.to_owned())));
    }
    let mut attributes = Vec::with_capacity(members.len());
    let mut data = None;
    let mut data_base64 = None;
    for (name, value) in members {
        match value {
            Member::Raw(value) if name == "data" => data = Some(value),
            Member::Raw(value) if value.get() != "null" => data_base64 = Some(value),
            Member::Raw(_) | Member::Attribute(Json::Null) => {}
            Member::Attribute(Json::Scalar(scalar)) => attributes.push((name, scalar)),
            Member::Attribute(_) => {
                return Err(DecodeError::Invalid {
                    place: Place::Member(name),
                    reason: "an attribute must be a JSON string, number or boolean".into(),
                });
            }
        }
    }
    let version = match attributes.iter().find(|(name, _)| name == "specversion") {
        Some((_, RawValue::Text(version))) => version.clone(),
        _ => String::new(),
    };
    let text_of = |name: &str| {
        attributes.iter().find_map(|(key, value)| match value {
            RawValue::Text(text) if key == name => Some(text.as_str()),
            _ => None,
        })
    };
    let legacy_base64 = version == "0.3" && text_of("datacontentencoding").is_some();
    let content_type = text_of("datacontenttype").unwrap_or("application/json");
    let data_base64_used = data_base64.is_some();
    let data = match (data, data_base64) {
        (Some(_), Some(_)) => return Err(DecodeError::DataAndDataBase64),
        (None, Some(encoded)) => {
            let encoded = string_member(encoded, "data_base64")?;
            Some(BASE64.decode(encoded).map_err(|err| DecodeError::Invalid {
                place: Place::Member("data_base64".into()),
                reason: format!("not valid base64: {err}"),
            })?)
        }
        (Some(value), None) if is_json_media_type(content_type) && !legacy_base64 => {
            Some(value.get().as_bytes().to_vec())
        }
        (Some(value), None) => Some(string_member(value, "data")?.into_bytes()),
        (None, None) => None,
    };
    let data = match data {
        Some(bytes) if data_base64_used => Data::Decoded(bytes),
        Some(bytes) => Data::AsSent(bytes),
        None => Data::None,
    };
    let event = assemble(attributes, data, Form::Json, types)?;
    Ok((event, version))
}

fn string_member(value: &RawJson, name: &str) -> Result<String, DecodeError> {
    match parse(value.get()) {
        Ok(Json::Scalar(RawValue::Text(text))) => Ok(text),
        _ => Err(DecodeError::Invalid {
            place: Place::Member(name.into()),
            reason: "must be a JSON string for this datacontenttype".into(),
        }),
    }
}

/// One JSON value, read in one pass: an object's `data` and `data_base64`
/// stay raw JSON text, its other members are read as attribute values, and
/// an array's items (a batch's events) as values of their own. Nesting
/// deeper than a batch of events is only ever an error, which serde_json's
/// recursion limit bounds.
///
/// One visitor for every shape keeps a single copy of the parser in the
/// component, and lets no type mismatch reach serde's error formatting
/// (which would pull float formatting into the binary).
enum Json<'a> {
    /// An object's members, in order, duplicates included.
    Object(Vec<(String, Member<'a>)>),
    /// An array's items (a batch's events), read in the same pass.
    Array(Vec<Json<'a>>),
    /// A string, number or boolean.
    Scalar(RawValue),
    /// `null`.
    Null,
}

/// The value of an object member.
enum Member<'a> {
    /// `data` or `data_base64`, as written.
    Raw(&'a RawJson),
    /// Any other member.
    Attribute(Json<'a>),
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = match name.as_str() {
                "data" | "data_base64" => Member::Raw(map.next_value()?),
                _ => Member::Attribute(map.next_value()?),
            };
            members.push((name, value));
        }
        Ok(Json::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Json::Scalar(RawValue::Text(value.to_owned())))
    }

    fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
        Ok(Json::Scalar(RawValue::Text(value)))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Json::Scalar(RawValue::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Json::Scalar(RawValue::Integer(value)))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Json::Scalar(RawValue::Integer(
            i64::try_from(value).unwrap_or(i64::MAX),
        )))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Json::Scalar(RawValue::Fraction))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
}

/// Encodes one event in the JSON format.
pub fn encode_event(event: &Event) -> Vec<u8> {
    serde_json::to_vec(&Structured(event)).expect("an event always serializes")
}

/// Encodes events as a JSON batch.
pub fn encode_batch(events: &[Event]) -> Vec<u8> {
    serde_json::to_vec(&Batch(events)).expect("a batch always serializes")
}

struct Batch<'a>(&'a [Event]);

impl Serialize for Batch<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for event in self.0 {
            seq.serialize_element(&Structured(event))?;
        }
        seq.end()
    }
}

struct Structured<'a>(&'a Event);

impl Serialize for Structured<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("specversion", &event.specversion)?;
        map.serialize_entry("id", &event.id)?;
        map.serialize_entry("source", &event.source)?;
        map.serialize_entry("type", &event.ty)?;
        let optional = [
            ("datacontenttype", &event.datacontenttype),
            ("dataschema", &event.dataschema),
            ("subject", &event.subject),
            ("time", &event.time),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        for extension in &event.extensions {
            match &extension.value {
                AttributeValue::Boolean(value) => map.serialize_entry(&extension.name, value)?,
                AttributeValue::Integer(value) => map.serialize_entry(&extension.name, value)?,
                other => map.serialize_entry(&extension.name, &other.to_string())?,
            }
        }
        if let Some(data) = &event.data {
            let json = is_json_media_type(event.effective_content_type())
                .then(|| serde_json::from_str::<&RawJson>(std::str::from_utf8(data).ok()?).ok())
                .flatten();
            match (json, std::str::from_utf8(data)) {
                (Some(json), _) => map.serialize_entry("data", json)?,
                (None, Ok(text)) if !is_json_media_type(event.effective_content_type()) => {
                    map.serialize_entry("data", text)?
                }
                _ => map.serialize_entry("data_base64", &BASE64.encode(data))?,
            }
        }
        map.end()
    }
}
