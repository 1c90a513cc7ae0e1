//! The `schema` stage: each event's `data` checked against the JSON Schema
//! (draft 2020-12 or draft-07) for its `dataschema` or, failing that, its
//! `type`, before the app sees it. An event that fails is refused as
//! invalid (HTTP 400 with a problem document that lists each failure's JSON
//! pointer and reason; NATS: no reply, and the host logs the same); an
//! event no schema applies to passes unchecked.
//!
//! Its setting is `BINDERY_SCHEMA_SCHEMAS`: a JSON object of schemas by
//! event type or `dataschema` URI, which `bindery compose` reads from the
//! files the stage's `config = { schemas = { ... } }` names, checks, and
//! embeds. The schemas are compiled once per instance.

#[cfg(target_arch = "wasm32")]
mod component;

use codec::{Event, HandlerError};
use schema::{SchemaError, Schemas};

/// The variable that holds the schemas.
pub const SCHEMAS_VARIABLE: &str = "BINDERY_SCHEMA_SCHEMAS";

/// The schemas of `variables` (none: every event passes).
pub fn schemas_from(
    mut variables: impl Iterator<Item = (String, String)>,
) -> Result<Schemas, String> {
    let text = variables
        .find(|(name, _)| name == SCHEMAS_VARIABLE)
        .map_or_else(|| "{}".to_owned(), |(_, text)| text);
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("{SCHEMAS_VARIABLE} is not JSON: {error}"))?;
    Schemas::compile(&json).map_err(|error: SchemaError| format!("{SCHEMAS_VARIABLE}: {error}"))
}

/// What the stage does with `event`: pass it on to `next` when its data
/// fits its schema, or refuse it, naming every failure.
pub fn handle(
    schemas: &Schemas,
    event: Event,
    next: impl FnOnce(Event) -> Result<Option<Event>, HandlerError>,
) -> Result<Option<Event>, HandlerError> {
    let data = event.data.as_deref();
    match schemas.check(&event.ty, event.dataschema.as_deref(), data) {
        Ok(()) => next(event),
        Err(failures) => {
            let listed: Vec<String> = failures.iter().map(ToString::to_string).collect();
            Err(HandlerError::Invalid(format!(
                "the data of event `{}` ({}) does not match its schema: {}",
                event.id,
                event.ty,
                listed.join("; ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(data: &str) -> Event {
        Event {
            id: "o-1".into(),
            source: "/orders".into(),
            specversion: "1.0".into(),
            ty: "com.example.order.created".into(),
            data: Some(data.as_bytes().to_vec()),
            ..Event::default()
        }
    }

    #[test]
    fn valid_data_goes_on_and_invalid_data_is_refused_with_pointers() {
        let settings = [(
            SCHEMAS_VARIABLE.to_owned(),
            r#"{"com.example.order.created":{"type":"object","required":["orderId"],"properties":{"items":{"minItems":1}}}}"#.to_owned(),
        )];
        let schemas = schemas_from(settings.into_iter()).unwrap();
        let passed = handle(&schemas, order(r#"{"orderId":"A","items":[1]}"#), |e| {
            Ok(Some(e))
        });
        assert!(passed.unwrap().is_some());
        let refused = handle(&schemas, order(r#"{"items":[]}"#), |_| {
            unreachable!("refused")
        });
        let Err(HandlerError::Invalid(reason)) = refused else {
            panic!("refused as invalid: {refused:?}")
        };
        assert!(
            reason.contains("/items: ") && reason.contains("/: "),
            "{reason}"
        );
    }
}
