//! JetStream triggers: at-least-once delivery from a durable pull consumer.
//!
//! A message is acknowledged only after the handler returned `ok`. Any
//! other outcome (an `err`, 0.3's `retry`, a trap, the deadline) is a
//! negative acknowledgement with the trigger's back-off, so the broker
//! delivers it again; once a message has been delivered `max-deliver`
//! times, or at once when a 0.3 handler rejects it, it is published to the trigger's `dead-letter` subject, with headers that say
//! where it came from and why it failed, and then terminated. If that
//! publish fails, the message stays with the broker for another try. While
//! a handler runs, the host sends in-progress acknowledgements at half the
//! `ack-wait`, so a long handler keeps its message.
//!
//! The reply subject of a JetStream message is the broker's acknowledgement
//! subject: the component never sees it (its `reply-to` is empty); a component
//! publishes answers to its own configured subject.
//!
//! The consumer pulls at most [`BATCH`] messages ahead, and no more bytes
//! than the host's buffer for waiting messages (`--nats-buffer-bytes`, or
//! the broker's largest message if that is larger). Shutdown stops pulling,
//! finishes the messages being handled and acknowledges them; the message
//! waiting for an instance is released at once for another host, and those
//! the client had pulled ahead come back after `ack-wait`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::{self, AckKind, stream};
use async_nats::{Client, HeaderMap};
use futures::StreamExt as _;
use manifest::JetStream;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Subscription;
use super::deliver::{Listener, Outcome, deliver};
use crate::context::HostContext;
use crate::error::ServeError;
use crate::messaging::BrokerMessage;

/// The most messages pulled ahead of the handlers.
const BATCH: usize = 32;

/// How long an acknowledgement, or a dead letter's publish, may take.
const BROKER_WAIT: Duration = Duration::from_secs(5);

/// How long the host waits before pulling again after the pull failed.
const PULL_RETRY: Duration = Duration::from_secs(1);

/// The header of a dead letter that names its stream.
pub(crate) const STREAM_HEADER: &str = "Bindery-Stream";
/// The header of a dead letter that gives its sequence in the stream.
pub(crate) const SEQUENCE_HEADER: &str = "Bindery-Stream-Sequence";
/// The header of a dead letter that gives how often it was delivered.
pub(crate) const DELIVERIES_HEADER: &str = "Bindery-Deliveries";
/// The header of a dead letter that gives the last delivery's failure.
pub(crate) const REASON_HEADER: &str = "Bindery-Reason";
/// The header of a dead letter that gives the subject it was published on.
pub(crate) const SUBJECT_HEADER: &str = "Bindery-Subject";

/// The longest reason a dead letter's header carries.
const REASON_LIMIT: usize = 512;

