//! The SDK is publishable: `cargo package` of it and of the codec it
//! depends on succeeds, building each package from its own files, and the
//! SDK's package carries its WIT.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cargo(args: &[&str]) -> String {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from)
        .join("package-check");
    let output = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(args)
        .args(["--allow-dirty", "--target-dir"])
        .arg(target)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

#[test]
fn cargo_package_succeeds_with_the_wit_inside() {
    cargo(&[
        "package",
        "--quiet",
        "--package",
        "bindery-cloudevents-codec",
        "--package",
        "bindery-sdk",
    ]);
    let files = cargo(&["package", "--list", "--package", "bindery-sdk"]);
    for file in ["wit/sdk.wit", "src/lib.rs", "README.md", "Cargo.toml"] {
        assert!(
            files.lines().any(|line| line == file),
            "{file} in:\n{files}"
        );
    }
    assert!(
        files.lines().any(|line| line.starts_with("wit/deps/")),
        "the contract in wit/deps: {files}"
    );
}
