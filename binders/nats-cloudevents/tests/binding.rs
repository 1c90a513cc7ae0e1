//! The NATS binding's choices: where answers go, when they are dropped, and
//! which failures are worth a redelivery.

use bindery_nats_cloudevents::{Config, Delivered, Event, HandlerError, Message, on_message};

const ORDER: &str = r#"{"specversion":"1.0","id":"1","source":"/orders","type":"com.example.order.created","data":{"sku":"A-17"}}"#;

fn message(body: &str, reply_to: Option<&str>) -> Message {
    Message {
        subject: "orders.created".into(),
        body: body.as_bytes().to_vec(),
        reply_to: reply_to.map(String::from),
    }
}

fn echo(event: Event) -> Result<Option<Event>, HandlerError> {
    Ok(Some(event))
}

#[test]
fn answers_go_to_reply_to_or_to_the_configured_subject() {
    let Ok(Delivered::Answered(answer)) =
        on_message(&Config::default(), &message(ORDER, Some("_INBOX.7")), echo)
    else {
        panic!("not answered");
    };
    assert_eq!(answer.subject, "_INBOX.7");
    let sent: serde_json::Value = serde_json::from_str(ORDER).unwrap();
    let answered: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answered, sent, "the structured answer is the event");

    let configured = Config {
        reply_subject: Some("orders.accepted".into()),
        ..Config::default()
    };
    let Ok(Delivered::Answered(answer)) =
        on_message(&configured, &message(ORDER, Some("_INBOX.7")), echo)
    else {
        panic!("not answered");
    };
    assert_eq!(answer.subject, "orders.accepted");
}

/// A stage drops an event by answering `dev.bindery.dropped`: nothing is
/// published, even with a reply subject.
#[test]
fn a_dropped_event_gets_no_reply() {
    let drop = |event: Event| Ok(Some(Event::dropped(&event.id, &event.source)));
    assert_eq!(
        on_message(&Config::default(), &message(ORDER, Some("_INBOX.7")), drop),
        Ok(Delivered::Handled)
    );
}

#[test]
fn an_answer_with_nowhere_to_go_is_dropped_and_counted() {
    assert_eq!(
        on_message(&Config::default(), &message(ORDER, None), echo),
        Ok(Delivered::Dropped { answers: 1 })
    );
    let batch = format!("[{ORDER},{}]", ORDER.replace(r#""id":"1""#, r#""id":"2""#));
    assert_eq!(
        on_message(&Config::default(), &message(&batch, None), echo),
        Ok(Delivered::Dropped { answers: 2 })
    );
    assert_eq!(
        on_message(
            &Config::default(),
            &message(ORDER, Some("_INBOX.7")),
            |_| Ok(None)
        ),
        Ok(Delivered::Handled)
    );
}

#[test]
fn a_batch_is_answered_with_a_batch() {
    let batch = format!("  [{ORDER}]");
    let Ok(Delivered::Answered(answer)) =
        on_message(&Config::default(), &message(&batch, Some("_INBOX.7")), echo)
    else {
        panic!("not answered");
    };
    let answered: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answered.as_array().map(Vec::len), Some(1));
}

#[test]
fn failures_say_whether_a_redelivery_may_help() {
    let config = Config::default();
    let refused = |error: HandlerError| {
        on_message(&config, &message(ORDER, None), move |_| Err(error.clone())).unwrap_err()
    };
    let invalid = refused(HandlerError::Invalid("no such sku".into()));
    assert!(!invalid.retry);
    assert!(invalid.to_string().contains("no such sku"), "{invalid}");
    assert!(refused(HandlerError::Unavailable("busy".into())).retry);
    let internal = refused(HandlerError::Internal("bug".into()));
    assert!(internal.retry);
    assert!(
        internal.to_string().ends_with("the message may be retried"),
        "{internal}"
    );

    let malformed = on_message(&config, &message("{not json", None), echo).unwrap_err();
    assert!(!malformed.retry, "{malformed}");
    let bad_answer = on_message(&config, &message(ORDER, Some("_INBOX.7")), |event| {
        Ok(Some(Event {
            datacontenttype: Some("text/plain\r\nx: y".into()),
            ..event
        }))
    })
    .unwrap_err();
    assert!(bad_answer.retry, "{bad_answer}");
    assert!(
        bad_answer.reason.contains("datacontenttype"),
        "{bad_answer}"
    );
}

#[test]
fn a_body_over_the_limit_is_refused_before_decoding() {
    let config = Config {
        max_body: 16,
        ..Config::default()
    };
    let mut called = false;
    let failure = on_message(&config, &message(ORDER, None), |event| {
        called = true;
        Ok(Some(event))
    })
    .unwrap_err();
    assert!(!called);
    assert!(!failure.retry);
    assert!(failure.reason.contains("over the limit of 16"), "{failure}");
}
