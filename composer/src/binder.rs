//! Finding the binder a trigger's executor names: built in, a file, or a
//! download checked against its digest.

use std::fmt;
use std::path::{Path, PathBuf};

use bindery_manifest::{BinderExecutor, BinderSource, Sha256Digest, WasiGeneration};

use crate::error::ResolveError;
use crate::provenance::Artifact;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// A binder component, ready to compose.
#[derive(Debug, Clone)]
pub struct Binder {
    /// Its name: the built-in name, or the file name without `.wasm`.
    pub name: String,
    /// Its version, when known (built-in binders).
    pub version: Option<String>,
    /// Where it came from.
    pub origin: BinderOrigin,
    /// The component bytes.
    pub bytes: Vec<u8>,
}

/// Where a binder came from; its `Display` names it in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinderOrigin {
    /// Embedded in the `bindery` binary.
    Builtin,
    /// A file named by `source`.
    File(PathBuf),
    /// A download named by `url`.
    Url(String),
}

impl fmt::Display for Binder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            BinderOrigin::Builtin => write!(f, "built-in binder `{}`", self.name),
            BinderOrigin::File(path) => write!(f, "{}", path.display()),
            BinderOrigin::Url(url) => write!(f, "{url}"),
        }
    }
}

impl Binder {
    /// Its provenance entry: name, version and the sha256 of its bytes.
    pub fn artifact(&self) -> Artifact {
        Artifact {
            name: self.name.clone(),
            version: self.version.clone(),
            sha256: Sha256Digest::of(&self.bytes),
        }
    }
}

/// The names of the built-in binders.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _, _)| *name).collect()
}

/// A built-in binder by name.
pub fn builtin(name: &str) -> Option<Binder> {
    BUILTIN
        .iter()
        .find(|(known, _, _)| *known == name)
        .map(|(name, version, bytes)| Binder {
            name: (*name).to_owned(),
            version: Some((*version).to_owned()),
            origin: BinderOrigin::Builtin,
            bytes: bytes.to_vec(),
        })
}

/// The dead-letter router (`binders/dead-letter`), built in.
pub(crate) fn dead_letter_router() -> Binder {
    let (version, bytes) = DEAD_LETTER_ROUTER;
    Binder {
        name: "dead-letter".to_owned(),
        version: Some(version.to_owned()),
        origin: BinderOrigin::Builtin,
        bytes: bytes.to_vec(),
    }
}

/// What a stage stands in front of, which says where its built-ins are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StageKind {
    /// A trigger's middleware, in front of a WASI 0.3 HTTP handler.
    Middleware,
    /// A binder executor's event stage, in front of the app.
    Event,
}

impl StageKind {
    /// The built-in stages of this kind: name, version and bytes.
    fn builtins(self) -> &'static [(&'static str, &'static str, &'static [u8])] {
        match self {
            Self::Middleware => MIDDLEWARE,
            Self::Event => EVENT_STAGES,
        }
    }

    /// What a stage of this kind is called in messages.
    pub(crate) fn what(self) -> &'static str {
        match self {
            Self::Middleware => "middleware",
            Self::Event => "event stage",
        }
    }

    /// The names of the built-in stages of this kind.
    pub(crate) fn names(self) -> Vec<&'static str> {
        self.builtins().iter().map(|(name, _, _)| *name).collect()
    }
}

/// Finds, reads or downloads a stage: like [`resolve`], but a `binder`
/// name is looked up among the built-in stages of its `kind`.
pub(crate) fn resolve_stage(
    kind: StageKind,
    source: &BinderSource,
    manifest: &Path,
    cache_dir: &Path,
) -> Result<Binder, ResolveError> {
    let BinderSource::Builtin(name) = source else {
        return resolve(source, manifest, cache_dir);
    };
    kind.builtins()
        .iter()
        .find(|(known, _, _)| known == name)
        .map(|(name, version, bytes)| Binder {
            name: (*name).to_owned(),
            version: Some((*version).to_owned()),
            origin: BinderOrigin::Builtin,
            bytes: bytes.to_vec(),
        })
        .ok_or_else(|| ResolveError::UnknownStage {
            what: kind.what(),
            name: name.clone(),
            known: kind.names(),
        })
}

/// A build of a built-in binder other than its default one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Build {
    /// For `reply = "sink"`: it also imports `bindery:cloudevents/sender`.
    ReplySink,
    /// For `wasi = "0.3"`: it exports `wasi:http/handler@0.3.0` (HTTP) or
    /// `wasmcloud:messaging/handler@0.3.0` (NATS).
    WasiP3,
    /// For both: it exports `wasi:http/handler@0.3.0` and imports
    /// `bindery:cloudevents/sender`.
    ReplySinkP3,
}

