//! CloudEvents SQL (CESQL) v1.0: expressions over a CloudEvent's context
//! attributes, as the Subscriptions API's `sql` filter dialect uses them.
//!
//! ```
//! use bindery_cesql::{Expression, Value, Event};
//!
//! struct Order;
//! impl Event for Order {
//!     fn attribute(&self, name: &str) -> Option<Value<'_>> {
//!         match name {
//!             "type" => Some(Value::String("com.example.order.created".into())),
//!             "source" => Some(Value::String("/orders/eu".into())),
//!             _ => None,
//!         }
//!     }
//! }
//!
//! let filter = Expression::parse("type LIKE 'com.example.%' AND source LIKE '/orders/%'").unwrap();
//! assert!(filter.matches(&Order));
//! let missing = Expression::parse("region = 'eu'").unwrap();
//! assert!(!missing.matches(&Order));
//! assert_eq!(Expression::parse("type LIKE 5").unwrap_err().column, 11);
//! ```
//!
//! - Keywords and function names are case-insensitive; attribute names are
//!   read in lower case; string comparison is case-sensitive.
//! - Evaluation is total: [`Expression::evaluate`] gives a value and the
//!   errors met (the spec's complete mode). [`Expression::matches`], the
//!   filter, passes an event only when the value is `true` and there is no
//!   error (a missing attribute, a failed cast, a division by zero).
//! - Operators of equal precedence (`AND`, `OR` and `XOR` among them) are
//!   evaluated left to right, as the spec's section 3.6 says.
//! - An integer is not cast to a boolean implicitly (`NOT 10` is a cast
//!   error, as the conformance suite has it); `BOOL(10)` casts it.
//! - Parsing costs time in proportion to the expression; `LIKE` matching at
//!   most the value's length times the pattern's.

mod ast;
mod error;
mod eval;
mod function;
mod lexer;
mod like;
mod parser;
mod value;

pub use error::{ErrorKind, EvalError, ParseError};
pub use value::{Type, Value};

use ast::Expr;
use eval::Evaluator;

/// What an expression is evaluated against: a CloudEvent's context
/// attributes and extensions.
pub trait Event {
    /// The value of the attribute `name` (lower case), if the event has it.
    /// A value of a CloudEvents type CESQL does not have (a URI, a
    /// timestamp, binary) is given as its string form.
    fn attribute(&self, name: &str) -> Option<Value<'_>>;
}

/// A parsed CESQL expression, ready to be evaluated against any number of
/// events.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    root: Expr,
}

/// The result of evaluating an expression: its value, and the errors met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation<'a> {
    /// The value (the zero value of its type where an error left none).
    pub value: Value<'a>,
    /// The errors met, in the order they were met.
    pub errors: Vec<EvalError>,
}

impl Expression {
    /// Parses `text`; an error gives the column where it is.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        parser::parse(text).map(|root| Self { root })
    }

    /// Evaluates the expression against `event`.
    pub fn evaluate<'a, E: Event + ?Sized>(&'a self, event: &'a E) -> Evaluation<'a> {
        let mut evaluator = Evaluator {
            event,
            errors: Vec::new(),
        };
        let value = evaluator.value(&self.root);
        Evaluation {
            value,
            errors: evaluator.errors,
        }
    }

    /// Whether `event` passes the expression as a filter: its value is
    /// `true` and no error was met.
    pub fn matches<E: Event + ?Sized>(&self, event: &E) -> bool {
        let evaluation = self.evaluate(event);
        evaluation.errors.is_empty() && evaluation.value == Value::Boolean(true)
    }
}

/// An attribute value borrowed from a string, for [`Event`]
/// implementations.
pub fn text(value: &str) -> Value<'_> {
    eval::borrowed(value)
}
