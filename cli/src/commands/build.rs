//! `bindery build`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use crate::build_steps;
use crate::progress::Step;

/// Run each component's `[component.<id>.build] command`, in the manifest's
/// directory (or the step's `workdir`).
#[derive(Args)]
pub struct BuildCommand {
    /// The manifest whose components to build.
    #[arg(default_value = "spin.toml")]
    pub manifest: PathBuf,
}

impl BuildCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        build(&self.manifest)
    }
}

/// Runs the build command of every component of `manifest` that has one.
pub fn build(manifest: &Path) -> Result<()> {
    let steps = build_steps::steps(manifest)?;
    if steps.is_empty() {
        eprintln!(
            "{}: no component has a [component.<id>.build] command; nothing to build",
            manifest.display()
        );
    }
    for step in steps {
        let mut progress = Step::start(format!("building {}: {}", step.id, step.command));
        match step.run(|line| progress.line(line)) {
            Ok(()) => progress.finish(&format!("built {}", step.id)),
            Err(error) => {
                progress.fail();
                return Err(error.into());
            }
        }
    }
    Ok(())
}
