//! JSON Schema validation of CloudEvents data: a set of schemas, each
//! under the event `type` or the `dataschema` URI it applies to, compiled
//! once; an event's `data` is checked against the schema its `dataschema`
//! names, else the one for its `type`. An event neither names passes.
//!
//! ```
//! use bindery_event_schema::Schemas;
//! use serde_json::json;
//!
//! let schemas = Schemas::compile(&json!({
//!     "com.example.order.created": {
//!         "$schema": "https://json-schema.org/draft/2020-12/schema",
//!         "type": "object",
//!         "required": ["orderId"],
//!         "properties": { "items": { "type": "array", "minItems": 1 } }
//!     }
//! })).unwrap();
//! let failures = schemas
//!     .check("com.example.order.created", None, Some(br#"{"items": []}"#))
//!     .unwrap_err();
//! assert_eq!(failures.len(), 2);
//! assert_eq!(failures[0].pointer, "");
//! assert_eq!(failures[1].pointer, "/items");
//! ```
//!
//! A schema's draft is read from its `$schema` (2020-12 and draft-07 among
//! those known); without one, 2020-12. Schemas reference nothing outside
//! themselves: nothing is fetched.

use std::collections::BTreeMap;
use std::fmt;

use jsonschema::Validator;
use serde_json::Value;

/// The most failures one check reports.
pub const MAX_FAILURES: usize = 20;

/// Compiled schemas, by the event type or `dataschema` URI they apply to.
pub struct Schemas(BTreeMap<String, Validator>);

/// A schema that cannot be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SchemaError {
    /// The set is not a JSON object of schemas.
    #[error("schemas are a JSON object: event type or dataschema URI to schema")]
    NotAnObject,
    /// A schema is not a valid JSON Schema.
    #[error("the schema for `{key}` is not a valid JSON Schema: {reason}")]
    Invalid {
        /// The type or URI it is for.
        key: String,
        /// What the validator says.
        reason: String,
    },
}

/// One way the data fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Where, as a JSON pointer into the data (`""` for the whole).
    pub pointer: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.reason)
    }
}

impl Schemas {
    /// Compiles `schemas`, a JSON object of schemas by event type or
    /// `dataschema` URI.
    pub fn compile(schemas: &Value) -> Result<Self, SchemaError> {
        let object = schemas.as_object().ok_or(SchemaError::NotAnObject)?;
        object
            .iter()
            .map(|(key, schema)| {
                jsonschema::validator_for(schema)
                    .map(|validator| (key.clone(), validator))
                    .map_err(|error| SchemaError::Invalid {
                        key: key.clone(),
                        reason: error.to_string(),
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether there is a schema for an event of `ty` with `dataschema`.
    pub fn applies(&self, ty: &str, dataschema: Option<&str>) -> bool {
        self.select(ty, dataschema).is_some()
    }

    fn select(&self, ty: &str, dataschema: Option<&str>) -> Option<&Validator> {
        dataschema
            .and_then(|uri| self.0.get(uri))
            .or_else(|| self.0.get(ty))
    }

    /// Checks the `data` (JSON text; `None` checks JSON `null`) of an event
    /// of `ty` with `dataschema`: the failures, at most [`MAX_FAILURES`],
    /// in document order. Data that is not JSON is one failure at `""`.
    pub fn check(
        &self,
        ty: &str,
        dataschema: Option<&str>,
        data: Option<&[u8]>,
    ) -> Result<(), Vec<Failure>> {
        let Some(validator) = self.select(ty, dataschema) else {
            return Ok(());
        };
        let instance: Value = match data {
            None => Value::Null,
            Some(bytes) => serde_json::from_slice(bytes).map_err(|error| {
                vec![Failure {
                    pointer: String::new(),
                    reason: format!("the data is not JSON: {error}"),
                }]
            })?,
        };
        let mut failures: Vec<Failure> = validator
            .iter_errors(&instance)
            .take(MAX_FAILURES)
            .map(|error| Failure {
                pointer: error.instance_path().to_string(),
                reason: error.to_string(),
            })
            .collect();
        if failures.is_empty() {
            return Ok(());
        }
        failures.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        Err(failures)
    }
}

impl fmt::Debug for Schemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}
