//! The HTTP binding over `wasi:http/handler@0.3.0`, for any handler of
//! events: the binder passes the app's imported handler, a monolithic
//! component (the benchmarks') its own function.

use std::sync::OnceLock;

use http_binding::{BodyError, Config, ConfigError, Event, HandlerError, Rejection, respond_async};
use wasip3::http::types::{Fields, HeaderError, Method, Request, Response};
use wasip3::wit_bindgen::StreamResult;
use wasip3::{wit_future, wit_stream};

/// The largest read asked of the body stream at once.
const READ_CHUNK: usize = 64 * 1024;

/// Answers one request: reads the settings, runs the HTTP binding with
/// `handle` as the handler of its events, and starts writing the answer.
pub async fn serve(
    request: Request,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
) -> Response {
    let answer = match config() {
        Ok(config) => {
            let method = method_name(request.get_method());
            let headers = request.get_headers().copy_all();
            respond_async(
                config,
                &method,
                &headers,
                |limit| read_body(request, limit),
                handle,
            )
            .await
        }
        Err(error) => http_binding::Response::from(Rejection::Config(error.clone())),
    };
    send(answer)
}

/// The settings, read from the environment on an instance's first request:
/// a reused instance's environment does not change.
fn config() -> Result<&'static Config, &'static ConfigError> {
    static CONFIG: OnceLock<Result<Config, ConfigError>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Config::from_env(std::env::vars()))
        .as_ref()
}

http_binding::method_name!(Method);

/// Reads the whole body from its stream, failing as soon as it grows past
/// `limit`.
async fn read_body(request: Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let (processed, processed_reader) = wit_future::new(|| Ok(()));
    let (mut stream, trailers) = Request::consume_body(request, processed_reader);
    let mut bytes = Vec::new();
    loop {
        let room = (limit.saturating_add(1) - bytes.len()).min(READ_CHUNK);
        let (result, chunk) = stream.read(Vec::with_capacity(room)).await;
        bytes.extend_from_slice(&chunk);
        if bytes.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        match result {
            StreamResult::Complete(_) => {}
            StreamResult::Dropped | StreamResult::Cancelled => break,
        }
    }
    drop(stream);
    if let Err(error) = trailers.await {
        return Err(BodyError::Unreadable(format!("{error:?}")));
    }
    let _ = processed.write(Ok(())).await;
    Ok(bytes)
}

/// The binding's answer as a `wasi:http` response; its body is written by a
/// task that runs on after `handle` returns. Headers the host refuses
/// become a 500 problem document.
fn send(answer: http_binding::Response) -> Response {
    let (answer, headers) = match Fields::from_list(&answer.headers) {
        Ok(headers) => (answer, headers),
        Err(error) => {
            let reason = match error {
                HeaderError::InvalidSyntax => "invalid syntax",
                HeaderError::Forbidden => "a forbidden header",
                HeaderError::Immutable => "immutable fields",
                HeaderError::SizeExceeded => "over the size limit",
                HeaderError::Other(_) => "refused",
            };
            let refused = http_binding::Response::from(Rejection::ResponseHeaders(reason));
            let headers = Fields::from_list(&refused.headers)
                .expect("a problem document's headers are valid HTTP");
            (refused, headers)
        }
    };
    let (mut body, body_reader) = wit_stream::new();
    let (trailers, trailers_reader) = wit_future::new(|| Ok(None));
    drop(trailers);
    let (response, _sent) = Response::new(headers, Some(body_reader), trailers_reader);
    response
        .set_status_code(answer.status)
        .expect("binder status codes are valid");
    wasip3::spawn_local(async move {
        // A client that went away leaves the rest unwritten.
        let _ = body.write_all(answer.body).await;
    });
    response
}
