//! One fuzz input, read as a request to the codec, and the properties every
//! answer must have. Shared by the cargo-fuzz target (`fuzz/`) and by the
//! deterministic smoke test of `cargo test`
//! (`binders/http-cloudevents/tests/fuzz_smoke.rs`).
//!
//! An input is a control byte and a payload:
//!
//! | control bits | meaning |
//! |---|---|
//! | 0–1 | 0: structured POST, 1: batch POST, 2: binary POST, 3: OPTIONS (webhook handshake) |
//! | 2–3 | the handler: 0 echoes, 1 answers nothing, 2 fails (by the event's `type`), 3 echoes with the event's `subject` as `datacontenttype` |
//! | 4–5 | the response mode: same, binary, structured, same |
//!
//! For structured and batch requests the payload is the body. For binary
//! requests and handshakes it is `name: value` header lines, an empty line,
//! then the body.

use bindery_http_cloudevents::{
    BATCH, Config, Event, ExtensionTypes, HandlerError, Rate, Reply, ResponseMode, STRUCTURED,
    binary, json, respond,
};

/// Runs one input through [`respond`] and panics if the answer breaks a
/// property: a status that is not an HTTP status, a header that is not
/// a valid field, or a success whose body or headers do not decode back into
/// events. Returns the status (none for an empty input).
pub fn exercise(input: &[u8]) -> Option<u16> {
    let (&control, payload) = input.split_first()?;
    let config = Config {
        allowed_origins: vec!["*".to_owned()],
        allowed_rate: (control & 0x40 != 0).then_some(Rate::PerMinute(120)),
        response_mode: match (control >> 4) & 3 {
            1 => ResponseMode::Binary,
            2 => ResponseMode::Structured,
            _ => ResponseMode::Same,
        },
        max_body: 1 << 20,
        extension_types: ExtensionTypes::default(),
        reply: Reply::Response,
        retry_after: 5,
    };
    let (method, headers, body) = match control & 3 {
        0 => ("POST", content_type(STRUCTURED), payload.to_vec()),
        1 => ("POST", content_type(BATCH), payload.to_vec()),
        2 => {
            let (headers, body) = split_headers(payload);
            ("POST", headers, body)
        }
        _ => ("OPTIONS", split_headers(payload).0, Vec::new()),
    };
    let handler = (control >> 2) & 3;
    let response = respond(
        &config,
        method,
        &headers,
        |limit| {
            assert!(
                limit == config.max_body,
                "the body limit is the configured one"
            );
            Ok(body)
        },
        |event| answer(handler, event),
    );
    assert!(
        (100..=599).contains(&response.status),
        "status {} is not an HTTP status",
        response.status
    );
    for (name, value) in &response.headers {
        assert!(is_token(name), "header name {name:?} is not a token");
        assert!(
            is_field_value(value),
            "header {name}: {value:?} is not a valid field value"
        );
    }
    if response.status != 200 {
        return Some(response.status);
    }
    let types = ExtensionTypes::default();
    let answered = response
        .header_value("content-type")
        .map(|value| String::from_utf8_lossy(value).into_owned());
    match answered.as_deref() {
        Some(BATCH) => {
            json::decode_batch(&response.body, &types)
                .unwrap_or_else(|err| panic!("the answered batch does not decode: {err}"));
        }
        Some(STRUCTURED) => {
            json::decode_event(&response.body, &types)
                .unwrap_or_else(|err| panic!("the answered event does not decode: {err}"));
        }
        _ if binary::has_attributes(&response.headers) => {
            binary::decode(&response.headers, response.body.clone(), &types)
                .unwrap_or_else(|err| panic!("the answered binary event does not decode: {err}"));
        }
        // An allowed handshake.
        _ => assert!(method == "OPTIONS", "a 200 without an event"),
    }
    Some(200)
}

/// The scripted handler.
fn answer(handler: u8, event: Event) -> Result<Option<Event>, HandlerError> {
    match handler {
        0 => Ok(Some(event)),
        1 => Ok(None),
        2 => Err(match event.ty.len() % 3 {
            0 => HandlerError::Invalid(event.ty),
            1 => HandlerError::Unavailable(event.ty),
            _ => HandlerError::Internal(event.ty),
        }),
        _ => Ok(Some(Event {
            datacontenttype: event.subject.clone(),
            ..event
        })),
    }
}

fn content_type(value: &str) -> Vec<(String, Vec<u8>)> {
    vec![("content-type".to_owned(), value.as_bytes().to_vec())]
}

/// Header lines up to the first empty line, then the body.
fn split_headers(payload: &[u8]) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    let mut headers = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let end = rest.iter().position(|&byte| byte == b'\n');
        let (line, after) = match end {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = after;
        if line.is_empty() {
            break;
        }
        let colon = line.iter().position(|&byte| byte == b':');
        let (name, value) = match colon {
            Some(colon) => (&line[..colon], &line[colon + 1..]),
            None => (line, &line[line.len()..]),
        };
        let value = value.strip_prefix(b" ").unwrap_or(value);
        headers.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
    }
    (headers, rest.to_vec())
}

/// An HTTP token (RFC 9110 §5.6.2), as every field name must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// A field value (RFC 9110 §5.5) without obsolete text: visible ASCII,
/// spaces and tabs inside, none at either end.
fn is_field_value(value: &[u8]) -> bool {
    let visible = |byte: &u8| (0x21..=0x7e).contains(byte);
    value
        .iter()
        .all(|byte| visible(byte) || *byte == b' ' || *byte == b'\t')
        && value.first().is_none_or(visible)
        && value.last().is_none_or(visible)
}

/// Seed inputs made from the CloudEvents conformance files in `dir` (the
/// `format-json` folder): every event as a structured, a binary and a
/// handshake-free request, and every batch, plus a few handshakes.
pub fn seeds(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (file, batch) in [
        ("valid-events.json", false),
        ("invalid-events.json", false),
        ("valid-batches.json", true),
        ("invalid-batches.json", true),
    ] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let document: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let cases = document["tests"].as_array().cloned().unwrap_or_default();
        for case in cases {
            let sent = &case[if batch { "batch" } else { "event" }];
            let sent = if sent.is_null() { &case["input"] } else { sent };
            let body = match sent {
                serde_json::Value::String(text) => text.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            };
            for handler in 0..4u8 {
                seeds.push([&[u8::from(batch) | handler << 2][..], &body].concat());
            }
            if let serde_json::Value::Object(members) = sent {
                seeds.push([&[2u8][..], &as_binary(members)].concat());
            }
        }
    }
    for handshake in [
        "webhook-request-origin: events.example.com\n",
        "webhook-request-origin: events.example.com\nwebhook-request-rate: 4294967296\n",
        "webhook-request-origin: events.example.com\nwebhook-request-callback: https://example.com/cb\n",
    ] {
        seeds.push([&[3u8 | 0x40][..], handshake.as_bytes()].concat());
    }
    seeds
}

/// A JSON event as binary-mode header lines and a body.
fn as_binary(members: &serde_json::Map<String, serde_json::Value>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    for (name, value) in members {
        let text = match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        match name.as_str() {
            "data" | "data_base64" => body = text.into_bytes(),
            "datacontenttype" => out.extend(format!("content-type: {text}\n").into_bytes()),
            _ => out.extend(format!("ce-{name}: {text}\n").into_bytes()),
        }
    }
    out.push(b'\n');
    out.extend(body);
    out
}
