//! The binder component: `wasmcloud:messaging/handler` on the outside, the
//! app's `bindery:cloudevents/handler` on the inside, [`crate::on_message`]
//! in between, and answers published through `wasmcloud:messaging/consumer`.

/// The `wasmcloud:messaging` and `bindery:cloudevents` bindings of the
/// binder world.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "bindery:cloudevents/nats-binder",
        path: "../../wit",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "bindery_nats_cloudevents::component::bindings",
    });
}

/// The binder's export: each message through [`crate::on_message`] with the
/// app's imported handler.
#[cfg(feature = "binder")]
mod binder {
    use super::bindings::bindery::cloudevents::handler;
    use super::bindings::bindery::cloudevents::types as wit;
    use super::bindings::exports::wasmcloud::messaging::handler::Guest;
    use super::bindings::wasmcloud::messaging::consumer;
    use super::bindings::wasmcloud::messaging::types::BrokerMessage;
    use crate::{Config, Delivered, Event, HandlerError, Message, on_message};

    struct Binder;

    impl Guest for Binder {
        fn handle_message(msg: BrokerMessage) -> Result<(), String> {
            let config = Config::from_env(std::env::vars()).map_err(|error| {
                format!("the binder's configuration is unusable ({error}); the message may be retried once it is fixed")
            })?;
            let message = Message {
                subject: msg.subject,
                body: msg.body,
                reply_to: msg.reply_to,
            };
            match on_message(&config, &message, call_app).map_err(|failure| failure.to_string())? {
                Delivered::Answered(answer) => consumer::publish(&BrokerMessage {
                    subject: answer.subject.clone(),
                    body: answer.body,
                    reply_to: None,
                })
                .map_err(|error| {
                    format!(
                        "cannot publish the answer on {}: {error}; the message may be retried",
                        answer.subject
                    )
                }),
                delivered @ (Delivered::Dropped { .. } | Delivered::Handled) => {
                    if let Some(note) = delivered.dropped_note(&message.subject) {
                        eprintln!("{note}");
                    }
                    Ok(())
                }
            }
        }
    }

    super::bindings::export!(Binder with_types_in crate::component::bindings);

    fn call_app(event: Event) -> Result<Option<Event>, HandlerError> {
        answer_from_wit(handler::handle(&to_wit(event)))
    }

    codec::wit_conversions!(wit);
}
