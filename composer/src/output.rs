//! What a composition makes: the output components and the plain manifest,
//! held in memory until [`ComposedApp::write`] writes them.

use std::collections::BTreeMap;
use std::path::Path;

use bindery_manifest::{AppManifest, ComponentId};

use crate::error::{NotAComponent, WriteError};
use crate::provenance::Provenance;
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
        })
    }
}

impl ComposedApp {
    /// Writes `<out>/<id>.wasm` for every component and `<out>/spin.toml`.
    /// Each file is written to a temporary name and renamed into place, so a
    /// reader never sees a partial file.
    pub fn write(&self, out_dir: &Path) -> Result<(), WriteError> {
        let failed = |path: &Path| {
            let path = path.to_owned();
            move |source| WriteError { path, source }
        };
        std::fs::create_dir_all(out_dir).map_err(failed(out_dir))?;
        let manifest = self.manifest.to_toml();
        let files = self
            .components
            .iter()
            .map(|(id, component)| (format!("{id}.wasm"), component.bytes.as_slice()))
            .chain([("spin.toml".to_owned(), manifest.as_bytes())]);
        for (name, bytes) in files {
            let path = out_dir.join(&name);
            let temporary = out_dir.join(format!(".{name}.{}.tmp", std::process::id()));
            std::fs::write(&temporary, bytes)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(failed(&path))?;
        }
        Ok(())
    }
}
