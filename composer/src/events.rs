//! Event stages: the components of a binder executor's `stages` (and the
//! filter its `types`/`filters` shorthand makes), linked between the app
//! and its binder. Each imports and exports `bindery:cloudevents/handler`;
//! the first is what the binder calls, the last calls the app.

use std::path::Path;

use bindery_event_schema::Schemas;
use bindery_manifest::{AppManifest, ComponentId, SCHEMA_STAGE, Stage, schema_files};

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
    let mut stages = stages::resolve(StageKind::Event, chain, manifest, manifest_path, cache_dir)?;
    let base = manifest_path.parent().unwrap_or(Path::new("."));
    for (stage, resolved) in chain.iter().zip(&mut stages) {
        check(resolved)?;
        if stage.is_builtin(SCHEMA_STAGE) {
            embed_schemas(stage, resolved, base)?;
        }
    }
    Ok(stages)
}

/// Reads the schema files a built-in `schema` stage names (relative to
/// `base`), checks that each compiles, and gives them to the stage as its
/// setting: the schemas travel inside the composition's settings, and no
/// file is read when serving.
fn embed_schemas(
    stage: &Stage,
    resolved: &mut Resolved,
    base: &Path,
) -> Result<(), EventStageError> {
    let files = schema_files(stage).map_err(EventStageError::SchemaSettings)?;
    let mut schemas = serde_json::Map::new();
    for (key, file) in files {
        let path = base.join(&file);
        let text = std::fs::read(&path).map_err(|source| {
            EventStageError::Resolve(crate::error::ResolveError::Read {
                path: path.clone(),
                what: format!("the schema for `{key}`"),
                source,
            })
        })?;
        let schema: serde_json::Value =
            serde_json::from_slice(&text).map_err(|error| EventStageError::SchemaNotJson {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        let one = serde_json::Value::Object(serde_json::Map::from_iter([(key.clone(), schema)]));
        Schemas::compile(&one).map_err(|source| EventStageError::SchemaInvalid {
            path: path.clone(),
            source,
        })?;
        let serde_json::Value::Object(one) = one else {
            unreachable!("made as an object")
        };
        schemas.extend(one);
    }
    let variable = format!("{}SCHEMAS", stage.prefix());
    resolved.environment = [(variable, serde_json::Value::Object(schemas).to_string())].into();
    Ok(())
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
