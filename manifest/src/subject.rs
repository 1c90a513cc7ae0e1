//! The NATS subject grammar, in one place for the manifest's checks and the
//! host's policy: subjects a trigger subscribes to, subjects a message is
//! sent to, and the `nats://<pattern>` entries of `allowed_outbound_hosts`.
//!
//! A subject is dot-separated tokens without white space or control
//! characters. In a pattern, `*` stands for one token and a final `>` for
//! one or more; neither may appear inside a token.

/// Whether `subject` is one a client can subscribe to: non-empty
/// dot-separated tokens, `*` as a whole token, `>` only as the last token.
pub fn is_subscription_subject(subject: &str) -> bool {
    SubjectPattern::parse(subject).is_some()
}

/// Whether `subject` is one a message can be sent to: tokens without
/// wildcards, white space or control characters.
pub fn is_publish_subject(subject: &str) -> bool {
    subject.split('.').all(is_literal_token)
}

fn is_literal_token(token: &str) -> bool {
    !token.is_empty()
        && !token
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '*' || c == '>')
}

/// A subject with wildcards: what a trigger subscribes to, or what an
/// `allowed_outbound_hosts` entry lets a component send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectPattern {
    tokens: Vec<String>,
}

impl SubjectPattern {
    /// Parses a pattern, such as `orders.*.created` or `orders.>`; `None`
    /// if it breaks the grammar.
    pub fn parse(pattern: &str) -> Option<Self> {
        let tokens: Vec<String> = pattern.split('.').map(str::to_owned).collect();
        let last = tokens.len() - 1;
        let valid = tokens.iter().enumerate().all(|(index, token)| {
            is_literal_token(token) || token == "*" || (token == ">" && index == last)
        });
        valid.then_some(Self { tokens })
    }

    /// Whether `subject` (without wildcards) matches the pattern.
    pub fn matches(&self, subject: &str) -> bool {
        let mut tokens = subject.split('.');
        for wanted in &self.tokens {
            match (wanted.as_str(), tokens.next()) {
                (">", Some(_)) => return true,
                ("*", Some(_)) => {}
                (wanted, Some(token)) if wanted == token => {}
                _ => return false,
            }
        }
        tokens.next().is_none()
    }
}

/// A `nats://` entry of `allowed_outbound_hosts` that is not a subject
/// pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "allowed_outbound_hosts entry `{0}` is not a NATS subject pattern (tokens separated by `.`, \
     `*` for one token, a final `>` for the rest), as in `nats://orders.>`"
)]
pub struct SubjectPatternError(pub String);

/// The subject patterns of the `nats://` entries of `allowed_outbound_hosts`;
/// entries of other schemes are for other transports and left out.
pub fn outbound_subjects(entries: &[String]) -> Result<Vec<SubjectPattern>, SubjectPatternError> {
    entries
        .iter()
        .filter_map(|entry| {
            let (scheme, pattern) = entry.split_once("://")?;
            scheme
                .eq_ignore_ascii_case("nats")
                .then_some((entry, pattern))
        })
        .map(|(entry, pattern)| {
            SubjectPattern::parse(pattern).ok_or_else(|| SubjectPatternError(entry.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_subjects() {
        for subject in [
            "orders.created",
            "orders.*",
            "orders.>",
            ">",
            "_INBOX.abc.1",
        ] {
            assert!(is_subscription_subject(subject), "{subject}");
        }
        for subject in ["", "a..b", "a b", "a.>.b", "a.b*", "a.>b"] {
            assert!(!is_subscription_subject(subject), "{subject}");
        }
    }

    #[test]
    fn publish_subjects() {
        assert!(is_publish_subject("_INBOX.abc.1"));
        assert!(!is_publish_subject("orders.*"));
        assert!(!is_publish_subject("orders.>"));
        assert!(!is_publish_subject("orders created"));
        assert!(!is_publish_subject("orders\u{7f}"));
        assert!(!is_publish_subject(""));
    }

    #[test]
    fn outbound_patterns() {
        let patterns = outbound_subjects(&[
            "nats://orders.>".into(),
            "nats://audit.*.log".into(),
            "https://api.example.com".into(),
        ])
        .unwrap();
        let allows = |subject| patterns.iter().any(|pattern| pattern.matches(subject));
        assert!(allows("orders.accepted"));
        assert!(allows("orders.a.b"));
        assert!(!allows("orders"));
        assert!(allows("audit.x.log"));
        assert!(!allows("audit.x.y.log"));
        assert!(!allows("api.example.com"));
        assert!(outbound_subjects(&["nats://orders.>.x".into()]).is_err());
        assert!(outbound_subjects(&["nats://orders..x".into()]).is_err());
        assert!(outbound_subjects(&[]).unwrap().is_empty());
    }
}
