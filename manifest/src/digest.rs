//! `sha256:<hex>` digests: of a download the manifest pins, of a composition's
//! inputs, and of the components a host caches compiled code for.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// A sha256 digest written as `sha256:` and 64 lower-case hex digits; parsing
/// accepts upper-case digits and normalises them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Digest(String);

/// Why a string is not a sha256 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a digest: write `sha256:` and 64 hex digits")]
pub struct DigestError(pub String);

impl Sha256Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let digest = sha2::Sha256::digest(bytes);
        let mut text = String::with_capacity(7 + 64);
        text.push_str("sha256:");
        for byte in digest {
            text.push(char::from_digit(u32::from(byte >> 4), 16).expect("a nibble"));
            text.push(char::from_digit(u32::from(byte & 0xf), 16).expect("a nibble"));
        }
        Self(text)
    }

    /// The 64 hex digits, without the `sha256:` prefix.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// The digest as text, `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Digest {
    type Error = DigestError;

    fn try_from(text: String) -> Result<Self, DigestError> {
        match text.strip_prefix("sha256:") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()) => {
                Ok(Self(format!("sha256:{}", hex.to_ascii_lowercase())))
            }
            _ => Err(DigestError(text)),
        }
    }
}

impl std::str::FromStr for Sha256Digest {
    type Err = DigestError;

    fn from_str(text: &str) -> Result<Self, DigestError> {
        text.to_owned().try_into()
    }
}

impl From<Sha256Digest> for String {
    fn from(digest: Sha256Digest) -> Self {
        digest.0
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_bytes_and_parsing() {
        let empty = Sha256Digest::of(b"");
        assert_eq!(
            empty.as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let upper = empty
            .as_str()
            .to_ascii_uppercase()
            .replacen("SHA256", "sha256", 1);
        assert_eq!(upper.parse::<Sha256Digest>().unwrap(), empty);
        assert!("sha256:abc".parse::<Sha256Digest>().is_err());
        assert!("md5:00".parse::<Sha256Digest>().is_err());
    }
}
