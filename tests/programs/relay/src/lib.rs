//! A raw `wasmcloud:messaging` test component for the host's consumer: the
//! body of each message names a subject; the component sends a request
//! (`ping`) there with `consumer.request`, and publishes what came back, or
//! the error, to the message's reply subject with `consumer.publish`.

wit_bindgen::generate!({
    world: "test:relay/relay",
    path: "wit",
    generate_all,
});

use exports::wasmcloud::messaging::handler::Guest;
use wasmcloud::messaging::consumer;
use wasmcloud::messaging::types::BrokerMessage;

/// How long the request may wait, in milliseconds.
const TIMEOUT_MS: u32 = 5_000;

struct Relay;

impl Guest for Relay {
    fn handle_message(msg: BrokerMessage) -> Result<(), String> {
        let target = String::from_utf8(msg.body).map_err(|_| "the body is not a subject")?;
        let answer = match consumer::request(&target, b"ping", TIMEOUT_MS) {
            Ok(reply) => [b"reply: ".as_slice(), &reply.body].concat(),
            Err(error) => format!("error: {error}").into_bytes(),
        };
        let reply_to = msg.reply_to.ok_or("the message has no reply subject")?;
        consumer::publish(&BrokerMessage {
            subject: reply_to,
            body: answer,
            reply_to: None,
        })
    }
}

export!(Relay);
