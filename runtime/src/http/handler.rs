//! One request. A WASI 0.2 component gets a fresh instance in its own
//! store, with the component's environment, a memory limit, an epoch
//! deadline and an outbound HTTP policy; a WASI 0.3 component gets one of
//! the instances its `ProxyHandler` keeps (see [`super::reuse`]), made the
//! same way. Faults stay in the request that caused them (or, for 0.3, in
//! the requests on the same instance): a trap, the deadline, a full
//! instance pool or a client that sends too slowly.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use wasmtime::{PoolConcurrencyLimitError, Trap};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::handler::{ExpirationError, InstantiationError, ProxyHandler};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::deadline::DeadlineBody;
use super::reuse::{Instances, Reuse};
use super::served::{HttpPre, Served};
use crate::budget::Busy;
use crate::context::HostContext;
use crate::state::State;

/// A component behind one or more routes, and the handler that keeps its
/// instances when they are reused, made on the first request.
pub(crate) struct Endpoint {
    pub(crate) served: Arc<Served>,
    reused: OnceLock<ProxyHandler<Instances>>,
}

impl Endpoint {
    /// The endpoint of `served`, with no instance yet.
    pub(crate) fn new(served: Arc<Served>) -> Self {
        Self {
            served,
            reused: OnceLock::new(),
        }
    }
}

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

/// The answer when every instance slot, or the host's memory budget, is
/// taken: try again in a second.
fn busy() -> Response<HyperOutgoingBody> {
    let mut response = plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "the host is at its instance or memory limit; retry shortly",
    );
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("1"),
    );
    response
}

/// Serves one request with an instance of the `endpoint`'s component,
/// reused as `reuse` says.
pub(crate) async fn handle(
    context: &Arc<HostContext>,
    reuse: Reuse,
    endpoint: &Endpoint,
    request: Request<Incoming>,
) -> Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let served = &endpoint.served;
    let response = match read(context, request).await {
        Ok(request) => match &served.pre {
            HttpPre::P2(pre) if reuse.max_requests_p2 <= 1 => {
                run(context, served, pre, request).await
            }
            HttpPre::P2(_) | HttpPre::P3(_) => {
                let handler = endpoint.reused.get_or_init(|| {
                    ProxyHandler::new(Instances {
                        context: context.clone(),
                        served: served.clone(),
                        reuse,
                    })
                });
                reuse_instance(context, handler, request).await
            }
        },
        Err(refused) => refused,
    };
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

/// Reads the request's body within the host's limits: the size (413) and
/// the time to send it (408).
async fn read(
    context: &HostContext,
    request: Request<Incoming>,
) -> Result<Request<Full<Bytes>>, Response<HyperOutgoingBody>> {
    let config = &context.config;
    let declared = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    let too_large = || {
        plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} bytes", config.max_body),
        )
    };
    if declared.is_some_and(|length| length > config.max_body as u64) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    let collected = tokio::time::timeout(
        config.read_timeout,
        Limited::new(body, config.max_body).collect(),
    );
    match collected.await {
        Err(_elapsed) => Err(plain(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {:?}",
                config.read_timeout
            ),
        )),
        Ok(Ok(collected)) => Ok(Request::from_parts(parts, Full::new(collected.to_bytes()))),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(error)) => Err(plain(
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body: {error}"),
        )),
    }
}

/// Serves a request through the component's `ProxyHandler`, which reuses
/// instances.
async fn reuse_instance(
    context: &HostContext,
    handler: &ProxyHandler<Instances>,
    request: Request<Full<Bytes>>,
) -> Response<HyperOutgoingBody> {
    let request = request.map(|body| body.map_err(|never| match never {}).boxed_unsync());
    let started = Instant::now();
    let deadline = context.config.deadline;
    let error = match handler.handle((), request).await {
        // The instance streams the body after its handler returned; the
        // body ends at the request's deadline all the same.
        Ok(response) => {
            let ends = tokio::time::Instant::from_std(started) + deadline;
            return response.map(|body| DeadlineBody::new(body, ends).boxed_unsync());
        }
        Err(error) => error,
    };
    // A trap on a shared instance reaches the request without its cause;
    // one that ends the request at its deadline is the deadline's.
    let interrupted = error
        .chain()
        .any(|cause| cause.downcast_ref::<Trap>() == Some(&Trap::Interrupt));
    if error.is::<ExpirationError>() || interrupted || started.elapsed() >= deadline {
        return plain(
            StatusCode::GATEWAY_TIMEOUT,
            format!("the component ran past its deadline of {deadline:?}"),
        );
    }
    if let Some(failed) = error.downcast_ref::<InstantiationError<()>>()
        && (failed.error.is::<PoolConcurrencyLimitError>() || failed.error.is::<Busy>())
    {
        return busy();
    }
    tracing::error!(component = %handler.state().component(), "the component failed: {error:?}");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the component failed; see the host log",
    )
}

/// Serves a request with a fresh instance of a WASI 0.2 component.
async fn run(
    context: &HostContext,
    served: &Served,
    pre: &ProxyPre<State>,
    request: Request<Full<Bytes>>,
) -> Response<HyperOutgoingBody> {
    let config = &context.config;
    // A request beyond the slots (or the host's memory) waits a little for
    // its admission, then gets 503.
    let Ok(admission) = context.admissions.admit(Some(config.slot_wait)).await else {
        return busy();
    };
    let mut store = served.store(context, admission, None);
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
    let pre = pre.clone();
    let id = served.id.clone();
    let deadline = config.deadline;
    let task = tokio::spawn(async move {
        // The whole request, host calls and a slow reader included, ends at
        // the deadline: the instance is dropped and its slot freed.
        let result = tokio::time::timeout(deadline, async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, out)
                .await
        })
        .await
        .unwrap_or_else(|_elapsed| Err(Trap::Interrupt.into()));
        drop(store);
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
