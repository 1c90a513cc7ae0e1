//! A test app that shows instance reuse: it answers each event with the
//! event itself plus an `invocation` extension, the number of events this
//! instance has handled, 1 for the first. An event of type
//! `com.example.trap` makes it panic, which traps the instance.

use std::sync::atomic::{AtomicI32, Ordering};

use bindery_sdk::{AttributeValue, Event, Extension, HandlerError};

/// Events handled by this instance.
static HANDLED: AtomicI32 = AtomicI32::new(0);

fn handle(mut event: Event) -> Result<Option<Event>, HandlerError> {
    if event.ty == "com.example.trap" {
        panic!("asked to trap");
    }
    let invocation = HANDLED.fetch_add(1, Ordering::Relaxed) + 1;
    event.extensions.push(Extension::new(
        "invocation",
        AttributeValue::Integer(invocation),
    ));
    Ok(Some(event))
}

bindery_sdk::export_handler!(handle);
