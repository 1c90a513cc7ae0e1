//! The sink natively: its configuration, the request an event becomes in
//! each mode, and what an answer means.

use std::time::Duration;

use bindery_http_sink::{
    Attempt, Config, GaveUp, Mode, Policy, SendError, Target, gave_up, outcome, request,
};
use codec::{AttributeValue, Event, Extension, ExtensionTypes, json};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (format!("BINDERY_SENDER_{name}"), value.to_string()))
        .collect()
}

fn event() -> Event {
    Event {
        id: "a-1".into(),
        source: "/orders".into(),
        specversion: "1.0".into(),
        ty: "com.example.order.audited".into(),
        datacontenttype: Some("application/json".into()),
        subject: Some("A-17".into()),
        extensions: vec![Extension::new("priority", AttributeValue::Integer(3))],
        data: Some(br#"{"orderId":"A-17"}"#.to_vec()),
        ..Event::default()
    }
}

#[test]
fn configuration() {
    let config = Config::from_env(env(&[
        ("URL", "https://audit.example.com:8443/in?tenant=7"),
        ("MODE", "structured"),
        ("TIMEOUT_MS", "2500"),
        ("RETRY_BUDGET_MS", "0"),
        ("RETRY_FIRST_MS", "250"),
    ]))
    .unwrap();
    assert_eq!(
        config.target,
        Target {
            scheme: "https".into(),
            authority: "audit.example.com:8443".into(),
            path_with_query: "/in?tenant=7".into(),
        }
    );
    assert_eq!(config.mode, Mode::Structured);
    assert_eq!(config.timeout, Duration::from_millis(2500));
    assert_eq!(
        config.retry,
        Policy {
            budget: Duration::ZERO,
            first_wait: Duration::from_millis(250)
        }
    );
    let defaults = Config::from_env(env(&[("URL", "http://127.0.0.1:9000")])).unwrap();
    assert_eq!(defaults.target.path_with_query, "/");
    assert_eq!(
        (defaults.mode, defaults.timeout, defaults.retry),
        (Mode::Binary, Duration::from_secs(10), Policy::default())
    );

    for (pairs, message) in [
        (&[][..], "BINDERY_SENDER_URL`: required"),
        (
            &[("URL", "ftp://x/")][..],
            "expected an absolute http or https URL",
        ),
        (
            &[("URL", "/relative")][..],
            "expected an absolute http or https URL",
        ),
        (
            &[("URL", "http://u:p@x/")][..],
            "expected an absolute http or https URL",
        ),
        (
            &[("URL", "http://x/"), ("MODE", "fast")][..],
            "expected `binary` or `structured`",
        ),
        (
            &[("URL", "http://x/"), ("TIMEOUT_MS", "0")][..],
            "expected whole milliseconds from 1",
        ),
        (
            &[("URL", "http://x/"), ("RETRY_BUDGET_MS", "soon")][..],
            "expected whole milliseconds from 0",
        ),
        (
            &[("URL", "http://x/"), ("RETRY_FIRST_MS", "0")][..],
            "expected whole milliseconds from 1",
        ),
        (
            &[("URL", "http://x/"), ("RETRIES", "3")][..],
            "unknown setting; the known ones are URL, MODE, TIMEOUT_MS, RETRY_BUDGET_MS, RETRY_FIRST_MS",
        ),
    ] {
        let error = Config::from_env(env(pairs)).unwrap_err().to_string();
        assert!(error.contains(message), "{pairs:?}: {error}");
    }
    assert!(
        Config::from_env([("BINDERY_CONFIG_URL".to_owned(), "x".to_owned())]).is_err(),
        "a binder's variables are not the sink's"
    );
}

#[test]
fn binary_and_structured_requests() {
    let binary = Config::from_env(env(&[("URL", "http://127.0.0.1:9000/audit")])).unwrap();
    let sent = request(&binary, event()).unwrap();
    let header = |name: &str| {
        sent.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| String::from_utf8(value.clone()).unwrap())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("ce-id").as_deref(), Some("a-1"));
    assert_eq!(
        header("ce-type").as_deref(),
        Some("com.example.order.audited")
    );
    assert_eq!(header("ce-subject").as_deref(), Some("A-17"));
    assert_eq!(header("ce-priority").as_deref(), Some("3"));
    assert_eq!(sent.body, br#"{"orderId":"A-17"}"#);

    let structured = Config {
        mode: Mode::Structured,
        ..binary.clone()
    };
    let sent = request(&structured, event()).unwrap();
    assert_eq!(
        sent.headers,
        [(
            "content-type".to_owned(),
            b"application/cloudevents+json".to_vec()
        )]
    );
    let types = ExtensionTypes::parse("priority=integer").unwrap();
    assert_eq!(json::decode_event(&sent.body, &types).unwrap(), event());

    let invalid = Event {
        source: String::new(),
        ..event()
    };
    assert!(matches!(
        request(&binary, invalid),
        Err(SendError::Invalid(_))
    ));
}

#[test]
fn answers() {
    assert_eq!(outcome(202, None, b""), Attempt::Sent);
    assert_eq!(outcome(204, None, b"ignored"), Attempt::Sent);
    assert_eq!(
        outcome(503, Some(b"3"), b""),
        Attempt::Retry {
            error: SendError::Refused("status 503".into()),
            after: Some(Duration::from_secs(3)),
        }
    );
    assert_eq!(
        outcome(429, None, b"slow down"),
        Attempt::Retry {
            error: SendError::Refused("status 429: slow down".into()),
            after: None,
        }
    );
    let long = vec![b'x'; 1000];
    let Attempt::Fail(SendError::Refused(reason)) = outcome(400, None, &long) else {
        panic!("a 400 is a refusal, not retried")
    };
    assert_eq!(reason.len(), "status 400: ".len() + 200);
    assert!(matches!(outcome(501, None, b""), Attempt::Fail(_)));
}

#[test]
fn giving_up_says_after_how_many_tries() {
    let once = gave_up(GaveUp {
        error: SendError::Refused("status 400".into()),
        attempts: 1,
        transient: false,
    });
    assert_eq!(once.to_string(), "refused: status 400");
    let spent = gave_up(GaveUp {
        error: SendError::Unreachable("connection refused".into()),
        attempts: 4,
        transient: true,
    });
    assert_eq!(
        spent.to_string(),
        "unreachable: connection refused (after 4 tries)"
    );
}