impl Build {
    fn describe(self) -> &'static str {
        match self {
            Self::ReplySink => "`reply = \"sink\"`",
            Self::WasiP3 => "`wasi = \"0.3\"`",
            Self::ReplySinkP3 => "`reply = \"sink\"` with `wasi = \"0.3\"`",
        }
    }
}

/// The build of a built-in binder that an executor's settings ask for: the
/// default one, or one of [`Build`] (`reply = "sink"` in its `config`,
/// `wasi = "0.3"`). Binders from files and downloads are returned as they
/// are.
pub(crate) fn for_settings(
    mut binder: Binder,
    executor: &BinderExecutor,
) -> Result<Binder, ResolveError> {
    if binder.origin != BinderOrigin::Builtin {
        return Ok(binder);
    }
    let replies_to_sink = executor
        .environment()
        .get("BINDERY_CONFIG_REPLY")
        .is_some_and(|reply| reply.trim() == "sink");
    let p3 = executor.wasi == Some(WasiGeneration::P3);
    let build = match (replies_to_sink, p3) {
        (false, false) => return Ok(binder),
        (true, false) => Build::ReplySink,
        (false, true) => Build::WasiP3,
        (true, true) => Build::ReplySinkP3,
    };
    let found = BUILDS
        .iter()
        .find(|(name, known, _)| *name == binder.name && *known == build);
    let Some((_, _, bytes)) = found else {
        let builds: Vec<&str> = BUILDS
            .iter()
            .filter(|(name, _, _)| *name == binder.name)
            .map(|(_, build, _)| build.describe())
            .collect();
        return Err(ResolveError::NoSuchBuild {
            binder: binder.name.clone(),
            wanted: build.describe(),
            builds: if builds.is_empty() {
                "it has its default build only".into()
            } else {
                format!("its builds: the default, {}", builds.join(", "))
            },
        });
    };
    binder.bytes = bytes.to_vec();
    Ok(binder)
}

/// Finds, reads or downloads the binder an executor names. `manifest` is
/// the manifest file: paths are relative to its directory. Downloads are
/// checked against their digest and kept in `cache_dir`.
pub fn resolve(
    source: &BinderSource,
    manifest: &Path,
    cache_dir: &Path,
) -> Result<Binder, ResolveError> {
    match source {
        BinderSource::Builtin(name) => builtin(name).ok_or_else(|| ResolveError::UnknownBinder {
            name: name.clone(),
            known: builtin_names(),
        }),
        BinderSource::File(file) => {
            let path = manifest.parent().unwrap_or(Path::new(".")).join(file);
            let bytes = std::fs::read(&path).map_err(|source| ResolveError::Read {
                path: path.clone(),
                what: "the binder".into(),
                source,
            })?;
            Ok(Binder {
                name: file_stem(&path.to_string_lossy()),
                version: None,
                origin: BinderOrigin::File(path),
                bytes,
            })
        }
        BinderSource::Url { url, digest } => {
            let bytes = match cached(cache_dir, digest) {
                Some(bytes) => bytes,
                None => fetch(url, digest, cache_dir)?,
            };
            Ok(Binder {
                name: file_stem(url),
                version: None,
                origin: BinderOrigin::Url(url.clone()),
                bytes,
            })
        }
    }
}

fn file_stem(source: &str) -> String {
    let file = source.rsplit(['/', '\\']).next().unwrap_or(source);
    file.strip_suffix(".wasm").unwrap_or(file).to_owned()
}

fn cache_path(cache_dir: &Path, digest: &Sha256Digest) -> PathBuf {
    cache_dir
        .join("binders")
        .join(format!("{}.wasm", digest.hex()))
}

/// The cached download with this digest, if one is cached and intact.
fn cached(cache_dir: &Path, digest: &Sha256Digest) -> Option<Vec<u8>> {
    let bytes = std::fs::read(cache_path(cache_dir, digest)).ok()?;
    (Sha256Digest::of(&bytes) == *digest).then_some(bytes)
}

/// Downloads `url`, checks it against `digest`, and caches it.
fn fetch(url: &str, digest: &Sha256Digest, cache_dir: &Path) -> Result<Vec<u8>, ResolveError> {
    let failed = |source| ResolveError::Fetch {
        url: url.to_owned(),
        source: Box::new(source),
    };
    let bytes = ureq::get(url)
        .call()
        .map_err(failed)?
        .into_body()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .map_err(failed)?;
    let actual = Sha256Digest::of(&bytes);
    if actual != *digest {
        return Err(ResolveError::Digest {
            url: url.to_owned(),
            expected: digest.clone(),
            actual,
        });
    }
    let path = cache_path(cache_dir, &actual);
    let temporary = path.with_extension("part");
    std::fs::create_dir_all(cache_dir.join("binders"))
        .and_then(|()| std::fs::write(&temporary, &bytes))
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|source| ResolveError::Cache { path, source })?;
    Ok(bytes)
}
