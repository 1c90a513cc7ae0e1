//! Settings kept with their part: in a composed component every part (the
//! binder, the app, each sink and middleware stage) imports
//! `wasi:cli/environment`, and without more they all read the one
//! environment the host gives the component, so the app could read the
//! middleware's webhook secret. Each part is given its own filter instead:
//! a small generated component that imports `wasi:cli/environment` from the
//! host and exports it to the part with only the variables the part owns.
//!
//! The filter is a core module written with wasm-encoder (a bump allocator
//! for the host's copy of the environment, and a loop that keeps the
//! entries whose names match), made a component by [`crate::generated`],
//! and put in front of the part with wac-graph.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemArg,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};

use crate::error::{BoxError, IsolateFailed, LinkError};
use crate::generated::{self, CLI_VERSION};
use crate::graph::{Graph, Part};

/// The interface the filter imports and exports (semver-compatible with
/// every 0.2 part's).
fn cli() -> String {
    format!("wasi:cli/environment@{CLI_VERSION}")
}

/// Which variables a part sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Visible {
    /// Those whose names match one of these.
    Only(Vec<Pattern>),
    /// All but those whose names match one of these.
    AllBut(Vec<Pattern>),
    /// Those whose names start with this, seen without it: a second sink
    /// given `BINDERY_DEAD_LETTER_BINDERY_SENDER_URL` reads it as
    /// `BINDERY_SENDER_URL`, as every sink does.
    Under(String),
}

/// A variable name, or the start of some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// Exactly this name.
    Name(String),
    /// Every name that starts with this.
    Prefix(String),
}

/// `part` with its `wasi:cli/environment` import served by a filter that
/// lets through the variables `visible` says; the result exports what
/// `part` exports and imports the environment from the host. A part that
/// imports no environment is returned as it is.
pub(crate) fn isolate(part: Part<'_>, visible: &Visible) -> Result<Vec<u8>, IsolateFailed> {
    let name = format!("{} {}", part.what, part.name);
    filtered(part, visible).map_err(|source| IsolateFailed {
        part: name,
        source: Box::new(source),
    })
}

/// [`isolate`], with wac-graph's errors as they are.
fn filtered(part: Part<'_>, visible: &Visible) -> Result<Vec<u8>, LinkError> {
    let mut graph = Graph::new();
    // A part that cannot be read is left as it is: the step that uses it
    // says what is wrong with it.
    let Ok(parsed) = graph.parse("bindery:part", part) else {
        return Ok(part.bytes.to_vec());
    };
    let reads_environment = parsed
        .world
        .imports
        .iter()
        .any(|import| import.starts_with("wasi:cli/environment@0.2"));
    if !reads_environment {
        return Ok(part.bytes.to_vec());
    }
    let filter = filter(visible).map_err(LinkError::Virtualize)?;
    let filter = graph
        .parse(
            "bindery:environment",
            Part {
                what: "generated",
                name: "environment filter",
                bytes: &filter,
            },
        )
        .map_err(|error| LinkError::Virtualize(error.into()))?;
    graph.provide(parsed, filter)
}

/// The filter component for `visible`.
fn filter(visible: &Visible) -> Result<Vec<u8>, BoxError> {
    let cli = cli();
    let body = format!("    import {cli};\n    export {cli};\n");
    generated::component("environment-filter", &body, core_module(visible))
}

/// Where the host writes an imported function's result.
const RETURN_IN: i32 = 8;
/// Where the filtered list is returned from.
const RETURN_OUT: i32 = 16;
/// Where `get-arguments` and `initial-cwd` results pass through.
const RETURN_PASS: i32 = 32;
/// Where the table of patterns starts: `(offset, length, is prefix)` each.
const TABLE: i32 = 64;

