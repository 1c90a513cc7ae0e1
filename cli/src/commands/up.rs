//! `bindery up`: (build,) compose, serve.

use anyhow::Result;
use clap::Args;

use super::build::build;
use super::compose::ComposeArgs;
use super::serve::{HostArgs, serve};

/// Compose a manifest into its output directory, then serve the result.
#[derive(Args)]
pub struct UpCommand {
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// Run the components' build commands first (as `bindery build`).
    #[arg(long)]
    pub build: bool,
    #[command(flatten)]
    pub host: HostArgs,
}

impl UpCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        if self.build {
            build(&self.compose.manifest)?;
        }
        let composed = self.compose.compose()?;
        serve(
            &self.compose.out_dir().join("spin.toml"),
            &self.host,
            Some(&composed),
        )
    }
}
