//! A minimal in-process `wasi:http` host for the component tests: it hands
//! requests straight to a composed component, with the environment a
//! manifest would give it.

use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use bindery_composer::binder::{Binder, BinderOrigin};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Plugs `app` into the binder at `binder`: one component.
pub fn compose(binder: &Path, app: &Path) -> Result<Vec<u8>> {
    let binder = Binder {
        name: "http-cloudevents".into(),
        version: None,
        origin: BinderOrigin::File(binder.to_owned()),
        bytes: std::fs::read(binder)?,
    };
    Ok(bindery_composer::plug(&binder, &std::fs::read(app)?, app)?)
}

/// A received response.
pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The header `name` as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| panic!("{err}: {:?}", self.body))
    }
}

struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
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

/// One composed component, ready to take requests.
pub struct TestHost {
    pre: ProxyPre<State>,
    env: Vec<(String, String)>,
}

impl TestHost {
    /// Compiles `component` and links it against WASI and `wasi:http`.
    pub fn new(component: &[u8], env: &[(&str, &str)]) -> Result<Self> {
        let engine = Engine::new(&Config::new())?;
        let component = Component::new(&engine, component)
            .map_err(anyhow::Error::from)
            .context("compiling the component")?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Self { pre, env })
    }

    /// Sends one request to a fresh instance and collects the response.
    pub async fn send(&self, request: hyper::Request<Bytes>) -> Result<Reply> {
        let mut store = Store::new(
            self.pre.engine(),
            State {
                wasi: WasiCtx::builder().envs(&self.env).build(),
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
            },
        );
        let request = request.map(Full::new);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, out)
                .await
        });
        let response = match receiver.await {
            Ok(response) => response?,
            Err(_) => {
                let error = task.await?.err().map(anyhow::Error::from);
                return Err(error.unwrap_or_else(|| anyhow!("the guest set no response")));
            }
        };
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        task.await??;
        Ok(Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }
}
