//! The filters of a CloudEvents subscription (Subscriptions API v0.1,
//! section 3.2.4): a list of filter expressions an event must all pass,
//! each in one of the dialects `exact`, `prefix`, `suffix`, `all`, `any`,
//! `not` and `sql` (CESQL, see [`cesql`]).
//!
//! ```
//! use bindery_subscription_filter::Filters;
//! use cesql::{Event, Value};
//!
//! struct Order;
//! impl Event for Order {
//!     fn attribute(&self, name: &str) -> Option<Value<'_>> {
//!         (name == "type").then(|| cesql::text("com.example.order.created"))
//!     }
//! }
//!
//! let filters = Filters::from_json(&serde_json::json!([
//!     { "prefix": { "type": "com.example." } },
//!     { "not": { "suffix": { "type": ".deleted" } } },
//!     { "sql": "type LIKE '%.created'" },
//! ])).unwrap();
//! assert!(filters.matches(&Order));
//! ```
//!
//! An attribute the event does not have does not match `exact`, `prefix`
//! or `suffix` (as Knative has it), so `{ "not": { "exact": { "subject":
//! "x" } } }` passes an event without a subject. A value that is not a
//! string (an integer or boolean extension) is compared in its string form.
//! An unknown dialect, an empty attribute name or value, an empty `all` or
//! `any`, and a `sql` expression that does not parse are errors when the
//! filters are read, each naming where it is (`filters[1].all[0].sql`).

use cesql::{Event, Expression};
use serde_json::Value as Json;

/// A list of filter expressions: an event passes when it passes every one
/// (an empty list passes everything).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filters(Vec<Filter>);

/// One filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every named attribute equals its value.
    Exact(Vec<(String, String)>),
    /// Every named attribute starts with its value.
    Prefix(Vec<(String, String)>),
    /// Every named attribute ends with its value.
    Suffix(Vec<(String, String)>),
    /// Every nested filter passes.
    All(Vec<Filter>),
    /// At least one nested filter passes.
    Any(Vec<Filter>),
    /// The nested filter does not pass.
    Not(Box<Filter>),
    /// The CESQL expression is `true`, without error.
    Sql(Expression),
}

/// Filters that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    /// The JSON is not of the shape the dialect takes.
    #[error("{path}: {reason}")]
    Shape {
        /// Where: `filters[0].all[1]`.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A dialect that is not one of the seven.
    #[error(
        "{path}: unknown filter dialect `{dialect}` (known: exact, prefix, suffix, all, any, not, sql)"
    )]
    UnknownDialect {
        /// Where.
        path: String,
        /// The dialect named.
        dialect: String,
    },
    /// A `sql` expression that does not parse.
    #[error("{path}: the CESQL expression `{expression}` does not parse")]
    Sql {
        /// Where.
        path: String,
        /// The expression.
        expression: String,
        /// Why, and at which column.
        #[source]
        source: cesql::ParseError,
    },
}

