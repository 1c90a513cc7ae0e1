//! Outgoing messages: denied unless the subject is the reply subject of the
//! message being handled, or the manifest's `allowed_outbound_hosts` allows
//! it with a `nats://<subject pattern>` entry. The grammar is the
//! manifest's ([`manifest::SubjectPattern`]).

use std::sync::Arc;

use manifest::{SubjectPattern, SubjectPatternError, outbound_subjects};

/// The subjects a component may publish and send requests to.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubjectPolicy {
    allowed: Arc<Vec<SubjectPattern>>,
}

impl SubjectPolicy {
    /// Reads the `nats://` entries of Spin's `allowed_outbound_hosts`; other
    /// schemes are for other transports and ignored here.
    pub(crate) fn new(entries: &[String]) -> Result<Self, SubjectPatternError> {
        Ok(Self {
            allowed: Arc::new(outbound_subjects(entries)?),
        })
    }

    /// The policy of `patterns`.
    pub(crate) fn of(patterns: Vec<SubjectPattern>) -> Self {
        Self {
            allowed: Arc::new(patterns),
        }
    }

    /// Whether a message may go to `subject`.
    pub(crate) fn allows(&self, subject: &str) -> bool {
        self.allowed.iter().any(|pattern| pattern.matches(subject))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nats_entries_count() {
        let policy =
            SubjectPolicy::new(&["nats://orders.>".into(), "https://api.example.com".into()])
                .unwrap();
        assert!(policy.allows("orders.accepted"));
        assert!(!policy.allows("api.example.com"));
        assert!(!SubjectPolicy::default().allows("orders.accepted"));
        assert!(SubjectPolicy::new(&["nats://orders..x".into()]).is_err());
    }
}
