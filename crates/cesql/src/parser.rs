//! The grammar of CESQL v1.0, by precedence climbing. From the loosest to
//! the tightest binding:
//!
//! ```text
//! logic      := comparison (("AND" | "OR" | "XOR") comparison)*
//! comparison := additive (("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") additive)*
//! additive   := product (("+" | "-") product)*
//! product    := postfix (("*" | "/" | "%") postfix)*
//! postfix    := unary ("NOT"? "LIKE" string | "NOT"? "IN" "(" logic ("," logic)* ")")*
//! unary      := "NOT" unary | "-" unary | primary
//! primary    := integer | string | "TRUE" | "FALSE" | "EXISTS" identifier
//!             | function "(" (logic ("," logic)*)? ")" | identifier | "(" logic ")"
//! ```
//!
//! Operators of equal precedence are evaluated left to right, as section 3.6
//! of the spec says (its ANTLR grammar marks the logic operators right
//! associative; the text is the authority).

use std::borrow::Cow;

use crate::ast::{BinaryOp, Expr};
use crate::error::ParseError;
use crate::function::Function;
use crate::lexer::{Spanned, Token, tokens};
use crate::like::Pattern;
use crate::value::Value;

/// Parses a whole expression.
pub(crate) fn parse(text: &str) -> Result<Expr, ParseError> {
    let end = text.chars().count() + 1;
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
        end,
    };
    let expr = parser.logic()?;
    match parser.advance() {
        None => Ok(expr),
        Some((token, column)) => Err(ParseError {
            column,
            message: format!(
                "expected an operator or the end, found {}",
                describe(&token)
            ),
        }),
    }
}

struct Parser {
    tokens: Vec<Spanned>,
    /// The index of the next token.
    at: usize,
    /// The column just past the expression, where "the end" is.
    end: usize,
}

impl Parser {
    fn logic(&mut self) -> Result<Expr, ParseError> {
        self.binary(Self::comparison, |token| match token {
            Token::And => Some(BinaryOp::And),
            Token::Or => Some(BinaryOp::Or),
            Token::Xor => Some(BinaryOp::Xor),
            _ => None,
        })
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        self.binary(Self::additive, |token| match token {
            Token::Equal => Some(BinaryOp::Equal),
            Token::NotEqual => Some(BinaryOp::NotEqual),
            Token::Less => Some(BinaryOp::Less),
            Token::LessOrEqual => Some(BinaryOp::LessOrEqual),
            Token::Greater => Some(BinaryOp::Greater),
            Token::GreaterOrEqual => Some(BinaryOp::GreaterOrEqual),
            _ => None,
        })
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        self.binary(Self::product, |token| match token {
            Token::Plus => Some(BinaryOp::Add),
            Token::Minus => Some(BinaryOp::Subtract),
            _ => None,
        })
    }

    fn product(&mut self) -> Result<Expr, ParseError> {
        self.binary(Self::postfix, |token| match token {
            Token::Star => Some(BinaryOp::Multiply),
            Token::Slash => Some(BinaryOp::Divide),
            Token::Percent => Some(BinaryOp::Remainder),
            _ => None,
        })
    }

