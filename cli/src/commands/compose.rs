//! `bindery compose`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use bindery_composer::{ComposeOptions, ComposedApp, OutputWorld, WasmCloudOptions, compose};
use clap::Args;

use crate::cache::cache_dir;

/// Link each trigger's binder with its app into one wasi:http component,
/// and write a plain manifest beside the results.
///
/// A trigger selects a binder with `executor = { type = "binder", ... }`:
/// `binder = "http-cloudevents"` (built in), `source = "path.wasm"`
/// (relative to the manifest) or `url = "..."` with `digest = "sha256:..."`.
/// Its `config` table reaches the binder as BINDERY_CONFIG_<KEY>
/// environment variables. Nothing is written when any check fails.
#[derive(Args)]
pub struct ComposeCommand {
    #[command(flatten)]
    pub args: ComposeArgs,
}

/// What to compose and where to: shared by `compose` and `up`.
#[derive(Args)]
pub struct ComposeArgs {
    /// The manifest to compose.
    #[arg(default_value = "spin.toml")]
    pub manifest: PathBuf,
    /// The output directory: `<component-id>.wasm` files and `spin.toml`
    /// [default: .bindery beside the manifest].
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Also list the imports each output component leaves to the host.
    #[arg(long, short)]
    pub verbose: bool,
    /// What the HTTP outputs may import: `cli` leaves `wasi:cli`'s
    /// environment, exit and terminals to the host (run with `wasmtime serve
    /// -Scli`; settings stay in the manifest, where a deployment can change
    /// them); `proxy` satisfies them inside the component, the settings
    /// fixed, so that it imports only `wasi:http/proxy` (hosts that offer
    /// exactly that world, such as edge platforms).
    #[arg(long, value_enum, default_value = "cli")]
    pub world: World,
    /// Where the written `.wash/config.yaml` has `wash dev` serve HTTP.
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "HOST:PORT")]
    pub wash_address: String,
    /// The OCI image each written `WorkloadDeployment` names, `{id}`
    /// standing for the component id (push the output `.wasm` there with
    /// `wash push`).
    #[arg(
        long,
        default_value = "localhost:5000/{id}:latest",
        value_name = "REFERENCE"
    )]
    pub image: String,
}

/// `--world`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum World {
    /// Whatever the parts import.
    Cli,
    /// Only `wasi:http/proxy@0.2.x`.
    Proxy,
}

impl ComposeCommand {
    /// Runs the command.
    pub fn exec(self) -> Result<()> {
        self.args.compose().map(drop)
    }
}

impl ComposeArgs {
    /// The output directory: `--out`, or `.bindery/` beside the manifest (as
    /// Spin keeps `.spin/` beside `spin.toml`), so that two apps composed
    /// from one directory never share it.
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            self.manifest
                .parent()
                .unwrap_or(Path::new(""))
                .join(".bindery")
        })
    }

    /// Composes the manifest into the output directory and reports each
    /// component; returns what was composed.
    pub fn compose(&self) -> Result<ComposedApp> {
        let out = self.out_dir();
        let app = compose(
            &self.manifest,
            &ComposeOptions {
                cache_dir: cache_dir(),
                world: match self.world {
                    World::Cli => OutputWorld::Cli,
                    World::Proxy => OutputWorld::Proxy,
                },
                wasmcloud: WasmCloudOptions {
                    http_address: self.wash_address.clone(),
                    image: self.image.clone(),
                },
            },
        )?;
        for warning in &app.warnings {
            eprintln!("warning: {warning}");
        }
        app.write(&out)?;
        for (id, component) in &app.components {
            let path = out.join(format!("{id}.wasm"));
            match &component.provenance {
                Some(provenance) => println!(
                    "composed {id}: {}binder {} + app → {} ({} bytes)",
                    provenance
                        .middleware
                        .iter()
                        .map(|stage| format!("middleware {} + ", stage.name))
                        .collect::<String>(),
                    provenance.binder.name,
                    path.display(),
                    component.bytes.len()
                ),
                None => println!("copied {id} → {}", path.display()),
            }
            if self.verbose {
                for import in component.world.host_imports() {
                    println!("    imports {import} (from the host)");
                }
            }
        }
        println!("wrote {}", out.join("spin.toml").display());
        if !app.wasmcloud.is_empty() {
            println!(
                "wrote {} (wash dev's .wash/config.yaml and a WorkloadDeployment per component)",
                out.join("wasmcloud").display()
            );
        }
        Ok(app)
    }
}
