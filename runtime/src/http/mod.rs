//! The HTTP trigger: routes to components that export `wasi:http`,
//! connections accepted within the host's limits, and a graceful close when
//! the host stops.

mod deadline;
mod handler;
mod reuse;
mod routes;
mod served;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use futures::future::BoxFuture;
use hyper::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioTimer;
use manifest::PlainRoute;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p3::bindings::ServicePre;

pub use reuse::Reuse;
pub use routes::Route;

use crate::context::HostContext;
use crate::error::{ComponentError, HostError, ServeError};
use crate::linked::{LinkedSet, Linking};
use crate::trigger::Trigger;
use handler::{Endpoint, handle, plain};
use served::HttpPre;

/// The smallest read buffer hyper accepts.
const MIN_HEADER_BYTES: usize = 8192;

/// Every `[[trigger.http]]` of the app: its routes, each with the
/// component behind it, and the listener they are served on.
pub(crate) struct HttpTrigger {
    routes: Vec<(Route, Arc<Endpoint>)>,
    reuse: Reuse,
    listener: Option<TcpListener>,
}

impl HttpTrigger {
    /// Links the component behind each route (once for a component behind
    /// several); `reuse` says how their instances are reused.
    pub(crate) fn link(
        linking: &Linking<'_>,
        specs: Vec<PlainRoute>,
        reuse: Reuse,
    ) -> Result<Self, HostError> {
        let mut linked = LinkedSet::new();
        let mut endpoints: Vec<Arc<Endpoint>> = Vec::new();
        let routes = specs
            .into_iter()
            .map(|spec| {
                let route = Route::parse(&spec.route)?;
                let served = linked.get_or_link(linking, &spec.id, &spec.component, |pre| {
                    match ProxyPre::new(pre.clone()) {
                        Ok(p2) => Ok(HttpPre::P2(p2)),
                        Err(not_p2) => ServicePre::new(pre)
                            .map(HttpPre::P3)
                            .map_err(|_| ComponentError::NotHttp(not_p2.into())),
                    }
                })?;
                let endpoint = match endpoints.iter().find(|e| Arc::ptr_eq(&e.served, &served)) {
                    Some(endpoint) => endpoint.clone(),
                    None => {
                        let endpoint = Arc::new(Endpoint::new(served));
                        endpoints.push(endpoint.clone());
                        endpoint
                    }
                };
                Ok((route, endpoint))
            })
            .collect::<Result<Vec<_>, HostError>>()?;
        Ok(Self {
            routes,
            reuse,
            listener: None,
        })
    }

    /// Serves on `listener` (none: the routes are not served).
    pub(crate) fn listen(&mut self, listener: Option<TcpListener>) {
        self.listener = listener;
    }

    /// The routes, each with its component id.
    pub(crate) fn routes(&self) -> impl Iterator<Item = (&Route, &str)> {
        self.routes
            .iter()
            .map(|(route, endpoint)| (route, endpoint.served.id.as_str()))
    }

    /// The most specific route that matches `path`.
    fn route(&self, path: &str) -> Option<&Endpoint> {
        self.routes
            .iter()
            .filter_map(|(route, endpoint)| Some((route.specificity(path)?, endpoint)))
            .max_by_key(|(specificity, _)| *specificity)
            .map(|(_, endpoint)| endpoint.as_ref())
    }
}

impl Trigger for HttpTrigger {
    fn prepare<'a>(&'a mut self, _: &'a HostContext) -> BoxFuture<'a, Result<(), ServeError>> {
        async { Ok(()) }.boxed()
    }

    fn run(
        mut self: Box<Self>,
        context: Arc<HostContext>,
        stopping: watch::Receiver<bool>,
    ) -> BoxFuture<'static, ()> {
        async move {
            let Some(listener) = self.listener.take() else {
                return;
            };
            let mut connections = JoinSet::new();
            accept(
                Arc::new(*self),
                &context,
                &listener,
                &mut connections,
                stopping,
            )
            .await;
            if !connections.is_empty() {
                tracing::info!(
                    "shutting down: waiting for {} open connection(s)",
                    connections.len()
                );
            }
            while connections.join_next().await.is_some() {}
        }
        .boxed()
    }
}

/// Accepts connections on `listener` into `connections` until `stopping`
/// changes; each connection then closes gracefully. At most
/// `max_connections` are open at once. A failed accept (out of file
/// descriptors, say) is retried after a pause that doubles up to a second,
/// and logged at most once a second.
async fn accept(
    trigger: Arc<HttpTrigger>,
    context: &Arc<HostContext>,
    listener: &TcpListener,
    connections: &mut JoinSet<Result<(), hyper::Error>>,
    mut stopping: watch::Receiver<bool>,
) {
    let open = Arc::new(Semaphore::new(context.config.max_connections));
    let mut failures = AcceptFailures::default();
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = stopping.changed() => return,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    failures.reset();
                    accepted
                }
                Err(error) => {
                    let pause = failures.record(&error);
                    tokio::select! {
                        () = tokio::time::sleep(pause) => continue,
                        _ = stopping.changed() => return,
                    }
                }
            },
            _ = stopping.changed() => return,
        };
        // Responses leave in more than one write (head, then the body
        // the guest streams); with Nagle's algorithm on, the second write
        // waits for the client's delayed ACK, up to 40 ms.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY: {error}");
        }
        let read_timeout = context.config.read_timeout;
        let max_header_bytes = context.config.max_header_bytes.max(MIN_HEADER_BYTES);
        let (trigger, context) = (trigger.clone(), context.clone());
        let mut stopping = stopping.clone();
        connections.spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let (trigger, context) = (trigger.clone(), context.clone());
                async move {
                    let response = match trigger.route(request.uri().path()) {
                        Some(endpoint) => handle(&context, trigger.reuse, endpoint, request).await,
                        None => plain(
                            StatusCode::NOT_FOUND,
                            format!("no route matches {}", request.uri().path()),
                        ),
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            // A head over `max_buf_size` is answered with 431 by hyper; a
            // head that does not arrive in time closes the connection.
            let connection = http1::Builder::new()
                .keep_alive(true)
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout)
                .max_buf_size(max_header_bytes)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            drop(permit);
            result
        });
        while connections.try_join_next().is_some() {}
    }
}

/// Failed accepts in a row: how long to pause before the next, and when
/// to log.
#[derive(Default)]
struct AcceptFailures {
    /// Failures since the last accepted connection.
    in_a_row: u32,
    /// Failures not logged yet.
    unlogged: u64,
    /// When a failure was last logged.
    logged: Option<Instant>,
}

impl AcceptFailures {
    /// The longest pause between two tries.
    const MAX_PAUSE: Duration = Duration::from_secs(1);

    /// Counts `error`, logs it unless one was logged in the last second,
    /// and returns how long to pause: 1 ms, doubling with each failure in
    /// a row, up to [`Self::MAX_PAUSE`].
    fn record(&mut self, error: &std::io::Error) -> Duration {
        self.in_a_row = self.in_a_row.saturating_add(1);
        self.unlogged += 1;
        if self
            .logged
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1))
        {
            tracing::warn!(
                "accept failed ({} time(s) since the last report): {error}; pausing accepts",
                self.unlogged
            );
            self.unlogged = 0;
            self.logged = Some(Instant::now());
        }
        let pause = Duration::from_millis(1) * 2u32.saturating_pow(self.in_a_row.min(11) - 1);
        pause.min(Self::MAX_PAUSE)
    }

    /// A connection was accepted: the next failure pauses briefly again.
    fn reset(&mut self) {
        self.in_a_row = 0;
    }
}
