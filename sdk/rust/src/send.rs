//! Sending events through the sink the manifest names: `bindery compose`
//! links a sink binder to the app's `bindery:cloudevents/sender` import
//! (`[component.<id>.dependencies]`).

use crate::Event;

/// Why an event was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The sink refused the event (for HTTP, a status other than 2xx).
    #[error("the sink refused the event: {0}")]
    Refused(String),
    /// The sink could not be reached, or did not answer in time.
    #[error("the sink is unreachable: {0}")]
    Unreachable(String),
    /// The event is not a valid CloudEvent; it was not sent.
    #[error("the event is invalid: {0}")]
    Invalid(String),
}

/// Sends `event` and waits for the sink to take it. An app that calls this
/// imports `bindery:cloudevents/sender`, and its manifest must name a sink
/// for it.
#[cfg(target_arch = "wasm32")]
pub fn send(event: Event) -> Result<(), SendError> {
    use crate::bindings::bindery::cloudevents::sender::SendError as Wit;
    imported::send(event).map_err(|error| match error {
        Wit::Refused(why) => SendError::Refused(why),
        Wit::Unreachable(why) => SendError::Unreachable(why),
        Wit::Invalid(why) => SendError::Invalid(why),
    })
}

/// Sending needs a component; natively there is no sink.
#[cfg(not(target_arch = "wasm32"))]
pub fn send(event: Event) -> Result<(), SendError> {
    Err(SendError::Unreachable(format!(
        "event {} not sent: sending works in a component, composed with a sink",
        event.id
    )))
}

/// The event as the imported `sender` takes it.
#[cfg(target_arch = "wasm32")]
mod imported {
    use crate::bindings::bindery::cloudevents::sender::{self, SendError};
    use crate::bindings::bindery::cloudevents::types as wit;

    pub(super) fn send(event: crate::Event) -> Result<(), SendError> {
        sender::send(&to_wit(event))
    }

    codec::wit_conversions!(wit);
}