impl Filters {
    /// Reads the JSON form: an array of filter expressions.
    pub fn from_json(json: &Json) -> Result<Self, FilterError> {
        let items = json.as_array().ok_or_else(|| FilterError::Shape {
            path: "filters".into(),
            reason: "filters are a list of filter expressions".into(),
        })?;
        items
            .iter()
            .enumerate()
            .map(|(index, item)| Filter::from_json(item, &format!("filters[{index}]")))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// These filters with `filter` in front.
    pub fn with_first(mut self, filter: Filter) -> Self {
        self.0.insert(0, filter);
        self
    }

    /// Whether `event` passes every filter.
    pub fn matches<E: Event + ?Sized>(&self, event: &E) -> bool {
        self.0.iter().all(|filter| filter.matches(event))
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Filter {
    /// The filter that passes events of any of `types`.
    pub fn of_types(types: &[String]) -> Self {
        Filter::Any(
            types
                .iter()
                .map(|ty| Filter::Exact(vec![("type".into(), ty.clone())]))
                .collect(),
        )
    }

    /// Reads one filter expression: `{ "<dialect>": <properties> }`; `path`
    /// names it in errors.
    pub fn from_json(json: &Json, path: &str) -> Result<Self, FilterError> {
        let shape = |reason: &str| FilterError::Shape {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let object = json
            .as_object()
            .filter(|object| object.len() == 1)
            .ok_or_else(|| shape("a filter is an object with one dialect as its key"))?;
        let (dialect, properties) = object.iter().next().expect("one entry");
        let path = format!("{path}.{dialect}");
        let nested = |properties: &Json| -> Result<Vec<Filter>, FilterError> {
            let items = properties
                .as_array()
                .filter(|items| !items.is_empty())
                .ok_or_else(|| FilterError::Shape {
                    path: path.clone(),
                    reason: "takes a non-empty list of filter expressions".into(),
                })?;
            items
                .iter()
                .enumerate()
                .map(|(index, item)| Filter::from_json(item, &format!("{path}[{index}]")))
                .collect()
        };
        match dialect.as_str() {
            "exact" => Ok(Filter::Exact(pairs(properties, &path)?)),
            "prefix" => Ok(Filter::Prefix(pairs(properties, &path)?)),
            "suffix" => Ok(Filter::Suffix(pairs(properties, &path)?)),
            "all" => Ok(Filter::All(nested(properties)?)),
            "any" => Ok(Filter::Any(nested(properties)?)),
            "not" => Ok(Filter::Not(Box::new(Filter::from_json(properties, &path)?))),
            "sql" => {
                let expression = properties.as_str().ok_or_else(|| FilterError::Shape {
                    path: path.clone(),
                    reason: "takes a CESQL expression as a string".into(),
                })?;
                Expression::parse(expression)
                    .map(Filter::Sql)
                    .map_err(|source| FilterError::Sql {
                        path,
                        expression: expression.to_owned(),
                        source,
                    })
            }
            other => Err(FilterError::UnknownDialect {
                path: path
                    .rsplit_once('.')
                    .map_or(path.clone(), |(at, _)| at.to_owned()),
                dialect: other.to_owned(),
            }),
        }
    }

    /// Whether `event` passes this filter.
    pub fn matches<E: Event + ?Sized>(&self, event: &E) -> bool {
        let each = |pairs: &[(String, String)], test: fn(&str, &str) -> bool| {
            pairs.iter().all(|(name, wanted)| {
                event
                    .attribute(name)
                    .is_some_and(|value| test(&value.to_text(), wanted))
            })
        };
        match self {
            Filter::Exact(pairs) => each(pairs, |value, wanted| value == wanted),
            Filter::Prefix(pairs) => each(pairs, |value, wanted| value.starts_with(wanted)),
            Filter::Suffix(pairs) => each(pairs, |value, wanted| value.ends_with(wanted)),
            Filter::All(filters) => filters.iter().all(|filter| filter.matches(event)),
            Filter::Any(filters) => filters.iter().any(|filter| filter.matches(event)),
            Filter::Not(filter) => !filter.matches(event),
            Filter::Sql(expression) => expression.matches(event),
        }
    }
}

/// The attribute names and values of an `exact`, `prefix` or `suffix`
/// filter: an object of non-empty strings.
fn pairs(properties: &Json, path: &str) -> Result<Vec<(String, String)>, FilterError> {
    let shape = |reason: String| FilterError::Shape {
        path: path.to_owned(),
        reason,
    };
    let object = properties
        .as_object()
        .filter(|object| !object.is_empty())
        .ok_or_else(|| shape("takes an object of attribute names and string values".into()))?;
    object
        .iter()
        .map(|(name, value)| match value.as_str() {
            _ if name.is_empty() => Err(shape("an attribute name is empty".into())),
            Some("") => Err(shape(format!("the value for `{name}` is empty"))),
            Some(value) => Ok((name.to_ascii_lowercase(), value.to_owned())),
            None => Err(shape(format!("the value for `{name}` is not a string"))),
        })
        .collect()
}
