//! Bench only: the fair floor of a binder on WASI 0.2. It reads every
//! request header (one `entries()`) and the whole body, and answers with
//! the same headers and body, parsing nothing: the least any binder must do
//! to read an event and answer it. Its reads and writes are the 0.2
//! binder's (`blocking-read` of up to 64 KiB, `check-write` and `write`).

wit_bindgen::generate!({
    world: "bench:hello/hello",
    path: "../hello/wit",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

/// Headers of the request that a response may not carry as they are: the
/// host sets the response's own length and connection headers.
const NOT_ECHOED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
];

struct EchoFloor;

impl Guest for EchoFloor {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let headers: Vec<(String, Vec<u8>)> = request
            .headers()
            .entries()
            .into_iter()
            .filter(|(name, _)| !NOT_ECHOED.contains(&name.as_str()))
            .collect();
        let Some(body) = read_body(request) else {
            let response = OutgoingResponse::new(Fields::new());
            let _ = response.set_status_code(400);
            ResponseOutparam::set(response_out, Ok(response));
            return;
        };
        let fields = Fields::from_list(&headers).unwrap_or_else(|_| Fields::new());
        let response = OutgoingResponse::new(fields);
        let outgoing = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = outgoing.write().expect("a new body has a stream");
        let mut rest = body.as_slice();
        while !rest.is_empty() {
            let Ok(room) = stream.check_write() else {
                return;
            };
            if room == 0 {
                stream.subscribe().block();
                continue;
            }
            let (now, later) = rest.split_at(rest.len().min(room as usize));
            if stream.write(now).is_err() {
                return;
            }
            rest = later;
        }
        if stream.blocking_flush().is_err() {
            return;
        }
        drop(stream);
        let _ = OutgoingBody::finish(outgoing, None);
    }
}

/// The whole body, or `None` if its stream failed.
fn read_body(request: IncomingRequest) -> Option<Vec<u8>> {
    let body = request.consume().ok()?;
    let stream = body.stream().ok()?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => return Some(bytes),
            Err(StreamError::LastOperationFailed(_)) => return None,
        }
    }
}

export!(EchoFloor);
