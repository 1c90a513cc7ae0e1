//! Bench only: the floor of the host. It answers every request with 200 and
//! `hello`, reading nothing.

wit_bindgen::generate!({
    world: "bench:hello/hello",
    path: "wit",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl Guest for Hello {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("a new body has a stream");
        let _ = stream.blocking_write_and_flush(b"hello");
        drop(stream);
        let _ = OutgoingBody::finish(body, None);
    }
}

export!(Hello);
