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
            _ => Ok(Some(event)),
        }
    }
}

export!(App);
