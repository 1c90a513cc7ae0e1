//! The sink component: `bindery:cloudevents/sender` on the inside,
//! `wasi:http/outgoing-handler` on the outside, [`crate::request`] and
//! [`crate::outcome`] in between, and the configured retries around them.

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
    ErrorCode, Fields, IncomingResponse, Method, OutgoingBody, OutgoingRequest, RequestOptions,
    Scheme,
};
use retry::Attempt;

use crate::{Config, Request, SendError, Target, gave_up, outcome, request};

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
    let mut clock = retry::SystemClock::start();
    retry::send(
        &config.retry,
        &mut clock,
        retry::random_jitter,
        |_| match post(&config, headers.clone(), body.clone()) {
            Ok(response) => {
                let wait = response.headers().get("retry-after").into_iter().next();
                outcome(response.status(), wait.as_deref(), &read_start(&response))
            }
            Err(Posted::Unreachable(error)) => Attempt::Retry { error, after: None },
            Err(Posted::Final(error)) => Attempt::Fail(error),
        },
    )
    .map(drop)
    .map_err(gave_up)
}

/// Why a request got no answer: the destination could not be reached (worth
/// another try), or the request cannot be made at all.
enum Posted {
    Unreachable(SendError),
    Final(SendError),
}

impl From<SendError> for Posted {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Unreachable(_) => Self::Unreachable(error),
            _ => Self::Final(error),
        }
    }
}

/// The error for a failed request: the host's refusal (a destination
/// outside `allowed_outbound_hosts`) is final, anything else may pass.
fn failed(what: &str, error: &ErrorCode) -> Posted {
    let error_text = SendError::Unreachable(format!("{what}: {error:?}"));
    match error {
        ErrorCode::HttpRequestDenied => Posted::Final(error_text),
        _ => Posted::Unreachable(error_text),
    }
}

/// Sends the request and waits for the answer's head.
fn post(
    config: &Config,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
) -> Result<IncomingResponse, Posted> {
    let Target {
        scheme,
        authority,
        path_with_query,
    } = &config.target;
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
        return Err(Posted::Final(SendError::Unreachable(format!(
            "the host refuses the URL {authority}{path_with_query}"
        ))));
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
        .map_err(|error| failed("the host did not send the request", &error))?;
    // A request the host ends at once (denied, say) stops taking its body:
    // then the answer's error says why, rather than the write's.
    let written = write_body(outgoing_body, &body);
    pending.subscribe().block();
    match (pending.get(), written) {
        (Some(Ok(Ok(response))), Ok(())) => Ok(response),
        (Some(Ok(Err(error))), _) => Err(failed("no answer", &error)),
        (_, Err(error)) => Err(error),
        (Some(Err(())) | None, Ok(())) => Err(SendError::Unreachable("no answer".into()).into()),
    }
}

/// Writes `body` to the request and finishes it.
fn write_body(outgoing_body: OutgoingBody, body: &[u8]) -> Result<(), Posted> {
    {
        let stream = outgoing_body
            .write()
            .map_err(|()| SendError::Unreachable("the request body is unavailable".into()))?;
        for chunk in body.chunks(CHUNK) {
            stream.blocking_write_and_flush(chunk).map_err(|error| {
                Posted::Unreachable(SendError::Unreachable(format!(
                    "the sink stopped reading the event: {error:?}"
                )))
            })?;
        }
    }
    OutgoingBody::finish(outgoing_body, None)
        .map_err(|error| failed("the request could not be finished", &error))
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