/// The core module: imports the host's three functions, exports the
/// filtered ones, `cabi_realloc` and its memory.
fn core_module(visible: &Visible) -> Vec<u8> {
    let under;
    let (patterns, keep_matching, strip) = match visible {
        Visible::Only(patterns) => (&patterns[..], 1, 0),
        Visible::AllBut(patterns) => (&patterns[..], 0, 0),
        Visible::Under(prefix) => {
            under = [Pattern::Prefix(prefix.clone())];
            (&under[..], 1, prefix.len() as i32)
        }
    };
    // The table, then the patterns' bytes, then the heap.
    let mut data = Vec::new();
    let bytes_at = TABLE as u32 + 12 * patterns.len() as u32;
    let mut bytes = Vec::new();
    for pattern in patterns {
        let (text, prefix) = match pattern {
            Pattern::Name(name) => (name, 0u32),
            Pattern::Prefix(prefix) => (prefix, 1),
        };
        for word in [bytes_at + bytes.len() as u32, text.len() as u32, prefix] {
            data.extend_from_slice(&word.to_le_bytes());
        }
        bytes.extend_from_slice(text.as_bytes());
    }
    data.extend_from_slice(&bytes);
    let heap_base = (TABLE as u32 + data.len() as u32).next_multiple_of(8) as i32;
    let count = patterns.len() as i32;

    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], []); // 0: imported, with a return pointer
    types.ty().function([], [ValType::I32]); // 1: exported, returns a pointer
    types.ty().function([ValType::I32; 4], [ValType::I32]); // 2: cabi_realloc
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]); // 3: matches

    let cli = cli();
    let mut imports = ImportSection::new();
    for name in ["get-environment", "get-arguments", "initial-cwd"] {
        imports.import(&cli, name, EntityType::Function(0));
    }
    // Functions 0..=2 are imported; 3: cabi_realloc, 4: matches,
    // 5: get-environment, 6: get-arguments, 7: initial-cwd.
    let mut functions = FunctionSection::new();
    for ty in [2, 3, 1, 1, 1] {
        functions.function(ty);
    }
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(heap_base),
    );
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("cabi_realloc", ExportKind::Func, 3);
    exports.export(&format!("{cli}#get-environment"), ExportKind::Func, 5);
    exports.export(&format!("{cli}#get-arguments"), ExportKind::Func, 6);
    exports.export(&format!("{cli}#initial-cwd"), ExportKind::Func, 7);

    let mut code = CodeSection::new();
    code.function(&realloc());
    code.function(&matches(count));
    code.function(&get_environment(heap_base, keep_matching, strip));
    code.function(&pass_through(heap_base, 1));
    code.function(&pass_through(heap_base, 2));

    let mut segments = DataSection::new();
    segments.active(0, &ConstExpr::i32_const(TABLE), data);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&globals)
        .section(&exports)
        .section(&code)
        .section(&segments);
    module.finish()
}

fn load(offset: u64) -> Instruction<'static> {
    Instruction::I32Load(MemArg {
        offset,
        align: 2,
        memory_index: 0,
    })
}

fn load_byte() -> Instruction<'static> {
    Instruction::I32Load8U(MemArg {
        offset: 0,
        align: 0,
        memory_index: 0,
    })
}

fn store(offset: u64) -> Instruction<'static> {
    Instruction::I32Store(MemArg {
        offset,
        align: 2,
        memory_index: 0,
    })
}

/// `cabi_realloc(old, old_size, align, new_size)`: a bump allocation from
/// the heap global, growing the memory as needed, with the old bytes
/// copied.
fn realloc() -> Function {
    use Instruction::*;
    // Locals: 4 = the new pointer, 5 = the new heap end.
    let mut f = Function::new([(2, ValType::I32)]);
    for instruction in [
        // pointer = (heap + align - 1) & -align
        GlobalGet(0),
        LocalGet(2),
        I32Add,
        I32Const(1),
        I32Sub,
        I32Const(0),
        LocalGet(2),
        I32Sub,
        I32And,
        LocalTee(4),
        LocalGet(3),
        I32Add,
        LocalTee(5),
        GlobalSet(0),
        // Grow while the heap end is past the memory.
        Block(BlockType::Empty),
        Loop(BlockType::Empty),
        LocalGet(5),
        MemorySize(0),
        I32Const(16),
        I32Shl,
        I32LeU,
        BrIf(1),
        I32Const(1),
        MemoryGrow(0),
        I32Const(-1),
        I32Eq,
        If(BlockType::Empty),
        Unreachable,
        End,
        Br(0),
        End,
        End,
        // Copy the old bytes, if any.
        LocalGet(0),
        If(BlockType::Empty),
        LocalGet(4),
        LocalGet(0),
        LocalGet(1),
        LocalGet(3),
        LocalGet(1),
        LocalGet(3),
        I32LtU,
        Select,
        MemoryCopy {
            src_mem: 0,
            dst_mem: 0,
        },
        End,
        LocalGet(4),
        End,
    ] {
        f.instruction(&instruction);
    }
    f
}

