//! Event stages: the components of a binder executor's `stages` (and the
//! filter its `types`/`filters` shorthand makes), linked between the app
//! and its binder. Each imports and exports `bindery:cloudevents/handler`;
//! the first is what the binder calls, the last calls the app.

use std::path::Path;

use bindery_manifest::{AppManifest, ComponentId, Stage};

use crate::binder::StageKind;
use crate::error::EventStageError;
use crate::graph::Part;
use crate::stages::{self, Resolved, link_chain};
use crate::world::split_version;

/// The application protocol's handler, which a stage imports and exports.
const HANDLER: &str = "bindery:cloudevents/handler";

/// Finds, reads or downloads every stage of `chain`, and checks that each
/// imports and exports `bindery:cloudevents/handler`.
pub(crate) fn resolve(
    chain: &[Stage],
    manifest: &AppManifest,
    manifest_path: &Path,
    cache_dir: &Path,
) -> Result<Vec<Resolved>, EventStageError> {
    let stages = stages::resolve(StageKind::Event, chain, manifest, manifest_path, cache_dir)?;
    for stage in &stages {
        check(stage)?;
    }
    Ok(stages)
}

/// Checks that a stage both imports and exports the handler.
fn check(stage: &Resolved) -> Result<(), EventStageError> {
    let name = stage.component.to_string();
    let world = Part {
        what: "event stage",
        name: &name,
        bytes: &stage.component.bytes,
    }
    .world()?;
    let is_handler = |name: &String| split_version(name).0 == HANDLER;
    if world.exports.iter().any(is_handler) && world.imports.iter().any(is_handler) {
        return Ok(());
    }
    Err(EventStageError::NotAStage {
        stage: name,
        imports: world.imports,
        exports: world.exports,
    })
}

/// The app of component `id` (its bytes, its dependencies linked) behind
/// the event `stages`, outermost first: what the binder is then plugged
/// into.
pub(crate) fn put_in_front(
    stages: &[Resolved],
    app: Vec<u8>,
    id: &ComponentId,
) -> Result<Vec<u8>, EventStageError> {
    if stages.is_empty() {
        return Ok(app);
    }
    let app_name = format!("the app of component `{id}`");
    link_chain::<EventStageError>(stages, "event stage", app, &app_name)
}
