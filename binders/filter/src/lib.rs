//! The `filter` stage: the filters of a CloudEvents subscription
//! (Subscriptions API v0.1: `exact`, `prefix`, `suffix`, `all`, `any`,
//! `not`, and `sql` with CESQL) in front of an app. An event that passes
//! them all goes on to the app; one that does not is dropped (the binder
//! acknowledges it without an answer: HTTP 202, no NATS reply).
//!
//! Its settings are `BINDERY_FILTER_FILTERS`, the filter list as JSON, as
//! `bindery compose` writes it from the stage's `config = { filters = [...] }`
//! (or the executor's `types` and `filters` shorthand), read and parsed
//! once per instance.

#[cfg(target_arch = "wasm32")]
mod component;

use codec::{AttributeValue, Event};
use filter::{FilterError, Filters};

/// The variable that holds the filter list.
pub const FILTERS_VARIABLE: &str = "BINDERY_FILTER_FILTERS";

/// Why the stage's settings are unusable.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsError {
    /// The variable is not JSON.
    NotJson(String),
    /// The JSON is not a filter list.
    Filters(FilterError),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson(error) => write!(f, "{FILTERS_VARIABLE} is not JSON: {error}"),
            Self::Filters(error) => write!(f, "{FILTERS_VARIABLE}: {error}"),
        }
    }
}

/// The filters of `variables` (no variable: no filter, every event passes).
pub fn filters_from(
    mut variables: impl Iterator<Item = (String, String)>,
) -> Result<Filters, SettingsError> {
    let Some((_, text)) = variables.find(|(name, _)| name == FILTERS_VARIABLE) else {
        return Ok(Filters::default());
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| SettingsError::NotJson(error.to_string()))?;
    Filters::from_json(&json).map_err(SettingsError::Filters)
}

/// An event as CESQL and the filters see it: its context attributes and
/// extensions, each in its CESQL type (a URI, a timestamp or binary data in
/// its string form).
pub struct Attributes<'a>(pub &'a Event);

impl<'a> cesql::Event for Attributes<'a> {
    fn attribute(&self, name: &str) -> Option<cesql::Value<'_>> {
        let event = self.0;
        let optional = |value: &'a Option<String>| value.as_deref().map(cesql::text);
        match name {
            "id" => Some(cesql::text(&event.id)),
            "source" => Some(cesql::text(&event.source)),
            "specversion" => Some(cesql::text(&event.specversion)),
            "type" => Some(cesql::text(&event.ty)),
            "datacontenttype" => optional(&event.datacontenttype),
            "dataschema" => optional(&event.dataschema),
            "subject" => optional(&event.subject),
            "time" => optional(&event.time),
            _ => event.extension(name).map(|value| match value {
                AttributeValue::Boolean(flag) => cesql::Value::Boolean(*flag),
                AttributeValue::Integer(number) => cesql::Value::Integer(*number),
                other => cesql::Value::String(other.to_string().into()),
            }),
        }
    }
}

/// What the stage does with `event`: pass it on to `next`, or drop it.
pub fn handle(
    filters: &Filters,
    event: Event,
    next: impl FnOnce(Event) -> Result<Option<Event>, codec::HandlerError>,
) -> Result<Option<Event>, codec::HandlerError> {
    if filters.matches(&Attributes(&event)) {
        next(event)
    } else {
        Ok(Some(Event::dropped(&event.id, &event.source)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(ty: &str) -> Event {
        Event {
            id: "1".into(),
            source: "/orders".into(),
            specversion: "1.0".into(),
            ty: ty.into(),
            extensions: vec![codec::Extension {
                name: "priority".into(),
                value: AttributeValue::Integer(3),
            }],
            ..Event::default()
        }
    }

    #[test]
    fn events_that_pass_go_on_and_others_are_dropped() {
        let settings = [(
            FILTERS_VARIABLE.to_owned(),
            r#"[{"prefix":{"type":"com.example."}},{"sql":"priority >= 3"}]"#.to_owned(),
        )];
        let filters = filters_from(settings.into_iter()).unwrap();
        let passed = handle(&filters, order("com.example.a"), |event| Ok(Some(event)));
        assert_eq!(passed.unwrap().unwrap().ty, "com.example.a");
        let dropped = handle(&filters, order("org.other"), |_| {
            unreachable!("not passed on")
        });
        assert!(dropped.unwrap().unwrap().is_dropped());
    }

    #[test]
    fn no_settings_pass_everything_and_bad_ones_say_why() {
        let none = filters_from(std::iter::empty()).unwrap();
        assert!(none.is_empty());
        let bad = [(
            FILTERS_VARIABLE.to_owned(),
            "[{\"sql\":\"type LIKE\"}]".to_owned(),
        )];
        let error = filters_from(bad.into_iter()).unwrap_err().to_string();
        assert!(error.contains("filters[0].sql"), "{error}");
    }
}
