//! A `[[trigger.nats]]` that consumes a JetStream stream: at-least-once
//! delivery, with acknowledgement after the handler succeeded, redelivery
//! on a back-off, and a dead-letter subject.
//!
//! ```toml
//! [[trigger.nats]]
//! subject = "orders.created"
//! component = "orders"
//! stream = "ORDERS"              # created if absent, with the trigger's subjects
//! consumer = "orders"            # durable; the component id when left out
//! max-deliver = 5                # deliveries before the dead letter
//! backoff = ["1s", "5s", "30s"]  # the wait before each redelivery; the last repeats
//! ack-wait = "30s"               # redelivered when neither acknowledged nor in progress
//! dead-letter = "orders.dlq"     # where a message goes once its deliveries are spent
//! ```
//!
//! Durations are written as JetStream's own configuration writes them:
//! `"500ms"`, `"1s"`, `"2m"`, `"1h"`.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::id::ComponentId;
use crate::subject::{SubjectPattern, is_publish_subject};

/// The redeliveries' waits when a trigger gives none: JetStream's own
/// example shape.
pub const DEFAULT_BACKOFF: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
];

/// Deliveries of one message when a trigger gives no `max-deliver`.
pub const DEFAULT_MAX_DELIVER: u32 = 5;

/// How long the broker waits for an acknowledgement when a trigger gives no
/// `ack-wait`.
pub const DEFAULT_ACK_WAIT: Duration = Duration::from_secs(30);

/// The shortest `ack-wait`: the host keeps a message with in-progress
/// acknowledgements at half of it.
const SHORTEST_ACK_WAIT: Duration = Duration::from_millis(200);

/// A JetStream stream or consumer name: letters, digits, `-` and `_`, at
/// most 255 bytes (no `.`, `*`, `>`, white space or path separators, which
/// the broker refuses or would put into file names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct JetStreamName(String);

impl TryFrom<String> for JetStreamName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 255
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(name))
        } else {
            Err(format!(
                "`{name}` is not a JetStream name: use 1 to 255 letters, digits, `-` and `_`"
            ))
        }
    }
}

impl From<JetStreamName> for String {
    fn from(name: JetStreamName) -> Self {
        name.0
    }
}

impl JetStreamName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JetStreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A duration as JetStream's configuration writes it, such as `"1s"` or
/// `"500ms"`; zero is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Interval(Duration);

impl TryFrom<String> for Interval {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match humantime::parse_duration(&text) {
            Ok(duration) if !duration.is_zero() => Ok(Self(duration)),
            Ok(_) => Err(format!("`{text}`: a wait must be longer than zero")),
            Err(error) => Err(format!(
                "`{text}` is not a duration ({error}); write it as \"500ms\", \"1s\", \"2m\" or \"1h\""
            )),
        }
    }
}

impl From<Interval> for String {
    fn from(interval: Interval) -> Self {
        humantime::format_duration(interval.0).to_string()
    }
}

impl Interval {
    /// The duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

/// The JetStream keys of a `[[trigger.nats]]`, as written; see
/// [`JetStreamKeys::settings`] for the checked settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct JetStreamKeys {
    /// The stream the trigger consumes, for example `"ORDERS"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<JetStreamName>,
    /// The durable consumer's name; the component id when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<JetStreamName>,
    /// Deliveries of one message before it goes to the dead letter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deliver: Option<NonZeroU32>,
    /// The wait before each redelivery; the last one repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Vec<Interval>>,
    /// How long the broker waits for an acknowledgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_wait: Option<Interval>,
    /// The subject a message is published to once its deliveries are spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
}

/// The checked JetStream settings of a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JetStream {
    /// The stream.
    pub stream: JetStreamName,
    /// The durable consumer.
    pub consumer: JetStreamName,
    /// Deliveries of one message before it goes to the dead letter.
    pub max_deliver: NonZeroU32,
    /// The wait before each redelivery; never empty, the last one repeats.
    pub backoff: Vec<Duration>,
    /// How long the broker waits for an acknowledgement.
    pub ack_wait: Duration,
    /// The subject a message is published to once its deliveries are spent.
    pub dead_letter: Option<String>,
}

