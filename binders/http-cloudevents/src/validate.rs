//! The CloudEvents 1.0.2 constraints, applied to every event that is decoded
//! and to every event a handler returns.

use crate::error::{DecodeError, Place};
use crate::event::{AttributeValue, Event, SPEC_VERSION};
use crate::timestamp;

/// The attribute names an extension must not take.
const RESERVED: [&str; 10] = [
    "id",
    "source",
    "specversion",
    "type",
    "datacontenttype",
    "dataschema",
    "subject",
    "time",
    "data",
    "data_base64",
];

/// The message form an event came in, which decides how errors name the
/// attribute at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// HTTP binary mode: attributes are `ce-` headers and `Content-Type`.
    Headers,
    /// The JSON event format: attributes are object members.
    Json,
}

impl Form {
    /// Where `attribute` lives in this form.
    pub fn place(self, attribute: &str) -> Place {
        match self {
            Self::Headers if attribute == "datacontenttype" => Place::Header("content-type".into()),
            Self::Headers => Place::Header(format!("ce-{attribute}")),
            Self::Json => Place::Member(attribute.into()),
        }
    }
}

/// Checks every constraint the core specification puts on `event`.
pub fn validate(event: &Event, form: Form) -> Result<(), DecodeError> {
    let invalid = |attribute: &str, reason: String| DecodeError::Invalid {
        place: form.place(attribute),
        reason,
    };
    if event.specversion != SPEC_VERSION {
        return Err(DecodeError::SpecVersion {
            place: form.place("specversion"),
            version: event.specversion.clone(),
        });
    }
    for (attribute, value) in [
        ("id", &event.id),
        ("source", &event.source),
        ("type", &event.ty),
    ] {
        if value.is_empty() {
            return Err(DecodeError::Empty(form.place(attribute)));
        }
        check_text(value).map_err(|reason| invalid(attribute, reason))?;
    }
    check_uri_reference(&event.source).map_err(|reason| invalid("source", reason))?;
    let optional = [
        (
            "datacontenttype",
            &event.datacontenttype,
            check_media_type as fn(&str) -> Result<(), String>,
        ),
        ("dataschema", &event.dataschema, check_uri),
        ("subject", &event.subject, check_text),
        ("time", &event.time, check_timestamp),
    ];
    for (attribute, value, check) in optional {
        match value.as_deref() {
            Some("") => return Err(DecodeError::Empty(form.place(attribute))),
            Some(value) => check(value).map_err(|reason| invalid(attribute, reason))?,
            None => {}
        }
    }
    for (index, extension) in event.extensions.iter().enumerate() {
        let name = extension.name.as_str();
        check_extension_name(name).map_err(|reason| invalid(name, reason))?;
        if event.extensions[..index]
            .iter()
            .any(|earlier| earlier.name == name)
        {
            return Err(DecodeError::Duplicate(form.place(name)));
        }
        check_value(&extension.value).map_err(|reason| invalid(name, reason))?;
    }
    Ok(())
}

/// Checks an extension attribute name: `[a-z0-9]+`, and not a core name.
pub fn check_extension_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err("extension names must be lower-case ASCII letters and digits".into());
    }
    if RESERVED.contains(&name) {
        return Err("an extension cannot take the name of a core attribute".into());
    }
    Ok(())
}

fn check_value(value: &AttributeValue) -> Result<(), String> {
    match value {
        AttributeValue::Boolean(_) | AttributeValue::Integer(_) | AttributeValue::Binary(_) => {
            Ok(())
        }
        AttributeValue::String(text) => check_text(text),
        AttributeValue::Uri(uri) => check_uri(uri),
        AttributeValue::UriRef(uri) => check_uri_reference(uri),
        AttributeValue::Timestamp(time) => check_timestamp(time),
    }
}

/// Checks a `String`: no control characters, surrogates or noncharacters.
pub fn check_text(text: &str) -> Result<(), String> {
    match text.chars().find(|&c| {
        let code = u32::from(c);
        c.is_control() || (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
    }) {
        Some(c) => Err(format!(
            "contains the disallowed character U+{:04X}",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

fn check_timestamp(text: &str) -> Result<(), String> {
    timestamp::parse(text).map(drop)
}

/// Checks an RFC 2046 media type: `type/subtype` with optional parameters.
pub fn check_media_type(text: &str) -> Result<(), String> {
    let not_media_type = || format!("`{text}` is not a media type (like application/json)");
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let (kind, subtype) = essence.split_once('/').ok_or_else(not_media_type)?;
    if !is_token(kind) || !is_token(subtype) {
        return Err(not_media_type());
    }
    for parameter in parts {
        let (name, value) = parameter.split_once('=').ok_or_else(not_media_type)?;
        if !is_token(name.trim()) || value.is_empty() {
            return Err(not_media_type());
        }
    }
    Ok(())
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks an absolute URI (RFC 3986 section 4.3).
pub fn check_uri(text: &str) -> Result<(), String> {
    check_uri_reference(text)?;
    if scheme_end(text).is_none() {
        return Err(format!("`{text}` is not an absolute URI: it has no scheme"));
    }
    Ok(())
}

/// Checks a URI-reference (RFC 3986 section 4.1), absolute or relative.
pub fn check_uri_reference(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'%' {
            let escape = bytes.get(index + 1..index + 3);
            if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                return Err(format!("`{text}` has a `%` that starts no percent-escape"));
            }
            index += 3;
            continue;
        }
        if !(byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&byte)) {
            return Err(format!(
                "`{text}` is not a URI-reference: it contains `{}`",
                char::from(byte)
            ));
        }
        index += 1;
    }
    let first_delimiter = text.find(['/', '?', '#']).unwrap_or(text.len());
    if text[..first_delimiter].contains(':') && scheme_end(text).is_none() {
        return Err(format!(
            "`{text}` has a `:` before any `/` but no valid scheme"
        ));
    }
    Ok(())
}

/// The end of a valid `scheme ":"` prefix, if `text` has one.
fn scheme_end(text: &str) -> Option<usize> {
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut bytes = scheme.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    valid.then_some(colon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_references() {
        for good in [
            "https://cloudevents.io",
            "#fragment",
            "//authority/path",
            "/a/b?c=d",
            "urn:x:y",
            "a%2Fb",
        ] {
            assert_eq!(check_uri_reference(good), Ok(()), "{good}");
        }
        for bad in ["has space", "a:b c", "1x:rest", "bad%zz", "<tag>"] {
            assert!(check_uri_reference(bad).is_err(), "{bad}");
        }
        assert!(check_uri("/relative").is_err());
        assert!(check_uri("mailto:a@b.c").is_ok());
    }

    #[test]
    fn media_types() {
        for good in [
            "text/plain",
            "application/json; charset=utf-8",
            "application/cloudevents+json",
        ] {
            assert_eq!(check_media_type(good), Ok(()), "{good}");
        }
        for bad in ["xyz", "text/", "/json", "text/plain; charset", "a b/c"] {
            assert!(check_media_type(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_without_control_characters() {
        assert!(check_text("Euro € 😀").is_ok());
        assert!(check_text("line\nbreak").is_err());
        assert!(check_text("c1\u{85}").is_err());
        assert!(check_text("non\u{FFFE}char").is_err());
    }
}
