//! Data-driven composition cases, in the style of wac-graph's `tests/graphs`,
//! one test per folder.
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

use std::path::Path;

use bindery_composer::{ComposeOptions, compose};
use bindery_test_support::cases::{self, expect};
use bindery_test_support::components::{cases_root, materialize};

fn main() {
    cases::run(&cases_root(), "", 15, run_case)
}

fn run_case(case: &Path) -> anyhow::Result<()> {
    let work = materialize(case)?;
    let out = work.path().join("out");
    let options = ComposeOptions {
        cache_dir: work.path().join("cache"),
        world: Default::default(),
        wasmcloud: Default::default(),
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
                anyhow::ensure!(
                    std::fs::read(out.join(format!("{id}.wasm")))? == component.bytes,
                    "{id}.wasm was not written as composed"
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
            anyhow::ensure!(!out.exists(), "a failed composition must write nothing");
            let message = format!("{:#}", anyhow::Error::from(error))
                .replace(&work.path().display().to_string(), "$CASE");
            ("error.txt", format!("{message}\n"))
        }
    };
    let other = if expected_file == "output.txt" {
        "error.txt"
    } else {
        "output.txt"
    };
    expect(&case.join(expected_file), &actual, &[&case.join(other)])
}
