//! Splits an expression into tokens, each with the column it starts at.
//! Keywords are case-insensitive; a string literal keeps every backslash
//! except the one before its own quote, so that `LIKE` sees its escapes.

use crate::error::ParseError;

/// A token of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    LeftParen,
    RightParen,
    Comma,
    Star,
    Slash,
    Percent,
    Plus,
    Minus,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    Xor,
    Not,
    Like,
    Exists,
    In,
    True,
    False,
    /// A string literal's value.
    String(String),
    /// The digits of an integer literal, without a sign.
    Digits(String),
    /// A word that is no keyword: a value or function identifier.
    Word(String),
}

/// A token and the 1-based column (in characters) where it starts.
pub(crate) type Spanned = (Token, usize);

/// The tokens of `text`.
pub(crate) fn tokens(text: &str) -> Result<Vec<Spanned>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let start = at;
        let column = start + 1;
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        at += 1;
        let token = match c {
            ' ' | '\t' | '\r' | '\n' => continue,
            '(' => Token::LeftParen,
            ')' => Token::RightParen,
            ',' => Token::Comma,
            '*' => Token::Star,
            '/' => Token::Slash,
            '%' => Token::Percent,
            '+' => Token::Plus,
            '-' => Token::Minus,
            '=' => Token::Equal,
            '!' if next == Some('=') => {
                at += 1;
                Token::NotEqual
            }
            '<' if next == Some('=') => {
                at += 1;
                Token::LessOrEqual
            }
            '<' if next == Some('>') => {
                at += 1;
                Token::NotEqual
            }
            '<' => Token::Less,
            '>' if next == Some('=') => {
                at += 1;
                Token::GreaterOrEqual
            }
            '>' => Token::Greater,
            '\'' | '"' => {
                let (value, end) = string(&chars, start)?;
                at = end;
                Token::String(value)
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                while chars
                    .get(at)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    at += 1;
                }
                word(chars[start..at].iter().collect())
            }
            other => {
                return Err(ParseError {
                    column,
                    message: format!("unexpected character `{other}`"),
                });
            }
        };
        tokens.push((token, column));
    }
    Ok(tokens)
}

/// A word as a keyword, an integer's digits, or an identifier.
fn word(word: String) -> Token {
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return Token::Digits(word);
    }
    match word.to_ascii_uppercase().as_str() {
        "AND" => Token::And,
        "OR" => Token::Or,
        "XOR" => Token::Xor,
        "NOT" => Token::Not,
        "LIKE" => Token::Like,
        "EXISTS" => Token::Exists,
        "IN" => Token::In,
        "TRUE" => Token::True,
        "FALSE" => Token::False,
        _ => Token::Word(word),
    }
}

/// The string literal that starts at `start` (its quote), and the index
/// after its closing quote. Its own quote is written `\'` or `''` (`\"` or
/// `""`); every other backslash is kept.
fn string(chars: &[char], start: usize) -> Result<(String, usize), ParseError> {
    let quote = chars[start];
    let mut value = String::new();
    let mut at = start + 1;
    loop {
        match chars.get(at) {
            None => {
                return Err(ParseError {
                    column: start + 1,
                    message: "this string is never closed".into(),
                });
            }
            Some('\\') if chars.get(at + 1) == Some(&quote) => {
                value.push(quote);
                at += 2;
            }
            Some('\\') if chars.get(at + 1).is_some() => {
                value.push('\\');
                value.push(chars[at + 1]);
                at += 2;
            }
            Some(c) if *c == quote => {
                if chars.get(at + 1) == Some(&quote) {
                    value.push(quote);
                    at += 2;
                } else {
                    return Ok((value, at + 1));
                }
            }
            Some(c) => {
                value.push(*c);
                at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token> {
        tokens(text)
            .unwrap()
            .into_iter()
            .map(|(token, _)| token)
            .collect()
    }

    #[test]
    fn keywords_are_case_insensitive_and_words_keep_their_case() {
        assert_eq!(
            kinds("a AnD b or NOT Exists"),
            [
                Token::Word("a".into()),
                Token::And,
                Token::Word("b".into()),
                Token::Or,
                Token::Not,
                Token::Exists
            ]
        );
    }

    #[test]
    fn strings_unescape_their_own_quote_only() {
        assert_eq!(kinds(r"'a\'b''c\%'"), [Token::String(r"a'b'c\%".into())]);
        assert_eq!(kinds(r#""x\"y""#), [Token::String("x\"y".into())]);
    }

    #[test]
    fn problems_have_a_column() {
        assert_eq!(tokens("a = 'open").unwrap_err().column, 5);
        assert_eq!(tokens("a ? b").unwrap_err().column, 3);
        assert_eq!(tokens("a <> b").unwrap()[1], (Token::NotEqual, 3));
    }
}
