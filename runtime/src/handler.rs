//! One request: a fresh instance in its own store, with the component's
//! environment, a memory limit, an epoch deadline and an outbound HTTP
//! policy. Faults stay in the request that caused them: a trap, the
//! deadline, a full instance pool or a client that sends too slowly each
//! cost that request alone.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use wasmtime::{PoolConcurrencyLimitError, Trap};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::Host;
use crate::linked::Linked;
use crate::state::State;

/// A component on an HTTP trigger: linked once, instantiated per request.
pub(crate) type Served = Linked<ProxyPre<State>>;

/// A response the host makes itself, as plain text.
pub(crate) fn plain(status: StatusCode, text: impl Into<String>) -> Response<HyperOutgoingBody> {
    let mut text = text.into();
    text.push('\n');
    let body = Full::new(Bytes::from(text))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    response
}

/// The answer when every instance slot is taken: try again in a second.
fn busy() -> Response<HyperOutgoingBody> {
    let mut response = plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "the host is at its instance limit; retry shortly",
    );
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("1"),
    );
    response
}

/// Serves one request with a fresh instance of `served`.
pub(crate) async fn handle(
    host: &Host,
    served: Arc<Served>,
    request: Request<Incoming>,
) -> Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = run(host, &served, request).await;
    tracing::info!(
        component = %served.id,
        %method,
        path,
        status = response.status().as_u16(),
        latency_ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    response
}

/// How a request's task ended without a response.
enum Failure {
    /// The guest trapped (or ran past its deadline).
    Trap(Option<Trap>),
    /// The pooling allocator had no slot for one of the instance's parts.
    PoolFull,
}

async fn run(
    host: &Host,
    served: &Served,
    request: Request<Incoming>,
) -> Response<HyperOutgoingBody> {
    let config = &host.config;
    let declared = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > config.max_body as u64) {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} bytes", config.max_body),
        );
    }
    let (parts, body) = request.into_parts();
    let collected = tokio::time::timeout(
        config.read_timeout,
        Limited::new(body, config.max_body).collect(),
    );
    let body = match collected.await {
        Err(_elapsed) => {
            return plain(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {:?}",
                    config.read_timeout
                ),
            );
        }
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {} bytes", config.max_body),
            );
        }
        Ok(Err(error)) => {
            return plain(
                StatusCode::BAD_REQUEST,
                format!("cannot read the request body: {error}"),
            );
        }
    };
    let Ok(slot) = host.slots.clone().try_acquire_owned() else {
        return busy();
    };
    let request = Request::from_parts(parts, Full::new(body));
    let mut store = served.store(host, None);
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let prepared = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, request)
        .and_then(|incoming| {
            Ok((
                incoming,
                store.data_mut().http().new_response_outparam(sender)?,
            ))
        });
    let (incoming, out) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            return plain(
                StatusCode::BAD_REQUEST,
                format!("cannot pass the request on: {error}"),
            );
        }
    };
    let pre = served.pre.clone();
    let id = served.id.clone();
    let task = tokio::spawn(async move {
        let result = async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, out)
                .await
        }
        .await;
        drop(store);
        drop(slot);
        result.map_err(|error| {
            if error.is::<PoolConcurrencyLimitError>() {
                tracing::warn!(component = %id, "no pool slot for the instance: {error}");
                return Failure::PoolFull;
            }
            tracing::error!(component = %id, "the component failed: {error:?}");
            Failure::Trap(error.downcast_ref::<Trap>().copied())
        })
    });
    match receiver.await {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the component failed: {code:?}"),
        ),
        Err(_) => match task.await {
            Ok(Ok(())) => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the component set no response",
            ),
            Ok(Err(Failure::PoolFull)) => busy(),
            Ok(Err(Failure::Trap(Some(Trap::Interrupt)))) => plain(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "the component ran past its deadline of {:?}",
                    config.deadline
                ),
            ),
            Ok(Err(_)) => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the component trapped; see the host log",
            ),
            Err(panic) => {
                tracing::error!(component = %served.id, "the request task panicked: {panic}");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the host failed on this request",
                )
            }
        },
    }
}
