//! The component: `wasi:http/handler@0.3.0` exported, and imported from the
//! next stage. A request whose signature holds is rebuilt around the body
//! it has read and handed on; the next stage's response comes back as it is.

use body::ReadError;
use wasip3::http::types::{ErrorCode, Fields, Headers, Request, Response, Trailers};
use wasip3::{wit_future, wit_stream};

use std::sync::{Mutex, OnceLock};

use crate::{Config, ConfigError, Delivered, REMEMBERED, Refusal, verify};

/// The next stage's handler, as the `http-middleware` world imports it.
mod bindings {
    wasip3::wit_bindgen::generate!({
        world: "bindery:middleware/http-middleware",
        path: "wit",
        runtime_path: "wasip3::wit_bindgen::rt",
        with: {
            "wasi:http/types@0.3.0": wasip3::http::types,
            "wasi:clocks/types@0.3.0": wasip3::clocks::types,
        },
        generate_all,
    });
}

use bindings::wasi::http::handler as next;

struct Middleware;

impl wasip3::exports::http::handler::Guest for Middleware {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let (request, id) = match check(request).await {
            Ok(checked) => checked,
            Err(refusal) => return Ok(refuse(&refusal)),
        };
        let response = next::handle(request).await?;
        if (200..300).contains(&response.get_status_code())
            && let Ok(config) = config()
        {
            let now = wasip3::clocks::system_clock::now().seconds;
            delivered().remember(&id, now, config.tolerance);
        }
        Ok(response)
    }
}

wasip3::http::service::export!(Middleware);

/// Verifies the request's signature and that its `webhook-id` was not
/// delivered already and, when both hold, returns the same request (method,
/// target, headers, body, trailers) for the next stage, with its id.
async fn check(request: Request) -> Result<(Request, Vec<u8>), Refusal> {
    let config = config().map_err(|error| Refusal::Config(error.clone()))?;
    let headers = request.get_headers();
    let id = single(&headers, "webhook-id")?;
    let timestamp = single(&headers, "webhook-timestamp")?;
    let signature = single(&headers, "webhook-signature")?;
    let method = request.get_method();
    let target = request.get_path_with_query();
    let scheme = request.get_scheme();
    let authority = request.get_authority();
    let options = request.get_options();
    let (body, trailers) = read_body(request, config.max_body).await?;
    let now = wasip3::clocks::system_clock::now().seconds;
    verify(config, &id, &timestamp, &signature, &body, now)?;
    if delivered().contains(&id, now, config.tolerance) {
        return Err(Refusal::Replayed);
    }

    let (mut contents, contents_reader) = wit_stream::new();
    let (sent_trailers, trailers_reader) = wit_future::new(|| Ok(None));
    let (forwarded, _transmitted) = Request::new(
        headers.clone(),
        Some(contents_reader),
        trailers_reader,
        options,
    );
    let rebuilt = [
        forwarded.set_method(&method),
        forwarded.set_path_with_query(target.as_deref()),
        forwarded.set_scheme(scheme.as_ref()),
        forwarded.set_authority(authority.as_deref()),
    ];
    if rebuilt.iter().any(Result::is_err) {
        return Err(Refusal::Unreadable(
            "its method or target cannot be passed on".into(),
        ));
    }
    wasip3::spawn_local(async move {
        // A next stage that stops reading leaves the rest unwritten.
        let _ = contents.write_all(body).await;
        drop(contents);
        let _ = sent_trailers.write(Ok(trailers)).await;
    });
    Ok((forwarded, id))
}

/// The ids this instance delivered (one instance handles its requests on
/// one thread, so the lock is never contended).
fn delivered() -> std::sync::MutexGuard<'static, Delivered> {
    static DELIVERED: OnceLock<Mutex<Delivered>> = OnceLock::new();
    DELIVERED
        .get_or_init(|| Mutex::new(Delivered::new(REMEMBERED)))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The settings, read from the environment on an instance's first request:
/// a reused instance's environment does not change.
fn config() -> Result<&'static Config, &'static ConfigError> {
    static CONFIG: OnceLock<Result<Config, ConfigError>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Config::from_env(std::env::vars()))
        .as_ref()
}

/// The value of the header `name`, which must occur exactly once.
fn single(headers: &Headers, name: &'static str) -> Result<Vec<u8>, Refusal> {
    let mut values = headers.get(name);
    match values.len() {
        1 => Ok(values.remove(0)),
        _ => Err(Refusal::Missing(name)),
    }
}

/// Reads the whole body, failing as soon as it grows past `limit`; returns
/// it with the request's trailers.
async fn read_body(request: Request, limit: usize) -> Result<(Vec<u8>, Option<Trailers>), Refusal> {
    body::read_body(request, limit)
        .await
        .map_err(|error| match error {
            ReadError::TooLarge(limit) => Refusal::TooLarge(limit),
            ReadError::Failed(reason) => Refusal::Unreadable(reason),
        })
}

/// The refusal as a response with its problem document.
fn refuse(refusal: &Refusal) -> Response {
    let document = refusal.document();
    let length = document.len().to_string().into_bytes();
    let headers = Fields::from_list(&[
        ("content-type".to_owned(), b"application/json".to_vec()),
        ("content-length".to_owned(), length),
    ])
    .expect("a problem document's headers are valid HTTP");
    body::respond(refusal.status(), headers, document)
}