/// Finds or creates every stream the JetStream triggers name (one created
/// here holds the subjects of every trigger that names it), then creates
/// or updates each trigger's durable consumer; returns the consumers in
/// the order of `subscriptions`' JetStream triggers.
pub(super) async fn consumers(
    client: &Client,
    subscriptions: &[Subscription],
) -> Result<Vec<PullConsumer>, ServeError> {
    let context = jetstream::new(client.clone());
    let mut subjects: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for subscription in subscriptions {
        if let Some(settings) = &subscription.jetstream {
            let held = subjects.entry(settings.stream.as_str()).or_default();
            if !held.contains(&subscription.subject) {
                held.push(subscription.subject.clone());
            }
        }
    }
    let mut streams = BTreeMap::new();
    for (name, subjects) in subjects {
        let stream = context
            .get_or_create_stream(stream::Config {
                name: name.to_owned(),
                subjects,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|source| ServeError::Stream {
                stream: name.to_owned(),
                source: Box::new(source),
            })?;
        streams.insert(name, stream);
    }
    let mut consumers = Vec::new();
    for subscription in subscriptions {
        let Some(settings) = &subscription.jetstream else {
            continue;
        };
        let stream = &streams[settings.stream.as_str()];
        let consumer = stream
            .create_consumer(pull::Config {
                durable_name: Some(settings.consumer.to_string()),
                filter_subject: subscription.subject.clone(),
                deliver_policy: DeliverPolicy::All,
                ack_policy: AckPolicy::Explicit,
                ack_wait: settings.ack_wait,
                // The host counts deliveries itself, so that a message whose
                // dead letter could not be published is delivered again.
                max_deliver: -1,
                ..Default::default()
            })
            .await
            .map_err(|source| ServeError::Consumer {
                stream: settings.stream.to_string(),
                consumer: settings.consumer.to_string(),
                subject: subscription.subject.clone(),
                source: Box::new(source),
            })?;
        consumers.push(consumer);
    }
    Ok(consumers)
}

/// Pulls the messages of `consumer` and hands each to a fresh instance of
/// the subscription's component, as many at once as the host admits, until
/// `stopping` changes; then finishes the handlers and their
/// acknowledgements.
pub(super) async fn consume(
    context: Arc<HostContext>,
    subscription: Subscription,
    consumer: PullConsumer,
    mut stopping: watch::Receiver<bool>,
) {
    let settings = Arc::new(
        subscription
            .jetstream
            .clone()
            .expect("a JetStream subscription"),
    );
    let subject = subscription.subject.as_str();
    let max_bytes = context.config.nats_buffer_bytes.max(
        context
            .broker
            .as_ref()
            .map_or(0, |client| client.server_info().max_payload),
    );
    let mut running = JoinSet::new();
    'pulling: while !*stopping.borrow() {
        let pulled = consumer
            .stream()
            .max_messages_per_batch(BATCH)
            .max_bytes_per_batch(max_bytes)
            .messages()
            .await;
        let mut messages = match pulled {
            Ok(messages) => messages,
            Err(error) => {
                tracing::warn!(subject, "cannot pull from JetStream: {error}; trying again");
                tokio::select! {
                    () = tokio::time::sleep(PULL_RETRY) => continue,
                    _ = stopping.changed() => break,
                }
            }
        };
        loop {
            let next = tokio::select! {
                next = messages.next() => next,
                _ = stopping.changed() => break 'pulling,
            };
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(error)) => {
                    tracing::warn!(subject, "pulling from JetStream: {error}");
                    continue;
                }
                None => continue 'pulling,
            };
            let admitted = tokio::select! {
                admitted = context.admissions.admit(None) => admitted,
                _ = stopping.changed() => {
                    release(&message).await;
                    break 'pulling;
                }
            };
            let Ok(admission) = admitted else {
                release(&message).await;
                break 'pulling;
            };
            let handled = handle(
                context.clone(),
                subscription.listener.clone(),
                settings.clone(),
                message,
                admission,
            );
            running.spawn(handled);
            while running.try_join_next().is_some() {}
        }
    }
    while running.join_next().await.is_some() {}
    if let Some(client) = &context.broker {
        let _ = tokio::time::timeout(BROKER_WAIT, client.flush()).await;
    }
}

/// Hands a message pulled but not started back to the broker at once.
async fn release(message: &jetstream::Message) {
    let _ = tokio::time::timeout(BROKER_WAIT, message.ack_with(AckKind::Nak(None))).await;
}

/// Handles one message and acknowledges it as its outcome asks.
async fn handle(
    context: Arc<HostContext>,
    listener: Arc<Listener>,
    settings: Arc<JetStream>,
    message: jetstream::Message,
    admission: crate::budget::Admission,
) {
    let (sequence, delivered) = match message.info() {
        Ok(info) => (
            info.stream_sequence,
            u64::try_from(info.delivered).unwrap_or(1),
        ),
        Err(error) => {
            tracing::error!("a JetStream message without its metadata: {error}");
            return;
        }
    };
    let guest = BrokerMessage {
        subject: message.subject.to_string(),
        body: message.payload.to_vec(),
        reply_to: None,
    };
    let delivering = deliver(context.clone(), listener.clone(), guest, admission);
    let outcome = kept_in_progress(&message, settings.ack_wait / 2, delivering).await;
    let subject = message.subject.as_str();
    let (reason, rejected) = match outcome {
        Outcome::Handled => {
            acknowledge(&message, AckKind::Ack, sequence).await;
            return;
        }
        Outcome::Refused(reason) | Outcome::Failed(reason) => (reason, false),
        Outcome::Rejected(reason) => (reason, true),
    };
    let component = &listener.id;
    let max_deliver = u64::from(settings.max_deliver.get());
    if delivered < max_deliver && !rejected {
        let wait = settings.backoff_after(delivered);
        tracing::info!(
            %component,
            subject,
            sequence,
            "delivery {delivered} of {max_deliver} failed; delivered again in {wait:?}"
        );
        acknowledge(&message, AckKind::Nak(Some(wait)), sequence).await;
        return;
    }
    let Some(dead_letter) = &settings.dead_letter else {
        tracing::error!(
            %component,
            subject,
            sequence,
            reason,
            "gave up after {delivered} deliveries (rejected: {rejected}); the message is terminated and stays in stream `{}` (a `dead-letter` subject would take it)",
            settings.stream
        );
        acknowledge(&message, AckKind::Term, sequence).await;
        return;
    };
    match publish_dead_letter(
        &context,
        &settings,
        &message,
        dead_letter,
        sequence,
        delivered,
        &reason,
    )
    .await
    {
        Ok(()) => {
            tracing::warn!(
                %component,
                subject,
                sequence,
                reason,
                "gave up after {delivered} deliveries (rejected: {rejected}); sent to the dead-letter subject `{dead_letter}`"
            );
            acknowledge(&message, AckKind::Term, sequence).await;
        }
        Err(error) => {
            let wait = settings.backoff_after(delivered);
            tracing::error!(
                %component,
                subject,
                sequence,
                "cannot publish the dead letter to `{dead_letter}` ({error}); delivered again in {wait:?}"
            );
            acknowledge(&message, AckKind::Nak(Some(wait)), sequence).await;
        }
    }
}

