//! Outgoing HTTP: denied unless the manifest's `allowed_outbound_hosts`
//! allows the destination.

use std::sync::Arc;

use manifest::{AllowedHosts, OutboundHostError};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// The destinations a component may send HTTP requests to.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboundPolicy {
    allowed: Arc<AllowedHosts>,
}

impl OutboundPolicy {
    /// Parses Spin's `allowed_outbound_hosts` entries.
    pub(crate) fn new(entries: &[String]) -> Result<Self, OutboundHostError> {
        Ok(Self {
            allowed: Arc::new(AllowedHosts::parse(entries)?),
        })
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
