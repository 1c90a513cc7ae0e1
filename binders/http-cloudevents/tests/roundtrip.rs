//! Events survive encoding and decoding in both content modes, with every
//! attribute type and with binary data.

use bindery_http_cloudevents::{
    AttributeKind, AttributeValue, Event, Extension, ExtensionTypes, Form, binary, json, validate,
};

fn every_attribute_type() -> Event {
    Event {
        id: "roundtrip-1".into(),
        source: "/sensors/tn-1234567/alerts".into(),
        specversion: "1.0".into(),
        ty: "com.example.everything".into(),
        datacontenttype: Some("application/octet-stream".into()),
        dataschema: Some("https://example.com/schema/v1".into()),
        subject: Some("Zürich \"quoted\" 100%".into()),
        time: Some("2024-02-29T23:59:60.123456789+05:30".into()),
        extensions: vec![
            Extension::new("flag", AttributeValue::Boolean(false)),
            Extension::new("count", AttributeValue::Integer(i32::MIN)),
            Extension::new("max", AttributeValue::Integer(i32::MAX)),
            Extension::new(
                "note",
                AttributeValue::String("Euro € 😀 and spaces".into()),
            ),
            Extension::new("empty", AttributeValue::String(String::new())),
            Extension::new("blob", AttributeValue::Binary(vec![0, 1, 2, 0xfe, 0xff])),
            Extension::new("link", AttributeValue::Uri("urn:example:thing".into())),
            Extension::new("ref", AttributeValue::UriRef("../up?x=1#frag".into())),
            Extension::new(
                "seen",
                AttributeValue::Timestamp("1999-12-31T23:59:59Z".into()),
            ),
        ],
        data: Some((0..=255).collect()),
    }
}

fn types_of(event: &Event) -> ExtensionTypes {
    event
        .extensions
        .iter()
        .fold(ExtensionTypes::default(), |types, ext| {
            types.with(ext.name.clone(), ext.value.kind())
        })
}

fn variants() -> Vec<Event> {
    let full = every_attribute_type();
    vec![
        full.clone(),
        Event {
            datacontenttype: Some("text/plain; charset=utf-8".into()),
            data: Some("text data ✓".as_bytes().to_vec()),
            ..full.clone()
        },
        Event {
            datacontenttype: Some("application/json".into()),
            data: Some(br#"{"a":[1,2,{"b":null}],"c":"\u00e9"}"#.to_vec()),
            ..full.clone()
        },
        Event {
            datacontenttype: Some("application/vnd.example+json".into()),
            data: Some(b"not json at all".to_vec()),
            ..full.clone()
        },
        Event {
            datacontenttype: None,
            data: None,
            extensions: vec![],
            ..full
        },
    ]
}

#[test]
fn the_fixture_is_a_valid_event() {
    for event in variants() {
        validate(&event, Form::Json).unwrap();
    }
}

#[test]
fn event_to_binary_to_event() {
    for event in variants() {
        let (headers, body) = binary::encode(event.clone());
        for (name, value) in &headers {
            assert!(
                value
                    .iter()
                    .all(|b| (0x21..=0x7e).contains(b) || *b == b' '),
                "{name} is printable ASCII"
            );
        }
        let decoded = binary::decode(&headers, body.clone(), &types_of(&event)).unwrap();
        assert_eq!(decoded, event);
    }
}

#[test]
fn event_to_structured_to_event() {
    for event in variants() {
        let encoded = json::encode_event(&event);
        let decoded = json::decode_event(&encoded, &types_of(&event)).unwrap();
        assert_eq!(decoded, event, "{}", String::from_utf8_lossy(&encoded));
    }
}

#[test]
fn events_to_batch_to_events() {
    let events = variants();
    let types = events
        .iter()
        .fold(ExtensionTypes::default(), |types, event| {
            event.extensions.iter().fold(types, |types, ext| {
                types.with(ext.name.clone(), ext.value.kind())
            })
        });
    let decoded = json::decode_batch(&json::encode_batch(&events), &types).unwrap();
    assert_eq!(decoded, events);
}

#[test]
fn binary_data_travels_as_data_base64_and_text_as_a_string() {
    let event = every_attribute_type();
    let structured: serde_json::Value =
        serde_json::from_slice(&json::encode_event(&event)).unwrap();
    assert!(structured["data_base64"].is_string());
    assert!(structured.get("data").is_none());
    assert_eq!(structured["flag"], false);
    assert_eq!(structured["count"], i32::MIN);
    assert_eq!(structured["blob"], "AAEC/v8=");
    let text = &variants()[1];
    let structured: serde_json::Value = serde_json::from_slice(&json::encode_event(text)).unwrap();
    assert_eq!(structured["data"], "text data ✓");
}

#[test]
fn untyped_extensions_come_back_as_strings_from_headers() {
    let event = every_attribute_type();
    let (headers, body) = binary::encode(event);
    let decoded = binary::decode(&headers, body.clone(), &ExtensionTypes::default()).unwrap();
    assert_eq!(
        decoded.extension("count"),
        Some(&AttributeValue::String(i32::MIN.to_string()))
    );
    let typed = ExtensionTypes::default().with("count", AttributeKind::Integer);
    let decoded = binary::decode(&headers, body.clone(), &typed).unwrap();
    assert_eq!(
        decoded.extension("count"),
        Some(&AttributeValue::Integer(i32::MIN))
    );
}