/// `matches(name, length)`: whether a pattern of the table matches the
/// name.
fn matches(count: i32) -> Function {
    use Instruction::*;
    // Locals: 2 = entry address, 3 = pattern offset, 4 = pattern length,
    // 5 = index into the bytes, 6 = entries left.
    let mut f = Function::new([(5, ValType::I32)]);
    for instruction in [
        I32Const(TABLE),
        LocalSet(2),
        I32Const(count),
        LocalSet(6),
        Block(BlockType::Empty),
        Loop(BlockType::Empty),
        // No entry left: no match.
        LocalGet(6),
        I32Eqz,
        BrIf(1),
        LocalGet(2),
        load(0),
        LocalSet(3),
        LocalGet(2),
        load(4),
        LocalSet(4),
        // The lengths must fit: equal for a name, at least for a prefix.
        Block(BlockType::Empty),
        LocalGet(2),
        load(8),
        If(BlockType::Result(ValType::I32)),
        LocalGet(1),
        LocalGet(4),
        I32LtU,
        Else,
        LocalGet(1),
        LocalGet(4),
        I32Ne,
        End,
        BrIf(0),
        // Compare the bytes.
        I32Const(0),
        LocalSet(5),
        Block(BlockType::Empty),
        Loop(BlockType::Empty),
        LocalGet(5),
        LocalGet(4),
        I32GeU,
        BrIf(1),
        LocalGet(0),
        LocalGet(5),
        I32Add,
        load_byte(),
        LocalGet(3),
        LocalGet(5),
        I32Add,
        load_byte(),
        I32Ne,
        BrIf(2),
        LocalGet(5),
        I32Const(1),
        I32Add,
        LocalSet(5),
        Br(0),
        End,
        End,
        // Every byte matched.
        I32Const(1),
        Return,
        End,
        // The next entry.
        LocalGet(2),
        I32Const(12),
        I32Add,
        LocalSet(2),
        LocalGet(6),
        I32Const(1),
        I32Sub,
        LocalSet(6),
        Br(0),
        End,
        End,
        I32Const(0),
        End,
    ] {
        f.instruction(&instruction);
    }
    f
}

/// `get-environment`: the host's list, with the entries kept whose names
/// match (`keep_matching` 1) or do not match (0) the table, in place, and
/// the first `strip` bytes of each kept name left out.
fn get_environment(heap_base: i32, keep_matching: i32, strip: i32) -> Function {
    use Instruction::*;
    // Locals: 0 = list address, 1 = entries, 2 = index, 3 = kept,
    // 4 = entry address.
    let mut f = Function::new([(5, ValType::I32)]);
    // The kept entry, at `list + kept * 16`: its name starts `strip` bytes
    // later and is as much shorter.
    let strip_name = [
        LocalGet(0),
        LocalGet(3),
        I32Const(16),
        I32Mul,
        I32Add,
        LocalTee(4),
        LocalGet(4),
        load(0),
        I32Const(strip),
        I32Add,
        store(0),
        LocalGet(4),
        LocalGet(4),
        load(4),
        I32Const(strip),
        I32Sub,
        store(4),
    ];
    let strip_name = if strip > 0 { &strip_name[..] } else { &[] };
    let instructions = [
        I32Const(heap_base),
        GlobalSet(0),
        I32Const(RETURN_IN),
        Call(0),
        I32Const(RETURN_IN),
        load(0),
        LocalSet(0),
        I32Const(RETURN_IN),
        load(4),
        LocalSet(1),
        Block(BlockType::Empty),
        Loop(BlockType::Empty),
        LocalGet(2),
        LocalGet(1),
        I32GeU,
        BrIf(1),
        LocalGet(0),
        LocalGet(2),
        I32Const(16),
        I32Mul,
        I32Add,
        LocalTee(4),
        load(0),
        LocalGet(4),
        load(4),
        Call(4),
        I32Const(keep_matching),
        I32Eq,
        If(BlockType::Empty),
        LocalGet(0),
        LocalGet(3),
        I32Const(16),
        I32Mul,
        I32Add,
        LocalGet(4),
        I32Const(16),
        MemoryCopy {
            src_mem: 0,
            dst_mem: 0,
        },
    ];
    let kept = [
        LocalGet(3),
        I32Const(1),
        I32Add,
        LocalSet(3),
        End,
        LocalGet(2),
        I32Const(1),
        I32Add,
        LocalSet(2),
        Br(0),
        End,
        End,
        I32Const(RETURN_OUT),
        LocalGet(0),
        store(0),
        I32Const(RETURN_OUT),
        LocalGet(3),
        store(4),
        I32Const(RETURN_OUT),
        End,
    ];
    for instruction in instructions.iter().chain(strip_name).chain(&kept) {
        f.instruction(instruction);
    }
    f
}

/// An export that returns what the imported function `import` returns.
fn pass_through(heap_base: i32, import: u32) -> Function {
    use Instruction::*;
    let mut f = Function::new([]);
    for instruction in [
        I32Const(heap_base),
        GlobalSet(0),
        I32Const(RETURN_PASS),
        Call(import),
        I32Const(RETURN_PASS),
        End,
    ] {
        f.instruction(&instruction);
    }
    f
}
