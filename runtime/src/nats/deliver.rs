//! One message: a fresh instance in its own store, with the component's
//! environment, a memory limit, an epoch deadline and the outbound
//! policies, whose `handle-message` is called once. Its outcome is logged;
//! a fault costs that message alone.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::OwnedSemaphorePermit;
use wasmtime::{PoolConcurrencyLimitError, Trap};

use super::{BrokerMessage, MessagingAppPre};
use crate::Host;
use crate::linked::Linked;
use crate::state::State;

/// A NATS message as the guest sees it.
pub(crate) fn guest_message(message: &async_nats::Message) -> BrokerMessage {
    BrokerMessage {
        subject: message.subject.to_string(),
        body: message.payload.to_vec(),
        reply_to: message.reply.as_ref().map(ToString::to_string),
    }
}

/// Handles `message` with a fresh instance of `listener`, holding `slot`
/// until the instance is gone.
pub(crate) async fn deliver(
    host: Arc<Host>,
    listener: Arc<Linked<MessagingAppPre<State>>>,
    message: async_nats::Message,
    slot: OwnedSemaphorePermit,
) {
    let started = Instant::now();
    let message = guest_message(&message);
    let config = &host.config;
    let mut store = listener.store(&host, message.reply_to.clone());
    let result = async {
        let app = listener.pre.instantiate_async(&mut store).await?;
        app.wasmcloud_messaging_handler()
            .call_handle_message(&mut store, &message)
            .await
    }
    .await;
    drop(store);
    drop(slot);
    let latency_ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
    let (component, subject) = (&listener.id, &message.subject);
    match result {
        Ok(Ok(())) => tracing::info!(%component, subject, latency_ms, "message"),
        Ok(Err(reason)) => {
            tracing::warn!(%component, subject, reason, latency_ms, "message refused")
        }
        Err(error) if error.is::<PoolConcurrencyLimitError>() => tracing::error!(
            %component,
            subject,
            "message lost: no pool slot for its instance: {error}"
        ),
        Err(error) => match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => tracing::error!(
                %component,
                subject,
                "message failed: the component ran past its deadline of {:?}",
                config.deadline
            ),
            Some(trap) => tracing::error!(
                %component,
                subject,
                "message failed: the component trapped: {trap}"
            ),
            None => tracing::error!(
                %component,
                subject,
                "message failed: the component failed: {}",
                error.root_cause()
            ),
        },
    }
}
