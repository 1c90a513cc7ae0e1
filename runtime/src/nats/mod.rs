//! The NATS trigger: a subscription per `[[trigger.nats]]` on the host's
//! connection to the broker (or, for a trigger that names a `stream`, a
//! durable JetStream consumer: see [`jetstream`]), and a fresh instance per
//! message that calls the component's `wasmcloud:messaging/handler`.
//!
//! Core NATS delivers a message at most once and has no acknowledgement:
//! the handler's `ok` ends a message; its `err` is logged at `warn` with the
//! subject and the component's reason, and a trap or the deadline at `error`.
//! Messages are never dropped silently: one that arrives while every
//! instance slot (or the host's memory) is taken waits, within the host's byte budget for waiting
//! messages; beyond it, it is dropped and counted in the log.

mod deliver;
mod jetstream;

use std::sync::Arc;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::{Client, Subscriber};
use futures::future::BoxFuture;
use futures::{FutureExt as _, StreamExt as _};
use manifest::{JetStream, PlainSubscription};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::context::HostContext;
use crate::error::{ComponentError, HostError, ServeError};
use crate::linked::{LinkedSet, Linking};
use crate::messaging::guest_message;
use crate::trigger::Trigger;
use deliver::{Listener, ListenerPre, deliver};

/// One `[[trigger.nats]]`: a subject, its queue group and the component
/// that handles its messages.
struct Subscription {
    subject: String,
    queue_group: Option<String>,
    jetstream: Option<JetStream>,
    listener: Arc<Listener>,
}

/// Every `[[trigger.nats]]` of the app, and once prepared, their core
/// subscriptions and JetStream consumers, each in the order of its kind's
/// triggers.
pub(crate) struct NatsTrigger {
    subscriptions: Vec<Subscription>,
    subscribers: Vec<Subscriber>,
    consumers: Vec<PullConsumer>,
    prepared: bool,
}

impl NatsTrigger {
    /// Links the component behind each subscription (once for a component
    /// behind several).
    pub(crate) fn link(
        linking: &Linking<'_>,
        specs: Vec<PlainSubscription>,
    ) -> Result<Self, HostError> {
        let mut linked = LinkedSet::new();
        let subscriptions = specs
            .into_iter()
            .map(|spec| {
                let listener = linked.get_or_link(linking, &spec.id, &spec.component, |pre| {
                    ListenerPre::new(pre).map_err(|err| ComponentError::NotMessaging(err.into()))
                })?;
                Ok(Subscription {
                    subject: spec.subject,
                    queue_group: spec.queue_group,
                    jetstream: spec.jetstream,
                    listener,
                })
            })
            .collect::<Result<Vec<_>, HostError>>()?;
        Ok(Self {
            subscriptions,
            subscribers: Vec::new(),
            consumers: Vec::new(),
            prepared: false,
        })
    }

    /// Whether there is anything to subscribe to.
    pub(crate) fn is_empty(&self) -> bool {
        self.subscriptions.is_empty()
    }

    /// The subscriptions, in manifest order.
    pub(crate) fn subscriptions(&self) -> impl Iterator<Item = SubscriptionView<'_>> {
        self.subscriptions
            .iter()
            .map(|subscription| SubscriptionView {
                subject: &subscription.subject,
                queue_group: subscription.queue_group.as_deref(),
                jetstream: subscription
                    .jetstream
                    .as_ref()
                    .map(|settings| (settings.stream.as_str(), settings.consumer.as_str())),
                component: &subscription.listener.id,
            })
    }
}

/// A NATS trigger as the host serves it.
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionView<'a> {
    /// The subject.
    pub subject: &'a str,
    /// The queue group of a core-NATS trigger, if any.
    pub queue_group: Option<&'a str>,
    /// The stream and durable consumer of a JetStream trigger.
    pub jetstream: Option<(&'a str, &'a str)>,
    /// The id of the component behind it.
    pub component: &'a str,
}

