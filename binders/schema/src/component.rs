//! The stage component: `bindery:cloudevents/handler` exported to the
//! binder (or the stage in front), the next one's imported, and
//! [`crate::handle`] in between, with the schemas compiled once per
//! instance.

use std::cell::OnceCell;

use schema::Schemas;

wit_bindgen::generate!({
    world: "bindery:cloudevents/stage",
    path: "../../wit",
});

use exports::bindery::cloudevents::handler::Guest;

/// The exported side: events as the binder gives them.
mod outer {
    pub(super) use super::exports::bindery::cloudevents::types as wit;
    codec::wit_conversions!(wit);

    pub(super) fn event(event: wit::Event) -> codec::Event {
        from_wit(event)
    }

    pub(super) fn answer(
        answer: Result<Option<codec::Event>, codec::HandlerError>,
    ) -> Result<Option<wit::Event>, wit::HandlerError> {
        answer_to_wit(answer)
    }
}

/// The imported side: the next stage, or the app.
mod inner {
    use super::bindery::cloudevents::handler;
    use super::bindery::cloudevents::types as wit;
    codec::wit_conversions!(wit);

    pub(super) fn next(event: codec::Event) -> Result<Option<codec::Event>, codec::HandlerError> {
        answer_from_wit(handler::handle(&to_wit(event)))
    }
}

struct Stage;

thread_local! {
    /// The schemas, read from the environment and compiled on the first
    /// event (the validator is not `Sync`; an instance has one thread).
    static SCHEMAS: OnceCell<Result<Schemas, String>> = const { OnceCell::new() };
}

impl Guest for Stage {
    fn handle(
        event: outer::wit::Event,
    ) -> Result<Option<outer::wit::Event>, outer::wit::HandlerError> {
        SCHEMAS.with(
            |cell| match cell.get_or_init(|| crate::schemas_from(std::env::vars())) {
                Ok(schemas) => {
                    outer::answer(crate::handle(schemas, outer::event(event), inner::next))
                }
                Err(error) => Err(outer::wit::HandlerError::Internal(format!(
                    "the schema stage's settings are unusable: {error}"
                ))),
            },
        )
    }
}

export!(Stage);
