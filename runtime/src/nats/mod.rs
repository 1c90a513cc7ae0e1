//! The NATS trigger: a subscription per `[[trigger.nats]]` on one
//! connection to the broker, a fresh instance per message that calls the
//! component's `wasmcloud:messaging/handler`, and `wasmcloud:messaging/consumer`
//! for the guest over the same connection.
//!
//! Core NATS delivers a message at most once and has no acknowledgement:
//! the handler's `ok` ends a message; its `err` is logged at `warn` with the
//! subject and the component's reason, and a trap or the deadline at `error`.
//! Messages are never dropped silently: one
//! that arrives while every instance slot is taken waits in the
//! subscription's buffer, and a buffer overflow is logged by the client.

mod bindings;
mod deliver;
mod subjects;

use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event, Subscriber};
use futures::StreamExt as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub(crate) use bindings::{BrokerMessage, MessagingAppPre, add_to_linker};
pub use subjects::SubjectPatternError;
pub(crate) use subjects::SubjectPolicy;

use crate::Host;
use crate::error::ServeError;
use crate::linked::Linked;
use crate::state::State;
use subjects::is_publish_subject;

/// The broker address when neither the manifest nor the host's settings
/// give one.
pub const DEFAULT_ADDRESS: &str = "nats://127.0.0.1:4222";

/// Messages a subscription buffers while every instance slot is taken.
const SUBSCRIPTION_CAPACITY: usize = 1 << 16;

/// One `[[trigger.nats]]`: a subject, its queue group and the component
/// that handles its messages.
pub(crate) struct Subscription {
    pub(crate) subject: String,
    pub(crate) queue_group: Option<String>,
    pub(crate) listener: Arc<Linked<MessagingAppPre<State>>>,
}

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

    /// `consumer.publish`: returns once the message is written to the broker's connection.
    pub(crate) async fn publish(&self, message: BrokerMessage) -> Result<(), String> {
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

    /// `consumer.request`: waits at most `timeout_ms`, and never past the
    /// instance's deadline.
    pub(crate) async fn request(
        &self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> Result<BrokerMessage, String> {
        let client = self.check(&subject)?;
        let timeout = Duration::from_millis(timeout_ms.into()).min(self.request_limit);
        match tokio::time::timeout(timeout, client.request(subject.clone(), body.into())).await {
            Err(_elapsed) => Err(format!("no reply from `{subject}` within {timeout:?}")),
            Ok(Err(error)) => Err(format!("the request to `{subject}` failed: {error}")),
            Ok(Ok(reply)) => Ok(deliver::guest_message(&reply)),
        }
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

/// Subscribes to `subscription`'s subject, in its queue group if it has one.
pub(crate) async fn subscribe(
    client: &Client,
    subscription: &Subscription,
) -> Result<Subscriber, ServeError> {
    let subject = subscription.subject.clone();
    let subscribed = match &subscription.queue_group {
        Some(group) => client.queue_subscribe(subject, group.clone()).await,
        None => client.subscribe(subject).await,
    };
    subscribed.map_err(|source| ServeError::Subscribe {
        subject: subscription.subject.clone(),
        source,
    })
}

/// Hands each message of `subscriber` (the subscription `index` of `host`)
/// to a fresh instance, as many at once as there are instance slots. When
/// `stopping` changes, unsubscribes, handles what was already delivered,
/// and returns once every instance has finished.
pub(crate) async fn consume(
    host: Arc<Host>,
    index: usize,
    mut subscriber: Subscriber,
    mut stopping: watch::Receiver<bool>,
) {
    let listener = host.subscriptions[index].listener.clone();
    let mut running = JoinSet::new();
    let mut draining = false;
    loop {
        let message = tokio::select! {
            message = subscriber.next() => message,
            _ = stopping.changed(), if !draining => {
                draining = true;
                if let Err(error) = subscriber.drain().await {
                    tracing::warn!("cannot unsubscribe from `{}`: {error}", host.subscriptions[index].subject);
                }
                continue;
            }
        };
        let Some(message) = message else { break };
        let Ok(slot) = host.slots.clone().acquire_owned().await else {
            break;
        };
        running.spawn(deliver::deliver(
            host.clone(),
            listener.clone(),
            message,
            slot,
        ));
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
}
