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
    check_attributes(event, form)?;
    match first_duplicate(
        event
            .extensions
            .iter()
            .map(|extension| extension.name.as_str()),
    ) {
        Some(name) => Err(DecodeError::Duplicate(form.place(name))),
        None => Ok(()),
    }
}

/// Checks every constraint but unique extension names: the decoders check
/// those on the member or header names they read, before they assemble.
pub(crate) fn check_attributes(event: &Event, form: Form) -> Result<(), DecodeError> {
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
    for extension in &event.extensions {
        let name = extension.name.as_str();
        check_extension_name(name).map_err(|reason| invalid(name, reason))?;
        check_value(&extension.value).map_err(|reason| invalid(name, reason))?;
    }
    Ok(())
}

/// The name whose second occurrence comes first, found in O(n log n) by
/// sorting. A hash set would bring a random-seed import into the binder (and
/// without a random seed, senders could choose colliding names); sorting
/// integers is also faster than a tree set or a hash set.
///
/// The names are sorted by an integer key made of their first seven bytes
/// and whether they end there; names that share a key are sorted again by
/// the next seven bytes, and so on, with one sort of one element type, so
/// the binder carries one copy of the sort.
pub fn first_duplicate<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let names: Vec<&str> = names.collect();
    let mut keys: Vec<(u64, usize)> = names
        .iter()
        .enumerate()
        .map(|(index, name)| (chunk_key(name, 0), index))
        .collect();
    let mut second = None::<usize>;
    // Runs still to sort: (start, end, depth), kept on a list rather than
    // the call stack, since a name may be as long as the body.
    let mut pending = vec![(0, keys.len(), 0)];
    while let Some((start, end, depth)) = pending.pop() {
        let run = &mut keys[start..end];
        run.sort_unstable_by_key(|&(key, _)| key);
        let mut offset = start;
        for group in run.chunk_by_mut(|a, b| a.0 == b.0) {
            let len = group.len();
            if len > 1 && group[0].0 & CONTINUES != 0 {
                for entry in group.iter_mut() {
                    entry.0 = chunk_key(names[entry.1], depth + 1);
                }
                pending.push((offset, offset + len, depth + 1));
            } else if len > 1 {
                // Equal names: the second-smallest index is the second
                // occurrence.
                let mut indexes: [usize; 2] = [usize::MAX; 2];
                for &(_, index) in group.iter() {
                    if index < indexes[0] {
                        indexes = [index, indexes[0]];
                    } else if index < indexes[1] {
                        indexes[1] = index;
                    }
                }
                second = Some(second.map_or(indexes[1], |found| found.min(indexes[1])));
            }
            offset += len;
        }
    }
    second.map(|index| names[index])
}

/// The key bit of a name that goes on past the chunk.
const CONTINUES: u64 = 0x80;

