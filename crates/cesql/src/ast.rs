//! A parsed expression.

use crate::function::Function;
use crate::like::Pattern;
use crate::value::Value;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Multiply,
    Divide,
    Remainder,
    Add,
    Subtract,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    Xor,
}

/// A node of a parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A literal.
    Literal(Value<'static>),
    /// A context attribute or extension, by its lower-case name.
    Attribute(String),
    /// `EXISTS name`.
    Exists(String),
    /// `NOT x`.
    Not(Box<Expr>),
    /// `-x`.
    Negate(Box<Expr>),
    /// `x op y`.
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `x [NOT] LIKE 'pattern'`.
    Like {
        value: Box<Expr>,
        pattern: Pattern,
        negated: bool,
    },
    /// `x [NOT] IN (y1, y2, ...)`.
    In {
        value: Box<Expr>,
        set: Vec<Expr>,
        negated: bool,
    },
    /// A function invocation: `None` when no function has that name and
    /// number of arguments (evaluated as `false` with a missing-function
    /// error, as the spec asks).
    Call {
        name: String,
        function: Option<Function>,
        arguments: Vec<Expr>,
    },
}
