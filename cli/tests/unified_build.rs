//! The README's two commands share one build: every dependency that both
//! `cargo run -p bindery` (the demo) and `cargo test` (the workspace's
//! default members with their dev-dependencies) compile gets the same
//! features in both, so the second command compiles no dependency again
//! (wasmtime and cranelift above all). When a test crate turns on a new
//! feature, this names it; add it to the `bindery` crate's dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Each package of a `cargo tree` with the feature sets it is built with
/// (a package built for build scripts and macros as well as for the
/// binary may have two).
fn features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--prefix",
            "none",
            "--format",
            "{p}|{f}",
        ])
        .args(args)
        .current_dir(root)
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let Some((package, features)) = line.trim_end_matches(" (*)").split_once('|') else {
            continue;
        };
        packages
            .entry(package.trim().to_owned())
            .or_default()
            .insert(features.trim().to_owned());
    }
    packages
}

#[test]
fn demo_and_tests_build_dependencies_alike() {
    let demo = features(&["-p", "bindery", "-e", "normal,build"]);
    let tests = features(&["-e", "normal,build,dev"]);
    assert!(demo.keys().any(|package| package.starts_with("wasmtime ")));
    let differing: Vec<String> = demo
        .iter()
        .filter(|(package, _)| !package.starts_with("bindery"))
        .filter_map(|(package, builds)| {
            let other = tests.get(package)?;
            let only_demo: Vec<&String> = builds.difference(other).collect();
            (!only_demo.is_empty()).then(|| {
                format!(
                    "{package}: the demo builds it with {only_demo:?}, the tests with {other:?}"
                )
            })
        })
        .collect();
    assert!(
        differing.is_empty(),
        "the demo and the tests would build these twice:\n{}",
        differing.join("\n")
    );
}
