//! Bench only: the fair floor of a binder on WASI 0.3. It reads every
//! request header (one `copy-all`) and the whole body, and answers with the
//! same headers and body, parsing nothing: the least any binder must do to
//! read an event and answer it. Its body plumbing is the 0.3 binder's own
//! (`bindery-wasip3-body`).
#![cfg(target_arch = "wasm32")]

use wasip3::http::types::{ErrorCode, Fields, Request, Response};

/// Headers of the request that a response may not carry as they are: the
/// host sets the response's own length and connection headers.
const NOT_ECHOED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
];

/// The most body read (the binder's default `max-body`).
const LIMIT: usize = 1024 * 1024;

struct EchoFloor;

impl wasip3::exports::http::handler::Guest for EchoFloor {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let headers: Vec<(String, Vec<u8>)> = request
            .get_headers()
            .copy_all()
            .into_iter()
            .filter(|(name, _)| !NOT_ECHOED.contains(&name.as_str()))
            .collect();
        match body::read_body(request, LIMIT).await {
            Ok((bytes, _trailers)) => {
                let fields = Fields::from_list(&headers).unwrap_or_else(|_| Fields::new());
                Ok(body::respond(200, fields, bytes))
            }
            Err(_) => Ok(body::respond(400, Fields::new(), Vec::new())),
        }
    }
}

wasip3::http::service::export!(EchoFloor);
