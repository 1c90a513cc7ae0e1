//! One message: a fresh instance in its own store, with the component's
//! environment, a memory limit, a deadline (epoch interruption for guest
//! code, and the wall clock for everything, host calls included) and the
//! outbound policies, whose `handle-message` is called once. Its outcome is
//! logged and returned, for a JetStream trigger to acknowledge; a fault
//! costs that message alone.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::{PoolConcurrencyLimitError, Trap};

use crate::budget::Admission;
use crate::context::HostContext;
use crate::linked::Linked;
use crate::messaging::{BrokerMessage, MessagingAppPre};
use crate::state::State;

/// A component on a NATS trigger, linked once.
pub(crate) type Listener = Linked<MessagingAppPre<State>>;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The handler returned `ok`.
    Handled,
    /// The handler returned an error: `wasmcloud:messaging@0.2.0`'s
    /// `err(string)`, which cannot say whether sending it again may help.
    Refused(String),
    /// The instance trapped, ran past its deadline or could not be made.
    Failed(String),
}

/// Handles `message` with a fresh instance of `listener`, which holds
/// `admission` until it is gone; `reply_to` is the subject the instance may
/// answer once without an `allowed_outbound_hosts` entry.
pub(crate) async fn deliver(
    context: Arc<HostContext>,
    listener: Arc<Listener>,
    message: BrokerMessage,
    admission: Admission,
) -> Outcome {
    let started = Instant::now();
    let config = &context.config;
    // The whole delivery, host calls included (a publish to a broker that
    // is gone, an outgoing request that stalls), ends at the deadline: the
    // future is dropped, and the instance with it.
    let delivered = tokio::time::timeout(config.deadline, async {
        let (mut store, app) = listener
            .instantiate(
                &context,
                admission,
                message.reply_to.clone(),
                async |pre, store| pre.instantiate_async(store).await,
            )
            .await;
        match app {
            Ok(app) => {
                app.wasmcloud_messaging_handler()
                    .call_handle_message(&mut store, &message)
                    .await
            }
            Err(error) => Err(error),
        }
    })
    .await;
    let result = delivered.unwrap_or_else(|_elapsed| Err(Trap::Interrupt.into()));
    let latency_ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
    let (component, subject) = (&listener.id, &message.subject);
    let failure = match result {
        Ok(Ok(())) => {
            tracing::info!(%component, subject, latency_ms, "message");
            return Outcome::Handled;
        }
        Ok(Err(reason)) => {
            tracing::warn!(%component, subject, reason, latency_ms, "message refused");
            return Outcome::Refused(reason);
        }
        Err(error) if error.is::<PoolConcurrencyLimitError>() => {
            format!("no room in the pool for its instance until its deadline: {error}")
        }
        Err(error) => match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => format!(
                "the component ran past its deadline of {:?}",
                config.deadline
            ),
            Some(trap) => format!("the component trapped: {trap}"),
            None => format!("the component failed: {}", error.root_cause()),
        },
    };
    tracing::error!(%component, subject, "message failed: {failure}");
    Outcome::Failed(failure)
}
