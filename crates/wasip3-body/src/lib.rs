//! The body plumbing of `wasi:http@0.3.0` that Bindery's WASI 0.3
//! components share (the http-cloudevents-p3 binder and the
//! webhook-signature middleware, and the NATS binder for WASI 0.3): reading
//! a request's whole body (or any byte stream) within a limit, and answering
//! with a whole body written by a task of its own.
#![cfg(target_arch = "wasm32")]

use wasip3::http::types::{Fields, Request, Response, Trailers};
use wasip3::wit_bindgen::{StreamReader, StreamResult};
use wasip3::{wit_future, wit_stream};

/// The room the first read of a body gets (less if the limit is lower):
/// a body this small is read without a copy or a second allocation.
const FIRST_READ: usize = 16 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// It grew past the limit (the limit given); no more was read.
    TooLarge(usize),
    /// The stream ended with an error, described.
    Failed(String),
}

/// Reads the whole body of `request` from its stream, failing as soon as it
/// grows past `limit`; returns it with the request's trailers.
pub async fn read_body(
    request: Request,
    limit: usize,
) -> Result<(Vec<u8>, Option<Trailers>), ReadError> {
    let (processed, processed_reader) = wit_future::new(|| Ok(()));
    let (stream, trailers) = Request::consume_body(request, processed_reader);
    let bytes = read_stream(stream, limit).await?;
    let trailers = trailers
        .await
        .map_err(|error| ReadError::Failed(format!("{error:?}")))?;
    let _ = processed.write(Ok(())).await;
    Ok((bytes, trailers))
}

/// Reads `stream` to its end, failing as soon as it grows past `limit`
/// (no more is read, and the stream is dropped).
///
/// The stream is read straight into the body's buffer, whose room grows
/// geometrically (so a large body costs amortized linear copying) and never
/// past `limit + 1` bytes: the memory a body takes is bounded by the limit.
pub async fn read_stream(mut stream: StreamReader<u8>, limit: usize) -> Result<Vec<u8>, ReadError> {
    let bound = limit.saturating_add(1);
    let mut bytes = Vec::with_capacity(bound.min(FIRST_READ));
    loop {
        if bytes.len() == bytes.capacity() {
            let room = bound - bytes.len();
            bytes.reserve_exact(room.min(bytes.len().max(FIRST_READ)));
        }
        let (result, read) = stream.read(bytes).await;
        bytes = read;
        if bytes.len() > limit {
            return Err(ReadError::TooLarge(limit));
        }
        match result {
            StreamResult::Complete(_) => {}
            StreamResult::Dropped | StreamResult::Cancelled => return Ok(bytes),
        }
    }
}

/// A response with `status`, `headers` and `body`, the body written by a
/// task that runs on after the handler returns (a client that goes away
/// leaves the rest unwritten). `status` must be a valid HTTP status.
pub fn respond(status: u16, headers: Fields, body: Vec<u8>) -> Response {
    let (mut contents, contents_reader) = wit_stream::new();
    let (trailers, trailers_reader) = wit_future::new(|| Ok(None));
    drop(trailers);
    let (response, _sent) = Response::new(headers, Some(contents_reader), trailers_reader);
    response
        .set_status_code(status)
        .expect("the status is a valid HTTP status");
    wasip3::spawn_local(async move {
        let _ = contents.write_all(body).await;
    });
    response
}
