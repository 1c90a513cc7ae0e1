//! Serving a component with the real thin host on a loopback port, and a
//! small HTTP client for the tests.

use std::path::Path;

use anyhow::Result;
use bindery_composer::binder::{Binder, BinderOrigin};
use bindery_manifest::Transport;
use bindery_runtime::{Host, HostConfig};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;

/// Plugs `app` into the binder at `binder`: one component.
pub fn compose(binder: &Path, app: &Path) -> Result<Vec<u8>> {
    let binder = Binder {
        name: "http-cloudevents".into(),
        version: None,
        origin: BinderOrigin::File(binder.to_owned()),
        bytes: std::fs::read(binder)?,
    };
    Ok(bindery_composer::plug(&binder, &std::fs::read(app)?, app, Transport::Http, &[])?.bytes)
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

/// Sends `request` (its path, method, headers and body) to `address` over a
/// new loopback connection.
pub async fn exchange(address: &str, request: hyper::Request<Bytes>) -> Reply {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    parts.uri = parts.uri.path().parse().unwrap();
    parts
        .headers
        .insert(hyper::header::HOST, address.parse().unwrap());
    let response = sender
        .send_request(hyper::Request::from_parts(parts, Full::new(body)))
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// One component served by the thin host on `127.0.0.1:0`, on every path,
/// with the environment a manifest would give it.
pub struct TestHost {
    address: String,
    server: tokio::task::JoinHandle<Result<(), bindery_runtime::ServeError>>,
    _dir: tempfile::TempDir,
}

impl TestHost {
    /// Starts serving `component` with the default limits; call from within
    /// a tokio runtime.
    pub fn new(component: &[u8], env: &[(&str, &str)]) -> Result<Self> {
        Self::with_config(component, env, HostConfig::default())
    }

    /// Starts serving `component` with the limits in `config`.
    pub fn with_config(component: &[u8], env: &[(&str, &str)], config: HostConfig) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("app.wasm"), component)?;
        let environment: String = env.iter().map(|(k, v)| format!("{k} = {v:?}\n")).collect();
        let manifest = format!(
            "spin_manifest_version = 2\n[application]\nname = \"test\"\n[[trigger.http]]\nroute = \"/...\"\n\
             component = \"app\"\n[component.app]\nsource = \"app.wasm\"\n[component.app.environment]\n{environment}"
        );
        std::fs::write(dir.path().join("spin.toml"), manifest)?;
        let host = Host::load(&dir.path().join("spin.toml"), config)?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?.to_string();
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let server = tokio::spawn(host.serve(Some(listener), std::future::pending()));
        Ok(Self {
            address,
            server,
            _dir: dir,
        })
    }

    /// The `host:port` it listens on.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends one request to the served component.
    pub async fn send(&self, request: hyper::Request<Bytes>) -> Result<Reply> {
        Ok(exchange(&self.address, request).await)
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        self.server.abort();
    }
}
