//! {{name}}: a CloudEvents binder in Rust, for binary-mode events over
//! `wasi:http`. It exports `wasi:http/incoming-handler` and imports the app's
//! `bindery:cloudevents/handler`; `bindery compose` links the two.
//!
//! Start here and grow it: structured and batch modes, the webhook
//! handshake and typed extensions are left out (the built-in
//! http-cloudevents binder has them all).

wit_bindgen::generate!({
    world: "bindery:cloudevents/http-binder",
    path: "wit",
    generate_all,
});

use bindery::cloudevents::handler;
use bindery::cloudevents::types::{AttributeValue, Event, Extension, HandlerError};
use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

/// The largest body read, in bytes.
const MAX_BODY: usize = 1 << 20;
/// The context attributes with a header of their own.
const ATTRIBUTES: [&str; 7] = [
    "specversion",
    "id",
    "source",
    "type",
    "dataschema",
    "subject",
    "time",
];

/// An answer: status, headers and body.
struct Answer {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Answer {
    /// An error answer with a JSON problem document.
    fn problem(status: u16, error: &str, detail: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: format!(
                "{{\"error\":{},\"detail\":{}}}",
                json_string(error),
                json_string(detail)
            )
            .into_bytes(),
        }
    }

    fn invalid(detail: String) -> Self {
        Self::problem(400, "invalid-event", &detail)
    }
}

struct Binder;

impl Guest for Binder {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let answer = respond(request).unwrap_or_else(|rejection| rejection);
        let response = OutgoingResponse::new(Fields::from_list(&answer.headers).unwrap());
        response.set_status_code(answer.status).unwrap();
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().unwrap();
        for chunk in answer.body.chunks(4096) {
            if stream.blocking_write_and_flush(chunk).is_err() {
                return;
            }
        }
        drop(stream);
        let _ = OutgoingBody::finish(body, None);
    }
}

export!(Binder);

fn respond(request: IncomingRequest) -> Result<Answer, Answer> {
    if !matches!(request.method(), Method::Post) {
        let mut answer = Answer::problem(405, "method-not-allowed", "only POST is allowed");
        answer.headers.push(("allow".into(), b"POST".to_vec()));
        return Err(answer);
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut content_type = None;
    for (name, value) in request.headers().entries() {
        let name = name.to_ascii_lowercase();
        if name == "content-type" {
            if value.to_ascii_lowercase().starts_with(b"application/cloudevents") {
                return Err(Answer::problem(
                    415,
                    "unsupported-media-type",
                    "this binder reads binary-mode events only",
                ));
            }
            content_type = Some(String::from_utf8_lossy(&value).into_owned());
        }
        let Some(attribute) = name.strip_prefix("ce-") else {
            continue;
        };
        if attributes.iter().any(|(seen, _)| seen == attribute) {
            return Err(Answer::invalid(format!("header `{name}` appears more than once")));
        }
        let value = percent_decode(&value)
            .ok_or_else(|| Answer::invalid(format!("header `{name}` does not percent-decode to UTF-8")))?;
        attributes.push((attribute.to_owned(), value));
    }
    if attributes.is_empty() {
        return Err(Answer::problem(
            415,
            "unsupported-media-type",
            "not a binary-mode CloudEvent: no ce- headers",
        ));
    }
    let get = |name: &str| {
        attributes
            .iter()
            .find(|(attribute, _)| attribute == name)
            .map(|(_, value)| value.clone())
    };
    let require = |name: &str| {
        get(name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| Answer::invalid(format!("header `ce-{name}` is required but missing")))
    };
    let specversion = require("specversion")?;
    let id = require("id")?;
    let source = require("source")?;
    let ty = require("type")?;
    if specversion != "1.0" {
        return Err(Answer::invalid(format!(
            "specversion `{specversion}` is not supported (1.0 is)"
        )));
    }
    let mut extensions = Vec::new();
    for (name, value) in &attributes {
        if ATTRIBUTES.contains(&name.as_str()) {
            continue;
        }
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err(Answer::invalid(format!("`{name}` is not a valid attribute name")));
        }
        extensions.push(Extension {
            name: name.clone(),
            value: AttributeValue::String(value.clone()),
        });
    }
    let data = read_body(request)?;
    let event = Event {
        id,
        source,
        specversion,
        type_: ty,
        datacontenttype: content_type,
        dataschema: get("dataschema"),
        subject: get("subject"),
        time: get("time"),
        extensions,
        data: (!data.is_empty()).then_some(data),
    };
    match handler::handle(&event) {
        Ok(Some(reply)) => Ok(encode(reply)),
        Ok(None) => Ok(Answer {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }),
        Err(HandlerError::Invalid(why)) => Err(Answer::problem(400, "rejected-by-handler", &why)),
        Err(HandlerError::Unavailable(why)) => {
            Err(Answer::problem(503, "rejected-by-handler", &why))
        }
        Err(HandlerError::Internal(why)) => Err(Answer::problem(500, "rejected-by-handler", &why)),
    }
}

