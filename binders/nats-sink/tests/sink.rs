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
