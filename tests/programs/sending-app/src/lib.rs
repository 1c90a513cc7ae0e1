//! A test app that sends: for each event it sends a
//! `com.example.audited` event (id `<id>/audited`, the event's data, its
//! trace context) through the sender, then answers with the event itself.
//! A send that fails is answered with `unavailable` and the sink's reason.

use bindery_sdk::{Event, EventBuilder, HandlerError, send};

fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
    let mut audited = EventBuilder::new("com.example.audited", "/audit")
        .id(format!("{}/audited", event.id))
        .trace_of(&event);
    if let Some(data) = &event.data {
        audited = audited.bytes(data.clone(), event.effective_content_type());
    }
    let audited = audited
        .build()
        .map_err(|err| HandlerError::Internal(err.to_string()))?;
    send(audited).map_err(|err| HandlerError::Unavailable(err.to_string()))?;
    Ok(Some(event))
}

bindery_sdk::export_handler!(handle);
