//! The HTTP binding over `wasi:http/handler@0.3.0`, for any handler of
//! events: the binder passes the app's imported handler, a monolithic
//! component (the benchmarks') its own function.

use std::sync::OnceLock;

use body::ReadError;
use http_binding::{
    BodyError, Config, ConfigError, Event, HandlerError, Rejection, Sink, respond_async,
};
use wasip3::http::types::{Fields, HeaderError, Method, Request, Response};

/// Answers one request: reads the settings, runs the HTTP binding with
/// `handle` as the handler of its events, and starts writing the answer.
pub async fn serve(
    request: Request,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
) -> Response {
    serve_with(request, handle, None).await
}

/// [`serve`], with `send_to_sink` to reply through when the settings say
/// `reply = "sink"`.
pub async fn serve_via_sink(
    request: Request,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    mut send_to_sink: impl FnMut(Event) -> Result<(), String>,
) -> Response {
    serve_with(request, handle, Some(&mut send_to_sink)).await
}

async fn serve_with(
    request: Request,
    handle: impl FnMut(Event) -> Result<Option<Event>, HandlerError>,
    sink: Sink<'_>,
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
                sink,
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

/// Reads the whole body, failing as soon as it grows past `limit`.
async fn read_body(request: Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    match body::read_body(request, limit).await {
        Ok((bytes, _trailers)) => Ok(bytes),
        Err(ReadError::TooLarge(limit)) => Err(BodyError::TooLarge(limit)),
        Err(ReadError::Failed(reason)) => Err(BodyError::Unreadable(reason)),
    }
}

/// The binding's answer as a `wasi:http` response. Headers the host
/// refuses become a 500 problem document.
fn send(answer: http_binding::Response) -> Response {
    let (answer, headers) = answer.with_fields(Fields::from_list, |error| match error {
        HeaderError::InvalidSyntax => "invalid syntax",
        HeaderError::Forbidden => "a forbidden header",
        HeaderError::Immutable => "immutable fields",
        HeaderError::SizeExceeded => "over the size limit",
        HeaderError::Other(_) => "refused",
    });
    body::respond(answer.status, headers, answer.body)
}
