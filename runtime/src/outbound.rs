//! Outgoing HTTP: denied unless the manifest's `allowed_outbound_hosts`
//! allows the destination.

use std::sync::Arc;
use std::time::Duration;

use manifest::{AllowedHosts, OutboundHostError};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// The destinations a component may send HTTP requests to, and how long a
/// request may wait for each step.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboundPolicy {
    allowed: Arc<AllowedHosts>,
    /// The longest wait to connect, for the first byte and between bytes:
    /// the instance's deadline (wasmtime-wasi-http's defaults are minutes).
    limit: Option<Duration>,
}

impl OutboundPolicy {
    /// Parses Spin's `allowed_outbound_hosts` entries.
    pub(crate) fn new(entries: &[String]) -> Result<Self, OutboundHostError> {
        Ok(Self {
            allowed: Arc::new(AllowedHosts::parse(entries)?),
            limit: None,
        })
    }

    /// The same policy, with every wait of a request capped at `limit`.
    pub(crate) fn capped(&self, limit: Duration) -> Self {
        Self {
            limit: Some(limit),
            ..self.clone()
        }
    }

    /// Whether a request to `uri` is allowed.
    pub(crate) fn allows(&self, uri: &hyper::Uri) -> bool {
        self.allowed.allows(
            uri.scheme_str().unwrap_or("http"),
            uri.host().unwrap_or_default(),
            uri.port_u16(),
        )
    }
}

type Sending = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                hyper::Response<WasiBody>,
                Box<dyn Future<Output = Result<(), Error>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: hyper::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Sending {
        drop(fut);
        if !self.allows(request.uri()) {
            tracing::warn!(
                "denied outgoing request to {}: not in allowed_outbound_hosts",
                request.uri()
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let options = match self.limit {
            Some(limit) => {
                let capped =
                    |wait: Option<Duration>| Some(wait.map_or(limit, |wait| wait.min(limit)));
                let options = options.unwrap_or_default();
                Some(RequestOptions {
                    connect_timeout: capped(options.connect_timeout),
                    first_byte_timeout: capped(options.first_byte_timeout),
                    between_bytes_timeout: capped(options.between_bytes_timeout),
                })
            }
            None => options,
        };
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = Result<(), Error>> + Send>,
            ))
        })
    }
}
