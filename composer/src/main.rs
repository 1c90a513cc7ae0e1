//! `bindery`: compose binders and apps into wasi:http components, and
//! inspect components.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use bindery_composer::{ComponentWorld, ComposeOptions, Provenance, compose};
use clap::{Parser, Subcommand};

/// Bind application protocols to WebAssembly components, on the guest side.
#[derive(Parser)]
#[command(name = "bindery", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Link each trigger's binder with its app into one wasi:http component,
    /// and write a plain manifest beside the results.
    ///
    /// A trigger selects a binder with `executor = { type = "binder", ... }`:
    /// `binder = "http-cloudevents"` (built in), `source = "path.wasm"`
    /// (relative to the manifest) or `url = "..."` with `digest = "sha256:..."`.
    /// Its `config` table reaches the binder as BINDERY_CONFIG_<KEY>
    /// environment variables. Nothing is written when any check fails.
    Compose {
        /// The manifest to compose.
        #[arg(default_value = "spin.toml")]
        manifest: PathBuf,
        /// The output directory: `<component-id>.wasm` files and `spin.toml`.
        #[arg(long, short, default_value = ".bindery")]
        out: PathBuf,
        /// Also list the imports each output component leaves to the host.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Show a component's imports and exports with their versions, what it is
    /// (binder, app, composed app, HTTP component) and how it was composed.
    Inspect {
        /// The component file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compose {
            manifest,
            out,
            verbose,
        } => run_compose(&manifest, &out, verbose),
        Command::Inspect { file, json } => run_inspect(&file, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_compose(manifest: &Path, out: &Path, verbose: bool) -> Result<()> {
    let options = ComposeOptions {
        cache_dir: cache_dir(),
    };
    let app = compose(manifest, &options)?;
    for warning in &app.warnings {
        eprintln!("warning: {warning}");
    }
    app.write(out)?;
    for (id, component) in &app.components {
        let path = out.join(format!("{id}.wasm"));
        match &component.provenance {
            Some(provenance) => println!(
                "composed {id}: binder {} + app → {} ({} bytes)",
                provenance.binder.name,
                path.display(),
                component.bytes.len()
            ),
            None => println!("copied {id} → {}", path.display()),
        }
        if verbose {
            for import in component.world.host_imports() {
                println!("    imports {import} (from the host)");
            }
        }
    }
    println!("wrote {}", out.join("spin.toml").display());
    Ok(())
}

/// `$BINDERY_CACHE_DIR`, else the user's cache directory.
fn cache_dir() -> PathBuf {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    from_env("BINDERY_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|dir| dir.join("bindery")))
        .or_else(|| from_env("HOME").map(|dir| dir.join(".cache/bindery")))
        .unwrap_or_else(|| PathBuf::from(".bindery/cache"))
}

fn run_inspect(file: &Path, json: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let world = ComponentWorld::of(&bytes).with_context(|| format!("{}", file.display()))?;
    let provenance = Provenance::read(&bytes);
    let kind = world.kind(provenance.is_some());
    if json {
        let report = serde_json::json!({
            "file": file,
            "size": bytes.len(),
            "kind": kind,
            "imports": world.imports,
            "exports": world.exports,
            "provenance": provenance,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{} ({} bytes)", file.display(), bytes.len());
    let kind = serde_json::to_value(kind)?;
    println!(
        "kind: {}",
        kind.as_str().unwrap_or_default().replace('-', " ")
    );
    for (heading, names) in [("imports", &world.imports), ("exports", &world.exports)] {
        println!("{heading}:");
        for name in names {
            println!("  {name}");
        }
    }
    if let Some(provenance) = provenance {
        let binder = &provenance.binder;
        println!("composed from:");
        println!(
            "  binder {} {} ({})",
            binder.name,
            binder.version.as_deref().unwrap_or("(no version)"),
            binder.sha256
        );
        println!("  app {} ({})", provenance.app.name, provenance.app.sha256);
    }
    Ok(())
}