fn read_body(request: IncomingRequest) -> Result<Vec<u8>, Answer> {
    let unreadable = || Answer::problem(400, "bad-request", "the request body could not be read");
    let body = request.consume().map_err(|()| unreadable())?;
    let stream = body.stream().map_err(|()| unreadable())?;
    let mut data = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => data.extend_from_slice(&chunk),
            Err(StreamError::Closed) => return Ok(data),
            Err(StreamError::LastOperationFailed(_)) => return Err(unreadable()),
        }
        if data.len() > MAX_BODY {
            return Err(Answer::problem(
                413,
                "payload-too-large",
                "the body is larger than 1048576 bytes",
            ));
        }
    }
}

/// Unquotes a whole quoted-string, then percent-decodes it as UTF-8; a `%`
/// that starts no escape stays as it is.
fn percent_decode(raw: &[u8]) -> Option<String> {
    let raw = match raw {
        [b'"', inner @ .., b'"'] => inner,
        other => other,
    };
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let escape = raw.get(i + 1..i + 3).and_then(|hex| {
            u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
        });
        match (raw[i], escape) {
            (b'%', Some(byte)) => {
                bytes.push(byte);
                i += 3;
            }
            (byte, _) => {
                bytes.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// Percent-encodes a header value: printable ASCII but space, `"` and `%`
/// stays as it is.
fn percent_encode(value: &str) -> Vec<u8> {
    let mut encoded = Vec::with_capacity(value.len());
    for byte in value.bytes() {
        if (0x21..0x7f).contains(&byte) && byte != b'"' && byte != b'%' {
            encoded.push(byte);
        } else {
            encoded.extend_from_slice(format!("%{byte:02X}").as_bytes());
        }
    }
    encoded
}

/// The binary-mode answer for the app's event.
fn encode(event: Event) -> Answer {
    let mut headers = Vec::new();
    if let Some(content_type) = &event.datacontenttype {
        headers.push(("content-type".into(), content_type.clone().into_bytes()));
    }
    let context = [
        ("specversion", Some(event.specversion)),
        ("id", Some(event.id)),
        ("source", Some(event.source)),
        ("type", Some(event.type_)),
        ("dataschema", event.dataschema),
        ("subject", event.subject),
        ("time", event.time),
    ];
    for (name, value) in context {
        if let Some(value) = value {
            headers.push((format!("ce-{name}"), percent_encode(&value)));
        }
    }
    for extension in event.extensions {
        let text = match extension.value {
            AttributeValue::Boolean(value) => value.to_string(),
            AttributeValue::Integer(value) => value.to_string(),
            AttributeValue::Binary(bytes) => base64(&bytes),
            AttributeValue::String(text)
            | AttributeValue::Uri(text)
            | AttributeValue::UriRef(text)
            | AttributeValue::Timestamp(text) => text,
        };
        headers.push((format!("ce-{}", extension.name), percent_encode(&text)));
    }
    Answer {
        status: 200,
        headers,
        body: event.data.unwrap_or_default(),
    }
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    let mut json = String::from('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                json.push('\\');
                json.push(c);
            }
            c if u32::from(c) < 0x20 => json.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => json.push(c),
        }
    }
    json.push('"');
    json
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for group in bytes.chunks(3) {
        let value = group.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - group.len()));
        for k in 0..4 {
            if k <= group.len() {
                text.push(ALPHABET[(value >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}