impl JetStream {
    /// The wait before redelivering a message that has been delivered
    /// `delivered` times (1 for the first delivery).
    pub fn backoff_after(&self, delivered: u64) -> Duration {
        let index = usize::try_from(delivered.saturating_sub(1)).unwrap_or(usize::MAX);
        self.backoff[index.min(self.backoff.len() - 1)]
    }
}

/// Why a trigger's JetStream keys are unusable; the key is named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}` of the trigger for subject `{subject}`: {reason}")]
pub struct JetStreamError {
    /// The trigger's subject.
    pub subject: String,
    /// The key at fault.
    pub key: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl JetStreamKeys {
    /// Whether no key is given: the trigger is core NATS.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The checked settings of the trigger for `subject` behind `component`
    /// (in `queue_group`, if it has one), or `None` for core NATS.
    pub fn settings(
        &self,
        subject: &str,
        component: &ComponentId,
        queue_group: Option<&str>,
    ) -> Result<Option<JetStream>, JetStreamError> {
        let error = |key: &'static str, reason: String| JetStreamError {
            subject: subject.to_owned(),
            key,
            reason,
        };
        let Some(stream) = self.stream.clone() else {
            let given = [
                ("consumer", self.consumer.is_some()),
                ("max-deliver", self.max_deliver.is_some()),
                ("backoff", self.backoff.is_some()),
                ("ack-wait", self.ack_wait.is_some()),
                ("dead-letter", self.dead_letter.is_some()),
            ];
            return match given.into_iter().find(|(_, given)| *given) {
                Some((key, _)) => Err(error(
                    key,
                    "applies to a JetStream trigger only: name its `stream` too".into(),
                )),
                None => Ok(None),
            };
        };
        if queue_group.is_some() {
            return Err(error(
                "queue-group",
                "a JetStream trigger shares its messages through its durable `consumer` (every host that pulls from it takes a share); leave `queue-group` to core NATS".into(),
            ));
        }
        let consumer = match &self.consumer {
            Some(consumer) => consumer.clone(),
            None => JetStreamName::try_from(component.to_string()).map_err(|reason| {
                error(
                    "consumer",
                    format!("none is given and the component id is no name: {reason}"),
                )
            })?,
        };
        let backoff: Vec<Duration> = match &self.backoff {
            Some(waits) if waits.is_empty() => {
                return Err(error(
                    "backoff",
                    "give at least one wait, such as [\"1s\"]".into(),
                ));
            }
            Some(waits) => waits.iter().map(|wait| wait.duration()).collect(),
            None => DEFAULT_BACKOFF.to_vec(),
        };
        let ack_wait = self.ack_wait.map_or(DEFAULT_ACK_WAIT, Interval::duration);
        if ack_wait < SHORTEST_ACK_WAIT {
            return Err(error(
                "ack-wait",
                format!("{ack_wait:?} is too short: the shortest is {SHORTEST_ACK_WAIT:?}"),
            ));
        }
        if let Some(dead_letter) = &self.dead_letter {
            if !is_publish_subject(dead_letter) {
                return Err(error(
                    "dead-letter",
                    format!("`{dead_letter}` is not a subject a message can be sent to"),
                ));
            }
            if SubjectPattern::parse(subject).is_some_and(|pattern| pattern.matches(dead_letter)) {
                return Err(error(
                    "dead-letter",
                    format!(
                        "`{dead_letter}` matches the trigger's own subject, so dead letters would come back to it"
                    ),
                ));
            }
        }
        Ok(Some(JetStream {
            stream,
            consumer,
            max_deliver: self
                .max_deliver
                .unwrap_or(NonZeroU32::new(DEFAULT_MAX_DELIVER).expect("not zero")),
            backoff,
            ack_wait,
            dead_letter: self.dead_letter.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Result<JetStreamKeys, String> {
        toml::from_str(text).map_err(|error| error.message().to_owned())
    }

    fn settings(text: &str) -> Result<Option<JetStream>, String> {
        let id = ComponentId::try_from("orders".to_owned()).unwrap();
        keys(text)?
            .settings("orders.created", &id, None)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn no_stream_is_core_nats() {
        assert_eq!(settings("").unwrap(), None);
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let jetstream = settings("stream = \"ORDERS\"").unwrap().unwrap();
        assert_eq!(jetstream.consumer.as_str(), "orders", "the component id");
        assert_eq!(jetstream.max_deliver.get(), DEFAULT_MAX_DELIVER);
        assert_eq!(jetstream.backoff, DEFAULT_BACKOFF);
        assert_eq!(jetstream.ack_wait, DEFAULT_ACK_WAIT);
        assert_eq!(jetstream.dead_letter, None);
    }

    #[test]
    fn every_key_is_read() {
        let jetstream = settings(
            "stream = \"ORDERS\"\nconsumer = \"audit_1\"\nmax-deliver = 3\n\
             backoff = [\"250ms\", \"2s\"]\nack-wait = \"1m\"\ndead-letter = \"orders.dlq\"",
        )
        .unwrap()
        .unwrap();
        assert_eq!(jetstream.consumer.as_str(), "audit_1");
        assert_eq!(jetstream.max_deliver.get(), 3);
        assert_eq!(
            jetstream.backoff,
            [Duration::from_millis(250), Duration::from_secs(2)]
        );
        assert_eq!(jetstream.ack_wait, Duration::from_secs(60));
        assert_eq!(jetstream.dead_letter.as_deref(), Some("orders.dlq"));
    }

    #[test]
    fn the_last_wait_repeats() {
        let jetstream = settings("stream = \"S\"\nbackoff = [\"1s\", \"5s\"]")
            .unwrap()
            .unwrap();
        let waits: Vec<u64> = (1..=4)
            .map(|delivered| jetstream.backoff_after(delivered).as_secs())
            .collect();
        assert_eq!(waits, [1, 5, 5, 5]);
    }

    #[test]
    fn written_back_as_read() {
        let text = "stream = \"ORDERS\"\nbackoff = [\"1s\", \"500ms\"]\nack-wait = \"2m\"\n";
        let written = toml::to_string(&keys(text).unwrap()).unwrap();
        assert_eq!(keys(&written).unwrap(), keys(text).unwrap());
        assert!(written.contains("\"500ms\""), "{written}");
    }

    #[test]
    fn bad_values_are_refused_with_their_reason() {
        for (text, expected) in [
            ("stream = \"OR.DERS\"", "not a JetStream name"),
            ("stream = \"\"", "not a JetStream name"),
            ("stream = \"S\"\nconsumer = \"a b\"", "not a JetStream name"),
            ("stream = \"S\"\nbackoff = [\"soon\"]", "not a duration"),
            ("stream = \"S\"\nbackoff = [\"0s\"]", "longer than zero"),
            ("stream = \"S\"\nmax-deliver = 0", "nonzero"),
        ] {
            let error = settings(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn keys_that_do_not_fit_together_are_named() {
        for (text, key) in [
            ("consumer = \"c\"", "`consumer`"),
            ("dead-letter = \"x\"", "`dead-letter`"),
            ("stream = \"S\"\nbackoff = []", "`backoff`"),
            ("stream = \"S\"\nack-wait = \"10ms\"", "`ack-wait`"),
            (
                "stream = \"S\"\ndead-letter = \"orders.*\"",
                "`dead-letter`",
            ),
            (
                "stream = \"S\"\ndead-letter = \"orders.created\"",
                "`dead-letter`",
            ),
        ] {
            let error = settings(text).unwrap_err();
            assert!(error.starts_with(key), "{text}: {error}");
        }
        let id = ComponentId::try_from("orders".to_owned()).unwrap();
        let grouped = keys("stream = \"S\"")
            .unwrap()
            .settings("orders.created", &id, Some("workers"))
            .unwrap_err();
        assert_eq!(grouped.key, "queue-group");
    }
}
