//! The echo app: it answers every CloudEvent with the event itself, every
//! attribute, extension and byte of data unchanged. It holds no HTTP code and
//! no CloudEvents parsing: the binder does that.

use bindery_sdk::{Event, HandlerError};

/// Answers `event` with itself.
fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
    Ok(Some(event))
}

bindery_sdk::export_handler!(handle);
