//! Binaryen's optimizer (`wasm-opt`) on the core modules of a built
//! component. rustc and LLVM leave about a sixth of a Rust guest's code
//! that Binaryen's whole-module passes remove (the http-cloudevents binder
//! goes from 224 KB to about 185 KB). The component's other sections are
//! copied as they are, except its `component-name` section, which only
//! names items for debugging.
//!
//! `wasm-opt` comes from Binaryen (Debian: `apt-get install binaryen`), or
//! from `BINDERY_WASM_OPT`. Without it the guests are built unoptimized,
//! with a cargo warning that says so.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

use wasm_encoder::{Component, RawSection};
use wasmparser::{Chunk, Parser, Payload};

/// The WebAssembly features rustc enables for `wasm32-wasip2`, which
/// `wasm-opt` must be told of, and SIMD, which some dependencies use in
/// functions of their own (`#[target_feature(enable = "simd128")]`; the
/// JSON Schema validator of the schema stage, for one) and every host
/// Bindery runs on supports.
const FEATURES: [&str; 7] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
    "--enable-simd",
];

/// The component-level custom section left out of the output.
const NAMES: &str = "component-name";

/// `wasm-opt`, if this machine has it.
pub(crate) fn wasm_opt() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BINDERY_WASM_OPT") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("wasm-opt"))
        .find(|candidate| candidate.is_file())
}

/// Writes `component`, its core modules optimized by `wasm_opt`, to `out`,
/// unless `out` is already newer than `component`.
pub(crate) fn optimize(wasm_opt: &Path, component: &Path, out: &Path) {
    let modified = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
    };
    if modified(out).is_some_and(|out| modified(component).is_some_and(|built| out >= built)) {
        return;
    }
    let bytes = std::fs::read(component)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", component.display()));
    // Build scripts of several packages may optimize the same guest at once:
    // each works in files of its own and renames the result into place.
    let scratch = out.with_extension(format!("{}.module.wasm", std::process::id()));
    let partial = out.with_extension(format!("{}.partial.wasm", std::process::id()));
    let mut output = Component::new();
    for (id, range) in top_level_sections(&bytes, component) {
        let data = &bytes[range];
        if id == wasm_encoder::ComponentSectionId::CoreModule as u8 {
            let optimized = optimize_module(wasm_opt, data, &scratch);
            output.section(&RawSection {
                id,
                data: &optimized,
            });
        } else if !is_custom_named(id, data, NAMES) {
            output.section(&RawSection { id, data });
        }
    }
    let _ = std::fs::remove_file(&scratch);
    std::fs::write(&partial, output.finish())
        .and_then(|()| std::fs::rename(&partial, out))
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", out.display()));
}

/// The id and byte range of each top-level section of a component, nested
/// modules and components included whole.
fn top_level_sections(bytes: &[u8], path: &Path) -> Vec<(u8, Range<usize>)> {
    let invalid = |err: wasmparser::BinaryReaderError| -> ! {
        panic!("{} is not a valid component: {err}", path.display())
    };
    let mut parser = Parser::new(0);
    let mut offset = 0;
    let mut sections = Vec::new();
    loop {
        let (payload, consumed) = match parser.parse(&bytes[offset..], true) {
            Ok(Chunk::Parsed { payload, consumed }) => (payload, consumed),
            Ok(Chunk::NeedMoreData(_)) => unreachable!("the whole file is given"),
            Err(err) => invalid(err),
        };
        offset += consumed;
        if let Payload::End(_) = payload {
            return sections;
        }
        let nested = matches!(
            payload,
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. }
        );
        if let Some((id, range)) = payload.as_section() {
            let range = usize_range(range);
            // The parent parser expects the next section after a nested
            // module or component, whose bytes are not fed to it.
            if nested {
                offset += range.len();
            }
            sections.push((id, range));
        }
    }
}

fn usize_range(range: Range<u64>) -> Range<usize> {
    range.start as usize..range.end as usize
}

fn is_custom_named(id: u8, data: &[u8], name: &str) -> bool {
    id == 0
        && wasmparser::CustomSectionReader::new(wasmparser::BinaryReader::new(data, 0))
            .is_ok_and(|section| section.name() == name)
}

/// `module` through `wasm-opt -O3`, by way of the file `scratch`.
fn optimize_module(wasm_opt: &Path, module: &[u8], scratch: &Path) -> Vec<u8> {
    std::fs::write(scratch, module)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", scratch.display()));
    let output = Command::new(wasm_opt)
        .arg("-O3")
        .args(FEATURES)
        .args(crate::symbols().then_some("--debuginfo"))
        .arg(scratch)
        .arg("-o")
        .arg(scratch)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", wasm_opt.display()));
    assert!(
        output.status.success(),
        "{} failed on a guest module:\n{}",
        wasm_opt.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(scratch).unwrap_or_else(|err| panic!("cannot read {}: {err}", scratch.display()))
}
