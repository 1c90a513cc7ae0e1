//! `bindery inspect`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use bindery_composer::{Artifact, ComponentWorld, Provenance, in_proxy_world};
use bindery_manifest::{Transport, WasiGeneration};
use clap::Args;

/// Show a component's imports and exports with their versions, what it is
/// (binder, app, composed app, HTTP component) and how it was composed.
#[derive(Args)]
pub struct InspectCommand {
    /// The component file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl InspectCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        let file = &self.file;
        let bytes =
            std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
        let world = ComponentWorld::of(&bytes).with_context(|| format!("{}", file.display()))?;
        let provenance = Provenance::read(&bytes);
        let kind = world.kind(provenance.is_some());
        // In version order (0.2.6 before 0.2.12), which text order is not.
        let wasi_versions: Vec<(String, usize)> = world
            .wasi_versions()
            .into_iter()
            .map(|(version, count)| (version.to_string(), count))
            .collect();
        // Whether a host that offers exactly `wasi:http/proxy@0.2` runs it.
        let proxy_only = world.exports_http_handler()
            && world.handler_generation() == Some(WasiGeneration::P2)
            && world.imports.iter().all(|import| in_proxy_world(import));
        if self.json {
            let report = serde_json::json!({
                "file": file,
                "size": bytes.len(),
                "kind": kind,
                "transport": world.transport().map(|(transport, _)| transport.name()),
                "wasi_generation": world.handler_generation().map(WasiGeneration::name),
                "proxy_only": proxy_only,
                "imports": world.imports,
                "exports": world.exports,
                "wasi_versions": wasi_versions.iter().cloned().collect::<BTreeMap<_, _>>(),
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
        if let Some((transport, export)) = world.transport() {
            println!("transport: {} (exports {export})", transport.name());
            if transport == Transport::Http
                && let Some(generation) = world.handler_generation()
            {
                println!("wasi:http {} handler", generation.name());
            }
            if proxy_only {
                println!("imports: wasi:http/proxy only");
            }
            if transport == Transport::Nats && world.unsupported_imports().next().is_none() {
                println!(
                    "runs on: bindery serve, wasmCloud (it imports only WASI and wasmcloud:messaging)"
                );
            }
        }
        if !wasi_versions.is_empty() {
            let versions: Vec<String> = wasi_versions
                .iter()
                .map(|(version, count)| format!("{version} ({count})"))
                .collect();
            println!("wasi versions: {}", versions.join(", "));
        }
        for (heading, names) in [("imports", &world.imports), ("exports", &world.exports)] {
            println!("{heading}:");
            for name in names {
                println!("  {name}");
            }
        }
        if let Some(provenance) = provenance {
            println!("composed from:");
            let versioned = |artifact: &Artifact| {
                format!(
                    "{} {} ({})",
                    artifact.name,
                    artifact.version.as_deref().unwrap_or("(no version)"),
                    artifact.sha256
                )
            };
            for (index, stage) in provenance.middleware.iter().enumerate() {
                println!("  middleware {} {}", index + 1, versioned(stage));
            }
            println!("  binder {}", versioned(&provenance.binder));
            for (index, stage) in provenance.stages.iter().enumerate() {
                println!("  stage {} {}", index + 1, versioned(stage));
            }
            println!("  app {} ({})", provenance.app.name, provenance.app.sha256);
            for dependency in &provenance.dependencies {
                println!("  dependency {}", versioned(dependency));
            }
        }
        Ok(())
    }
}
