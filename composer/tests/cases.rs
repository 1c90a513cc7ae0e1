//! Data-driven composition cases, in the style of wac-graph's `tests/graphs`.
//!
//! Each folder under `tests/cases/` holds a `spin.toml` and its inputs:
//! - `<name>.wit` becomes `<name>.wasm`, a dummy component of the file's
//!   world (`wit_component::dummy_module`, `embed_component_metadata`,
//!   `ComponentEncoder`), so no guest is compiled;
//! - `<name>.core.wit` becomes `<name>.wasm`, a core module;
//! - `<name>.invalid-code.wit` becomes `<name>.wasm`, a component whose first
//!   function adds two values from an empty stack;
//! - any other file is copied as it is.
//!
//! A case expects `output.txt` (the world of each output component, the
//! warnings and the output manifest) or `error.txt` (the error message, with
//! the case folder written as `$CASE`). `BLESS=1 cargo test` rewrites them.

mod support;

use std::path::Path;

use bindery_composer::{ComposeOptions, compose};
use support::case::{cases_root, materialize};

fn run_case(case: &Path) -> anyhow::Result<()> {
    let work = materialize(case)?;
    let out = work.path().join("out");
    let options = ComposeOptions {
        cache_dir: work.path().join("cache"),
        world: Default::default(),
    };
    let (expected_file, actual) = match compose(&work.path().join("spin.toml"), &options) {
        Ok(app) => {
            app.write(&out)?;
            let mut text = String::new();
            for (id, component) in &app.components {
                text.push_str(&format!(
                    "component {id}: {:?}\n",
                    component.world.kind(component.provenance.is_some())
                ));
                for import in &component.world.imports {
                    text.push_str(&format!("  import {import}\n"));
                }
                for export in &component.world.exports {
                    text.push_str(&format!("  export {export}\n"));
                }
                assert_eq!(
                    std::fs::read(out.join(format!("{id}.wasm")))?,
                    component.bytes
                );
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
            let message = format!("{:#}", anyhow::Error::from(error))
                .replace(&work.path().display().to_string(), "$CASE");
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
        anyhow::anyhow!(
            "expected {}, which does not exist; got:\n{actual}",
            expected_path.display()
        )
    })?;
    anyhow::ensure!(
        expected == actual,
        "{}:\n--- expected\n{expected}--- actual\n{actual}",
        expected_path.display()
    );
    Ok(())
}

#[test]
fn compose_cases() {
    let mut cases: Vec<_> = std::fs::read_dir(cases_root())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "found only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_case(case)
                .err()
                .map(|err| format!("{}: {err:#}", case.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
