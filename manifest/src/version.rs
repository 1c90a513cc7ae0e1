//! `spin_manifest_version`: both views read version 2 only.

use serde::{Deserialize, Serialize};

/// `spin_manifest_version = 2`, the only version Bindery reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct ManifestVersion;

impl TryFrom<i64> for ManifestVersion {
    type Error = String;

    fn try_from(version: i64) -> Result<Self, String> {
        if version == 2 {
            Ok(Self)
        } else {
            Err(format!(
                "spin_manifest_version is {version}, but bindery reads version 2 manifests"
            ))
        }
    }
}

impl From<ManifestVersion> for i64 {
    fn from(_: ManifestVersion) -> Self {
        2
    }
}
