//! The router component: `bindery:cloudevents/sender` exported to the app,
//! and imported twice, from the sink (`sender`) and the dead-letter sink
//! (`dead-letter`), with [`crate::mark`] between a failure and the second.

mod bindings {
    wit_bindgen::generate!({
        world: "bindery:cloudevents/dead-letter-router",
        path: "../../wit",
        generate_all,
    });
}

use bindings::bindery::cloudevents::sender::SendError as SinkError;
use bindings::bindery::cloudevents::types as sink;
use bindings::bindery::cloudevents::{dead_letter, sender};
use bindings::exports::bindery::cloudevents::sender::{Guest, SendError};
use bindings::exports::bindery::cloudevents::types as app;

use crate::{DESTINATION_VARIABLE, Kind, both_failed, mark};

struct Router;

impl Guest for Router {
    fn send(event: app::Event) -> Result<(), SendError> {
        let event = sink_side::event_to(app_side::event_from(event));
        let (kind, reason) = match sender::send(&event) {
            Ok(()) => return Ok(()),
            Err(SinkError::Refused(reason)) => (Kind::Refused, reason),
            Err(SinkError::Unreachable(reason)) => (Kind::Unreachable, reason),
            Err(SinkError::Invalid(reason)) => (Kind::Invalid, reason),
        };
        let destination = std::env::var(DESTINATION_VARIABLE).ok();
        let letter = mark(
            sink_side::event_from(event),
            kind,
            &reason,
            destination.as_deref(),
        );
        match dead_letter::send(&sink_side::event_to(letter)) {
            Ok(()) => {
                eprintln!(
                    "dead-letter: an event the sink gave up on ({}: {reason}) went to the dead-letter sink",
                    kind.name()
                );
                Ok(())
            }
            Err(error) => {
                let dead_letter = match error {
                    SinkError::Refused(why) => format!("refused: {why}"),
                    SinkError::Unreachable(why) => format!("unreachable: {why}"),
                    SinkError::Invalid(why) => format!("invalid: {why}"),
                };
                let reason = both_failed(&reason, &dead_letter);
                Err(match kind {
                    Kind::Refused => SendError::Refused(reason),
                    Kind::Unreachable => SendError::Unreachable(reason),
                    Kind::Invalid => SendError::Invalid(reason),
                })
            }
        }
    }
}

bindings::export!(Router with_types_in bindings);

/// The event as the app passes it.
mod app_side {
    #![allow(dead_code, reason = "the router only takes events from the app")]

    /// The exported types, which hold no `handler-error` in this world (no
    /// handler is exported): the conversions' answer functions, unused
    /// here, take the imported one.
    mod wit {
        pub(super) use super::super::app::*;
        pub(super) use super::super::sink::HandlerError;
    }

    codec::wit_conversions!(wit);

    pub(super) fn event_from(event: wit::Event) -> codec::Event {
        from_wit(event)
    }
}

/// The event as the sinks take it.
mod sink_side {
    use super::sink as wit;
    codec::wit_conversions!(wit);

    pub(super) fn event_to(event: codec::Event) -> wit::Event {
        to_wit(event)
    }

    pub(super) fn event_from(event: wit::Event) -> codec::Event {
        from_wit(event)
    }
}
