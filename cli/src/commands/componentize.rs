//! `bindery componentize`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use bindery_composer::ComponentWorld;
use bindery_composer::componentize::{Adapter, WitSource, componentize};
use clap::Args;

/// Turn a core wasm module (from C with wasi-libc, Go, ...) into a
/// component, linking the WASI preview 1 adapter it needs.
///
/// The module's world comes from the `component-type` sections its
/// bindings generator left in it (wit-bindgen does), or from --wit.
#[derive(Args)]
pub struct ComponentizeCommand {
    /// The core module.
    pub module: PathBuf,
    /// The component to write.
    #[arg(long, short)]
    pub out: PathBuf,
    /// A WIT file or directory whose world to embed in the module first.
    #[arg(long, value_name = "PATH")]
    pub wit: Option<PathBuf>,
    /// The world in --wit, for example `bindery:cloudevents/http-binder`.
    #[arg(long, requires = "wit")]
    pub world: Option<String>,
    /// The WASI preview 1 adapter: `auto` (command if the module exports
    /// `_start`, else reactor; none if it does not import preview 1),
    /// `reactor`, `command`, `proxy`, or a path to an adapter module.
    #[arg(long, default_value = "auto", value_parser = parse_adapter)]
    pub adapt: Adapter,
}

impl ComponentizeCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        let module = &self.module;
        let bytes =
            std::fs::read(module).with_context(|| format!("{}: cannot read", module.display()))?;
        let wit = self.wit.map(|path| WitSource {
            path,
            world: self.world,
        });
        let component = componentize(module, &bytes, wit.as_ref(), &self.adapt)?;
        let out = &self.out;
        let temporary = out.with_extension("wasm.tmp");
        std::fs::write(&temporary, &component)
            .and_then(|()| std::fs::rename(&temporary, out))
            .with_context(|| format!("{}: cannot write", out.display()))?;
        let world = ComponentWorld::of(&component)?;
        println!("wrote {} ({} bytes)", out.display(), component.len());
        for export in &world.exports {
            println!("  exports {export}");
        }
        Ok(())
    }
}

/// `--adapt`: a named adapter or a file.
fn parse_adapter(value: &str) -> Result<Adapter, std::convert::Infallible> {
    Ok(match value {
        "auto" => Adapter::Auto,
        "reactor" => Adapter::Reactor,
        "command" => Adapter::Command,
        "proxy" => Adapter::Proxy,
        path => Adapter::File(path.into()),
    })
}