/// The sort key of the `depth`th seven-byte chunk of `name`: the bytes, then
/// a byte that is the chunk's length if the name ends in it, or
/// [`CONTINUES`] if it goes on.
fn chunk_key(name: &str, depth: usize) -> u64 {
    let rest = name.as_bytes().get(depth * 7..).unwrap_or_default();
    let mut bytes = [0; 8];
    let len = rest.len().min(7);
    bytes[..len].copy_from_slice(&rest[..len]);
    bytes[7] = if rest.len() > 7 {
        CONTINUES as u8
    } else {
        len as u8
    };
    u64::from_be_bytes(bytes)
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

/// Checks a media type as RFC 2045 section 5.1 (and RFC 9110 section
/// 8.3.1) write it: `type "/" subtype *( OWS ";" OWS parameter )`, each
/// parameter `token "=" ( token / quoted-string )`. Parameter names may not
/// repeat (compared case-insensitively); no control character can pass, so a
/// valid value is always safe as a `Content-Type` header.
///
/// The grammar is written here: of the media-type crates, `mediatype` 0.21
/// accepts `text/plain; a= ` and a NUL inside a quoted value, and `mime` 0.3
/// refuses the valid quoted-pair in `a="x\"y"` and accepts `a=1; A=2`.
pub fn check_media_type(text: &str) -> Result<(), String> {
    let not_media_type = |why: &str| format!("`{text}` is not a media type: {why}");
    let bytes = text.as_bytes();
    let mut at = 0;
    let token = |at: &mut usize| {
        let start = *at;
        while bytes.get(*at).is_some_and(|&b| is_token_byte(b)) {
            *at += 1;
        }
        (*at > start).then(|| &text[start..*at])
    };
    let skip_space = |at: &mut usize| {
        while matches!(bytes.get(*at), Some(b' ' | b'\t')) {
            *at += 1;
        }
    };
    token(&mut at).ok_or_else(|| not_media_type("it needs a type, like application/json"))?;
    if bytes.get(at) != Some(&b'/') {
        return Err(not_media_type(
            "it needs `type/subtype`, like application/json",
        ));
    }
    at += 1;
    token(&mut at).ok_or_else(|| not_media_type("it needs a subtype after `/`"))?;
    let mut names = Vec::new();
    loop {
        skip_space(&mut at);
        match bytes.get(at) {
            None if first_duplicate(names.iter().map(String::as_str)).is_some() => {
                return Err(not_media_type("a parameter is repeated"));
            }
            None => return Ok(()),
            Some(b';') => at += 1,
            Some(_) => return Err(not_media_type("parameters must follow `;`")),
        }
        skip_space(&mut at);
        let name = token(&mut at).ok_or_else(|| not_media_type("a parameter needs a name"))?;
        names.push(name.to_ascii_lowercase());
        if bytes.get(at) != Some(&b'=') {
            return Err(not_media_type("a parameter needs `=` and a value"));
        }
        at += 1;
        if bytes.get(at) == Some(&b'"') {
            at += 1;
            loop {
                match bytes.get(at) {
                    Some(b'"') => break,
                    Some(b'\\')
                        if bytes
                            .get(at + 1)
                            .is_some_and(|&b| is_quoted_byte(b) || b == b'"' || b == b'\\') =>
                    {
                        at += 2
                    }
                    Some(&b) if is_quoted_byte(b) => at += 1,
                    _ => {
                        return Err(not_media_type(
                            "a quoted value is not closed, or holds a control character",
                        ));
                    }
                }
            }
            at += 1;
        } else {
            token(&mut at).ok_or_else(|| not_media_type("a parameter needs a value"))?;
        }
    }
}

/// `tchar` of RFC 9110 section 5.6.2.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `qdtext` of RFC 9110 section 5.6.4, but for `"` and `\`: tab, space,
/// visible ASCII and non-ASCII bytes (UTF-8 text); no control characters.
fn is_quoted_byte(b: u8) -> bool {
    let visible = (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\';
    b == b'\t' || visible || b >= 0x80
}

/// Checks an absolute URI (RFC 3986 section 4.3), with fluent-uri's
/// RFC 3986 parser.
pub fn check_uri(text: &str) -> Result<(), String> {
    fluent_uri::Uri::parse(text)
        .map(drop)
        .map_err(|err| format!("`{text}` is not an absolute URI: {err}"))
}

/// Checks a URI-reference (RFC 3986 section 4.1), absolute or relative,
/// with fluent-uri's RFC 3986 parser.
pub fn check_uri_reference(text: &str) -> Result<(), String> {
    fluent_uri::UriRef::parse(text)
        .map(drop)
        .map_err(|err| format!("`{text}` is not a URI-reference: {err}"))
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
        assert_eq!(check_uri_reference("http://[::1]:80/a?b#c"), Ok(()));
        for bad in [
            "has space",
            "a:b c",
            "1x:rest",
            "bad%zz",
            "<tag>",
            "a#b#c",
            "/a[b]",
            "http://h/[x]",
        ] {
            assert!(check_uri_reference(bad).is_err(), "{bad}");
        }
        assert!(check_uri("/relative").is_err());
        assert!(check_uri("mailto:a@b.c").is_ok());
    }

    #[test]
    fn duplicates() {
        let first = |names: &[&'static str]| first_duplicate(names.iter().copied());
        assert_eq!(first(&[]), None);
        assert_eq!(first(&["a", "b", "ab", "ba"]), None);
        // Names that share their first eight bytes, or are a prefix of one
        // another, are still told apart.
        assert_eq!(first(&["longprefix1", "longprefix2", "longprefix"]), None);
        assert_eq!(first(&["abcdefgh", "abcdefgh\0", "abcdefg"]), None);
        assert_eq!(first(&["abcdefg", "abcdefg\0"]), None);
        let long = "x".repeat(100);
        let longer = "x".repeat(101);
        assert_eq!(
            first_duplicate([long.as_str(), longer.as_str()].into_iter()),
            None
        );
        assert_eq!(
            first_duplicate([longer.as_str(), long.as_str(), longer.as_str()].into_iter()),
            Some(longer.as_str())
        );
        // The name whose second occurrence comes first is the one named.
        assert_eq!(
            first(&["x", "longprefix2", "y", "longprefix2", "x"]),
            Some("longprefix2")
        );
        assert_eq!(first(&["b", "a", "a", "b"]), Some("a"));
        assert_eq!(first(&["b", "a", "b", "a"]), Some("b"));
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
        assert_eq!(
            check_media_type("text/plain; a=\"x;y\"; b=\"q\\\"\""),
            Ok(())
        );
        for bad in [
            "xyz",
            "text/",
            "/json",
            "text/plain; charset",
            "a b/c",
            "text/plain; a= ",
            "text/plain; a=1; A=2",
            "text/plain\r\nx-injected: 1",
            "text/plain; a=\"x\ny\"",
            "text/plain\0",
            "text/plain; a=\"open",
        ] {
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
