//! The sink component: `bindery:cloudevents/sender` on the inside,
//! `wasi:http/outgoing-handler` on the outside, [`crate::request`] and
//! [`crate::outcome`] in between.

mod bindings {
    wit_bindgen::generate!({
        world: "bindery:cloudevents/http-sink",
        path: "../../wit",
        generate_all,
    });
}

use bindings::exports::bindery::cloudevents::sender::{self, Guest};
use bindings::exports::bindery::cloudevents::types as wit;
use bindings::wasi::http::outgoing_handler;
use bindings::wasi::http::types::{
    Fields, IncomingResponse, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};

use crate::{Config, Request, SendError, Target, outcome, request};

/// The bytes written per call of the body stream.
const CHUNK: usize = 4096;
/// The most of an answer's body read, to quote it in a refusal.
const QUOTED: u64 = 256;

struct Sink;

impl Guest for Sink {
    fn send(event: wit::Event) -> Result<(), sender::SendError> {
        deliver(from_wit(event)).map_err(|error| match error {
            SendError::Refused(why) => sender::SendError::Refused(why),
            SendError::Unreachable(why) => sender::SendError::Unreachable(why),
            SendError::Invalid(why) => sender::SendError::Invalid(why),
        })
    }
}

bindings::export!(Sink with_types_in bindings);

fn deliver(event: codec::Event) -> Result<(), SendError> {
    let config = Config::from_env(std::env::vars()).map_err(|error| {
        SendError::Unreachable(format!("the sink's configuration is unusable: {error}"))
    })?;
    let Request { headers, body } = request(&config, event)?;
    let response = post(&config, headers, body)?;
    let status = response.status();
    outcome(status, &read_start(&response))
}

/// Sends the request and waits for the answer's head.
fn post(
    config: &Config,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
) -> Result<IncomingResponse, SendError> {
    let Target {
        scheme,
        authority,
        path_with_query,
    } = &config.target;
    let unreachable = |what: &str, error: &dyn std::fmt::Debug| {
        SendError::Unreachable(format!("{what}: {error:?}"))
    };
    let fields = Fields::from_list(&headers).map_err(|error| {
        SendError::Invalid(format!("the event does not fit in HTTP headers: {error:?}"))
    })?;
    let outgoing = OutgoingRequest::new(fields);
    let scheme = if scheme == "https" {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let set = outgoing.set_method(&Method::Post).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(authority)).is_ok()
        && outgoing.set_path_with_query(Some(path_with_query)).is_ok();
    if !set {
        return Err(SendError::Unreachable(format!(
            "the host refuses the URL {authority}{path_with_query}"
        )));
    }
    let options = RequestOptions::new();
    let nanos = u64::try_from(config.timeout.as_nanos()).unwrap_or(u64::MAX);
    // A host that does not support a timeout keeps its own.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let outgoing_body = outgoing
        .body()
        .map_err(|()| SendError::Unreachable("the request body is unavailable".into()))?;
    let pending = outgoing_handler::handle(outgoing, Some(options))
        .map_err(|error| unreachable("the host did not send the request", &error))?;
    {
        let stream = outgoing_body
            .write()
            .map_err(|()| SendError::Unreachable("the request body is unavailable".into()))?;
        for chunk in body.chunks(CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|error| unreachable("the sink stopped reading the event", &error))?;
        }
    }
    OutgoingBody::finish(outgoing_body, None)
        .map_err(|error| unreachable("the request could not be finished", &error))?;
    pending.subscribe().block();
    match pending.get() {
        Some(Ok(Ok(response))) => Ok(response),
        Some(Ok(Err(error))) => Err(unreachable("no answer", &error)),
        Some(Err(())) | None => Err(SendError::Unreachable("no answer".into())),
    }
}

/// The first bytes of the answer's body, to quote in a refusal.
fn read_start(response: &IncomingResponse) -> Vec<u8> {
    let Ok(body) = response.consume() else {
        return Vec::new();
    };
    let Ok(stream) = body.stream() else {
        return Vec::new();
    };
    stream.blocking_read(QUOTED).unwrap_or_default()
}

codec::wit_conversions!(wit);
