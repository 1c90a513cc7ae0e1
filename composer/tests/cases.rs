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

use std::path::Path;

use bindery_composer::{ComposeOptions, compose};
use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// What a `.wit` input becomes.
#[derive(Clone, Copy, PartialEq)]
enum Input {
    Component,
    CoreModule,
    InvalidCode,
}

/// Builds the wasm file a `.wit` input stands for.
fn build_input(wit: &Path, input: Input) -> anyhow::Result<Vec<u8>> {
    let mut resolve = Resolve::new();
    let package = resolve.push_file(wit)?;
    let world = resolve.select_world(&[package], None)?;
    let mut module = dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
    if input == Input::InvalidCode {
        break_first_function(&mut module)?;
    }
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)?;
    if input == Input::CoreModule {
        return Ok(module);
    }
    ComponentEncoder::default()
        .module(&module)?
        .validate(input == Input::Component)
        .encode()
}

/// Turns the dummy module's first function body, `unreachable`, into
/// `i32.add`, which pops two values from an empty stack.
fn break_first_function(module: &mut [u8]) -> anyhow::Result<()> {
    const UNREACHABLE: u8 = 0x00;
    const I32_ADD: u8 = 0x6a;
    let mut first = None;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload? {
            first = Some(usize::try_from(body.range().start)?);
            break;
        }
    }
    // A body starts with its local count (none here), then its first opcode.
    let opcode = first.ok_or_else(|| anyhow::anyhow!("the dummy module has no function"))? + 1;
    anyhow::ensure!(module[opcode] == UNREACHABLE, "unexpected dummy body");
    module[opcode] = I32_ADD;
    Ok(())
}

/// Copies a case's inputs into a fresh folder, building the `.wit` ones.
fn materialize(case: &Path) -> anyhow::Result<tempfile::TempDir> {
    let work = tempfile::tempdir()?;
    for entry in std::fs::read_dir(case)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "output.txt" || name == "error.txt" {
            continue;
        }
        let input = [
            (".core.wit", Input::CoreModule),
            (".invalid-code.wit", Input::InvalidCode),
            (".wit", Input::Component),
        ]
        .into_iter()
        .find_map(|(suffix, input)| Some((name.strip_suffix(suffix)?, input)));
        match input {
            Some((stem, input)) => std::fs::write(
                work.path().join(format!("{stem}.wasm")),
                build_input(&path, input)?,
            )?,
            None => {
                std::fs::copy(&path, work.path().join(&name))?;
            }
        }
    }
    Ok(work)
}

fn run_case(case: &Path) -> anyhow::Result<()> {
    let work = materialize(case)?;
    let out = work.path().join("out");
    let options = ComposeOptions {
        cache_dir: work.path().join("cache"),
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
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

fn bindery(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bindery"))
        .args(args)
        .current_dir(dir)
        .env("BINDERY_CACHE_DIR", dir.join("cache"))
        .output()
        .unwrap()
}

fn case_dir(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name)
}

#[test]
fn cli_compose_then_inspect() {
    let work = materialize(&case_dir("success-exact")).unwrap();
    let composed = bindery(&["compose", "--verbose"], work.path());
    assert!(
        composed.status.success(),
        "{}",
        String::from_utf8_lossy(&composed.stderr)
    );
    let stdout = String::from_utf8_lossy(&composed.stdout);
    assert!(
        stdout.contains(".bindery/app.wasm") && stdout.contains(".bindery/spin.toml"),
        "{stdout}"
    );
    let inspected = bindery(&["inspect", ".bindery/app.wasm", "--json"], work.path());
    assert!(inspected.status.success());
    let report: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(report["kind"], "composed-app");
    assert_eq!(report["exports"][0], "wasi:http/incoming-handler@0.2.3");
    assert_eq!(report["provenance"]["binder"]["name"], "binder");
    let text = bindery(&["inspect", "binder.wasm"], work.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("kind: binder") && text.contains("  proto:events/handler@0.1.0"),
        "{text}"
    );
}

#[test]
fn cli_errors_exit_non_zero_name_the_file_and_write_nothing() {
    for case in [
        "error-missing-export",
        "error-unknown-field",
        "error-core-module",
    ] {
        let work = materialize(&case_dir(case)).unwrap();
        let output = bindery(&["compose", "spin.toml", "--out", "out"], work.path());
        assert_eq!(output.status.code(), Some(1), "{case}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = std::fs::read_to_string(case_dir(case).join("error.txt")).unwrap();
        let expected = expected.trim().replace("$CASE/", "");
        assert_eq!(stderr.trim(), format!("error: {expected}"), "{case}");
        assert!(
            !work.path().join("out").exists(),
            "{case}: nothing is written"
        );
    }
    let missing = bindery(
        &["compose", "nowhere.toml"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nowhere.toml"));
}

#[test]
fn cli_help_explains_every_option() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compose = String::from_utf8(bindery(&["compose", "--help"], dir).stdout).unwrap();
    for needle in [
        "[MANIFEST]",
        "spin.toml",
        "--out",
        ".bindery",
        "--verbose",
        "executor",
        "digest",
    ] {
        assert!(
            compose.contains(needle),
            "compose --help lacks {needle}:\n{compose}"
        );
    }
    let inspect = String::from_utf8(bindery(&["inspect", "--help"], dir).stdout).unwrap();
    for needle in ["<FILE>", "--json"] {
        assert!(
            inspect.contains(needle),
            "inspect --help lacks {needle}:\n{inspect}"
        );
    }
}