    /// Operands read by `operand`, joined left to right by the operators
    /// `operator` recognises.
    fn binary(
        &mut self,
        operand: fn(&mut Self) -> Result<Expr, ParseError>,
        operator: fn(&Token) -> Option<BinaryOp>,
    ) -> Result<Expr, ParseError> {
        let mut left = operand(self)?;
        while let Some(op) = self.peek().and_then(operator) {
            self.at += 1;
            let right = operand(self)?;
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut value = self.unary()?;
        loop {
            let negated = self.peek() == Some(&Token::Not);
            let operator = self.tokens.get(self.at + usize::from(negated));
            match operator.map(|(token, _)| token) {
                Some(Token::Like | Token::In) => self.at += 1 + usize::from(negated),
                _ if negated => {
                    let (token, column) = operator.cloned().unwrap_or((Token::Not, self.end));
                    return Err(ParseError {
                        column,
                        message: format!(
                            "expected LIKE or IN after NOT, found {}",
                            describe(&token)
                        ),
                    });
                }
                _ => return Ok(value),
            }
            let is_like = self.tokens[self.at - 1].0 == Token::Like;
            value = if is_like {
                let pattern = match self.next("a string pattern")? {
                    (Token::String(pattern), _) => Pattern::new(&pattern),
                    (token, column) => {
                        return Err(ParseError {
                            column,
                            message: format!(
                                "LIKE takes a string literal, found {}",
                                describe(&token)
                            ),
                        });
                    }
                };
                Expr::Like {
                    value: Box::new(value),
                    pattern,
                    negated,
                }
            } else {
                self.expect(Token::LeftParen, "`(` to open the set")?;
                if self.peek() == Some(&Token::RightParen) {
                    return Err(self.error_here("a set holds at least one value"));
                }
                let set = self.list()?;
                Expr::In {
                    value: Box::new(value),
                    set,
                    negated,
                }
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(Token::Not) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Token::Minus) => {
                self.at += 1;
                if let Some(Token::Digits(_)) = self.peek() {
                    let (Token::Digits(digits), column) = self.next("digits")? else {
                        unreachable!("peeked")
                    };
                    return integer(&digits, column, true);
                }
                Ok(Expr::Negate(Box::new(self.unary()?)))
            }
            Some(Token::Plus) => {
                self.at += 1;
                match self.next("digits after `+`")? {
                    (Token::Digits(digits), column) => integer(&digits, column, false),
                    (token, column) => Err(ParseError {
                        column,
                        message: format!("expected digits after `+`, found {}", describe(&token)),
                    }),
                }
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let (token, column) = self.next("a value")?;
        match token {
            Token::Digits(digits) => integer(&digits, column, false),
            Token::String(text) => Ok(Expr::Literal(Value::String(Cow::Owned(text)))),
            Token::True => Ok(Expr::Literal(Value::Boolean(true))),
            Token::False => Ok(Expr::Literal(Value::Boolean(false))),
            Token::Exists => match self.next("an attribute name")? {
                (Token::Word(name), column) => Ok(Expr::Exists(attribute(&name, column)?)),
                (token, column) => Err(ParseError {
                    column,
                    message: format!("EXISTS takes an attribute name, found {}", describe(&token)),
                }),
            },
            Token::LeftParen => {
                let inner = self.logic()?;
                self.expect(Token::RightParen, "`)` to close `(`")?;
                Ok(inner)
            }
            Token::Word(name) if self.peek() == Some(&Token::LeftParen) => {
                self.at += 1;
                if !is_function_name(&name) {
                    return Err(ParseError {
                        column,
                        message: format!(
                            "`{name}` is not a function name: a letter, then letters and `_`"
                        ),
                    });
                }
                let arguments = self.list()?;
                let function = Function::resolve(&name, arguments.len());
                Ok(Expr::Call {
                    name,
                    function,
                    arguments,
                })
            }
            Token::Word(name) => Ok(Expr::Attribute(attribute(&name, column)?)),
            other => Err(ParseError {
                column,
                message: format!("expected a value, found {}", describe(&other)),
            }),
        }
    }

    /// Expressions separated by commas up to a `)`, which is consumed.
    fn list(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut items = Vec::new();
        if self.peek() == Some(&Token::RightParen) {
            self.at += 1;
            return Ok(items);
        }
        loop {
            items.push(self.logic()?);
            match self.next("`,` or `)`")? {
                (Token::Comma, _) => continue,
                (Token::RightParen, _) => return Ok(items),
                (token, column) => {
                    return Err(ParseError {
                        column,
                        message: format!("expected `,` or `)`, found {}", describe(&token)),
                    });
                }
            }
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(token, _)| token)
    }

    /// The next token, consumed.
    fn advance(&mut self) -> Option<Spanned> {
        let token = self.tokens.get(self.at).cloned();
        self.at += usize::from(token.is_some());
        token
    }

    /// The next token; at the end, an error saying `wanted` was expected.
    fn next(&mut self, wanted: &str) -> Result<Spanned, ParseError> {
        self.advance()
            .ok_or_else(|| self.error_here(&format!("expected {wanted}, found the end")))
    }

    fn expect(&mut self, token: Token, wanted: &str) -> Result<(), ParseError> {
        match self.next(wanted)? {
            (found, _) if found == token => Ok(()),
            (found, column) => Err(ParseError {
                column,
                message: format!("expected {wanted}, found {}", describe(&found)),
            }),
        }
    }

    fn error_here(&self, message: &str) -> ParseError {
        let column = self
            .tokens
            .get(self.at)
            .map_or(self.end, |(_, column)| *column);
        ParseError {
            column,
            message: message.to_owned(),
        }
    }
}

/// An integer literal of `digits`, negative if `negative`, within 32 bits.
fn integer(digits: &str, column: usize, negative: bool) -> Result<Expr, ParseError> {
    let magnitude: i64 = digits.parse().unwrap_or(i64::MAX);
    let value = if negative { -magnitude } else { magnitude };
    i32::try_from(value)
        .map(|value| Expr::Literal(Value::Integer(value)))
        .map_err(|_| ParseError {
            column,
            message: format!("{value} is not a 32-bit integer"),
        })
}

/// A value identifier: letters and digits, read in lower case.
fn attribute(name: &str, column: usize) -> Result<String, ParseError> {
    if name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(ParseError {
            column,
            message: format!("`{name}` is not an attribute name: letters and digits only"),
        })
    }
}

/// A letter, then letters and `_`.
fn is_function_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// A token as an error message names it.
fn describe(token: &Token) -> String {
    match token {
        Token::String(text) => format!("the string '{text}'"),
        Token::Digits(digits) => format!("the number {digits}"),
        Token::Word(word) => format!("`{word}`"),
        other => format!("`{}`", symbol(other)),
    }
}

fn symbol(token: &Token) -> &'static str {
    match token {
        Token::LeftParen => "(",
        Token::RightParen => ")",
        Token::Comma => ",",
        Token::Star => "*",
        Token::Slash => "/",
        Token::Percent => "%",
        Token::Plus => "+",
        Token::Minus => "-",
        Token::Equal => "=",
        Token::NotEqual => "!=",
        Token::Less => "<",
        Token::LessOrEqual => "<=",
        Token::Greater => ">",
        Token::GreaterOrEqual => ">=",
        Token::And => "AND",
        Token::Or => "OR",
        Token::Xor => "XOR",
        Token::Not => "NOT",
        Token::Like => "LIKE",
        Token::Exists => "EXISTS",
        Token::In => "IN",
        Token::True => "TRUE",
        Token::False => "FALSE",
        Token::String(_) | Token::Digits(_) | Token::Word(_) => "value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> ParseError {
        parse(text).unwrap_err()
    }

    #[test]
    fn equal_precedence_is_left_to_right() {
        let Expr::Binary { op, left, .. } = parse("a AND b OR c").unwrap() else {
            panic!("a binary expression")
        };
        assert_eq!(op, BinaryOp::Or);
        assert!(matches!(
            *left,
            Expr::Binary {
                op: BinaryOp::And,
                ..
            }
        ));
        let Expr::Binary { op, .. } = parse("1 + 2 * 3 = 7").unwrap() else {
            panic!("a binary expression")
        };
        assert_eq!(op, BinaryOp::Equal);
    }

    #[test]
    fn like_and_in_bind_tighter_than_comparisons() {
        let Expr::Binary { right, .. } = parse("a = b NOT LIKE 'x%'").unwrap() else {
            panic!("a binary expression")
        };
        assert!(matches!(*right, Expr::Like { negated: true, .. }));
        assert!(matches!(
            parse("x NOT IN (1, 2)").unwrap(),
            Expr::In { negated: true, .. }
        ));
    }

    #[test]
    fn errors_point_at_their_column() {
        assert_eq!(error("ABC(").column, 5);
        assert_eq!(error("x LIKE 123").column, 8);
        assert_eq!(error("a = = b").column, 5);
        assert_eq!(error("x IN ()").column, 7);
        assert_eq!(error("a NOT b").column, 7);
        assert_eq!(error("2147483648").column, 1);
        assert_eq!(error("my_ext = 1").column, 1);
        assert_eq!(error("(a = 1").column, 7);
        assert_eq!(error("a b").column, 3);
        assert!(parse("-2147483648 = ABS(-2147483648)").is_ok());
    }

    #[test]
    fn functions_resolve_by_name_and_arity() {
        let Expr::Call { function, .. } = parse("concat_ws(',', a)").unwrap() else {
            panic!("a call")
        };
        assert_eq!(function, Some(Function::ConcatWs));
        let Expr::Call { function, .. } = parse("NOPE(1)").unwrap() else {
            panic!("a call")
        };
        assert_eq!(function, None);
    }
}
