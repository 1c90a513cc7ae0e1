//! `bindery new`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::scaffold::{self, Kind, Language};

/// Write a new binder, app or event-stage project that builds with
/// `./build.sh`.
///
/// A binder project composes through `executor = { type = "binder",
/// source = "<name>/<name>.wasm" }`; an app project comes with a
/// `spin.toml` that binds it with the built-in http-cloudevents binder,
/// so `bindery up --build` runs it; a stage stands in a binder executor's
/// `stages = [{ path = "<name>/<name>.wasm" }]`.
#[derive(Args)]
pub struct NewCommand {
    /// What to write.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The project's name [default: my-binder, my-app or my-stage].
    pub name: Option<String>,
    /// The language (c and go: binders only).
    #[arg(long, value_enum, default_value_t = Language::Rust)]
    pub lang: Language,
    /// The directory to create [default: ./<name>].
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

impl NewCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        let name = self.name.unwrap_or_else(|| match self.kind {
            Kind::Binder => "my-binder".into(),
            Kind::App => "my-app".into(),
            Kind::Stage => "my-stage".into(),
        });
        let dir = self.dir.unwrap_or_else(|| PathBuf::from(&name));
        scaffold::scaffold(self.kind, self.lang, &name, &dir)?;
        println!(
            "wrote {}: build it with {}/build.sh",
            dir.display(),
            dir.display()
        );
        if self.kind == Kind::App {
            println!("then run it: cd {} && bindery up --build", dir.display());
        }
        Ok(())
    }
}
