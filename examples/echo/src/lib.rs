//! The echo app: it answers every CloudEvent with the event itself, every
//! attribute, extension and byte of data unchanged. It holds no HTTP code and
//! no CloudEvents parsing: the binder does that.

wit_bindgen::generate!({
    world: "bindery:cloudevents/app",
    path: "../../wit",
});

use exports::bindery::cloudevents::handler::{Event, Guest, HandlerError};

struct Echo;

impl Guest for Echo {
    fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
        Ok(Some(event))
    }
}

export!(Echo);
