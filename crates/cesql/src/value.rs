//! CESQL's values: the three primitive types, their zero values and the
//! casts between them (spec section 3.7).

use std::borrow::Cow;
use std::fmt;

use crate::error::ErrorKind;

/// A CESQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A sequence of Unicode characters.
    String,
    /// A signed 32-bit integer.
    Integer,
    /// `true` or `false`.
    Boolean,
}

impl Type {
    /// The type's zero value: `""`, `0` or `false`.
    pub fn zero(self) -> Value<'static> {
        match self {
            Type::String => Value::String(Cow::Borrowed("")),
            Type::Integer => Value::Integer(0),
            Type::Boolean => Value::Boolean(false),
        }
    }
}

/// A CESQL value. Strings borrow from the event or the expression where
/// they can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string.
    String(Cow<'a, str>),
    /// An integer.
    Integer(i32),
    /// A boolean.
    Boolean(bool),
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(text) => f.write_str(text),
            Value::Integer(number) => write!(f, "{number}"),
            Value::Boolean(true) => f.write_str("true"),
            Value::Boolean(false) => f.write_str("false"),
        }
    }
}

impl<'a> Value<'a> {
    /// The value's type.
    pub fn kind(&self) -> Type {
        match self {
            Value::String(_) => Type::String,
            Value::Integer(_) => Type::Integer,
            Value::Boolean(_) => Type::Boolean,
        }
    }

    /// The value as an owned one, independent of the event and expression.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::String(text) => Value::String(Cow::Owned(text.into_owned())),
            Value::Integer(number) => Value::Integer(number),
            Value::Boolean(flag) => Value::Boolean(flag),
        }
    }

    /// The value as a string: integers in base 10, booleans as `true` or
    /// `false`. Never fails.
    pub fn to_text(&self) -> Cow<'a, str> {
        match self {
            Value::String(text) => text.clone(),
            other => Cow::Owned(other.to_string()),
        }
    }

    /// The value as an integer: a string is read as a base-10 32-bit
    /// integer with an optional sign, a boolean is 1 or 0.
    pub fn to_integer(&self) -> Result<i32, ErrorKind> {
        match self {
            Value::Integer(number) => Ok(*number),
            Value::Boolean(flag) => Ok(i32::from(*flag)),
            Value::String(text) => text.parse().map_err(|_| ErrorKind::Cast),
        }
    }

    /// The value as a boolean, as an operator casts it: a string that is
    /// `true` or `false` in any case. An integer is not cast implicitly (the
    /// conformance suite's `NOT 10` is a cast error); `BOOL(x)` casts one
    /// explicitly with [`Value::to_boolean_explicit`].
    pub fn to_boolean(&self) -> Result<bool, ErrorKind> {
        match self {
            Value::Boolean(flag) => Ok(*flag),
            Value::String(text) => parse_boolean(text),
            Value::Integer(_) => Err(ErrorKind::Cast),
        }
    }

    /// The value as a boolean, as `BOOL(x)` casts it: an integer is `false`
    /// when 0 and `true` otherwise.
    pub fn to_boolean_explicit(&self) -> Result<bool, ErrorKind> {
        match self {
            Value::Integer(number) => Ok(*number != 0),
            other => other.to_boolean(),
        }
    }

    /// The value cast to `target`.
    pub fn cast(&self, target: Type) -> Result<Value<'a>, ErrorKind> {
        Ok(match target {
            Type::String => Value::String(self.to_text()),
            Type::Integer => Value::Integer(self.to_integer()?),
            Type::Boolean => Value::Boolean(self.to_boolean()?),
        })
    }
}

/// `true` or `false`, in any case.
fn parse_boolean(text: &str) -> Result<bool, ErrorKind> {
    if text.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ErrorKind::Cast)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_the_spec_table() {
        let text = |s: &'static str| Value::String(Cow::Borrowed(s));
        assert_eq!(text("+12").to_integer(), Ok(12));
        assert_eq!(text("2147483648").to_integer(), Err(ErrorKind::Cast));
        assert_eq!(text("TrUe").to_boolean(), Ok(true));
        assert_eq!(text("yes").to_boolean(), Err(ErrorKind::Cast));
        assert_eq!(Value::Integer(-7).to_text(), "-7");
        assert_eq!(Value::Boolean(false).to_integer(), Ok(0));
        assert_eq!(Value::Integer(-50).to_boolean_explicit(), Ok(true));
        assert_eq!(Value::Integer(1).to_boolean(), Err(ErrorKind::Cast));
    }
}
