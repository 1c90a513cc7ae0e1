//! One message: a fresh instance in its own store, with the component's
//! environment, a memory limit, a deadline (epoch interruption for guest
//! code, and the wall clock for everything, host calls included) and the
//! outbound policies, whose `handle-message` is called once
//! (`wasmcloud:messaging@0.2.0`'s or `@0.3.0`'s, whichever the component
//! exports). Its outcome is logged and returned, for a JetStream trigger to
//! acknowledge; a fault costs that message alone.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::{PoolConcurrencyLimitError, Trap};

use crate::budget::Admission;
use crate::context::HostContext;
use crate::linked::Linked;
use crate::messaging::{BrokerMessage, MessagingApp, MessagingAppPre, p3};
use crate::state::State;

/// A component on a NATS trigger, linked once.
pub(crate) type Listener = Linked<ListenerPre>;

/// The pre-instance of a component on a NATS trigger, by the version of
/// `wasmcloud:messaging/handler` it exports.
pub(crate) enum ListenerPre {
    /// `wasmcloud:messaging/handler@0.2.0`.
    P2(MessagingAppPre<State>),
    /// `wasmcloud:messaging/handler@0.3.0`.
    P3(p3::MessagingAppPre<State>),
}

impl ListenerPre {
    /// The pre-instance of `pre`'s world: 0.2 if it exports that handler,
    /// else 0.3; the error is 0.2's when it exports neither.
    pub(crate) fn new(pre: wasmtime::component::InstancePre<State>) -> wasmtime::Result<Self> {
        match MessagingAppPre::new(pre.clone()) {
            Ok(p2) => Ok(Self::P2(p2)),
            Err(error) => p3::MessagingAppPre::new(pre)
                .map(Self::P3)
                .map_err(|_| error),
        }
    }
}

/// An instance of either world.
enum App {
    P2(MessagingApp),
    P3(p3::MessagingApp),
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The handler returned `ok`.
    Handled,
    /// The handler returned an error that leaves another delivery worth
    /// trying: `wasmcloud:messaging@0.2.0`'s `err(string)`, which cannot say
    /// whether it may help, or 0.3.0's `retry`.
    Refused(String),
    /// The handler said delivering the message again will not help: 0.3.0's
    /// `reject` (or `other`).
    Rejected(String),
    /// The instance trapped, ran past its deadline or could not be made.
    Failed(String),
}

/// Handles `message` with a fresh instance of `listener`, which holds
/// `admission` until it is gone; `reply_to` is the subject the instance may
/// answer once without an `allowed_outbound_hosts` entry.
pub(crate) async fn deliver(
    context: Arc<HostContext>,
    listener: Arc<Listener>,
    mut message: BrokerMessage,
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
                async |pre, store| match pre {
                    ListenerPre::P2(pre) => pre.instantiate_async(store).await.map(App::P2),
                    ListenerPre::P3(pre) => pre.instantiate_async(store).await.map(App::P3),
                },
            )
            .await;
        match app? {
            App::P2(app) => app
                .wasmcloud_messaging_handler()
                .call_handle_message(&mut store, &message)
                .await
                .map(|handled| handled.map_err(|reason| (reason, true))),
            App::P3(app) => {
                let message = (
                    message.subject.clone(),
                    std::mem::take(&mut message.body),
                    message.reply_to.clone(),
                );
                p3::deliver(&mut store, &app, message).await.map(|handled| {
                    handled.map_err(|error| (p3::describe(&error), p3::may_retry(&error)))
                })
            }
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
        Ok(Err((reason, true))) => {
            tracing::warn!(%component, subject, reason, latency_ms, "message refused");
            return Outcome::Refused(reason);
        }
        Ok(Err((reason, false))) => {
            tracing::warn!(%component, subject, reason, latency_ms, "message rejected");
            return Outcome::Rejected(reason);
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
