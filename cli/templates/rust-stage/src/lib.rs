//! {{name}}: a CloudEvents event stage. It stands between a binder and the
//! app (or the next stage), handling each event first: `bindery compose`
//! links it in when a binder executor names it in `stages`.

use bindery_sdk::{AttributeValue, Event, HandlerError};

/// Drops `com.example.drop` events (the binder acknowledges them without an
/// answer: HTTP 202, no NATS reply); passes every other event on with
/// `next`, after appending this stage's name to its `stages` extension, so
/// that the answer shows which stages an event went through.
///
/// A stage may also answer an event itself (`Ok(Some(..))` without
/// calling `next`), or refuse it: `Err(HandlerError::Invalid(..))` (400).
fn handle(mut event: Event) -> Result<Option<Event>, HandlerError> {
    if event.ty == "com.example.drop" {
        return Ok(Some(bindery_sdk::dropped(&event)));
    }
    let trail = match event.extension("stages") {
        Some(AttributeValue::String(trail)) => format!("{trail},{{name}}"),
        _ => "{{name}}".to_owned(),
    };
    event.set_extension("stages", AttributeValue::String(trail));
    bindery_sdk::next(event)
}

bindery_sdk::export_stage!(handle);
