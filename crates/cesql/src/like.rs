//! `LIKE` patterns: `%` for any run of characters, `_` for one, `\%` and
//! `\_` for themselves, anything else (a lone backslash included) for
//! itself. Matching costs at most the length of the value times that of the
//! pattern, and usually their sum.

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Exactly this character.
    Char(char),
    /// Any one character.
    One,
    /// Any run of characters, the empty one included.
    Any,
}

/// A compiled `LIKE` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    parts: Vec<Part>,
}

impl Pattern {
    /// The pattern written as `text`.
    pub(crate) fn new(text: &str) -> Self {
        let mut parts = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            parts.push(match c {
                '\\' => match chars.peek() {
                    Some(&escaped @ ('%' | '_')) => {
                        chars.next();
                        Part::Char(escaped)
                    }
                    _ => Part::Char('\\'),
                },
                '%' => Part::Any,
                '_' => Part::One,
                c => Part::Char(c),
            });
        }
        Self { parts }
    }

    /// Whether `value` matches the whole pattern.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let value: Vec<char> = value.chars().collect();
        let (mut v, mut p) = (0, 0);
        // The last `%` seen, and the value position it was tried at.
        let mut retry: Option<(usize, usize)> = None;
        while v < value.len() {
            match self.parts.get(p) {
                Some(Part::Any) => {
                    retry = Some((p, v));
                    p += 1;
                }
                Some(Part::One) => {
                    p += 1;
                    v += 1;
                }
                Some(Part::Char(c)) if *c == value[v] => {
                    p += 1;
                    v += 1;
                }
                _ => match retry {
                    Some((any, tried)) => {
                        p = any + 1;
                        v = tried + 1;
                        retry = Some((any, tried + 1));
                    }
                    None => return false,
                },
            }
        }
        self.parts[p..].iter().all(|part| *part == Part::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_escapes() {
        let like = |value: &str, pattern: &str| Pattern::new(pattern).matches(value);
        assert!(like("abc", "a%c"));
        assert!(like("ac", "a%c"));
        assert!(!like("ab", "a%c"));
        assert!(like("abc", "_b_"));
        assert!(!like("abbc", "_b_"));
        assert!(like("a%c", r"a\%c"));
        assert!(!like("abc", r"a\%c"));
        assert!(like(r"ab\c", r"ab\c"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("aaaaaaaaab", "%a%a%b"));
    }
}
