//! The NATS sink natively: its configuration and the message an event
//! becomes.

use bindery_nats_sink::{Config, message};
use codec::{Event, ExtensionTypes, json};

fn config(subject: &str) -> Result<Config, codec::ConfigError> {
    Config::from_env([("BINDERY_SENDER_SUBJECT".to_owned(), subject.to_owned())])
}

#[test]
fn configuration_and_messages() {
    assert_eq!(config("orders.audited").unwrap().subject, "orders.audited");
    for bad in ["orders.*", "orders.>", "orders audited", "", "orders..x"] {
        assert!(config(bad).is_err(), "{bad:?}");
    }
    assert!(
        Config::from_env([])
            .unwrap_err()
            .to_string()
            .contains("BINDERY_SENDER_SUBJECT`: required")
    );
    let event = Event {
        id: "a-1".into(),
        source: "/orders".into(),
        specversion: "1.0".into(),
        ty: "com.example.order.audited".into(),
        data: Some(br#"{"orderId":"A-17"}"#.to_vec()),
        ..Event::default()
    };
    let (subject, body) = message(&config("orders.audited").unwrap(), &event).unwrap();
    assert_eq!(subject, "orders.audited");
    assert_eq!(
        json::decode_event(&body, &ExtensionTypes::default()).unwrap(),
        event
    );
    let invalid = Event {
        id: String::new(),
        ..event
    };
    assert!(message(&config("x").unwrap(), &invalid).is_err());
}

#[test]
fn retries_are_configured_and_a_refused_subject_is_final() {
    let vars = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(name, value)| (format!("BINDERY_SENDER_{name}"), value.to_string()))
            .collect::<Vec<_>>()
    };
    let config = Config::from_env(vars(&[
        ("SUBJECT", "orders.audited"),
        ("RETRY_BUDGET_MS", "2000"),
        ("RETRY_FIRST_MS", "50"),
    ]))
    .unwrap();
    assert_eq!(config.retry.budget, std::time::Duration::from_secs(2));
    assert_eq!(
        config.retry.first_wait,
        std::time::Duration::from_millis(50)
    );
    let bad = Config::from_env(vars(&[("SUBJECT", "a"), ("RETRY_BUDGET_MS", "-1")]));
    assert!(bad.unwrap_err().to_string().contains("RETRY_BUDGET_MS"));

    let denied =
        "sending to `x` is not allowed: add `nats://x` to the component's allowed_outbound_hosts";
    assert!(matches!(
        bindery_nats_sink::publish_failed(denied.into()),
        bindery_nats_sink::Attempt::Fail(_)
    ));
    assert!(matches!(
        bindery_nats_sink::publish_failed("the message could not be written to the broker".into()),
        bindery_nats_sink::Attempt::Retry { .. }
    ));
}
