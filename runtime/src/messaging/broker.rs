//! The connection to the NATS broker: its address, the credentials and TLS
//! settings that reach it, and the address as the log shows it, without
//! credentials.
//!
//! Credentials come from the address (`nats://user:password@host`,
//! `nats://token@host`) or from [`BrokerAuth`] (the command line's flags
//! and `BINDERY_NATS_*` variables), which wins where both give one.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event, ServerAddr};
use percent_encoding::percent_decode_str;

use crate::error::ServeError;

/// Messages a subscription buffers while every instance slot is taken.
pub(crate) const SUBSCRIPTION_CAPACITY: usize = 1 << 16;

/// How the host authenticates to the broker, and the TLS it uses. Its
/// `Debug` shows which settings are given, never their secrets.
#[derive(Clone, Default)]
pub struct BrokerAuth {
    /// A user name, with [`password`](Self::password).
    pub user: Option<String>,
    /// The user's password.
    pub password: Option<String>,
    /// A token.
    pub token: Option<String>,
    /// A file holding an NKey seed (`SU...`).
    pub nkey_file: Option<PathBuf>,
    /// A credentials file (a user JWT and its NKey seed), as `nsc` writes.
    pub creds_file: Option<PathBuf>,
    /// The CA certificate (PEM) that the broker's certificate is checked
    /// against; TLS is then required.
    pub tls_ca: Option<PathBuf>,
    /// A client certificate and its key (PEM), for brokers that verify
    /// clients; TLS is then required.
    pub tls_client: Option<(PathBuf, PathBuf)>,
}

impl BrokerAuth {
    /// These settings, with the files of a manifest's
    /// `[application.trigger.nats]` where these name none: its TLS files,
    /// and its creds or NKey file when these give no way to authenticate.
    pub fn or_files_of(self, manifest: manifest::BrokerSettings) -> Self {
        let authenticates = self.user.is_some()
            || self.token.is_some()
            || self.nkey_file.is_some()
            || self.creds_file.is_some();
        let (nkey_file, creds_file) = if authenticates {
            (self.nkey_file, self.creds_file)
        } else {
            (manifest.nkey, manifest.creds)
        };
        Self {
            nkey_file,
            creds_file,
            tls_ca: self.tls_ca.or(manifest.tls_ca),
            tls_client: self.tls_client.or(manifest.tls_cert.zip(manifest.tls_key)),
            ..self
        }
    }
}

impl std::fmt::Debug for BrokerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |secret: &Option<String>| secret.as_ref().map(|_| "<given>");
        f.debug_struct("BrokerAuth")
            .field("user", &self.user)
            .field("password", &given(&self.password))
            .field("token", &given(&self.token))
            .field("nkey_file", &self.nkey_file)
            .field("creds_file", &self.creds_file)
            .field("tls_ca", &self.tls_ca)
            .field("tls_client", &self.tls_client)
            .finish()
    }
}

/// A broker address, read: where to connect, and how to show it.
#[derive(Debug, Clone)]
pub(crate) struct BrokerAddress {
    /// The address without credentials.
    server: ServerAddr,
    /// The user (or token) of the address.
    user: Option<String>,
    /// The password of the address.
    password: Option<String>,
}

impl BrokerAddress {
    /// Reads `address`; an error names it without its credentials.
    pub(crate) fn parse(address: &str) -> Result<Self, ServeError> {
        let server: ServerAddr = address.parse().map_err(|source| ServeError::Address {
            address: redact(address),
            source,
        })?;
        let decode = |part: &str| percent_decode_str(part).decode_utf8_lossy().into_owned();
        let user = server.username().map(decode);
        let password = server.password().map(decode);
        let mut url = server.into_inner();
        // Taking credentials out of a URL that has a host cannot fail.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let server = url.as_str().parse().map_err(|source| ServeError::Address {
            address: redact(address),
            source,
        })?;
        Ok(Self {
            server,
            user,
            password,
        })
    }

    /// The address as the log shows it: without credentials.
    pub(crate) fn shown(&self) -> String {
        self.server
            .clone()
            .into_inner()
            .to_string()
            .trim_end_matches('/')
            .to_owned()
    }
}

