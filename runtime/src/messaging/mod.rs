//! `wasmcloud:messaging/consumer` for every component, whatever its
//! trigger: publish and request over the host's one connection to the NATS
//! broker, within the component's subject policy. The NATS trigger
//! (`crate::nats`) consumes over the same connection.

mod bindings;
pub(crate) mod broker;
pub(crate) mod p3;
mod subjects;

use std::time::Duration;

use async_nats::Client;
use manifest::is_publish_subject;
use wasmtime::component::{HasSelf, Linker};

pub(crate) use bindings::wasmcloud::messaging::types::BrokerMessage;
pub(crate) use bindings::{MessagingApp, MessagingAppPre};
pub use broker::BrokerAuth;
pub(crate) use broker::{BrokerAddress, connect};
pub(crate) use subjects::SubjectPolicy;

use bindings::wasmcloud::messaging::{consumer, types};

/// The broker address when neither the manifest nor the host's settings
/// give one.
pub const DEFAULT_ADDRESS: &str = "nats://127.0.0.1:4222";

/// What one instance may do with `wasmcloud:messaging/consumer`: publish
/// and send requests over the host's connection, to the subjects its
/// policy allows, and publish once to the reply subject of the message it
/// handles.
#[derive(Clone)]
pub(crate) struct Messaging {
    client: Option<Client>,
    subjects: SubjectPolicy,
    reply: Option<Reply>,
    request_limit: Duration,
}

/// The reply subject of the message an instance handles, which it may
/// publish to once without an `allowed_outbound_hosts` entry, as NATS's own
/// `allow_responses` permits: never through `request`, never to a system
/// subject (`$JS.`, `$KV.`, `$SYS.`, ...: anything that starts with `$`),
/// and only within the host's `allowed` patterns, when it has some. The
/// sender of a message chooses its reply subject, so without these bounds a
/// component would publish wherever any sender asked it to.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The message's reply subject.
    pub(crate) subject: String,
    /// The host's narrowing of reply subjects, if any.
    pub(crate) allowed: Option<SubjectPolicy>,
}

impl Reply {
    /// Why a reply to `self.subject` is refused, if it is.
    fn refused(&self) -> Option<&'static str> {
        if self.subject.starts_with('$') {
            return Some("a system subject");
        }
        match &self.allowed {
            Some(allowed) if !allowed.allows(&self.subject) => {
                Some("outside the host's reply subjects (--reply-subjects)")
            }
            _ => None,
        }
    }
}

/// Why the policy refuses a message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CheckError {
    /// The host has no connection to a broker.
    NoConnection,
    /// The subject is not one a message can be sent to.
    NotASubject(String),
    /// The component may not send there; the text says why and what to do.
    Denied(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoConnection => {
                f.write_str("this host has no NATS connection (the manifest has no NATS trigger)")
            }
            Self::NotASubject(subject) => {
                write!(f, "`{subject}` is not a subject a message can be sent to")
            }
            Self::Denied(why) => f.write_str(why),
        }
    }
}

/// What a message is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    Publish,
    Request,
}

impl Messaging {
    /// The consumer of an instance: `client` is the host's connection, if it
    /// has one; `reply` the reply subject of the message it handles; a
    /// request waits at most `request_limit`.
    pub(crate) fn new(
        client: Option<Client>,
        subjects: SubjectPolicy,
        reply: Option<Reply>,
        request_limit: Duration,
    ) -> Self {
        Self {
            client,
            subjects,
            reply,
            request_limit,
        }
    }

    /// Whether `subject` is the reply subject of the message this instance
    /// handles (and its one reply is not used up).
    ///
    /// Such a reply is not flushed on its own: the connection writes in
    /// order, so the message's acknowledgement (on JetStream), sent after
    /// it over the same connection, cannot reach the broker before it, and
    /// the client writes it out at once in the background. A request's
    /// answer then costs no wait for the broker, as an HTTP response costs
    /// none; a message to any other subject still returns only once
    /// flushed, so that a sink's `ok` means the broker has it.
    fn answers(&self, subject: &str) -> bool {
        self.reply
            .as_ref()
            .is_some_and(|reply| reply.subject == subject)
    }

