//! `wasmcloud:messaging/consumer` for every component, whatever its
//! trigger: publish and request over the host's one connection to the NATS
//! broker, within the component's subject policy. The NATS trigger
//! (`crate::nats`) consumes over the same connection.

mod bindings;
mod subjects;

use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use manifest::is_publish_subject;
use wasmtime::component::{HasSelf, Linker};

pub(crate) use bindings::wasmcloud::messaging::types::BrokerMessage;
pub(crate) use bindings::{MessagingApp, MessagingAppPre};
pub(crate) use subjects::SubjectPolicy;

use crate::error::ServeError;
use bindings::wasmcloud::messaging::{consumer, types};

/// The broker address when neither the manifest nor the host's settings
/// give one.
pub const DEFAULT_ADDRESS: &str = "nats://127.0.0.1:4222";

/// Messages a subscription buffers while every instance slot is taken.
const SUBSCRIPTION_CAPACITY: usize = 1 << 16;

/// What one instance may do with `wasmcloud:messaging/consumer`: publish
/// and send requests over the host's connection, to the reply subject of the
/// message it handles and to the subjects its policy allows.
#[derive(Clone)]
pub(crate) struct Messaging {
    client: Option<Client>,
    subjects: SubjectPolicy,
    reply_to: Option<String>,
    request_limit: Duration,
}

impl Messaging {
    /// The consumer of an instance: `client` is the host's connection, if it
    /// has one; a request waits at most `request_limit`.
    pub(crate) fn new(
        client: Option<Client>,
        subjects: SubjectPolicy,
        reply_to: Option<String>,
        request_limit: Duration,
    ) -> Self {
        Self {
            client,
            subjects,
            reply_to,
            request_limit,
        }
    }

    fn check(&self, subject: &str) -> Result<&Client, String> {
        let Some(client) = &self.client else {
            return Err(
                "this host has no NATS connection (the manifest has no NATS trigger)".into(),
            );
        };
        if !is_publish_subject(subject) {
            return Err(format!(
                "`{subject}` is not a subject a message can be sent to"
            ));
        }
        if self.reply_to.as_deref() != Some(subject) && !self.subjects.allows(subject) {
            tracing::warn!("denied a message to `{subject}`: not in allowed_outbound_hosts");
            return Err(format!(
                "sending to `{subject}` is not allowed: add `nats://{subject}` (or a pattern) to the component's allowed_outbound_hosts"
            ));
        }
        Ok(client)
    }
}

impl types::Host for Messaging {}

impl consumer::Host for Messaging {
    /// Returns once the message is written to the broker's connection.
    async fn publish(&mut self, message: BrokerMessage) -> Result<(), String> {
        let client = self.check(&message.subject)?;
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
        let client = self.check(&subject)?;
        let timeout = Duration::from_millis(timeout_ms.into()).min(self.request_limit);
        match tokio::time::timeout(timeout, client.request(subject.clone(), body.into())).await {
            Err(_elapsed) => Err(format!("no reply from `{subject}` within {timeout:?}")),
            Ok(Err(error)) => Err(format!("the request to `{subject}` failed: {error}")),
            Ok(Ok(reply)) => Ok(guest_message(&reply)),
        }
    }
}

/// Adds `wasmcloud:messaging/consumer` (and its types) to `linker`, served
/// by the [`Messaging`] that `get` finds in a store's data.
pub(crate) fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut Messaging,
) -> wasmtime::Result<()> {
    MessagingApp::add_to_linker::<T, HasSelf<Messaging>>(linker, get)
}

/// A NATS message as the guest sees it.
pub(crate) fn guest_message(message: &async_nats::Message) -> BrokerMessage {
    BrokerMessage {
        subject: message.subject.to_string(),
        body: message.payload.to_vec(),
        reply_to: message.reply.as_ref().map(ToString::to_string),
    }
}

/// Connects to the broker at `address`: a broker that is down now is an
/// error; one that goes away later is reconnected to, with back-off, and
/// each change is logged.
pub(crate) async fn connect(address: &str) -> Result<Client, ServeError> {
    ConnectOptions::new()
        .name("bindery")
        .connection_timeout(Duration::from_secs(5))
        .subscription_capacity(SUBSCRIPTION_CAPACITY)
        .max_reconnects(Option::<usize>::None)
        .event_callback(|event| async move { log_event(event) })
        .connect(address)
        .await
        .map_err(|source| ServeError::Connect {
            address: address.to_owned(),
            source,
        })
}

fn log_event(event: Event) {
    match event {
        Event::Connected => tracing::info!("connected to the NATS broker"),
        Event::Disconnected => {
            tracing::warn!("lost the connection to the NATS broker; reconnecting")
        }
        Event::LameDuckMode => {
            tracing::warn!("the NATS broker is shutting down (lame duck mode)")
        }
        Event::SlowConsumer(sid) => tracing::error!(
            "messages of subscription {sid} arrive faster than they are handled: \
             its buffer of {SUBSCRIPTION_CAPACITY} is full and the client dropped messages"
        ),
        Event::ServerError(error) => tracing::error!("the NATS broker reports: {error}"),
        Event::ClientError(error) => tracing::error!("NATS client error: {error}"),
        Event::Draining | Event::Closed => {}
    }
}
