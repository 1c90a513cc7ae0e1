//! Scenario (c), the host-side executor: how a Spin-style executor would
//! serve the same app. The host decodes each request natively with the same
//! codec the binder compiles in, and calls the echo component's `handler`
//! export directly through wasmtime, with a fresh instance per request, in
//! the thin host's engine (pooling allocator, epoch interruption).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Result;
use bindery_http_cloudevents::{BodyError, Config, Event, HandlerError, respond};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use tokio::net::TcpListener;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({
    path: "../wit",
    world: "bindery:cloudevents/app",
});

use exports::bindery::cloudevents::types as wit;

/// The store data of one request: WASI and wasi:http contexts, as a host
/// gives them (the instantiation scenario uses it too).
pub struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl State {
    /// Fresh contexts for one instance.
    pub fn new() -> Self {
        Self {
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

/// The app, linked once; instantiated per request.
pub struct Executor {
    engine: Engine,
    pre: AppPre<State>,
    config: Config,
}

impl Executor {
    /// Links the app component `wasm` in `engine`.
    pub fn new(engine: Engine, wasm: &[u8]) -> Result<Self> {
        let component = Component::new(&engine, wasm)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = AppPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Self {
            engine,
            pre,
            config: Config::default(),
        })
    }

    /// Serves on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> Result<()> {
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let executor = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let executor = executor.clone();
                    async move { Ok::<_, Infallible>(executor.handle(request).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    async fn handle(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let headers: Vec<(String, Vec<u8>)> = parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        let body = Limited::new(body, self.config.max_body + 1)
            .collect()
            .await
            .map(|collected| collected.to_bytes());
        let mut instance = None;
        let response = respond(
            &self.config,
            parts.method.as_str(),
            &headers,
            |limit| match body {
                Ok(bytes) if bytes.len() <= limit => Ok(bytes.to_vec()),
                Ok(_) => Err(BodyError::TooLarge(limit)),
                Err(error) => Err(BodyError::Unreadable(error.to_string())),
            },
            |event| self.call(&mut instance, event),
        );
        let mut reply = hyper::Response::builder().status(response.status);
        for (name, value) in &response.headers {
            reply = reply.header(name.as_str(), value.as_slice());
        }
        reply
            .body(Full::new(Bytes::from(response.body)))
            .expect("the codec's responses are valid HTTP")
    }

    /// Calls the app's `handle`, instantiating it on the request's first event.
    fn call(
        &self,
        instance: &mut Option<(Store<State>, App)>,
        event: Event,
    ) -> Result<Option<Event>, HandlerError> {
        let failed = |error: wasmtime::Error| HandlerError::Internal(error.to_string());
        if instance.is_none() {
            let mut store = Store::new(&self.engine, State::new());
            store.set_epoch_deadline(u64::MAX / 2);
            let app = self.pre.instantiate(&mut store).map_err(failed)?;
            *instance = Some((store, app));
        }
        let (store, app) = instance.as_mut().expect("instantiated above");
        answer_from_wit(
            app.bindery_cloudevents_handler()
                .call_handle(&mut *store, &to_wit(event))
                .map_err(failed)?,
        )
    }
}

/// Starts an executor for `wasm` on `127.0.0.1:0`; returns its address.
pub async fn start(
    engine: Engine,
    wasm: &[u8],
) -> Result<(SocketAddr, tokio::task::JoinHandle<Result<()>>)> {
    let executor = Arc::new(Executor::new(engine, wasm)?);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    Ok((address, tokio::spawn(executor.serve(listener))))
}

bindery_cloudevents_codec::wit_conversions!(wit);
