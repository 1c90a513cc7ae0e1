//! The sink component: `bindery:cloudevents/sender` on the inside,
//! `wasmcloud:messaging/consumer` on the outside, [`crate::message`] in
//! between, and the configured retries around the publish.

mod bindings {
    wit_bindgen::generate!({
        world: "bindery:cloudevents/nats-sink",
        path: "../../wit",
        generate_all,
    });
}

use bindings::exports::bindery::cloudevents::sender::{Guest, SendError};
use bindings::exports::bindery::cloudevents::types as wit;
use bindings::wasmcloud::messaging::consumer;
use bindings::wasmcloud::messaging::types::BrokerMessage;

use crate::{Config, message, publish_failed};

struct Sink;

impl Guest for Sink {
    fn send(event: wit::Event) -> Result<(), SendError> {
        let config = Config::from_env(std::env::vars()).map_err(|error| {
            SendError::Unreachable(format!("the sink's configuration is unusable: {error}"))
        })?;
        let (subject, body) = message(&config, &from_wit(event)).map_err(SendError::Invalid)?;
        let message = BrokerMessage {
            subject,
            body,
            reply_to: None,
        };
        let mut clock = retry::SystemClock::start();
        retry::send(
            &config.retry,
            &mut clock,
            retry::random_jitter,
            |_| match consumer::publish(&message) {
                Ok(()) => retry::Attempt::Sent,
                Err(reason) => publish_failed(reason),
            },
        )
        .map(drop)
        .map_err(|gave_up| {
            let tries = gave_up.tries();
            SendError::Unreachable(gave_up.error + &tries)
        })
    }
}

bindings::export!(Sink with_types_in bindings);

codec::wit_conversions!(wit);
