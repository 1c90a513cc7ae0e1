//! Components bindery writes itself: a core module made with wasm-encoder,
//! given a world over the repository's WASI 0.2 WIT with wit-component.
//! The virtual `wasi:cli` of `--world proxy` and each part's environment
//! filter are made this way.

use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::error::BoxError;

/// The version of the `wasi:cli` package in `wit/deps`.
pub(crate) const CLI_VERSION: &str = "0.2.12";

/// The WASI 0.2 packages the generated worlds refer to, in an order in
/// which each refers only to those before it.
const WASI: [&str; 6] = [
    include_str!("../../wit/deps/io.wit"),
    include_str!("../../wit/deps/clocks.wit"),
    include_str!("../../wit/deps/random.wit"),
    include_str!("../../wit/deps/filesystem.wit"),
    include_str!("../../wit/deps/sockets.wit"),
    include_str!("../../wit/deps/cli.wit"),
];

/// The component of `module`, whose world is `world` in the package
/// `bindery:<world>` with the lines `body` (imports and exports of WASI
/// interfaces).
pub(crate) fn component(world: &str, body: &str, mut module: Vec<u8>) -> Result<Vec<u8>, BoxError> {
    let mut resolve = Resolve::default();
    for text in WASI {
        resolve.push_str("wasi.wit", text)?;
    }
    let package = resolve.push_str(
        format!("{world}.wit"),
        &format!("package bindery:{world};\n\nworld {world} {{\n{body}}}\n"),
    )?;
    let selected = resolve.select_world(&[package], Some(world))?;
    wit_component::embed_component_metadata(&mut module, &resolve, selected, StringEncoding::UTF8)?;
    Ok(ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()?)
}
