//! `bindery`: build, compose, inspect and serve apps whose triggers select
//! binders.

mod progress;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use bindery_composer::componentize::{Adapter, WitSource, componentize};
use bindery_composer::scaffold::{self, Kind, Language};
use bindery_composer::{ComponentWorld, ComposeOptions, Provenance, build, compose};
use clap::{Args, Parser, Subcommand};
use thin_host::{Host, HostConfig};

use progress::Step;

/// Bind application protocols to WebAssembly components, on the guest side.
#[derive(Parser)]
#[command(name = "bindery", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run each component's `[component.<id>.build] command`, in the
    /// manifest's directory (or the step's `workdir`).
    Build {
        /// The manifest whose components to build.
        #[arg(default_value = "spin.toml")]
        manifest: PathBuf,
    },
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
    /// Serve a plain manifest (as `compose` writes it) or one component over
    /// HTTP, with a fresh instance per request.
    Serve {
        /// A plain Spin v2 manifest, or a component `.wasm` file, which then
        /// serves every path.
        #[arg(default_value = ".bindery/spin.toml")]
        target: PathBuf,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Compose a manifest into the output directory, then serve the result.
    Up {
        /// The manifest to compose and serve.
        #[arg(default_value = "spin.toml")]
        manifest: PathBuf,
        /// The output directory of the composition.
        #[arg(long, short, default_value = ".bindery")]
        out: PathBuf,
        /// Run the components' build commands first (as `bindery build`).
        #[arg(long)]
        build: bool,
        #[command(flatten)]
        host: HostArgs,
    },
    /// Turn a core wasm module (from C with wasi-libc, Go, ...) into a
    /// component, linking the WASI preview 1 adapter it needs.
    ///
    /// The module's world comes from the `component-type` sections its
    /// bindings generator left in it (wit-bindgen does), or from --wit.
    Componentize {
        /// The core module.
        module: PathBuf,
        /// The component to write.
        #[arg(long, short)]
        out: PathBuf,
        /// A WIT file or directory whose world to embed in the module first.
        #[arg(long, value_name = "PATH")]
        wit: Option<PathBuf>,
        /// The world in --wit, for example `bindery:cloudevents/http-binder`.
        #[arg(long, requires = "wit")]
        world: Option<String>,
        /// The WASI preview 1 adapter: `auto` (command if the module exports
        /// `_start`, else reactor; none if it does not import preview 1),
        /// `reactor`, `command`, `proxy`, or a path to an adapter module.
        #[arg(long, default_value = "auto", value_parser = parse_adapter)]
        adapt: Adapter,
    },
    /// Write a new binder or app project that builds with `./build.sh`.
    ///
    /// A binder project composes through `executor = { type = "binder",
    /// source = "<name>/<name>.wasm" }`; an app project comes with a
    /// `spin.toml` that binds it with the built-in http-cloudevents binder,
    /// so `bindery up --build` runs it.
    New {
        /// What to write: `binder` or `app`.
        #[arg(value_parser = ["binder", "app"])]
        kind: String,
        /// The project's name [default: my-binder or my-app].
        name: Option<String>,
        /// The language: rust, python, js or c (c: binders only).
        #[arg(long, default_value = "rust", value_parser = ["rust", "python", "js", "c"])]
        lang: String,
        /// The directory to create [default: ./<name>].
        #[arg(long)]
        dir: Option<PathBuf>,
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

/// The thin host's settings.
#[derive(Args)]
struct HostArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// How long one request may run before it is stopped and answered with
    /// 504, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    deadline: f64,
    /// The most memory one linear memory of an instance may grow to, in MiB.
    #[arg(long, default_value_t = 128, value_name = "MIB")]
    memory_limit: usize,
    /// The largest request body the host accepts, in bytes (413 beyond).
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    max_body: usize,
    /// Where compiled components are cached [default: <cache>/compiled, with
    /// <cache> as for url binders].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile every component at start, without the on-disk cache.
    #[arg(long)]
    no_cache: bool,
}

impl HostArgs {
    fn config(&self) -> HostConfig {
        HostConfig {
            deadline: Duration::from_secs_f64(self.deadline.max(0.01)),
            memory_limit: self.memory_limit << 20,
            max_body: self.max_body,
            cache_dir: (!self.no_cache).then(|| {
                self.cache_dir
                    .clone()
                    .unwrap_or_else(|| cache_dir().join("compiled"))
            }),
            ..HostConfig::default()
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build { manifest } => run_build(&manifest),
        Command::Compose {
            manifest,
            out,
            verbose,
        } => run_compose(&manifest, &out, verbose).map(drop),
        Command::Serve { target, host } => serve(&target, &host, None),
        Command::Up {
            manifest,
            out,
            build,
            host,
        } => (if build { run_build(&manifest) } else { Ok(()) })
            .and_then(|()| run_compose(&manifest, &out, false))
            .and_then(|binders| serve(&out.join("spin.toml"), &host, Some(&binders))),
        Command::Componentize {
            module,
            out,
            wit,
            world,
            adapt,
        } => run_componentize(
            &module,
            &out,
            wit.map(|path| WitSource { path, world }),
            &adapt,
        ),
        Command::New {
            kind,
            name,
            lang,
            dir,
        } => run_new(&kind, name, &lang, dir),
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

/// Runs the build command of every component of `manifest` that has one.
fn run_build(manifest: &Path) -> Result<()> {
    let steps = build::steps(manifest)?;
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

/// Composes `manifest` into `out`; returns the binder names by component id.
fn run_compose(manifest: &Path, out: &Path, verbose: bool) -> Result<Vec<(String, String)>> {
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
    Ok(app
        .components
        .iter()
        .filter_map(|(id, component)| {
            Some((
                id.clone(),
                component.provenance.as_ref()?.binder.name.clone(),
            ))
        })
        .collect())
}

/// Serves `target` until SIGINT or SIGTERM. `binders` (from `up`) lets the
/// ready message show a request that fits each route.
fn serve(target: &Path, args: &HostArgs, binders: Option<&[(String, String)]>) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BINDERY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let progress = Step::start(format!(
        "loading {} (compiling components not yet cached)",
        target.display()
    ));
    let host = match Host::load(target, args.config()) {
        Ok(host) => host,
        Err(error) => {
            progress.fail();
            return Err(error.into());
        }
    };
    progress.finish(&format!("loaded {}", target.display()));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        // The routes first and the `listening on` line last, so that a
        // script can wait for that line; a closed stdout must not stop the
        // server, so write errors are ignored.
        let mut out = std::io::stdout().lock();
        for (route, id) in host.routes() {
            let _ = writeln!(out, "  http://{address}{route} -> {id}");
            let binder = binders.and_then(|binders| binders.iter().find(|(bound, _)| bound == id));
            let path = route.to_string().replace("/...", "/");
            if binder.is_some_and(|(_, name)| name == "http-cloudevents") {
                let _ = writeln!(
                    out,
                    "  try: curl -i http://{address}{path} -H 'ce-specversion: 1.0' -H 'ce-id: 1' \\\n         \
                     -H 'ce-source: /demo' -H 'ce-type: com.example.demo' -H 'content-type: application/json' -d '{{\"hello\":\"world\"}}'"
                );
            }
        }
        let _ = writeln!(out, "listening on http://{address}");
        let _ = out.flush();
        drop(out);
        host.serve(listener, shutdown_signal()).await?;
        anyhow::Ok(())
    })
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        () = terminate => {}
    }
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

fn run_new(kind: &str, name: Option<String>, language: &str, dir: Option<PathBuf>) -> Result<()> {
    let kind: Kind = kind.parse().map_err(anyhow::Error::msg)?;
    let language: Language = language.parse().map_err(anyhow::Error::msg)?;
    let name = name.unwrap_or_else(|| match kind {
        Kind::Binder => "my-binder".into(),
        Kind::App => "my-app".into(),
    });
    let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
    scaffold::scaffold(kind, language, &name, &dir)?;
    println!(
        "wrote {}: build it with {}/build.sh",
        dir.display(),
        dir.display()
    );
    if kind == Kind::App {
        println!("then run it: cd {} && bindery up --build", dir.display());
    }
    Ok(())
}

/// `--adapt`: a named adapter or a file.
fn parse_adapter(value: &str) -> Result<Adapter, String> {
    Ok(match value {
        "auto" => Adapter::Auto,
        "reactor" => Adapter::Reactor,
        "command" => Adapter::Command,
        "proxy" => Adapter::Proxy,
        path => Adapter::File(path.into()),
    })
}

fn run_componentize(
    module: &Path,
    out: &Path,
    wit: Option<WitSource>,
    adapter: &Adapter,
) -> Result<()> {
    let bytes =
        std::fs::read(module).with_context(|| format!("{}: cannot read", module.display()))?;
    let component = componentize(module, &bytes, wit.as_ref(), adapter)?;
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

fn run_inspect(file: &Path, json: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let world = ComponentWorld::of(&bytes).with_context(|| format!("{}", file.display()))?;
    let provenance = Provenance::read(&bytes);
    let kind = world.kind(provenance.is_some());
    let wasi_versions: Vec<(String, usize)> = world
        .wasi_versions()
        .into_iter()
        .map(|(version, count)| (version.to_string(), count))
        .collect();
    if json {
        let report = serde_json::json!({
            "file": file,
            "size": bytes.len(),
            "kind": kind,
            "imports": world.imports,
            "exports": world.exports,
            "wasi_versions": wasi_versions.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
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
