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

/// Removes the codec that earlier runs extracted from cargo's temporary
/// package registry (`$CARGO_HOME/registry/src/-<hash>/`): cargo does not
/// extract a package again when its content changed but its version did
/// not, so the SDK would be verified against a stale codec.
fn forget_extracted_codec() {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cargo"),
        PathBuf::from,
    );
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else {
        return;
    };
    for registry in registries.flatten() {
        // Local registries are named `-<hash>`; crates.io's are not.
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(packages) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for package in packages.flatten() {
            if package
                .file_name()
                .to_string_lossy()
                .starts_with("bindery-cloudevents-codec-")
            {
                let _ = std::fs::remove_dir_all(package.path());
            }
        }
    }
}

#[test]
fn cargo_package_succeeds_with_the_wit_inside() {
    forget_extracted_codec();
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
