//! What a hostile sender can put in a request: each case here was accepted,
//! trapped or took quadratic time before, and is a regression test now.
//! Speed is measured in `bench/` (the worst-shape table); these check
//! behaviour only.

use bindery_http_cloudevents::{AttributeKind, Config, Event, ExtensionTypes, Response, respond};
use serde_json::{Value, json};

type Headers = Vec<(String, Vec<u8>)>;

fn headers(pairs: &[(&str, &[u8])]) -> Headers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

fn post_with(
    headers: &Headers,
    body: &[u8],
    answer: impl FnMut(Event) -> Result<Option<Event>, bindery_http_cloudevents::HandlerError>,
) -> Response {
    respond(
        &Config::default(),
        "POST",
        headers,
        |_| Ok(body.to_vec()),
        answer,
    )
}

fn echo(headers: &Headers, body: &[u8]) -> Response {
    post_with(headers, body, |event| Ok(Some(event)))
}

fn problem(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn structured(event: Value) -> Response {
    echo(
        &headers(&[("content-type", b"application/cloudevents+json")]),
        event.to_string().as_bytes(),
    )
}

fn binary(extra: &[(&str, &[u8])]) -> Headers {
    let mut all = headers(&[
        ("ce-specversion", b"1.0"),
        ("ce-id", b"1"),
        ("ce-source", b"/s"),
        ("ce-type", b"t"),
    ]);
    all.extend(headers(extra));
    all
}

/// No response header carries a control character, whatever came in.
fn assert_headers_clean(response: &Response) {
    for (name, value) in &response.headers {
        assert!(
            value
                .iter()
                .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80),
            "header {name} carries a control character: {value:?}"
        );
    }
}

#[test]
fn a_datacontenttype_with_control_characters_is_refused_by_name() {
    for value in [
        "text/plain\r\nx-injected: 1",
        "text/plain\0",
        "text/plain; a=\"x\ny\"",
    ] {
        let response = structured(json!({"specversion": "1.0", "id": "1", "source": "/s",
            "type": "t", "datacontenttype": value, "data": "x"}));
        assert_eq!(response.status, 400, "{value:?}");
        assert!(
            problem(&response)["detail"]
                .as_str()
                .unwrap()
                .contains("datacontenttype")
        );
        let response = echo(&binary(&[("content-type", value.as_bytes())]), b"x");
        assert_eq!(response.status, 400, "{value:?}");
        assert!(
            problem(&response)["detail"]
                .as_str()
                .unwrap()
                .contains("content-type")
        );
    }
}

#[test]
fn a_handler_answer_with_a_bad_media_type_is_a_500_document() {
    let response = post_with(&binary(&[("content-type", b"text/plain")]), b"x", |event| {
        Ok(Some(Event {
            datacontenttype: Some("text/plain; a=b\r\nset-cookie: c=d".into()),
            ..event
        }))
    });
    assert_eq!(response.status, 500);
    assert_eq!(problem(&response)["error"], "invalid-response-event");
    assert_headers_clean(&response);
}

#[test]
fn media_types_follow_rfc_2045() {
    let accepted = structured(
        json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t",
        "datacontenttype": "text/plain; a=\"x;y\"", "data": "x"}),
    );
    assert_eq!(accepted.status, 200, "a quoted `;` is part of the value");
    for refused in [
        "text/plain; a= ",
        "text/plain; a=1; a=2",
        "text/plain; charset=a; CHARSET=b",
    ] {
        let response = structured(
            json!({"specversion": "1.0", "id": "1", "source": "/s", "type": "t",
            "datacontenttype": refused, "data": "x"}),
        );
        assert_eq!(response.status, 400, "{refused}");
    }
}

#[test]
fn every_answer_header_is_encoded() {
    let response = post_with(&binary(&[("content-type", b"text/plain")]), b"x", |event| {
        Ok(Some(Event {
            subject: Some("line\u{2028}sep \"quoted\" 100%".into()),
            ..event
        }))
    });
    assert_eq!(response.status, 200);
    assert_headers_clean(&response);
}

#[test]
fn integers_in_canonical_form_only() {
    let types = ExtensionTypes::default().with("count", AttributeKind::Integer);
    let config = Config {
        extension_types: types,
        ..Config::default()
    };
    for (value, status) in [
        ("5", 200),
        ("-0", 200),
        ("-2147483648", 200),
        ("+5", 400),
        ("007", 400),
        ("", 400),
        ("2147483648", 400),
    ] {
        let response = respond(
            &config,
            "POST",
            &binary(&[("ce-count", value.as_bytes())]),
            |_| Ok(Vec::new()),
            |event| Ok(Some(event)),
        );
        assert_eq!(response.status, status, "ce-count: {value:?}");
    }
}

#[test]
fn source_is_a_uri_reference_not_just_allowed_characters() {
    for (source, status) in [
        ("/a/b?c#d", 200),
        ("http://[::1]/x", 200),
        ("a#b#c", 400),
        ("/a[1]", 400),
    ] {
        let response =
            structured(json!({"specversion": "1.0", "id": "1", "source": source, "type": "t"}));
        assert_eq!(response.status, status, "{source}");
    }
}

#[test]
fn legacy_data_base64_is_decoded_once() {
    // 0.3: `data_base64` with `datacontentencoding: base64`: "aGk=" is "hi";
    // decoding it twice would fail or give other bytes.
    let response = structured(
        json!({"specversion": "0.3", "id": "1", "source": "/s", "type": "t",
        "datacontentencoding": "base64", "datacontenttype": "text/plain", "data_base64": "aGk="}),
    );
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let answer: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(answer["data"], "hi");
    // With `data`, the 0.3 encoding applies to the string.
    let response = structured(
        json!({"specversion": "0.3", "id": "1", "source": "/s", "type": "t",
        "datacontentencoding": "base64", "datacontenttype": "text/plain", "data": "aGk="}),
    );
    let answer: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(answer["data"], "hi");
}

#[test]
fn duplicates_among_many_members_are_found() {
    let mut event = serde_json::Map::new();
    for (key, value) in [
        ("specversion", "1.0"),
        ("id", "1"),
        ("source", "/s"),
        ("type", "t"),
    ] {
        event.insert(key.into(), value.into());
    }
    for n in 0..5000 {
        event.insert(format!("ext{n}"), json!(n));
    }
    let mut text = Value::Object(event).to_string();
    assert_eq!(structured(serde_json::from_str(&text).unwrap()).status, 200);
    text.insert_str(text.len() - 1, ",\"ext4999\":1");
    let response = echo(
        &headers(&[("content-type", b"application/cloudevents+json")]),
        text.as_bytes(),
    );
    assert_eq!(response.status, 400);
    assert!(
        problem(&response)["detail"]
            .as_str()
            .unwrap()
            .contains("ext4999")
    );
}

#[test]
fn a_batch_of_invalid_items_is_refused_at_the_first() {
    let mut batch = String::from("[");
    batch.push_str(&"{},".repeat(100_000));
    batch.push_str("{}]");
    let response = echo(
        &headers(&[("content-type", b"application/cloudevents-batch+json")]),
        batch.as_bytes(),
    );
    assert_eq!(response.status, 400);
    assert!(problem(&response)["detail"].as_str().unwrap().contains("0"));
}
