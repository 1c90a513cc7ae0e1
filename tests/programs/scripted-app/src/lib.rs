//! A test app: it echoes every event back unchanged, except for event types
//! that script another outcome:
//!
//! | `type` | outcome |
//! |---|---|
//! | `test.none` | no event (204) |
//! | `test.invalid` | `handler-error::invalid` (400) |
//! | `test.unavailable` | `handler-error::unavailable` (503) |
//! | `test.internal` | `handler-error::internal` (500) |
//! | `test.trap` | a trap |
//! | `test.loop` | a loop that never ends |
//! | `test.env` | an event whose data lists the guest's environment |
//! | `test.sleep` | the echo, after sleeping the milliseconds its `subject` gives |
//! | `test.flaky` | `handler-error::unavailable` until the Unix time in milliseconds its `subject` gives, then the echo |

wit_bindgen::generate!({
    world: "bindery:cloudevents/app",
    path: "../../../wit",
});

use exports::bindery::cloudevents::handler::{Event, Guest, HandlerError};

struct App;

impl Guest for App {
    fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
        match event.type_.as_str() {
            "test.none" => Ok(None),
            "test.invalid" => Err(HandlerError::Invalid(format!(
                "scripted rejection of {}",
                event.id
            ))),
            "test.unavailable" => Err(HandlerError::Unavailable("scripted unavailability".into())),
            "test.internal" => Err(HandlerError::Internal("scripted failure".into())),
            "test.trap" => panic!("scripted trap"),
            "test.loop" => loop {
                std::hint::black_box(&event);
            },
            "test.env" => {
                let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
                Ok(Some(Event {
                    datacontenttype: Some("text/plain".into()),
                    data: Some(vars.join("\n").into_bytes()),
                    ..event
                }))
            }
            "test.sleep" => {
                let millis = number(&event);
                std::thread::sleep(std::time::Duration::from_millis(millis));
                Ok(Some(event))
            }
            "test.flaky" => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis());
                if now < u128::from(number(&event)) {
                    Err(HandlerError::Unavailable(format!(
                        "scripted flakiness of {}",
                        event.id
                    )))
                } else {
                    Ok(Some(event))
                }
            }
            _ => Ok(Some(event)),
        }
    }
}

/// The number the event's `subject` gives, or 0.
fn number(event: &Event) -> u64 {
    event
        .subject
        .as_deref()
        .and_then(|subject| subject.parse().ok())
        .unwrap_or(0)
}

export!(App);
