//! `allowed_outbound_hosts`, Spin's list of the places a component may send
//! requests to: `scheme://host[:port]`, where each part may be `*`, the
//! host may be `*.suffix`, and an IPv6 host is written in brackets
//! (`http://[::1]:8080`). The host enforces it; the composer checks a
//! sink's URL against it, and the manifest's checks refuse an entry that is
//! not one.

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

/// An `allowed_outbound_hosts` entry that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundHostError {
    /// The entry has no `scheme://`.
    #[error("allowed_outbound_hosts entry `{0}` needs a scheme, as in `https://{0}`")]
    NoScheme(String),
    /// The host or the port cannot be read.
    #[error(
        "allowed_outbound_hosts entry `{0}` is not `scheme://host[:port]` with a port number or `*` \
         (an IPv6 host goes in brackets, as in `http://[::1]:8080`)"
    )]
    Malformed(String),
}

impl AllowedHosts {
    /// Parses the entries.
    pub fn parse(entries: &[String]) -> Result<Self, OutboundHostError> {
        entries
            .iter()
            .map(|entry| {
                let (scheme, rest) = entry
                    .split_once("://")
                    .ok_or_else(|| OutboundHostError::NoScheme(entry.clone()))?;
                let malformed = || OutboundHostError::Malformed(entry.clone());
                let authority = rest.trim_end_matches('/');
                let (host, port) = split_authority(authority).ok_or_else(malformed)?;
                let port_valid = |port: &str| port == "*" || port.parse::<u16>().is_ok();
                let bare_colon = !host.starts_with('[') && host.contains(':');
                if host.is_empty() || bare_colon || port.is_some_and(|port| !port_valid(port)) {
                    return Err(malformed());
                }
                let port = port.map(str::to_owned);
                Ok(AllowedHost {
                    scheme: scheme.to_ascii_lowercase(),
                    host: host.to_ascii_lowercase(),
                    port,
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether a request to `scheme://host[:port]` is allowed (an IPv6
    /// `host` in brackets, as URIs give it); without a
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

/// The host and the port of an authority: `host`, `host:port`, `[v6]` or
/// `[v6]:port`; `None` if brackets do not close or something follows them
/// that is not a port.
fn split_authority(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, rest) = authority.split_at(close + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    Some(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
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

    #[test]
    fn ipv6_hosts_in_brackets() {
        let allowed =
            AllowedHosts::parse(&["http://[::1]".into(), "https://[fd00::7]:8443".into()]).unwrap();
        assert!(allowed.allows("http", "[::1]", None));
        assert!(!allowed.allows("http", "[::1]", Some(8080)));
        assert!(allowed.allows("https", "[fd00::7]", Some(8443)));
        assert!(!allowed.allows("https", "[fd00::8]", Some(8443)));
        for malformed in [
            "http://[::1",
            "http://[::1]x",
            "http://::1",
            "http://host:http",
            "http://:80",
        ] {
            assert_eq!(
                AllowedHosts::parse(&[malformed.into()]),
                Err(OutboundHostError::Malformed(malformed.into())),
                "{malformed}"
            );
        }
    }
}
