//! The stage component, made with the SDK's stage support: each event goes
//! through [`crate::handle`], with the schemas compiled once per instance,
//! and on to the next stage or the app with [`bindery_sdk::next`].

use std::cell::OnceCell;

use bindery_sdk::{Event, HandlerError};
use schema::Schemas;

thread_local! {
    /// The schemas, read from the environment and compiled on the first
    /// event (the validator is not `Sync`; an instance has one thread).
    static SCHEMAS: OnceCell<Result<Schemas, String>> = const { OnceCell::new() };
}

fn handle(event: Event) -> Result<Option<Event>, HandlerError> {
    SCHEMAS.with(
        |cell| match cell.get_or_init(|| crate::schemas_from(std::env::vars())) {
            Ok(schemas) => crate::handle(schemas, event, bindery_sdk::next),
            Err(error) => Err(HandlerError::Internal(format!(
                "the schema stage's settings are unusable: {error}"
            ))),
        },
    )
}

bindery_sdk::export_stage!(handle);
