//! What a composition makes: the output components and the plain manifest,
//! held in memory until [`ComposedApp::write`] writes them.

use std::collections::BTreeMap;
use std::path::Path;

use bindery_manifest::{AppManifest, ComponentId};

use crate::error::{NotAComponent, WriteError};
use crate::provenance::Provenance;
use crate::wasmcloud::WasmCloudFiles;
use crate::world::ComponentWorld;

/// What an HTTP output may import from its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputWorld {
    /// Whatever its parts import: with Rust's std and the binders' settings,
    /// `wasi:cli` beyond the proxy world (hosts run it with `-Scli` or the
    /// like), and the settings stay in the manifest's `environment`, where
    /// a deployment can change them.
    #[default]
    Cli,
    /// Only `wasi:http/proxy@0.2.x`: the environment (fixed at compose
    /// time), exit and the terminals are virtualised inside it, and its
    /// `environment` leaves the output manifest.
    Proxy,
}

/// A composed application, in memory: nothing is written until
/// [`ComposedApp::write`].
#[derive(Debug)]
pub struct ComposedApp {
    /// The plain output manifest: no binder executors, sources pointing at
    /// the output components.
    pub manifest: AppManifest,
    /// The output components, by component id.
    pub components: BTreeMap<ComponentId, OutputComponent>,
    /// Things worth a warning, such as imports no wasi:http host provides.
    pub warnings: Vec<String>,
    /// What wasmCloud 2 needs for each component behind a trigger.
    pub wasmcloud: BTreeMap<ComponentId, WasmCloudFiles>,
}

/// One component of the output.
#[derive(Debug)]
pub struct OutputComponent {
    /// The component bytes.
    pub bytes: Vec<u8>,
    /// Its world.
    pub world: ComponentWorld,
    /// How it was composed; `None` for a component passed through.
    pub provenance: Option<Provenance>,
    /// Whether its settings are inside it (a `--world proxy` output's
    /// environment): it is then written readable by its owner only, as the
    /// manifest is.
    pub settings_inside: bool,
}

impl OutputComponent {
    /// The composed `bytes` as an output component without provenance, its
    /// world read (which checks its structure); `file` names it in the
    /// error.
    pub(crate) fn read(bytes: Vec<u8>, file: String) -> Result<Self, NotAComponent> {
        let world = ComponentWorld::of(&bytes).map_err(|error| NotAComponent {
            file,
            what: "output",
            error,
        })?;
        Ok(Self {
            bytes,
            world,
            provenance: None,
            settings_inside: false,
        })
    }
}

impl ComposedApp {
    /// Writes `<out>/<id>.wasm` for every component, `<out>/spin.toml`, and
    /// for each component behind a trigger
    /// `<out>/wasmcloud/<id>/.wash/config.yaml` and
    /// `<out>/wasmcloud/<id>/workloaddeployment.yaml` (see
    /// [`WasmCloudFiles`]).
    /// Each file is written to a fresh temporary name and renamed into
    /// place, so a reader never sees a partial file. Files that carry
    /// settings (the manifest, with each component's `environment`, and a
    /// component with its settings inside) are readable by their owner
    /// only. An output directory that is a symbolic link is refused, so
    /// that a link planted there cannot redirect the output.
    pub fn write(&self, out_dir: &Path) -> Result<(), WriteError> {
        let failed = |path: &Path| {
            let path = path.to_owned();
            move |source| WriteError::Io { path, source }
        };
        if std::fs::symlink_metadata(out_dir).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(WriteError::Symlink {
                path: out_dir.to_owned(),
            });
        }
        std::fs::create_dir_all(out_dir).map_err(failed(out_dir))?;
        let manifest = self.manifest.to_toml();
        let files = self
            .components
            .iter()
            .map(|(id, component)| {
                let mode = if component.settings_inside {
                    0o600
                } else {
                    0o644
                };
                (format!("{id}.wasm"), component.bytes.as_slice(), mode)
            })
            .chain([("spin.toml".to_owned(), manifest.as_bytes(), 0o600)]);
        // The wasmCloud files carry the component's settings.
        let wasmcloud = self.wasmcloud.iter().flat_map(|(id, files)| {
            [
                (
                    format!("wasmcloud/{id}/.wash/config.yaml"),
                    files.wash_config.as_bytes(),
                    0o600,
                ),
                (
                    format!("wasmcloud/{id}/workloaddeployment.yaml"),
                    files.workload_deployment.as_bytes(),
                    0o600,
                ),
            ]
        });
        for (name, bytes, mode) in files.chain(wasmcloud) {
            let path = out_dir.join(&name);
            let (dir, file) = match path.parent() {
                Some(dir) => (dir.to_owned(), path.file_name().unwrap_or_default()),
                None => (out_dir.to_owned(), path.as_os_str()),
            };
            std::fs::create_dir_all(&dir).map_err(failed(&dir))?;
            let temporary = dir.join(format!(
                ".{}.{}.tmp",
                file.to_string_lossy(),
                std::process::id()
            ));
            write_new(&temporary, bytes, mode)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(failed(&path))?;
        }
        Ok(())
    }
}

/// Writes `bytes` to a file that must not exist yet (a link in its place
/// is not followed), with permissions `mode`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
