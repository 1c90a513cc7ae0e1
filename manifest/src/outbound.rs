//! `allowed_outbound_hosts`, Spin's list of the places a component may send
//! requests to: `scheme://host[:port]`, where each part may be `*` and the
//! host may be `*.suffix`. The host enforces it; the composer checks a sink's
//! URL against it.

/// A parsed `allowed_outbound_hosts` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts(Vec<AllowedHost>);

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    scheme: String,
    host: String,
    port: Option<String>,
}

/// An `allowed_outbound_hosts` entry without a scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allowed_outbound_hosts entry `{0}` needs a scheme, as in `https://{0}`")]
pub struct OutboundHostError(pub String);

impl AllowedHosts {
    /// Parses the entries.
    pub fn parse(entries: &[String]) -> Result<Self, OutboundHostError> {
        entries
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
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether a request to `scheme://host[:port]` is allowed; without a
    /// port, the scheme's default (443 for https, 80 otherwise) is meant.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let scheme = scheme.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        let default_port = if scheme == "https" { "443" } else { "80" };
        let port_text = port.map_or_else(|| default_port.to_owned(), |port| port.to_string());
        self.0.iter().any(|allowed| {
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
                    .is_none_or(|allowed| allowed == "*" || allowed == port_text)
                && (allowed.port.is_some() || port.is_none())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_hosts() {
        let allowed = AllowedHosts::parse(&[
            "https://api.example.com".into(),
            "http://*.internal:8080".into(),
            "*://cache.local:*".into(),
        ])
        .unwrap();
        assert!(allowed.allows("https", "api.example.com", None));
        assert!(!allowed.allows("http", "api.example.com", None));
        assert!(!allowed.allows("https", "api.example.com", Some(8443)));
        assert!(allowed.allows("http", "db.internal", Some(8080)));
        assert!(!allowed.allows("http", "db.internal", None));
        assert!(allowed.allows("http", "cache.local", Some(1234)));
        assert!(!allowed.allows("https", "evil.example.org", None));
        assert!(!AllowedHosts::default().allows("https", "api.example.com", None));
        assert!(AllowedHosts::parse(&["api.example.com".into()]).is_err());
    }
}
