//! Data-driven composition cases, in the style of wac-graph's `tests/graphs`.
//!
//! Each folder under `tests/cases/` holds a `spin.toml` and its inputs:
//! - `<name>.wit` becomes `<name>.wasm`, a dummy component of the file's
//!   world (`wit_component::dummy_module`, `embed_component_metadata`,
//!   `ComponentEncoder`), so no guest is compiled;
//! - `<name>.core.wit` becomes `<name>.wasm`, a core module;
//! - any other file is copied as it is.
//!
//! A case expects `output.txt` (the world of each output component, the
//! warnings and the output manifest) or `error.txt` (the error message, with
//! the case folder written as `$CASE`). `BLESS=1 cargo test` rewrites them.

use std::path::Path;

use bindery_composer::{ComposeOptions, compose};
use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// Builds the wasm file a `.wit` input stands for.
fn build_input(wit: &Path, core: bool) -> anyhow::Result<Vec<u8>> {
    let mut resolve = Resolve::new();
    let package = resolve.push_file(wit)?;
    let world = resolve.select_world(&[package], None)?;
    let mut module = dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)?;
    if core {
        return Ok(module);
    }
    ComponentEncoder::default().module(&module)?.validate(true).encode()
}

fn run_case(case: &Path) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    for entry in std::fs::read_dir(case)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "output.txt" || name == "error.txt" {
            continue;
        }
        match name.strip_suffix(".core.wit").map(|stem| (stem, true)).or(name.strip_suffix(".wit").map(|stem| (stem, false))) {
            Some((stem, core)) => std::fs::write(work.path().join(format!("{stem}.wasm")), build_input(&path, core)?)?,
            None => {
                std::fs::copy(&path, work.path().join(&name))?;
            }
        }
    }
    let out = work.path().join("out");
    let options = ComposeOptions {
        cache_dir: work.path().join("cache"),
    };
    let (expected_file, actual) = match compose(&work.path().join("spin.toml"), &options) {
        Ok(app) => {
            app.write(&out)?;
            let mut text = String::new();
            for (id, component) in &app.components {
                text.push_str(&format!("component {id}: {:?}\n", component.world.kind(component.provenance.is_some())));
                for import in &component.world.imports {
                    text.push_str(&format!("  import {import}\n"));
                }
                for export in &component.world.exports {
                    text.push_str(&format!("  export {export}\n"));
                }
                assert_eq!(std::fs::read(out.join(format!("{id}.wasm")))?, component.bytes);
            }
            for warning in &app.warnings {
                text.push_str(&format!("warning: {warning}\n"));
            }
            text.push_str("--- spin.toml\n");
            text.push_str(&std::fs::read_to_string(out.join("spin.toml"))?);
            ("output.txt", text)
        }
        Err(error) => {
            assert!(!out.exists(), "a failed composition must write nothing");
            let message = error.to_string().replace(&work.path().display().to_string(), "$CASE");
            ("error.txt", format!("{message}\n"))
        }
    };
    let expected_path = case.join(expected_file);
    if std::env::var_os("BLESS").is_some() {
        for stale in ["output.txt", "error.txt"] {
            let _ = std::fs::remove_file(case.join(stale));
        }
        std::fs::write(&expected_path, &actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).map_err(|_| {
        anyhow::anyhow!("expected {}, which does not exist; got:\n{actual}", expected_path.display())
    })?;
    anyhow::ensure!(expected == actual, "{}:\n--- expected\n{expected}--- actual\n{actual}", expected_path.display());
    Ok(())
}

#[test]
fn compose_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|entry| entry.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 15, "found only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| run_case(case).err().map(|err| format!("{}: {err:#}", case.file_name().unwrap().to_string_lossy())))
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}
