//! The binder: the `wasmcloud:messaging/handler@0.3.0` export, each message
//! read from its body stream (within the binder's `max-body`), through
//! [`nats_binding::on_message`] with the app's imported handler, and the
//! answer published through `wasmcloud:messaging/consumer@0.3.0`.

use nats_binding::{Config, Delivered, Event, HandlerError, Message, on_message};

/// The messaging and handler bindings of the `nats-binder-p3` world.
mod bindings {
    wasip3::wit_bindgen::generate!({
        world: "bindery:nats-binder-p3/nats-binder-p3",
        path: "wit",
        runtime_path: "wasip3::wit_bindgen::rt",
        generate_all,
    });
}

use bindings::bindery::cloudevents::handler;
use bindings::bindery::cloudevents::types as wit;
use bindings::exports::wasmcloud::messaging::handler::Guest;
use bindings::wasmcloud::messaging::consumer;
use bindings::wasmcloud::messaging::types::{BrokerMessage, HandleMessageError};
use bindings::wit_stream;

use crate::{Disposition, disposition};

struct Binder;

impl Guest for Binder {
    async fn handle_message(msg: BrokerMessage) -> Result<(), HandleMessageError> {
        let config = Config::from_env(std::env::vars()).map_err(|error| {
            failed(
                Disposition::Retry,
                format!("the binder's configuration is unusable ({error})"),
            )
        })?;
        let body =
            body::read_stream(msg.body, config.max_body)
                .await
                .map_err(|error| match error {
                    body::ReadError::TooLarge(limit) => failed(
                        Disposition::Reject,
                        format!("the body is over the limit of {limit} bytes"),
                    ),
                    body::ReadError::Failed(why) => failed(
                        Disposition::Retry,
                        format!("the body could not be read: {why}"),
                    ),
                })?;
        let message = Message {
            subject: msg.subject,
            body,
            reply_to: msg.reply_to,
        };
        let delivered = on_message(&config, &message, call_app)
            .map_err(|failure| failed(disposition(&failure), failure.reason))?;
        match delivered {
            Delivered::Answered(answer) => {
                // The body is written by a task of its own while the host
                // reads it for the publish.
                let (mut writer, reader) = wit_stream::new();
                let body = answer.body;
                wasip3::spawn_local(async move {
                    let _ = writer.write_all(body).await;
                });
                let published = consumer::publish(BrokerMessage {
                    subject: answer.subject.clone(),
                    body: reader,
                    reply_to: None,
                })
                .await;
                published.map_err(|error| {
                    failed(
                        Disposition::Retry,
                        format!("cannot publish the answer on {}: {error:?}", answer.subject),
                    )
                })
            }
            delivered @ (Delivered::Dropped { .. } | Delivered::Handled) => {
                if let Some(note) = delivered.dropped_note(&message.subject) {
                    eprintln!("{note}");
                }
                Ok(())
            }
        }
    }
}

bindings::export!(Binder with_types_in bindings);

/// The error a failure is reported with, logged on the way: `retry` or
/// `reject` (0.3's `handle-message-error` has no room for the reason, so
/// the binder writes it to stderr, which the host logs).
fn failed(disposition: Disposition, reason: String) -> HandleMessageError {
    match disposition {
        Disposition::Retry => {
            eprintln!("nats-cloudevents: {reason}; the message may be retried");
            HandleMessageError::Retry
        }
        Disposition::Reject => {
            eprintln!("nats-cloudevents: {reason}; the message is rejected");
            HandleMessageError::Reject
        }
    }
}

fn call_app(event: Event) -> Result<Option<Event>, HandlerError> {
    answer_from_wit(handler::handle(&to_wit(event)))
}

codec::wit_conversions!(wit);
