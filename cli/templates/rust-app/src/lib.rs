//! {{name}}: a CloudEvents app component. It exports
//! `bindery:cloudevents/handler` and holds no HTTP code: a binder, linked in
//! by `bindery compose`, turns requests into calls of `handle`.

use bindery_sdk::{Event, EventBuilder, HandlerError};
use serde_json::{Value, json};

/// Answers `com.example.ping` with a new `com.example.pong` event carrying
/// the ping's JSON data (its id and time filled in by the builder); built
/// with the `sending-app` feature, sends a `com.example.notified` event for
/// each `com.example.notify` through the sink and answers nothing; answers
/// every other event with itself.
///
/// Return `Ok(None)` to answer with nothing (HTTP 204),
/// `Err(HandlerError::Invalid(..))` to refuse an event (400), or
/// `Err(HandlerError::Unavailable(..))` to ask for a retry (503).
fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
    #[cfg(feature = "sending-app")]
    if event.ty == "com.example.notify" {
        let data: Value = event
            .json()
            .map_err(|err| HandlerError::Invalid(err.to_string()))?;
        let notified = EventBuilder::new("com.example.notified", "/{{name}}")
            .json(&data)
            .build()
            .map_err(|err| HandlerError::Internal(err.to_string()))?;
        bindery_sdk::send(notified).map_err(|err| HandlerError::Unavailable(err.to_string()))?;
        return Ok(None);
    }
    if event.ty != "com.example.ping" {
        return Ok(Some(event));
    }
    let ping: Value = event
        .json()
        .map_err(|err| HandlerError::Invalid(err.to_string()))?;
    let pong = EventBuilder::new("com.example.pong", "/{{name}}")
        .json(&json!({ "pong": ping }))
        .build()
        .map_err(|err| HandlerError::Internal(err.to_string()))?;
    Ok(Some(pong))
}

bindery_sdk::export_handler!(handle);
