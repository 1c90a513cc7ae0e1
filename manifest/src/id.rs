//! Component ids: Spin's kebab-case rule, so that an id is always safe as a
//! file name (`<id>.wasm`) and as a route target.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A component id: lower-case ASCII letters and digits in words joined by
/// single `-`, starting with a letter (`orders`, `orders-nats`, `v2-api`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ComponentId(String);

/// Why a string is not a component id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{id}` is not a valid component id: use lower-case letters, digits and single `-` between words, \
     starting with a letter (for example `orders` or `orders-nats`)"
)]
pub struct IdError {
    /// The refused id.
    pub id: String,
}

impl ComponentId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ComponentId {
    type Error = IdError;

    fn try_from(id: String) -> Result<Self, IdError> {
        let starts_with_letter = id.starts_with(|c: char| c.is_ascii_lowercase());
        let words_valid = id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
        });
        if starts_with_letter && words_valid {
            Ok(Self(id))
        } else {
            Err(IdError { id })
        }
    }
}

impl std::str::FromStr for ComponentId {
    type Err = IdError;

    fn from_str(id: &str) -> Result<Self, IdError> {
        id.to_owned().try_into()
    }
}

impl From<ComponentId> for String {
    fn from(id: ComponentId) -> Self {
        id.0
    }
}

impl AsRef<str> for ComponentId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for ComponentId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for ComponentId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ComponentId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_only() {
        for good in ["a", "orders", "orders-nats", "v2-api", "a1-b2-c3"] {
            assert!(good.parse::<ComponentId>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "../x",
            "Has Space",
            "Orders",
            "2fast",
            "-a",
            "a-",
            "a--b",
            "a_b",
            "a.b",
            "a/b",
            "é",
        ] {
            assert!(bad.parse::<ComponentId>().is_err(), "{bad}");
        }
    }
}
