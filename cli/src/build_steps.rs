//! `bindery build`: runs each component's `[component.<id>.build] command`,
//! as Spin does, so that a user never has to remember per-component commands.
//!
//! [`steps`] reads the plan from the manifest; [`BuildStep::run`] runs one
//! step through the shell, in the manifest's directory (or its `workdir`),
//! and hands every line the command prints to the caller.

use std::io::{BufRead as _, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;

use bindery_manifest::{AppManifest, ManifestError};

/// One component's build command, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildStep {
    /// The component id.
    pub id: String,
    /// The shell command, as the manifest gives it.
    pub command: String,
    /// The directory it runs in.
    pub workdir: PathBuf,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The manifest cannot be read or parsed.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The command could not be started.
    #[error("component `{id}`: cannot run `{command}`")]
    Spawn {
        /// The component id.
        id: String,
        /// The command.
        command: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The command ran and failed.
    #[error("component `{id}`: `{command}` failed ({status})")]
    Failed {
        /// The component id.
        id: String,
        /// The command.
        command: String,
        /// How it exited.
        status: ExitStatus,
    },
}

/// The build steps of the manifest at `manifest_path`, in component id
/// order; components without a `build` table are skipped.
pub fn steps(manifest_path: &Path) -> Result<Vec<BuildStep>, BuildError> {
    let manifest = AppManifest::load(manifest_path)?.manifest;
    let base = manifest_path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(manifest
        .component
        .into_iter()
        .filter_map(|(id, component)| {
            let build = component.build?;
            let workdir = match build.workdir {
                Some(workdir) => base.join(workdir),
                None => base.to_owned(),
            };
            Some(BuildStep {
                id: id.into(),
                command: build.command,
                workdir,
            })
        })
        .collect())
}

impl BuildStep {
    /// Runs the command with `sh -c` in the step's directory, calling
    /// `output` with each line it prints (stdout and stderr, as they come).
    pub fn run(&self, mut output: impl FnMut(&str)) -> Result<(), BuildError> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .current_dir(&self.workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| BuildError::Spawn {
                id: self.id.clone(),
                command: self.command.clone(),
                source,
            })?;
        let (sender, lines) = mpsc::channel();
        let readers = [
            forward(child.stdout.take(), sender.clone()),
            forward(child.stderr.take(), sender),
        ];
        for line in lines {
            output(&line);
        }
        for reader in readers {
            let _ = reader.join();
        }
        let status = child.wait().map_err(|source| BuildError::Spawn {
            id: self.id.clone(),
            command: self.command.clone(),
            source,
        })?;
        if !status.success() {
            return Err(BuildError::Failed {
                id: self.id.clone(),
                command: self.command.clone(),
                status,
            });
        }
        Ok(())
    }
}

/// Sends each line read from `stream` to `lines`, on its own thread.
fn forward(
    stream: Option<impl Read + Send + 'static>,
    lines: mpsc::Sender<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Some(stream) = stream else { return };
        for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
            let line = String::from_utf8_lossy(&line)
                .trim_end_matches('\r')
                .to_owned();
            if lines.send(line).is_err() {
                return;
            }
        }
    })
}