/// Runs `delivering`, telling the broker every `every` that the message is
/// still being worked on.
async fn kept_in_progress(
    message: &jetstream::Message,
    every: Duration,
    delivering: impl Future<Output = Outcome>,
) -> Outcome {
    let mut delivering = std::pin::pin!(delivering);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            outcome = &mut delivering => return outcome,
            _ = ticks.tick() => {
                let _ = tokio::time::timeout(BROKER_WAIT, message.ack_with(AckKind::Progress)).await;
            }
        }
    }
}

/// Sends `kind` for `message`; a failure is logged (the broker delivers the
/// message again after its `ack-wait`).
async fn acknowledge(message: &jetstream::Message, kind: AckKind, sequence: u64) {
    let label = match kind {
        AckKind::Ack => "acknowledgement",
        AckKind::Nak(_) => "negative acknowledgement",
        AckKind::Term => "termination",
        _ => "acknowledgement",
    };
    match tokio::time::timeout(BROKER_WAIT, message.ack_with(kind)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(
            sequence,
            "the {label} was not sent ({error}); the broker delivers the message again"
        ),
        Err(_elapsed) => tracing::warn!(
            sequence,
            "the {label} was not sent within {BROKER_WAIT:?}; the broker delivers the message again"
        ),
    }
}

/// Publishes `message` to `dead_letter` with its own headers and those that
/// say where it came from and why it failed. When a stream holds the
/// subject, the stream must confirm it; otherwise it is published on core
/// NATS and flushed.
async fn publish_dead_letter(
    context: &HostContext,
    settings: &JetStream,
    message: &jetstream::Message,
    dead_letter: &str,
    sequence: u64,
    delivered: u64,
    reason: &str,
) -> Result<(), String> {
    let client = context
        .broker
        .clone()
        .ok_or("the host has no NATS connection")?;
    let mut headers = message.headers.clone().unwrap_or_default();
    header(&mut headers, STREAM_HEADER, settings.stream.as_str());
    header(&mut headers, SEQUENCE_HEADER, &sequence.to_string());
    header(&mut headers, DELIVERIES_HEADER, &delivered.to_string());
    header(&mut headers, REASON_HEADER, reason);
    header(&mut headers, SUBJECT_HEADER, message.subject.as_str());
    let published = async {
        let context = jetstream::new(client.clone());
        match context.stream_by_subject(dead_letter).await {
            Ok(_stream) => context
                .publish_with_headers(dead_letter.to_owned(), headers, message.payload.clone())
                .await
                .map_err(|error| error.to_string())?
                .await
                .map(drop)
                .map_err(|error| error.to_string()),
            Err(error)
                if error.kind() == jetstream::context::GetStreamByNameErrorKind::NotFound =>
            {
                tracing::warn!(
                    "no stream holds the dead-letter subject `{dead_letter}`: it is published on core NATS, and kept only by its subscribers"
                );
                client
                    .publish_with_headers(dead_letter.to_owned(), headers, message.payload.clone())
                    .await
                    .map_err(|error| error.to_string())?;
                client.flush().await.map_err(|error| error.to_string())
            }
            Err(error) => Err(format!("cannot tell which stream holds it: {error}")),
        }
    };
    tokio::time::timeout(BROKER_WAIT, published)
        .await
        .map_err(|_elapsed| format!("no confirmation within {BROKER_WAIT:?}"))?
}

/// Sets header `name` to `value`, with control characters made spaces and
/// cut to [`REASON_LIMIT`] bytes, so a component's reason cannot break the
/// message's headers.
fn header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    let mut clean: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.len() > REASON_LIMIT {
        let mut end = REASON_LIMIT;
        while !clean.is_char_boundary(end) {
            end -= 1;
        }
        clean.truncate(end);
    }
    headers.insert(name, clean.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_cannot_break_the_headers() {
        let mut headers = HeaderMap::new();
        header(&mut headers, REASON_HEADER, "bad\r\nInjected: yes");
        let value = headers.get(REASON_HEADER).unwrap().as_str();
        assert_eq!(value, "bad  Injected: yes");
        header(&mut headers, REASON_HEADER, &"é".repeat(REASON_LIMIT));
        let value = headers.get(REASON_HEADER).unwrap().as_str();
        assert!(value.len() <= REASON_LIMIT && value.chars().all(|c| c == 'é'));
    }
}
