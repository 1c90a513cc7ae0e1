//! The stage component: `bindery:cloudevents/handler` exported to the
//! binder (or the stage in front), the next one's imported, and
//! [`crate::handle`] in between, with the filters parsed once per instance.

use std::sync::OnceLock;

use filter::Filters;

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

/// The filters, read from the environment on the first event.
fn filters() -> &'static Result<Filters, String> {
    static FILTERS: OnceLock<Result<Filters, String>> = OnceLock::new();
    FILTERS.get_or_init(|| crate::filters_from(std::env::vars()).map_err(|error| error.to_string()))
}

impl Guest for Stage {
    fn handle(
        event: outer::wit::Event,
    ) -> Result<Option<outer::wit::Event>, outer::wit::HandlerError> {
        let filters = match filters() {
            Ok(filters) => filters,
            Err(error) => {
                return Err(outer::wit::HandlerError::Internal(format!(
                    "the filter stage's settings are unusable: {error}"
                )));
            }
        };
        outer::answer(crate::handle(filters, outer::event(event), inner::next))
    }
}

export!(Stage);