    /// The connection to send to `subject` over, if the component may:
    /// within its policy, or (a publish only) its one reply, which this
    /// uses up.
    fn check(&mut self, subject: &str, sending: Sending) -> Result<&Client, CheckError> {
        let Some(client) = &self.client else {
            return Err(CheckError::NoConnection);
        };
        if !is_publish_subject(subject) {
            return Err(CheckError::NotASubject(subject.to_owned()));
        }
        if self.subjects.allows(subject) {
            return Ok(client);
        }
        let is_reply = self
            .reply
            .as_ref()
            .is_some_and(|reply| reply.subject == subject);
        if is_reply && sending == Sending::Publish {
            let reply = self.reply.take().expect("checked above");
            if let Some(why) = reply.refused() {
                tracing::warn!("denied a reply to `{subject}`: {why}");
                return Err(CheckError::Denied(format!(
                    "replying to `{subject}` is not allowed: {why}"
                )));
            }
            return Ok(client);
        }
        tracing::warn!("denied a message to `{subject}`: not in allowed_outbound_hosts");
        let hint = if is_reply {
            " (a reply subject takes one publish, never a request)"
        } else {
            ""
        };
        Err(CheckError::Denied(format!(
            "sending to `{subject}` is not allowed{hint}: add `nats://{subject}` (or a pattern) to the component's allowed_outbound_hosts"
        )))
    }
}

impl types::Host for Messaging {}

impl consumer::Host for Messaging {
    /// Returns once the message is written to the broker's connection, or,
    /// for the reply to the message handled, once queued on it (see
    /// [`Messaging::answers`]).
    async fn publish(&mut self, message: BrokerMessage) -> Result<(), String> {
        let answer = self.answers(&message.subject);
        let client = self
            .check(&message.subject, Sending::Publish)
            .map_err(|error| error.to_string())?
            .clone();
        let published = match message.reply_to {
            Some(reply) if !is_publish_subject(&reply) => {
                return Err(format!("`{reply}` is not a subject a reply can be sent to"));
            }
            Some(reply) => {
                client
                    .publish_with_reply(message.subject.clone(), reply, message.body.into())
                    .await
            }
            None => {
                client
                    .publish(message.subject.clone(), message.body.into())
                    .await
            }
        };
        published.map_err(|error| format!("cannot publish to `{}`: {error}", message.subject))?;
        if answer {
            return Ok(());
        }
        // The guest learns that the message was written to the broker's
        // connection, not merely queued in the client: a sender's `ok` means
        // the event left this host.
        client.flush().await.map_err(|error| {
            format!(
                "the message to `{}` could not be written to the broker: {error}",
                message.subject
            )
        })
    }

    /// Waits at most `timeout_ms`, and never past the instance's deadline.
    async fn request(
        &mut self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> Result<BrokerMessage, String> {
        let client = self
            .check(&subject, Sending::Request)
            .map_err(|error| error.to_string())?
            .clone();
        let timeout = Duration::from_millis(timeout_ms.into()).min(self.request_limit);
        match tokio::time::timeout(timeout, client.request(subject.clone(), body.into())).await {
            Err(_elapsed) => Err(format!("no reply from `{subject}` within {timeout:?}")),
            Ok(Err(error)) => Err(format!("the request to `{subject}` failed: {error}")),
            Ok(Ok(reply)) => Ok(guest_message(&reply)),
        }
    }
}

/// Adds `wasmcloud:messaging/consumer` at 0.2.0 and 0.3.0 (and their types)
/// to `linker`, served by the [`Messaging`] that `get` finds in a store's
/// data.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut Messaging,
) -> wasmtime::Result<()> {
    MessagingApp::add_to_linker::<T, HasSelf<Messaging>>(linker, get)?;
    p3::add_to_linker(linker, get)
}

/// A NATS message as the guest sees it.
pub(crate) fn guest_message(message: &async_nats::Message) -> BrokerMessage {
    BrokerMessage {
        subject: message.subject.to_string(),
        body: message.payload.to_vec(),
        reply_to: message.reply.as_ref().map(ToString::to_string),
    }
}
