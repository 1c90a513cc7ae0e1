//! Event stages: a stage handles each event before the app does (a filter,
//! a schema check, enrichment) and passes it on with [`next`], answers it
//! itself, drops it with [`dropped`], or refuses it with a
//! [`HandlerError`].
//!
//! ```no_run
//! use bindery_sdk::{AttributeValue, Event, HandlerError};
//!
//! /// Marks every event with the region it came through, and drops tests.
//! fn handle(mut event: Event) -> Result<Option<Event>, HandlerError> {
//!     if event.ty.ends_with(".test") {
//!         return Ok(Some(bindery_sdk::dropped(&event)));
//!     }
//!     event.set_extension("region", AttributeValue::String("eu".into()));
//!     bindery_sdk::next(event)
//! }
//!
//! bindery_sdk::export_stage!(handle);
//! # fn main() {}
//! ```
//!
//! In the manifest, a stage stands in a binder executor's `stages`:
//! `stages = [{ component = "enrich" }]`.

use crate::bindings::bindery::cloudevents::handler;
use crate::bindings::bindery::cloudevents::types as wit;
use crate::{Event, HandlerError};

/// Passes `event` on to the next stage, or to the app, and returns its
/// answer.
pub fn next(event: Event) -> Result<Option<Event>, HandlerError> {
    answer_from_wit(handler::handle(&to_wit(event)))
}

/// The answer that drops `event`: the binder acknowledges it without a
/// reply (HTTP 202 with no body; NATS: no reply), and it reaches nothing
/// behind the stage.
pub fn dropped(event: &Event) -> Event {
    Event::dropped(&event.id, &event.source)
}

codec::wit_conversions!(wit);
