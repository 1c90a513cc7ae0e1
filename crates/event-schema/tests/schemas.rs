//! Choosing a schema, both drafts, failures with their pointers, and
//! schemas that do not compile.

use bindery_event_schema::{MAX_FAILURES, SchemaError, Schemas};
use serde_json::json;

fn order_schema(draft: &str) -> serde_json::Value {
    json!({
        "$schema": draft,
        "type": "object",
        "required": ["orderId", "items"],
        "properties": {
            "orderId": { "type": "string" },
            "items": { "type": "array", "minItems": 1, "items": { "type": "object", "required": ["sku"] } }
        }
    })
}

#[test]
fn draft_2020_12_and_draft_07_both_check() {
    for draft in [
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-07/schema#",
    ] {
        let schemas = Schemas::compile(&json!({ "order": order_schema(draft) })).unwrap();
        assert_eq!(
            schemas.check(
                "order",
                None,
                Some(br#"{"orderId":"A","items":[{"sku":"x"}]}"#)
            ),
            Ok(())
        );
        let failures = schemas
            .check("order", None, Some(br#"{"orderId":5,"items":[{"qty":1}]}"#))
            .unwrap_err();
        let pointers: Vec<&str> = failures.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["/items/0", "/orderId"], "{draft}: {failures:?}");
    }
}

#[test]
fn dataschema_is_chosen_before_type_and_unknown_events_pass() {
    let schemas = Schemas::compile(&json!({
        "order": { "type": "object" },
        "https://example.com/schemas/strict.json": { "type": "object", "required": ["strict"] },
    }))
    .unwrap();
    let data = Some(&b"{}"[..]);
    assert_eq!(schemas.check("order", None, data), Ok(()));
    assert!(
        schemas
            .check(
                "order",
                Some("https://example.com/schemas/strict.json"),
                data
            )
            .is_err()
    );
    assert_eq!(
        schemas.check("order", Some("https://example.com/other"), data),
        Ok(())
    );
    assert_eq!(schemas.check("other", None, Some(b"not json")), Ok(()));
    assert!(!schemas.applies("other", None));
}

#[test]
fn data_that_is_not_json_or_missing_is_a_failure() {
    let schemas = Schemas::compile(&json!({ "order": { "type": "object" } })).unwrap();
    let failures = schemas.check("order", None, Some(b"<xml/>")).unwrap_err();
    assert!(failures[0].reason.contains("not JSON"), "{failures:?}");
    assert!(
        schemas.check("order", None, None).is_err(),
        "null is not an object"
    );
}

#[test]
fn failures_are_bounded() {
    let schemas =
        Schemas::compile(&json!({ "n": { "type": "array", "items": { "type": "string" } } }))
            .unwrap();
    let many = serde_json::to_vec(&(0..500).collect::<Vec<_>>()).unwrap();
    assert_eq!(
        schemas.check("n", None, Some(&many)).unwrap_err().len(),
        MAX_FAILURES
    );
}

#[test]
fn a_schema_that_does_not_compile_is_named() {
    let error = Schemas::compile(&json!({ "order": { "type": "objekt" } })).unwrap_err();
    assert!(
        matches!(&error, SchemaError::Invalid { key, .. } if key == "order"),
        "{error}"
    );
    assert_eq!(
        Schemas::compile(&json!([])).unwrap_err(),
        SchemaError::NotAnObject
    );
}