/// `address` with whatever stands before an `@` in its authority taken out,
/// for messages about an address that could not be read.
pub(crate) fn redact(address: &str) -> String {
    let (scheme, rest) = address.split_once("://").unwrap_or(("", address));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("<redacted>@{}", &rest[at + 1..]),
        Some(at) => format!("{scheme}://<redacted>@{}", &rest[at + 1..]),
        None => address.to_owned(),
    }
}

/// Connects to the broker at `address` with `auth`: a broker that is down
/// now is an error; one that goes away later is reconnected to, with
/// back-off, and each change is logged.
pub(crate) async fn connect(
    address: &BrokerAddress,
    auth: &BrokerAuth,
) -> Result<Client, ServeError> {
    let failed = |source| ServeError::Connect {
        address: address.shown(),
        source,
    };
    let mut options = ConnectOptions::new()
        .name("bindery")
        .connection_timeout(Duration::from_secs(5))
        .subscription_capacity(SUBSCRIPTION_CAPACITY)
        .max_reconnects(Option::<usize>::None)
        .event_callback(|event| async move { log_event(event) });
    let user = auth.user.clone().or_else(|| address.user.clone());
    let password = auth.password.clone().or_else(|| address.password.clone());
    match (user, password) {
        (Some(user), Some(password)) => options = options.user_and_password(user, password),
        // `nats://token@host`: a user without a password is a token.
        (Some(token), None) if auth.user.is_none() => options = options.token(token),
        (Some(user), None) => options = options.user_and_password(user, String::new()),
        (None, _) => {}
    }
    if let Some(token) = &auth.token {
        options = options.token(token.clone());
    }
    if let Some(file) = &auth.nkey_file {
        let seed = std::fs::read_to_string(file).map_err(|source| ServeError::Credentials {
            file: file.clone(),
            source,
        })?;
        options = options.nkey(seed.trim().to_owned());
    }
    if let Some(file) = &auth.creds_file {
        options =
            options
                .credentials_file(file)
                .await
                .map_err(|source| ServeError::Credentials {
                    file: file.clone(),
                    source,
                })?;
    }
    let tls = address.server.tls_required() || auth.tls_ca.is_some() || auth.tls_client.is_some();
    if let Some(ca) = &auth.tls_ca {
        options = options.add_root_certificates(ca.clone());
    }
    if let Some((certificate, key)) = &auth.tls_client {
        options = options.add_client_certificate(certificate.clone(), key.clone());
    }
    options
        .require_tls(tls)
        .connect(address.server.clone())
        .await
        .map_err(failed)
}

fn log_event(event: Event) {
    match event {
        Event::Connected => tracing::info!("connected to the NATS broker"),
        Event::Disconnected => {
            tracing::warn!("lost the connection to the NATS broker; reconnecting")
        }
        Event::LameDuckMode => {
            tracing::warn!("the NATS broker is shutting down (lame duck mode)")
        }
        Event::SlowConsumer(sid) => tracing::error!(
            "messages of subscription {sid} arrive faster than they are handled: \
             its buffer of {SUBSCRIPTION_CAPACITY} is full and the client dropped messages"
        ),
        Event::ServerError(error) => tracing::error!("the NATS broker reports: {error}"),
        Event::ClientError(error) => tracing::error!("NATS client error: {error}"),
        Event::Draining | Event::Closed => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_address_shown() {
        let address = BrokerAddress::parse("nats://alice:s3%40cr3t@127.0.0.1:4222").unwrap();
        assert_eq!(address.shown(), "nats://127.0.0.1:4222");
        assert_eq!(address.user.as_deref(), Some("alice"));
        assert_eq!(address.password.as_deref(), Some("s3@cr3t"));
        let token = BrokerAddress::parse("tls://t0ken@broker.example:4443").unwrap();
        assert_eq!(token.shown(), "tls://broker.example:4443");
        assert_eq!(token.user.as_deref(), Some("t0ken"));
        assert_eq!(token.password, None);
        assert_eq!(redact("nats://alice:s3cr3t@[::1"), "nats://<redacted>@[::1");
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        let error = BrokerAddress::parse("ftp://alice:s3cr3t@host")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("s3cr3t"), "{error}");
        let auth = BrokerAuth {
            password: Some("s3cr3t".into()),
            token: Some("t0ken".into()),
            ..BrokerAuth::default()
        };
        let shown = format!("{auth:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("t0ken"),
            "{shown}"
        );
    }
}
