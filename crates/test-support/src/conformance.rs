//! The CloudEvents conformance suite, loaded from `shared/conformance`, and
//! its golden samples built in code as the suite asks: shared by the tests
//! of every Rust binder and of the SDK.

use std::path::PathBuf;

use codec::timestamp;
use codec::{AttributeKind, AttributeValue, Event, Extension, ExtensionTypes};
use serde_json::Value;

pub fn conformance_dir() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cloudevents");
    assert!(
        dir.is_dir(),
        "the conformance suite is missing: expected `shared/` beside the repository, at {}",
        dir.display()
    );
    dir
}

pub fn load(file: &str) -> Vec<Value> {
    let path = conformance_dir().join("format-json").join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let document: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
    document["tests"]
        .as_array()
        .expect("a `tests` array")
        .clone()
}

/// The sample extension attributes of the suite, with their declared types.
pub fn sample_extension_types() -> ExtensionTypes {
    [
        ("extinteger", AttributeKind::Integer),
        ("extboolean", AttributeKind::Boolean),
        ("extstring", AttributeKind::String),
        ("extbinary", AttributeKind::Binary),
        ("exttimestamp", AttributeKind::Timestamp),
        ("exturi", AttributeKind::Uri),
        ("exturiref", AttributeKind::UriRef),
    ]
    .into_iter()
    .fold(ExtensionTypes::default(), |types, (name, kind)| {
        types.with(name, kind)
    })
}

pub fn types_for(case: &Value) -> ExtensionTypes {
    if case["sampleExtensionAttributes"] == Value::Bool(true) {
        sample_extension_types()
    } else {
        ExtensionTypes::default()
    }
}

pub fn minimal(id: &str) -> Event {
    Event {
        id: id.into(),
        source: "https://cloudevents.io".into(),
        specversion: "1.0".into(),
        ty: "io.cloudevents.test".into(),
        ..Event::default()
    }
}

/// The golden sample events of FORMAT-README.md.
pub fn sample_event(sample: &str) -> Event {
    match sample {
        "minimal" => minimal("minimal"),
        "minimalWithTime" => Event {
            time: Some("2018-04-05T17:31:00Z".into()),
            ..minimal("minimalWithTime")
        },
        "minimalWithRelativeSource" => Event {
            source: "#fragment".into(),
            ..minimal("minimalWithRelativeSource")
        },
        "allCore" => Event {
            datacontenttype: Some("text/plain".into()),
            dataschema: Some("https://cloudevents.io/dataschema".into()),
            subject: Some("tests".into()),
            time: Some("2018-04-05T17:31:00Z".into()),
            ..minimal("allCore")
        },
        // FORMAT-README.md names this sample's id "simpleData", but the test
        // files (the suite's data) send "simpleTextData"; the data wins.
        "simpleTextData" => Event {
            datacontenttype: Some("text/plain".into()),
            data: Some(b"Simple text".to_vec()),
            ..minimal("simpleTextData")
        },
        "allExtensionTypes" => Event {
            extensions: vec![
                Extension::new("extinteger", AttributeValue::Integer(10)),
                Extension::new("extboolean", AttributeValue::Boolean(true)),
                Extension::new("extstring", AttributeValue::String("text".into())),
                Extension::new("extbinary", AttributeValue::Binary(vec![77, 97])),
                Extension::new(
                    "exttimestamp",
                    AttributeValue::Timestamp("2023-03-31T15:12:00Z".into()),
                ),
                Extension::new(
                    "exturi",
                    AttributeValue::Uri("https://cloudevents.io".into()),
                ),
                Extension::new(
                    "exturiref",
                    AttributeValue::UriRef("//authority/path".into()),
                ),
            ],
            ..minimal("allExtensionTypes")
        },
        other => panic!("unknown sample event `{other}`"),
    }
}

/// The golden sample batches of FORMAT-README.md.
pub fn sample_batch(sample: &str) -> Vec<Event> {
    match sample {
        "empty" => vec![],
        "minimal" => vec![sample_event("minimal")],
        "minimal2" => vec![sample_event("minimal"), sample_event("minimal")],
        "minimalAndAllCore" => vec![sample_event("minimal"), sample_event("allCore")],
        "minimalAndAllExtensionTypes" => {
            vec![sample_event("minimal"), sample_event("allExtensionTypes")]
        }
        other => panic!("unknown sample batch `{other}`"),
    }
}

/// Compares events as the suite asks: timestamps by the instant they name,
/// extensions regardless of order.
pub fn assert_same_event(case: &str, actual: &Event, expected: &Event) {
    let instant = |time: &Option<String>| time.as_deref().map(|t| timestamp::parse(t).unwrap());
    assert_eq!(
        instant(&actual.time),
        instant(&expected.time),
        "{case}: time"
    );
    let normalize = |event: &Event| {
        let mut extensions = event.extensions.clone();
        extensions.sort_by(|a, b| a.name.cmp(&b.name));
        for extension in &mut extensions {
            if let AttributeValue::Timestamp(time) = &extension.value {
                let at = timestamp::parse(time).unwrap();
                extension.value = AttributeValue::String(format!("{}.{}", at.seconds, at.nanos));
            }
        }
        Event {
            time: None,
            extensions,
            ..event.clone()
        }
    };
    assert_eq!(normalize(actual), normalize(expected), "{case}");
}
