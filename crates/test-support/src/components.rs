//! Materialises a composer case folder: `.wit` inputs become components
//! or core modules, other files are copied. Shared by the composer's cases
//! and the CLI's tests, which run the same folders through `bindery`.

use std::path::Path;

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
pub fn materialize(case: &Path) -> anyhow::Result<tempfile::TempDir> {
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

/// The folder that holds the cases, one folder each.
pub fn cases_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../composer/tests/cases")
}
