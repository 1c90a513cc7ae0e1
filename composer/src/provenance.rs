//! The `bindery:provenance` custom section: which binder, which app and
//! which dependencies a composed component was made from, by name and sha256.

use bindery_manifest::Sha256Digest;
use serde::{Deserialize, Serialize};

/// The name of the custom section that records how a component was composed.
pub const PROVENANCE_SECTION: &str = "bindery:provenance";

/// How a composed component came to be, recorded in its
/// [`PROVENANCE_SECTION`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The binder: its name, version and the sha256 of its bytes.
    pub binder: Artifact,
    /// The app: its component id in the manifest and the sha256 of its bytes.
    pub app: Artifact,
    /// The app's build-time dependencies (a sink binder, say), in the order
    /// they were linked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Artifact>,
    /// The middleware stages in front of the binder, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub middleware: Vec<Artifact>,
    /// The event stages between the binder and the app, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Artifact>,
}

/// One input of a composition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The binder's name, or the app's component id.
    pub name: String,
    /// The binder's version (absent for apps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The sha256 of the input bytes.
    pub sha256: Sha256Digest,
}

impl Provenance {
    /// Appends the provenance section to an encoded component.
    pub fn append_to(&self, component: &mut Vec<u8>) {
        let data = serde_json::to_vec(self).expect("provenance always serializes");
        let section = wasm_encoder::CustomSection {
            name: PROVENANCE_SECTION.into(),
            data: data.into(),
        };
        component.push(wasm_encoder::Section::id(&section));
        wasm_encoder::Encode::encode(&section, component);
    }

    /// Reads the provenance section of a component, if it has one at its top
    /// level.
    pub fn read(component: &[u8]) -> Option<Self> {
        let mut depth = 0usize;
        for payload in wasmparser::Parser::new(0).parse_all(component) {
            match payload.ok()? {
                wasmparser::Payload::ModuleSection { .. }
                | wasmparser::Payload::ComponentSection { .. } => {
                    depth += 1;
                }
                wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
                wasmparser::Payload::CustomSection(section)
                    if depth == 0 && section.name() == PROVENANCE_SECTION =>
                {
                    return serde_json::from_slice(section.data()).ok();
                }
                _ => {}
            }
        }
        None
    }
}
