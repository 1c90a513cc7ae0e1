//! Evaluation in the spec's complete mode: every operator and function has
//! a value, and the errors met on the way are collected beside it. An
//! operator whose operand met an error (a missing attribute, a division by
//! zero) is the zero value of its result type (spec section 3.2, and the
//! conformance suite's `true AND (1 != 1 / 0)`); one that cannot cast an
//! operand goes on with the zero value of the type it wanted (`NOT 10` is
//! `true`, with a cast error).

use std::borrow::Cow;

use crate::Event;
use crate::ast::{BinaryOp, Expr};
use crate::error::{ErrorKind, EvalError};
use crate::function::Parameter;
use crate::value::{Type, Value};

/// What a subexpression evaluates to: a value, or a failure (an error met
/// within it) with the value it has anyway, if it has one (a missing
/// attribute has none: its type is its operator's to decide).
enum Outcome<'a> {
    Value(Value<'a>),
    Failed(Option<Value<'a>>),
}

/// The evaluation of one expression against one event.
pub(crate) struct Evaluator<'a, E: Event + ?Sized> {
    pub(crate) event: &'a E,
    pub(crate) errors: Vec<EvalError>,
}

impl<'a, E: Event + ?Sized> Evaluator<'a, E> {
    /// The value of `expr`; a missing attribute at the top is `false`.
    pub(crate) fn value(&mut self, expr: &'a Expr) -> Value<'a> {
        match self.eval(expr) {
            Outcome::Value(value) | Outcome::Failed(Some(value)) => value,
            Outcome::Failed(None) => Type::Boolean.zero(),
        }
    }

    fn eval(&mut self, expr: &'a Expr) -> Outcome<'a> {
        let before = self.errors.len();
        match self.compute(expr) {
            Some(value) if self.errors.len() == before => Outcome::Value(value),
            value => Outcome::Failed(value),
        }
    }

    /// The value of `expr`, `None` for a missing attribute.
    fn compute(&mut self, expr: &'a Expr) -> Option<Value<'a>> {
        let value = match expr {
            Expr::Literal(value) => value.clone(),
            Expr::Attribute(name) => match self.event.attribute(name) {
                Some(value) => value,
                None => {
                    self.error(ErrorKind::MissingAttribute, name);
                    return None;
                }
            },
            Expr::Exists(name) => Value::Boolean(self.event.attribute(name).is_some()),
            Expr::Not(operand) => match self.operand(operand, Type::Boolean) {
                Some(Value::Boolean(flag)) => Value::Boolean(!flag),
                _ => Type::Boolean.zero(),
            },
            Expr::Negate(operand) => match self.operand(operand, Type::Integer) {
                Some(Value::Integer(number)) => self.checked(number.checked_neg(), "-"),
                _ => Type::Integer.zero(),
            },
            Expr::Binary { op, left, right } => self.binary(*op, left, right),
            Expr::Like {
                value,
                pattern,
                negated,
            } => match self.operand(value, Type::String) {
                Some(Value::String(text)) => Value::Boolean(pattern.matches(&text) != *negated),
                _ => Type::Boolean.zero(),
            },
            Expr::In {
                value,
                set,
                negated,
            } => self.member(value, set, *negated),
            Expr::Call {
                name,
                function,
                arguments,
            } => {
                let Some(function) = function else {
                    self.error(
                        ErrorKind::MissingFunction,
                        &format!("{name}/{}", arguments.len()),
                    );
                    return Some(Type::Boolean.zero());
                };
                let mut values = Vec::with_capacity(arguments.len());
                for (index, argument) in arguments.iter().enumerate() {
                    let value = match function.parameter(index) {
                        Parameter::Of(kind) => self.operand(argument, kind),
                        Parameter::Any => match self.eval(argument) {
                            Outcome::Value(value) => Some(value),
                            Outcome::Failed(_) => None,
                        },
                    };
                    match value {
                        Some(value) => values.push(value),
                        None => return Some(function.returns().zero()),
                    }
                }
                let (value, error) = function.call(values);
                if let Some(kind) = error {
                    self.error(kind, name);
                }
                value
            }
        };
        Some(value)
    }

    /// `operand` cast to `kind`: `None` when it met an error; its zero
    /// value, with a cast error, when it cannot be cast.
    fn operand(&mut self, operand: &'a Expr, kind: Type) -> Option<Value<'a>> {
        match self.eval(operand) {
            Outcome::Failed(_) => None,
            Outcome::Value(value) => Some(self.cast(value, kind)),
        }
    }

    fn cast(&mut self, value: Value<'a>, kind: Type) -> Value<'a> {
        value.cast(kind).unwrap_or_else(|error| {
            self.error(error, &format!("{value} as {kind:?}"));
            kind.zero()
        })
    }

    fn binary(&mut self, op: BinaryOp, left: &'a Expr, right: &'a Expr) -> Value<'a> {
        use BinaryOp::*;
        match op {
            And | Or => {
                let Some(Value::Boolean(first)) = self.operand(left, Type::Boolean) else {
                    return Type::Boolean.zero();
                };
                // Short-circuit: the right operand is not evaluated.
                if first == (op == Or) {
                    return Value::Boolean(first);
                }
                match self.operand(right, Type::Boolean) {
                    Some(Value::Boolean(second)) => Value::Boolean(second),
                    _ => Type::Boolean.zero(),
                }
            }
            Xor => match (
                self.operand(left, Type::Boolean),
                self.operand(right, Type::Boolean),
            ) {
                (Some(Value::Boolean(a)), Some(Value::Boolean(b))) => Value::Boolean(a != b),
                _ => Type::Boolean.zero(),
            },
            Equal | NotEqual => {
                let (Outcome::Value(a), Outcome::Value(b)) = (self.eval(left), self.eval(right))
                else {
                    return Type::Boolean.zero();
                };
                // `=` is ambiguous: the left operand is cast to the right's type.
                match a.cast(b.kind()) {
                    Ok(a) => Value::Boolean((a == b) == (op == Equal)),
                    Err(kind) => {
                        self.error(kind, &format!("{a} as {:?}", b.kind()));
                        Type::Boolean.zero()
                    }
                }
            }
            Less | LessOrEqual | Greater | GreaterOrEqual => {
                let (Some(Value::Integer(a)), Some(Value::Integer(b))) = (
                    self.operand(left, Type::Integer),
                    self.operand(right, Type::Integer),
                ) else {
                    return Type::Boolean.zero();
                };
                Value::Boolean(match op {
                    Less => a < b,
                    LessOrEqual => a <= b,
                    Greater => a > b,
                    _ => a >= b,
                })
            }
            Multiply | Divide | Remainder | Add | Subtract => {
                let (Some(Value::Integer(a)), Some(Value::Integer(b))) = (
                    self.operand(left, Type::Integer),
                    self.operand(right, Type::Integer),
                ) else {
                    return Type::Integer.zero();
                };
                let (result, symbol) = match op {
                    Multiply => (a.checked_mul(b), "*"),
                    Divide => (a.checked_div(b), "/"),
                    Remainder => (a.checked_rem(b), "%"),
                    Add => (a.checked_add(b), "+"),
                    _ => (a.checked_sub(b), "-"),
                };
                self.checked(result, symbol)
            }
        }
    }

    /// `value IN set`: each member cast to the value's type.
    fn member(&mut self, value: &'a Expr, set: &'a [Expr], negated: bool) -> Value<'a> {
        let Outcome::Value(value) = self.eval(value) else {
            return Type::Boolean.zero();
        };
        let kind = value.kind();
        for item in set {
            if let Some(item) = self.operand(item, kind)
                && item == value
            {
                return Value::Boolean(!negated);
            }
        }
        Value::Boolean(negated)
    }

    /// An integer result, or 0 and a math error when there is none.
    fn checked(&mut self, result: Option<i32>, operator: &str) -> Value<'a> {
        match result {
            Some(number) => Value::Integer(number),
            None => {
                self.error(ErrorKind::Math, operator);
                Type::Integer.zero()
            }
        }
    }

    fn error(&mut self, kind: ErrorKind, detail: &str) {
        self.errors.push(EvalError {
            kind,
            detail: detail.to_owned(),
        });
    }
}

/// A string value borrowed from `text`.
pub(crate) fn borrowed(text: &str) -> Value<'_> {
    Value::String(Cow::Borrowed(text))
}
