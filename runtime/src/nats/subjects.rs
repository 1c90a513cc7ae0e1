//! Outgoing messages: denied unless the subject is the reply subject of the
//! message being handled, or the manifest's `allowed_outbound_hosts` allows
//! it with a `nats://<subject pattern>` entry (NATS wildcards: `*` stands
//! for one token, a final `>` for one or more).

use std::sync::Arc;

/// The subjects a component may publish and send requests to.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubjectPolicy {
    allowed: Arc<Vec<Vec<String>>>,
}

/// A `nats://` entry of `allowed_outbound_hosts` the host cannot read.
#[derive(Debug, thiserror::Error)]
#[error(
    "allowed_outbound_hosts entry `{0}` is not a NATS subject pattern (tokens separated by `.`, \
     `*` for one token, a final `>` for the rest), as in `nats://orders.>`"
)]
pub struct SubjectPatternError(String);

impl SubjectPolicy {
    /// Reads the `nats://` entries of Spin's `allowed_outbound_hosts`; other
    /// schemes are for other transports and ignored here.
    pub(crate) fn new(entries: &[String]) -> Result<Self, SubjectPatternError> {
        let allowed = entries
            .iter()
            .filter_map(|entry| {
                let (scheme, pattern) = entry.split_once("://")?;
                scheme
                    .eq_ignore_ascii_case("nats")
                    .then_some((entry, pattern))
            })
            .map(|(entry, pattern)| {
                let tokens: Vec<String> = pattern.split('.').map(str::to_owned).collect();
                let last = tokens.len() - 1;
                let valid = tokens.iter().enumerate().all(|(index, token)| {
                    is_token(token) || token == "*" || (token == ">" && index == last)
                });
                if valid {
                    Ok(tokens)
                } else {
                    Err(SubjectPatternError(entry.clone()))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            allowed: Arc::new(allowed),
        })
    }

    /// Whether a message may go to `subject`.
    pub(crate) fn allows(&self, subject: &str) -> bool {
        self.allowed.iter().any(|pattern| matches(pattern, subject))
    }
}

/// Whether `subject` is one a message can be sent to: tokens without
/// wildcards or white space.
pub(crate) fn is_publish_subject(subject: &str) -> bool {
    subject.split('.').all(is_token)
}

fn is_token(token: &str) -> bool {
    !token.is_empty()
        && token != "*"
        && token != ">"
        && !token
            .bytes()
            .any(|byte| byte.is_ascii_whitespace() || byte.is_ascii_control())
}

fn matches(pattern: &[String], subject: &str) -> bool {
    let mut tokens = subject.split('.');
    for wanted in pattern {
        match (wanted.as_str(), tokens.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (wanted, Some(token)) if wanted == token => {}
            _ => return false,
        }
    }
    tokens.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_patterns() {
        let policy = SubjectPolicy::new(&[
            "nats://orders.>".into(),
            "nats://audit.*.log".into(),
            "https://api.example.com".into(),
        ])
        .unwrap();
        assert!(policy.allows("orders.accepted"));
        assert!(policy.allows("orders.eu.accepted"));
        assert!(!policy.allows("orders"));
        assert!(policy.allows("audit.eu.log"));
        assert!(!policy.allows("audit.eu.west.log"));
        assert!(!policy.allows("audit.eu"));
        assert!(!policy.allows("api.example.com"));
        assert!(!SubjectPolicy::default().allows("orders.accepted"));
        assert!(SubjectPolicy::new(&["nats://orders.>.x".into()]).is_err());
        assert!(SubjectPolicy::new(&["nats://orders..x".into()]).is_err());
        assert!(is_publish_subject("_INBOX.abc.1"));
        assert!(!is_publish_subject("orders.*"));
        assert!(!is_publish_subject("orders created"));
        assert!(!is_publish_subject(""));
    }
}
