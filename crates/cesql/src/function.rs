//! The built-in functions (spec sections 3.5 and 3.7): their signatures,
//! dispatched by name (in any case) and number of arguments, and their
//! semantics on arguments already cast to their parameter types.

use std::borrow::Cow;

use crate::error::ErrorKind;
use crate::value::{Type, Value};

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Length,
    Concat,
    ConcatWs,
    Lower,
    Upper,
    Trim,
    Left,
    Right,
    Substring,
    SubstringOfLength,
    Abs,
    Int,
    Bool,
    String,
}

/// What a parameter takes: one type, or any value as it is (the casting
/// functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parameter {
    Of(Type),
    Any,
}

impl Function {
    /// The function `name` takes with `arity` arguments, if there is one.
    pub(crate) fn resolve(name: &str, arity: usize) -> Option<Self> {
        let function = match (name.to_ascii_uppercase().as_str(), arity) {
            ("LENGTH", 1) => Function::Length,
            ("CONCAT", _) => Function::Concat,
            ("CONCAT_WS", 1..) => Function::ConcatWs,
            ("LOWER", 1) => Function::Lower,
            ("UPPER", 1) => Function::Upper,
            ("TRIM", 1) => Function::Trim,
            ("LEFT", 2) => Function::Left,
            ("RIGHT", 2) => Function::Right,
            ("SUBSTRING", 2) => Function::Substring,
            ("SUBSTRING", 3) => Function::SubstringOfLength,
            ("ABS", 1) => Function::Abs,
            ("INT", 1) => Function::Int,
            ("BOOL", 1) => Function::Bool,
            ("STRING", 1) => Function::String,
            _ => return None,
        };
        Some(function)
    }

    /// The type of the argument at `index`.
    pub(crate) fn parameter(self, index: usize) -> Parameter {
        match (self, index) {
            (Function::Int | Function::Bool | Function::String, _) => Parameter::Any,
            (Function::Left | Function::Right | Function::Substring, 1)
            | (Function::SubstringOfLength, 1 | 2)
            | (Function::Abs, _) => Parameter::Of(Type::Integer),
            _ => Parameter::Of(Type::String),
        }
    }

    /// The type of the result.
    pub(crate) fn returns(self) -> Type {
        match self {
            Function::Length | Function::Abs | Function::Int => Type::Integer,
            Function::Bool => Type::Boolean,
            _ => Type::String,
        }
    }

    /// The result on `arguments` (cast to the parameter types), and the
    /// error the evaluation met, if any: a function always has a value.
    pub(crate) fn call<'a>(self, arguments: Vec<Value<'a>>) -> (Value<'a>, Option<ErrorKind>) {
        let text = |index: usize| match &arguments[index] {
            Value::String(text) => text.clone(),
            other => other.to_text(),
        };
        let integer = |index: usize| match arguments[index] {
            Value::Integer(number) => number,
            _ => 0,
        };
        let string = |text: String| Value::String(Cow::Owned(text));
        match self {
            Function::Length => (Value::Integer(text(0).chars().count() as i32), None),
            Function::Concat => (string((0..arguments.len()).map(text).collect()), None),
            Function::ConcatWs => {
                let parts: Vec<_> = (1..arguments.len()).map(text).collect();
                (string(parts.join(&*text(0))), None)
            }
            Function::Lower => (string(text(0).to_lowercase()), None),
            Function::Upper => (string(text(0).to_uppercase()), None),
            Function::Trim => (string(text(0).trim().to_owned()), None),
            Function::Left | Function::Right => {
                let (value, count) = (text(0), integer(1));
                let Ok(count) = usize::try_from(count) else {
                    return (Value::String(value), Some(ErrorKind::FunctionEvaluation));
                };
                let length = value.chars().count();
                let taken: String = if self == Function::Left {
                    value.chars().take(count).collect()
                } else {
                    value.chars().skip(length.saturating_sub(count)).collect()
                };
                (string(taken), None)
            }
            Function::Substring => substring(&text(0), integer(1), None),
            Function::SubstringOfLength => substring(&text(0), integer(1), Some(integer(2))),
            Function::Abs => match integer(0).checked_abs() {
                Some(number) => (Value::Integer(number), None),
                None => (Value::Integer(i32::MAX), Some(ErrorKind::Math)),
            },
            Function::Int => match arguments[0].to_integer() {
                Ok(number) => (Value::Integer(number), None),
                Err(kind) => (Value::Integer(0), Some(kind)),
            },
            Function::Bool => match arguments[0].to_boolean_explicit() {
                Ok(flag) => (Value::Boolean(flag), None),
                Err(kind) => (Value::Boolean(false), Some(kind)),
            },
            Function::String => (Value::String(text(0)), None),
        }
    }
}

/// `SUBSTRING(x, pos[, len])`: from the 1-based `position` (counted from
/// the end when negative; 0 gives the empty string), `length` characters or
/// to the end.
fn substring<'a>(
    value: &str,
    position: i32,
    length: Option<i32>,
) -> (Value<'a>, Option<ErrorKind>) {
    let empty = Value::String(Cow::Borrowed(""));
    let count = value.chars().count() as i64;
    let position = i64::from(position);
    if position > count || position < -count || length.is_some_and(|length| length < 0) {
        return (empty, Some(ErrorKind::FunctionEvaluation));
    }
    if position == 0 {
        return (empty, None);
    }
    let start = if position > 0 {
        position - 1
    } else {
        count + position
    } as usize;
    let taken = value.chars().skip(start);
    let text: String = match length {
        Some(length) => taken.take(length as usize).collect(),
        None => taken.collect(),
    };
    (Value::String(Cow::Owned(text)), None)
}
