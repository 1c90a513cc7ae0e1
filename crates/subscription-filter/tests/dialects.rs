//! Every dialect, nested ones, missing attributes and the errors of
//! reading filters.

use std::collections::BTreeMap;

use bindery_subscription_filter::{Filter, FilterError, Filters};
use cesql::{Event, Value};
use serde_json::json;

struct Attributes(BTreeMap<&'static str, Value<'static>>);

impl Event for Attributes {
    fn attribute(&self, name: &str) -> Option<Value<'_>> {
        self.0.get(name).cloned()
    }
}

fn order() -> Attributes {
    Attributes(BTreeMap::from([
        ("specversion", cesql::text("1.0")),
        ("id", cesql::text("1")),
        ("source", cesql::text("/orders/eu")),
        ("type", cesql::text("com.example.order.created")),
        ("priority", Value::Integer(3)),
        ("urgent", Value::Boolean(true)),
    ]))
}

fn passes(filters: serde_json::Value) -> bool {
    Filters::from_json(&filters).unwrap().matches(&order())
}

#[test]
fn exact_prefix_and_suffix_match_every_attribute_named() {
    assert!(passes(
        json!([{ "exact": { "type": "com.example.order.created" } }])
    ));
    assert!(!passes(
        json!([{ "exact": { "type": "com.example.order" } }])
    ));
    assert!(passes(
        json!([{ "prefix": { "type": "com.example.", "source": "/orders/" } }])
    ));
    assert!(!passes(
        json!([{ "prefix": { "type": "com.example.", "source": "/users/" } }])
    ));
    assert!(passes(json!([{ "suffix": { "type": ".created" } }])));
    assert!(
        !passes(json!([{ "suffix": { "type": ".Created" } }])),
        "case-sensitive"
    );
}

#[test]
fn a_missing_attribute_matches_no_attribute_dialect() {
    assert!(!passes(json!([{ "exact": { "subject": "x" } }])));
    assert!(!passes(json!([{ "prefix": { "subject": "x" } }])));
    assert!(!passes(json!([{ "suffix": { "subject": "x" } }])));
    assert!(passes(json!([{ "not": { "exact": { "subject": "x" } } }])));
    assert!(
        !passes(json!([{ "sql": "subject = 'x' OR TRUE" }])),
        "a CESQL error fails"
    );
}

#[test]
fn typed_extensions_compare_in_their_string_form() {
    assert!(passes(
        json!([{ "exact": { "priority": "3", "urgent": "true" } }])
    ));
    assert!(passes(json!([{ "sql": "priority > 2 AND urgent" }])));
}

#[test]
fn nested_all_any_and_not() {
    let nested = json!([{
        "all": [
            { "any": [ { "exact": { "type": "x" } }, { "prefix": { "source": "/orders" } } ] },
            { "not": { "any": [ { "suffix": { "type": ".deleted" } }, { "sql": "priority > 5" } ] } },
        ]
    }]);
    assert!(passes(nested));
    assert!(!passes(
        json!([{ "all": [ { "exact": { "id": "1" } }, { "exact": { "id": "2" } } ] }])
    ));
    assert!(passes(
        json!([{ "not": { "not": { "exact": { "id": "1" } } } }])
    ));
}

#[test]
fn every_filter_of_the_list_must_pass_and_an_empty_list_passes_all() {
    assert!(passes(json!([])));
    assert!(!passes(
        json!([{ "exact": { "id": "1" } }, { "exact": { "id": "2" } }])
    ));
    let types = Filter::of_types(&["a".into(), "com.example.order.created".into()]);
    assert!(Filters::default().with_first(types).matches(&order()));
}

#[test]
fn errors_name_where_they_are() {
    let error = |filters| Filters::from_json(&filters).unwrap_err();
    assert!(matches!(
        error(json!([{ "regex": { "type": ".*" } }])),
        FilterError::UnknownDialect { path, dialect } if path == "filters[0]" && dialect == "regex"
    ));
    let sql = error(json!([{ "all": [ { "sql": "type LIKE" } ] }]));
    assert!(
        sql.to_string()
            .starts_with("filters[0].all[0].sql: the CESQL expression"),
        "{sql}"
    );
    assert!(
        error(json!([{ "all": [] }]))
            .to_string()
            .contains("non-empty")
    );
    assert!(
        error(json!([{ "exact": { "type": "" } }]))
            .to_string()
            .contains("empty")
    );
    assert!(
        error(json!([{ "exact": { "type": 5 } }]))
            .to_string()
            .contains("not a string")
    );
    assert!(
        error(json!([{ "exact": {}, "prefix": {} }]))
            .to_string()
            .contains("one dialect")
    );
    assert!(error(json!({ "exact": {} })).to_string().contains("list"));
}
