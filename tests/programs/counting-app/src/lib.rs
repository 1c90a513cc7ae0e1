//! A test app that shows instance reuse: it answers each event with the
//! event itself plus an `invocation` extension, the number of events this
//! instance has handled, 1 for the first. Events of some types fault on
//! purpose: `com.example.trap` panics (a trap), `com.example.spin` loops
//! forever (the deadline), `com.example.grow` allocates until the memory
//! limit stops it.

use std::sync::atomic::{AtomicI32, Ordering};

use bindery_sdk::{AttributeValue, Event, Extension, HandlerError};

/// Events handled by this instance.
static HANDLED: AtomicI32 = AtomicI32::new(0);

fn handle(mut event: Event) -> Result<Option<Event>, HandlerError> {
    match event.ty.as_str() {
        "com.example.trap" => panic!("asked to trap"),
        "com.example.spin" => loop {
            std::hint::black_box(&event);
        },
        "com.example.grow" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        _ => {}
    }
    let invocation = HANDLED.fetch_add(1, Ordering::Relaxed) + 1;
    event.extensions.push(Extension::new(
        "invocation",
        AttributeValue::Integer(invocation),
    ));
    Ok(Some(event))
}

bindery_sdk::export_handler!(handle);
