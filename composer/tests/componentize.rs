//! `bindery componentize` over modules made from the repository's WIT.

use std::path::Path;

use bindery_composer::ComponentWorld;
use bindery_composer::componentize::{Adapter, ComponentizeError, WitSource, componentize};
use wit_component::dummy_module;
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

fn wit_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")
}

/// A core module with the imports and exports of `world` and no
/// `component-type` section, as a bindings generator that leaves the WIT
/// to the caller would give.
fn bare_module(world: &str) -> Vec<u8> {
    let mut resolve = Resolve::new();
    let (package, _) = resolve.push_path(wit_dir()).unwrap();
    let world = resolve.select_world(&[package], Some(world)).unwrap();
    dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync))
}

fn binder_wit() -> WitSource {
    WitSource {
        path: wit_dir(),
        world: Some("bindery:cloudevents/http-binder".into()),
    }
}

#[test]
fn a_core_module_with_wit_becomes_a_binder_component() {
    let module = bare_module("http-binder");
    let component = componentize(
        Path::new("binder.core.wasm"),
        &module,
        Some(&binder_wit()),
        &Adapter::Auto,
    )
    .unwrap();
    let world = ComponentWorld::of(&component).unwrap();
    assert_eq!(world.exports, ["wasi:http/incoming-handler@0.2.12"]);
    assert!(
        world
            .imports
            .contains(&"bindery:cloudevents/handler@0.1.0".to_owned()),
        "{:?}",
        world.imports
    );
}

#[test]
fn bad_inputs_are_named() {
    let module = bare_module("http-binder");
    let path = Path::new("in.wasm");
    let error = componentize(path, &module, None, &Adapter::Auto).unwrap_err();
    assert!(
        matches!(error, ComponentizeError::Encode { .. }),
        "a module without a world and without --wit: {error}"
    );

    let component = componentize(path, &module, Some(&binder_wit()), &Adapter::Auto).unwrap();
    let error = componentize(path, &component, None, &Adapter::Auto).unwrap_err();
    assert_eq!(error.to_string(), "in.wasm: is already a component");

    let error = componentize(path, b"not wasm", None, &Adapter::Auto).unwrap_err();
    assert_eq!(error.to_string(), "in.wasm: is not a core wasm module");

    let unknown = WitSource {
        path: wit_dir(),
        world: Some("bindery:cloudevents/nope".into()),
    };
    let error = componentize(path, &module, Some(&unknown), &Adapter::Auto).unwrap_err();
    let error = format!("{:#}", anyhow::Error::from(error));
    assert!(error.contains("nope") && error.contains("wit"), "{error}");

    let missing = Adapter::File("no-such-adapter.wasm".into());
    let error = componentize(path, &module, Some(&binder_wit()), &missing).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no-such-adapter.wasm: cannot read the adapter"
    );
}
