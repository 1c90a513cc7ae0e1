//! {{name}}: a CloudEvents app component. It exports
//! `bindery:cloudevents/handler` and holds no HTTP code: a binder, linked in
//! by `bindery compose`, turns requests into calls of `handle`.

wit_bindgen::generate!({
    world: "bindery:cloudevents/app",
    path: "wit",
});

use exports::bindery::cloudevents::handler::{Event, Guest, HandlerError};

struct App;

impl Guest for App {
    /// Answers every event with the event itself. Return `Ok(None)` to
    /// answer with nothing (HTTP 204), `Err(HandlerError::Invalid(..))` to
    /// refuse an event (400), or `Err(HandlerError::Unavailable(..))` to ask
    /// for a retry (503).
    fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
        Ok(Some(event))
    }
}

export!(App);
