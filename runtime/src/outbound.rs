//! Outgoing HTTP: denied unless the manifest's `allowed_outbound_hosts`
//! allows the destination.

use std::sync::Arc;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// The destinations a component may send HTTP requests to.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutboundPolicy {
    allowed: Arc<Vec<AllowedHost>>,
}

/// One `allowed_outbound_hosts` entry: `scheme://host[:port]`, where each
/// part may be `*` and the host may be `*.suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    scheme: String,
    host: String,
    port: Option<String>,
}

/// An `allowed_outbound_hosts` entry the host cannot read.
#[derive(Debug, thiserror::Error)]
#[error("allowed_outbound_hosts entry `{0}` needs a scheme, as in `https://{0}`")]
pub struct OutboundHostError(String);

impl OutboundPolicy {
    /// Parses Spin's `allowed_outbound_hosts` entries.
    pub(crate) fn new(entries: &[String]) -> Result<Self, OutboundHostError> {
        let allowed = entries
            .iter()
            .map(|entry| {
                let (scheme, rest) = entry
                    .split_once("://")
                    .ok_or_else(|| OutboundHostError(entry.clone()))?;
                let authority = rest.trim_end_matches('/');
                let (host, port) = match authority.rsplit_once(':') {
                    Some((host, port)) => (host, Some(port.to_owned())),
                    None => (authority, None),
                };
                Ok(AllowedHost {
                    scheme: scheme.to_ascii_lowercase(),
                    host: host.to_ascii_lowercase(),
                    port,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            allowed: Arc::new(allowed),
        })
    }

    /// Whether a request to `uri` is allowed.
    pub(crate) fn allows(&self, uri: &hyper::Uri) -> bool {
        let scheme = uri.scheme_str().unwrap_or("http").to_ascii_lowercase();
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let default_port = if scheme == "https" { "443" } else { "80" };
        let port = uri
            .port_u16()
            .map_or_else(|| default_port.to_owned(), |port| port.to_string());
        self.allowed.iter().any(|allowed| {
            (allowed.scheme == "*" || allowed.scheme == scheme)
                && (allowed.host == "*"
                    || allowed.host == host
                    || allowed
                        .host
                        .strip_prefix("*.")
                        .is_some_and(|suffix| host.ends_with(&format!(".{suffix}"))))
                && allowed
                    .port
                    .as_deref()
                    .is_none_or(|allowed| allowed == "*" || allowed == port)
                && (allowed.port.is_some() || uri.port_u16().is_none())
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_hosts() {
        let policy = OutboundPolicy::new(&[
            "https://api.example.com".into(),
            "http://*.internal:8080".into(),
            "*://cache.local:*".into(),
        ])
        .unwrap();
        let allows = |uri: &str| policy.allows(&uri.parse().unwrap());
        assert!(allows("https://api.example.com/v1"));
        assert!(!allows("http://api.example.com/v1"));
        assert!(!allows("https://api.example.com:8443/"));
        assert!(allows("http://db.internal:8080/"));
        assert!(!allows("http://db.internal/"));
        assert!(allows("http://cache.local:1234/"));
        assert!(!allows("https://evil.example.org/"));
        assert!(!OutboundPolicy::default().allows(&"https://api.example.com".parse().unwrap()));
        assert!(OutboundPolicy::new(&["api.example.com".into()]).is_err());
    }
}
