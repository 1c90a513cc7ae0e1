//! Where a binder or a stage comes from: built in, a file, or a download
//! checked against its digest.

use crate::digest::Sha256Digest;

/// Where a binder comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinderSource {
    /// `binder = "<name>"`: built into `bindery`.
    Builtin(String),
    /// `source = "<path>"`: a component file, relative to the manifest.
    File(String),
    /// `url = "<url>"`, `digest = "sha256:<hex>"`: a download checked
    /// against its digest.
    Url {
        /// Where to download it.
        url: String,
        /// What its bytes must hash to.
        digest: Sha256Digest,
    },
}

impl BinderSource {
    /// The source that exactly one of `binder`, a file `path` or `url` (with
    /// `digest`) names; `exactly_one` is the message when that is not so.
    pub(crate) fn from_parts(
        binder: Option<String>,
        path: Option<String>,
        url: Option<String>,
        digest: Option<Sha256Digest>,
        exactly_one: &str,
    ) -> Result<Self, String> {
        match (binder, path, url, digest) {
            (Some(name), None, None, None) => Ok(Self::Builtin(name)),
            (None, Some(path), None, None) => Ok(Self::File(path)),
            (None, None, Some(url), Some(digest)) => Ok(Self::Url { url, digest }),
            (None, None, Some(url), None) => Err(format!(
                "`url = \"{url}\"` needs `digest = \"sha256:<hex>\"`"
            )),
            (_, _, None, Some(_)) => Err("`digest` goes with `url`".into()),
            _ => Err(exactly_one.into()),
        }
    }
}
