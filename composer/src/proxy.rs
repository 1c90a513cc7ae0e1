//! `--world proxy`: an output that imports nothing outside
//! `wasi:http/proxy@0.2.x`. The composed component's `wasi:cli` imports
//! beyond the proxy world (the environment, exit and the terminals, which
//! Rust's std and the binder's settings bring in) are satisfied inside the
//! composition by a small generated component, the way WASI-Virt
//! virtualises them: the environment is the served component's, fixed at
//! compose time; `exit` traps; there are no terminals.
//!
//! The generated component is a core module written with wasm-encoder
//! (static data and functions that return it by the canonical ABI), given
//! its world with wit-component and linked in with wac-graph.

use std::collections::BTreeMap;

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection,
    Instruction, MemorySection, MemoryType, Module, TypeSection, ValType,
};

use bindery_manifest::ComponentId;

use crate::error::{BoxError, LinkError, ProxyError};
use crate::generated::{self, CLI_VERSION};
use crate::graph::{Graph, Part};
use crate::output::OutputComponent;
use crate::world::split_version;

/// The interfaces of `wasi:http/proxy@0.2`'s imports, without versions.
const PROXY_IMPORTS: [&str; 11] = [
    "wasi:http/types",
    "wasi:http/outgoing-handler",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
];

/// What the generated component exports, at the version of `wit/deps`.
const VIRTUALIZED: [&str; 7] = [
    "environment",
    "exit",
    "terminal-input",
    "terminal-output",
    "terminal-stdin",
    "terminal-stdout",
    "terminal-stderr",
];

/// Whether `import` belongs to the `wasi:http/proxy` world (at some 0.2
/// version).
pub fn in_proxy_world(import: &str) -> bool {
    let (name, version) = split_version(import);
    version.is_some_and(|version| version.major == 0 && version.minor == 2)
        && PROXY_IMPORTS.contains(&name)
}

/// `out`, the composed component `id`, with its `wasi:cli` imports outside
/// the proxy world satisfied inside it, `environment` fixed; an error if
/// any other import outside the proxy world remains.
pub(crate) fn proxy_only(
    out: OutputComponent,
    id: &ComponentId,
    environment: &BTreeMap<String, String>,
) -> Result<OutputComponent, ProxyError> {
    let name = format!("component `{id}`");
    let failed = |source| ProxyError::Virtualize {
        component: id.to_string(),
        source: Box::new(source),
    };
    let virt = virtual_cli(environment)
        .map_err(LinkError::Virtualize)
        .map_err(failed)?;
    let mut graph = Graph::new();
    let virt = graph.parse(
        "bindery:virtual-cli",
        Part {
            what: "generated",
            name: "virtual wasi:cli",
            bytes: &virt,
        },
    )?;
    let composed = graph.parse(
        "bindery:composed",
        Part {
            what: "output",
            name: &name,
            bytes: &out.bytes,
        },
    )?;
    let bytes = graph.provide(composed, virt).map_err(failed)?;
    let virtualized = OutputComponent::read(bytes, format!("the proxy-only output of {name}"))?;
    let outside: Vec<String> = virtualized
        .world
        .imports
        .iter()
        .filter(|import| !in_proxy_world(import))
        .cloned()
        .collect();
    if !outside.is_empty() {
        return Err(ProxyError::NotProxy {
            component: id.to_string(),
            imports: outside,
        });
    }
    Ok(OutputComponent {
        provenance: out.provenance,
        settings_inside: true,
        ..virtualized
    })
}

/// The generated component: `environment` returned by
/// `get-environment`, no arguments, no initial directory, no terminals,
/// and an `exit` that traps.
fn virtual_cli(environment: &BTreeMap<String, String>) -> Result<Vec<u8>, BoxError> {
    let exports: String = VIRTUALIZED
        .iter()
        .map(|name| format!("    export wasi:cli/{name}@{CLI_VERSION};\n"))
        .collect();
    generated::component("virtual-cli", &exports, core_module(environment))
}

/// The core module: one memory holding the environment's strings, their
/// `(ptr, len, ptr, len)` tuples and the return areas, and the functions
/// that return them.
fn core_module(environment: &BTreeMap<String, String>) -> Vec<u8> {
    // Offset 0 is left unused; the layout starts at 8.
    let mut data = vec![0u8; 8];
    let mut tuples = Vec::new();
    for (name, value) in environment {
        let place = |text: &str, data: &mut Vec<u8>| {
            let at = data.len() as u32;
            data.extend_from_slice(text.as_bytes());
            (at, text.len() as u32)
        };
        let (name_at, name_len) = place(name, &mut data);
        let (value_at, value_len) = place(value, &mut data);
        tuples.extend([name_at, name_len, value_at, value_len]);
    }
    let align = |data: &mut Vec<u8>| data.resize(data.len().next_multiple_of(8), 0);
    align(&mut data);
    let tuples_at = data.len() as u32;
    for word in &tuples {
        data.extend_from_slice(&word.to_le_bytes());
    }
    align(&mut data);
    // `list<tuple<string, string>>`: (ptr, len).
    let environment_at = data.len() as i32;
    data.extend_from_slice(&tuples_at.to_le_bytes());
    data.extend_from_slice(&(environment.len() as u32).to_le_bytes());
    // An empty list, and a `none` (tag 0) of any option: zeros.
    let empty_at = data.len() as i32;
    data.extend_from_slice(&[0u8; 16]);
    let pages = (data.len() as u64).div_ceil(65536).max(1);

    let cli =
        |interface: &str, function: &str| format!("wasi:cli/{interface}@{CLI_VERSION}#{function}");
    // (export name, parameters, the pointer it returns or None to trap)
    let functions: Vec<(String, &[ValType], Option<i32>)> = vec![
        (
            cli("environment", "get-environment"),
            &[],
            Some(environment_at),
        ),
        (cli("environment", "get-arguments"), &[], Some(empty_at)),
        (cli("environment", "initial-cwd"), &[], Some(empty_at)),
        (cli("exit", "exit"), &[ValType::I32], None),
        (cli("exit", "exit-with-code"), &[ValType::I32], None),
        (
            cli("terminal-stdin", "get-terminal-stdin"),
            &[],
            Some(empty_at),
        ),
        (
            cli("terminal-stdout", "get-terminal-stdout"),
            &[],
            Some(empty_at),
        ),
        (
            cli("terminal-stderr", "get-terminal-stderr"),
            &[],
            Some(empty_at),
        ),
    ];

    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    types.ty().function([ValType::I32], []);
    let mut declared = FunctionSection::new();
    let mut exports = ExportSection::new();
    let mut code = CodeSection::new();
    for (index, (name, parameters, returns)) in functions.iter().enumerate() {
        declared.function(if parameters.is_empty() { 0 } else { 1 });
        exports.export(name, ExportKind::Func, index as u32);
        let mut body = Function::new([]);
        match returns {
            Some(pointer) => body.instruction(&Instruction::I32Const(*pointer)),
            None => body.instruction(&Instruction::Unreachable),
        };
        body.instruction(&Instruction::End);
        code.function(&body);
    }
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: pages,
        maximum: Some(pages),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    exports.export("memory", ExportKind::Memory, 0);
    let mut segments = DataSection::new();
    segments.active(0, &ConstExpr::i32_const(0), data);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&declared)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&segments);
    module.finish()
}
