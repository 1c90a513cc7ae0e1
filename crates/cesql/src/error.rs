//! CESQL's errors: where an expression does not parse, and the kinds of
//! error an evaluation reports beside its value (spec section 3.3).

use std::fmt;

/// An expression that does not parse, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    /// The 1-based column (in characters) where the problem is.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The kind of an error met while evaluating an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A math error: division or remainder by zero, an overflow.
    Math,
    /// A value that cannot be cast to the type an operator or function
    /// takes.
    Cast,
    /// An attribute the event does not have.
    MissingAttribute,
    /// A function that does not exist with that many arguments.
    MissingFunction,
    /// A function that cannot evaluate its arguments.
    FunctionEvaluation,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Math => "math error",
            ErrorKind::Cast => "cast error",
            ErrorKind::MissingAttribute => "missing attribute",
            ErrorKind::MissingFunction => "missing function",
            ErrorKind::FunctionEvaluation => "function evaluation error",
        })
    }
}

/// An error met while evaluating an expression, with what it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct EvalError {
    /// The kind of error.
    pub kind: ErrorKind,
    /// What it is about: the attribute, the function, the value.
    pub detail: String,
}
