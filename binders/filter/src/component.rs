//! The stage component, made with the SDK's stage support: each event goes
//! through [`crate::handle`], with the filters parsed once per instance, and
//! on to the next stage or the app with [`bindery_sdk::next`].

use std::sync::OnceLock;

use bindery_sdk::{Event, HandlerError};
use filter::Filters;

/// The filters, read from the environment on the first event.
fn filters() -> &'static Result<Filters, String> {
    static FILTERS: OnceLock<Result<Filters, String>> = OnceLock::new();
    FILTERS.get_or_init(|| crate::filters_from(std::env::vars()).map_err(|error| error.to_string()))
}

fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
    match filters() {
        Ok(filters) => crate::handle(filters, event, bindery_sdk::next),
        Err(error) => Err(HandlerError::Internal(format!(
            "the filter stage's settings are unusable: {error}"
        ))),
    }
}

bindery_sdk::export_stage!(handle);
