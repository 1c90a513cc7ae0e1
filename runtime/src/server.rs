//! Accepting connections, routing requests, and shutting down gracefully.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioTimer;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use wasmtime_wasi_http::io::TokioIo;

use crate::handler::{handle, plain};
use crate::{EPOCH_TICK, Host};

/// The smallest read buffer hyper accepts.
const MIN_HEADER_BYTES: usize = 8192;

impl Host {
    /// Serves HTTP on `listener` until `shutdown` resolves, then stops
    /// accepting and waits for the requests in flight.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
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
        let mut connections = JoinSet::new();
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
                () = &mut shutdown => break,
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
        tracing::info!(
            "shutting down: waiting for {} open connection(s)",
            connections.len()
        );
        let _ = stop.send(true);
        while connections.join_next().await.is_some() {}
        ticking.store(false, Ordering::Relaxed);
        let _ = ticker.join();
        Ok(())
    }
}
