//! `[application.trigger.nats]`: how a host reaches the NATS broker, as far
//! as the manifest may say it. Files are named, never their contents; the
//! secrets themselves (a password, a token) belong to the host's flags and
//! environment (`BINDERY_NATS_*`), never to a manifest.
//!
//! ```toml
//! [application.trigger.nats]
//! address = "tls://nats.internal:4222"
//! tls-ca = "certs/ca.pem"
//! tls-cert = "certs/client.pem"
//! tls-key = "certs/client.key"
//! creds = "orders.creds"   # or nkey = "orders.nk"
//! ```
//!
//! Relative paths are relative to the manifest's folder. Every key is
//! optional, and the host's flags override each.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::input::AppManifest;

/// The broker settings of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BrokerSettings {
    /// The broker's address, for example `nats://127.0.0.1:4222`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// A credentials file (a user JWT and its NKey seed), as `nsc` writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creds: Option<PathBuf>,
    /// A file holding an NKey seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nkey: Option<PathBuf>,
    /// The CA certificate (PEM) the broker's certificate is checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca: Option<PathBuf>,
    /// A client certificate (PEM), with [`tls_key`](Self::tls_key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// The client certificate's key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
}

/// Keys that would put a secret in the manifest, and where it goes instead.
const SECRETS: [(&str, &str); 3] = [
    ("password", "--nats-password or BINDERY_NATS_PASSWORD"),
    ("token", "--nats-token or BINDERY_NATS_TOKEN"),
    ("user", "--nats-user or BINDERY_NATS_USER"),
];

impl BrokerSettings {
    /// Reads the `nats` table of an `[application.trigger]` table, if it
    /// has one.
    pub fn from_application_triggers(triggers: Option<&toml::Table>) -> Result<Self, ParseError> {
        let Some(value) = triggers.and_then(|triggers| triggers.get("nats")) else {
            return Ok(Self::default());
        };
        if let Some(table) = value.as_table()
            && let Some((key, instead)) = SECRETS.iter().find(|(key, _)| table.contains_key(*key))
        {
            return Err(ParseError::Broker(format!(
                "`{key}` is a secret and does not belong in a manifest; give it with {instead}"
            )));
        }
        let settings: Self = value
            .clone()
            .try_into()
            .map_err(|error: toml::de::Error| ParseError::Broker(error.message().to_owned()))?;
        if settings.tls_cert.is_some() != settings.tls_key.is_some() {
            return Err(ParseError::Broker(
                "`tls-cert` and `tls-key` are given together or not at all".into(),
            ));
        }
        Ok(settings)
    }

    /// These settings with every relative path joined to `base`.
    pub fn relative_to(&self, base: &Path) -> Self {
        let join = |path: &Option<PathBuf>| path.as_ref().map(|path| base.join(path));
        Self {
            address: self.address.clone(),
            creds: join(&self.creds),
            nkey: join(&self.nkey),
            tls_ca: join(&self.tls_ca),
            tls_cert: join(&self.tls_cert),
            tls_key: join(&self.tls_key),
        }
    }
}

impl AppManifest {
    /// Replaces `[application.trigger.nats]` with `settings`, when the
    /// manifest has that table.
    pub fn set_broker(&mut self, settings: &BrokerSettings) {
        let Some(nats) = self
            .application
            .trigger
            .as_mut()
            .and_then(|triggers| triggers.get_mut("nats"))
        else {
            return;
        };
        if let Ok(value) = toml::Value::try_from(settings) {
            *nats = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<BrokerSettings, String> {
        let table: toml::Table = toml::from_str(text).unwrap();
        BrokerSettings::from_application_triggers(Some(&table)).map_err(|error| error.to_string())
    }

    #[test]
    fn files_are_read_and_joined_to_the_manifest_folder() {
        let settings =
            read("nats = { address = \"tls://b:4222\", tls-ca = \"certs/ca.pem\", creds = \"/abs/u.creds\" }")
                .unwrap();
        assert_eq!(settings.address.as_deref(), Some("tls://b:4222"));
        let joined = settings.relative_to(Path::new("app"));
        assert_eq!(joined.tls_ca, Some(PathBuf::from("app/certs/ca.pem")));
        assert_eq!(joined.creds, Some(PathBuf::from("/abs/u.creds")));
        assert_eq!(read("http = {}").unwrap(), BrokerSettings::default());
    }

    #[test]
    fn secrets_and_unknown_keys_are_refused() {
        let secret = read("nats = { password = \"s3cr3t\" }").unwrap_err();
        assert!(
            secret.contains("BINDERY_NATS_PASSWORD") && !secret.contains("s3cr3t"),
            "{secret}"
        );
        let unknown = read("nats = { tls-cas = \"ca.pem\" }").unwrap_err();
        assert!(unknown.contains("unknown field `tls-cas`"), "{unknown}");
        let half = read("nats = { tls-cert = \"c.pem\" }").unwrap_err();
        assert!(half.contains("together"), "{half}");
    }
}
