//! The CloudEvents conformance suite through the NATS binding: every valid
//! event and batch of the JSON format files is delivered to the handler as
//! its golden sample and answered on the reply subject; every invalid one is
//! refused as not worth retrying, and the handler never sees it.

use bindery_test_support::conformance;

use bindery_nats_cloudevents::{Config, Delivered, Event, Message, on_message};
use codec::json;
use conformance::{assert_same_event, load, sample_batch, sample_event, types_for};
use serde_json::Value;

fn message(body: &Value) -> Message {
    Message {
        subject: "events".into(),
        body: serde_json::to_vec(body).unwrap(),
        reply_to: Some("_INBOX.conformance".into()),
    }
}

fn config(case: &Value) -> Config {
    Config {
        extension_types: types_for(case),
        ..Config::default()
    }
}

/// Delivers `body` with an echoing handler; returns the events the handler
/// saw and what became of the message.
fn deliver(
    case: &Value,
    body: &Value,
) -> (
    Vec<Event>,
    Result<Delivered, bindery_nats_cloudevents::Failure>,
) {
    let mut seen = Vec::new();
    let delivered = on_message(&config(case), &message(body), |event| {
        seen.push(event.clone());
        Ok(Some(event))
    });
    (seen, delivered)
}

fn answered(id: &str, delivered: Result<Delivered, bindery_nats_cloudevents::Failure>) -> Vec<u8> {
    match delivered {
        Ok(Delivered::Answered(answer)) => {
            assert_eq!(answer.subject, "_INBOX.conformance", "{id}");
            answer.body
        }
        other => panic!("{id}: {other:?}"),
    }
}

#[test]
fn valid_events_reach_the_handler_as_their_samples_and_are_answered() {
    let cases = load("valid-events.json");
    assert!(cases.len() >= 10);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let expected = sample_event(case["sampleId"].as_str().unwrap());
        let (seen, delivered) = deliver(case, &case["event"]);
        assert_eq!(seen.len(), 1, "{id}");
        assert_same_event(id, &seen[0], &expected);
        let body = answered(id, delivered);
        let answer = json::decode_event(&body, &types_for(case)).unwrap();
        assert_same_event(id, &answer, &expected);
    }
}

#[test]
fn invalid_events_are_refused_without_retry() {
    let cases = load("invalid-events.json");
    assert!(cases.len() >= 20);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let (seen, delivered) = deliver(case, &case["event"]);
        assert!(seen.is_empty(), "{id}: the handler saw it");
        let failure = delivered.expect_err(id);
        assert!(!failure.retry, "{id}: {failure}");
    }
}

#[test]
fn valid_batches_reach_the_handler_event_by_event_and_are_answered_as_a_batch() {
    for case in &load("valid-batches.json") {
        let id = case["id"].as_str().unwrap();
        let expected = sample_batch(case["sampleId"].as_str().unwrap());
        let (seen, delivered) = deliver(case, &case["batch"]);
        assert_eq!(seen.len(), expected.len(), "{id}");
        for (actual, expected) in seen.iter().zip(&expected) {
            assert_same_event(id, actual, expected);
        }
        if expected.is_empty() {
            assert_eq!(delivered, Ok(Delivered::Handled), "{id}");
            continue;
        }
        let answers = json::decode_batch(&answered(id, delivered), &types_for(case)).unwrap();
        assert_eq!(answers.len(), expected.len(), "{id}");
    }
}

#[test]
fn invalid_batches_are_refused_without_retry() {
    let cases = load("invalid-batches.json");
    assert!(cases.len() >= 3);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let (_, delivered) = deliver(case, &case["batch"]);
        let failure = delivered.expect_err(id);
        assert!(!failure.retry, "{id}: {failure}");
    }
}
