//! The dead-letter router: it stands between an app and its sink. Each
//! event goes to the sink; when the sink gives up on it (its retries
//! spent, a refusal, an event it cannot send), the event goes to the
//! dead-letter sink instead, marked with extension attributes that say
//! why ([`mark`]), and the app sees success once the dead-letter sink has
//! taken it. When the dead-letter sink fails too, the app gets the sink's
//! error with the dead-letter sink's after it.
//!
//! `bindery compose` puts it in when a component names a
//! `"bindery:cloudevents/sender#dead-letter"` dependency beside its
//! `"bindery:cloudevents/sender"` one. Its one setting,
//! [`DESTINATION_VARIABLE`], names where the sink sends (its URL or
//! subject), as compose writes it from the sink's config.

#[cfg(target_arch = "wasm32")]
mod component;

use codec::{AttributeValue, Event};

/// The variable that names the sink's destination.
pub const DESTINATION_VARIABLE: &str = "BINDERY_DEAD_LETTER_DESTINATION";

/// The extension attribute that says how the sink failed: `refused`,
/// `unreachable` or `invalid`, as `bindery:cloudevents/sender` names its
/// errors.
pub const KIND: &str = "binderyerrorkind";
/// The extension attribute with the sink's error text.
pub const REASON: &str = "binderyerrorreason";
/// The extension attribute that names where the sink sent (its URL or
/// subject).
pub const DESTINATION: &str = "binderyerrordest";
/// The extension attribute with how often the sink tried (an integer: the
/// built-in sinks say it at the end of their error text; 1 when a sink
/// does not).
pub const ATTEMPTS: &str = "binderyattempts";

/// The most bytes of the sink's error text kept in [`REASON`].
pub const MAX_REASON: usize = 1024;

/// How the sink failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The sink answered and refused the event.
    Refused,
    /// The sink could not be reached in its retry budget.
    Unreachable,
    /// The event could not be sent as it is.
    Invalid,
}

impl Kind {
    /// Its name, as the error variant's case.
    pub fn name(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Unreachable => "unreachable",
            Self::Invalid => "invalid",
        }
    }
}

/// `event` marked for the dead-letter sink: why the sink failed (`kind`,
/// `reason`, cut to [`MAX_REASON`] bytes on a character boundary), how
/// often it tried (read from the reason) and where it sent
/// (`destination`, when known).
pub fn mark(mut event: Event, kind: Kind, reason: &str, destination: Option<&str>) -> Event {
    let mut end = reason.len().min(MAX_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    event.set_extension(KIND, AttributeValue::String(kind.name().to_owned()));
    event.set_extension(REASON, AttributeValue::String(reason[..end].to_owned()));
    event.set_extension(
        ATTEMPTS,
        AttributeValue::Integer(i32::try_from(retry::tries_in(reason)).unwrap_or(i32::MAX)),
    );
    if let Some(destination) = destination.filter(|destination| !destination.is_empty()) {
        event.set_extension(DESTINATION, AttributeValue::String(destination.to_owned()));
    }
    event
}

/// The error the app gets when the dead-letter sink did not take the event
/// either: the sink's, with the dead-letter sink's after it.
pub fn both_failed(reason: &str, dead_letter: &str) -> String {
    format!("{reason}; the dead-letter sink did not take it either: {dead_letter}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            id: "1".into(),
            source: "/orders".into(),
            specversion: "1.0".into(),
            ty: "com.example.order.audited".into(),
            ..Event::default()
        }
    }

    fn extension<'a>(event: &'a Event, name: &str) -> Option<&'a str> {
        match event.extension(name) {
            Some(AttributeValue::String(text)) => Some(text),
            _ => None,
        }
    }

    #[test]
    fn a_marked_event_says_why_and_where() {
        let marked = mark(
            event(),
            Kind::Unreachable,
            "connection refused (after 4 tries)",
            Some("http://127.0.0.1:9/audit"),
        );
        assert_eq!(extension(&marked, KIND), Some("unreachable"));
        assert_eq!(
            extension(&marked, REASON),
            Some("connection refused (after 4 tries)")
        );
        assert_eq!(
            extension(&marked, DESTINATION),
            Some("http://127.0.0.1:9/audit")
        );
        assert_eq!(marked.id, "1", "the event is otherwise the same");
    }

    #[test]
    fn a_long_reason_is_cut_on_a_character_boundary() {
        let reason = "é".repeat(MAX_REASON);
        let marked = mark(event(), Kind::Refused, &reason, None);
        let kept = extension(&marked, REASON).unwrap();
        assert!(kept.len() <= MAX_REASON && kept.len() >= MAX_REASON - 1);
        assert!(kept.chars().all(|c| c == 'é'));
        assert_eq!(extension(&marked, DESTINATION), None);
    }

    #[test]
    fn names_are_valid_cloudevents_attribute_names() {
        for name in [KIND, REASON, DESTINATION, ATTEMPTS] {
            assert!(name.len() <= 20, "{name}");
            assert!(name.bytes().all(|b| b.is_ascii_lowercase()), "{name}");
        }
    }
}
