//! Accepting connections and routing requests, consuming the subscriptions,
//! and shutting down gracefully.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioTimer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use wasmtime_wasi_http::io::TokioIo;

use crate::error::ServeError;
use crate::handler::{handle, plain};
use crate::{EPOCH_TICK, Host, nats};

/// The smallest read buffer hyper accepts.
const MIN_HEADER_BYTES: usize = 8192;

impl Host {
    /// Serves HTTP on `listener` (when given) and consumes the NATS
    /// triggers' messages (connecting first, unless [`Host::connect`] did)
    /// until `shutdown` resolves; then stops accepting, unsubscribes, and
    /// waits for the requests and messages in flight.
    pub async fn serve(
        mut self,
        listener: Option<TcpListener>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ServeError> {
        self.connect().await?;
        let subscribers = std::mem::take(&mut self.subscribers);
        let host = Arc::new(self);
        // The deadline clock runs on its own thread: a guest that never yields
        // holds its async worker, and must not be able to stop the clock.
        let ticking = Arc::new(AtomicBool::new(true));
        let ticker = {
            let engine = host.engine.clone();
            let ticking = ticking.clone();
            std::thread::spawn(move || {
                while ticking.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
        };
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut consumers = JoinSet::new();
        for (index, subscriber) in subscribers.into_iter().enumerate() {
            consumers.spawn(nats::consume(
                host.clone(),
                index,
                subscriber,
                stopping.clone(),
            ));
        }
        let mut connections = JoinSet::new();
        match listener {
            Some(listener) => accept(&host, &listener, &mut connections, &stopping, shutdown).await,
            None => shutdown.await,
        }
        tracing::info!(
            "shutting down: waiting for {} open connection(s) and {} subscription(s)",
            connections.len(),
            consumers.len()
        );
        let _ = stop.send(true);
        while connections.join_next().await.is_some() {}
        while consumers.join_next().await.is_some() {}
        if let Some(broker) = &host.broker
            && let Err(error) = broker.flush().await
        {
            tracing::warn!("cannot flush the last messages to the NATS broker: {error}");
        }
        ticking.store(false, Ordering::Relaxed);
        let _ = ticker.join();
        Ok(())
    }
}

/// Accepts connections on `listener` into `connections` until `shutdown`
/// resolves; each connection closes gracefully when `stopping` changes.
async fn accept(
    host: &Arc<Host>,
    listener: &TcpListener,
    connections: &mut JoinSet<Result<(), hyper::Error>>,
    stopping: &watch::Receiver<bool>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!("accept failed: {error}");
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        // Responses leave in more than one write (head, then the body
        // the guest streams); with Nagle's algorithm on, the second write
        // waits for the client's delayed ACK, up to 40 ms.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY: {error}");
        }
        let read_timeout = host.config.read_timeout;
        let max_header_bytes = host.config.max_header_bytes.max(MIN_HEADER_BYTES);
        let host = host.clone();
        let mut stopping = stopping.clone();
        connections.spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let host = host.clone();
                async move {
                    let response = match host.route(request.uri().path()) {
                        Some(served) => handle(&host, served.clone(), request).await,
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
            tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
}