impl Trigger for NatsTrigger {
    /// Finds or creates the JetStream streams and consumers, subscribes to
    /// every core subject, and has the broker confirm it.
    fn prepare<'a>(
        &'a mut self,
        context: &'a HostContext,
    ) -> BoxFuture<'a, Result<(), ServeError>> {
        async move {
            let Some(client) = &context.broker else {
                return Ok(());
            };
            if self.prepared {
                return Ok(());
            }
            self.consumers = jetstream::consumers(client, &self.subscriptions).await?;
            for subscription in &self.subscriptions {
                if subscription.jetstream.is_none() {
                    self.subscribers
                        .push(subscribe(client, subscription).await?);
                }
            }
            client.flush().await.map_err(ServeError::Flush)?;
            self.prepared = true;
            Ok(())
        }
        .boxed()
    }

    fn run(
        self: Box<Self>,
        context: Arc<HostContext>,
        stopping: watch::Receiver<bool>,
    ) -> BoxFuture<'static, ()> {
        async move {
            let mut running = JoinSet::new();
            let (mut subscribers, mut consumers) =
                (self.subscribers.into_iter(), self.consumers.into_iter());
            for subscription in self.subscriptions {
                if subscription.jetstream.is_some() {
                    let Some(consumer) = consumers.next() else {
                        break;
                    };
                    running.spawn(jetstream::consume(
                        context.clone(),
                        subscription,
                        consumer,
                        stopping.clone(),
                    ));
                } else {
                    let Some(subscriber) = subscribers.next() else {
                        break;
                    };
                    running.spawn(consume(
                        context.clone(),
                        subscription,
                        subscriber,
                        stopping.clone(),
                    ));
                }
            }
            while running.join_next().await.is_some() {}
        }
        .boxed()
    }
}

/// Subscribes to `subscription`'s subject, in its queue group if it has one.
async fn subscribe(client: &Client, subscription: &Subscription) -> Result<Subscriber, ServeError> {
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

/// Hands each message of `subscriber` to a fresh instance of the
/// subscription's component, as many at once as the host admits (its
/// instance slots and memory). Messages waiting for admission are held within the host's byte budget for
/// them (`--nats-buffer-bytes`, shared by every subscription, counting each
/// message until its delivery ends); one that arrives when the budget is
/// spent is dropped and counted in the log, as the broker drops messages
/// for a slow core-NATS consumer. When `stopping` changes, unsubscribes,
/// handles what was already delivered, and returns once every instance has
/// finished.
async fn consume(
    context: Arc<HostContext>,
    subscription: Subscription,
    subscriber: Subscriber,
    stopping: watch::Receiver<bool>,
) {
    let (queued, mut waiting) = mpsc::unbounded_channel();
    let intake = tokio::spawn(take_in(
        subscriber,
        subscription.subject.clone(),
        context.nats_buffer.clone(),
        queued,
        stopping,
    ));
    let mut running = JoinSet::new();
    while let Some((message, held)) = waiting.recv().await {
        let Ok(admission) = context.admissions.admit(None).await else {
            break;
        };
        let delivered = deliver(
            context.clone(),
            subscription.listener.clone(),
            guest_message(&message),
            admission,
        );
        running.spawn(async move {
            delivered.await;
            drop(held);
        });
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
    let _ = intake.await;
}

/// Takes the messages of `subscriber` into `queued` while `budget` has
/// room for their bytes, and drops (and counts) those beyond it; drains the
/// subscription when `stopping` changes.
async fn take_in(
    mut subscriber: Subscriber,
    subject: String,
    budget: Arc<Semaphore>,
    queued: mpsc::UnboundedSender<(async_nats::Message, OwnedSemaphorePermit)>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut draining = false;
    let mut dropped = DroppedMessages::default();
    loop {
        let message = tokio::select! {
            message = subscriber.next() => message,
            _ = stopping.changed(), if !draining => {
                draining = true;
                if let Err(error) = subscriber.drain().await {
                    tracing::warn!("cannot unsubscribe from `{subject}`: {error}");
                }
                continue;
            }
        };
        let Some(message) = message else { break };
        let bytes = message.payload.len() + message.subject.len();
        let permits = u32::try_from(bytes).unwrap_or(u32::MAX);
        match budget.clone().try_acquire_many_owned(permits) {
            Ok(held) => {
                if queued.send((message, held)).is_err() {
                    break;
                }
            }
            Err(_) => dropped.count(&subject, bytes),
        }
    }
}

/// Messages dropped for want of buffer, logged at most once a second.
#[derive(Default)]
struct DroppedMessages {
    unlogged: u64,
    logged: Option<std::time::Instant>,
}

impl DroppedMessages {
    fn count(&mut self, subject: &str, bytes: usize) {
        self.unlogged += 1;
        if self
            .logged
            .is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1))
        {
            tracing::error!(
                subject,
                "dropped {} message(s) (the last of {bytes} bytes): the buffer for messages waiting \
                 for an instance (--nats-buffer-bytes) is full",
                self.unlogged
            );
            self.unlogged = 0;
            self.logged = Some(std::time::Instant::now());
        }
    }
}
