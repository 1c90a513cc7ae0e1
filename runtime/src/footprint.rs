//! How much of the pooling allocator one instance of a component takes: its
//! core instances, linear memories and tables, read from the component's
//! bytes before the engine is made, so that the pool holds an instance of
//! the largest component for every instance slot. (A component made of
//! several nested components holds core instances for each of them; a
//! pool sized for a small one ran out of core instances with slots still
//! free.)
//!
//! wasmtime adds core instances of its own where nested components call
//! each other (the fused adapters), which the bytes do not show: the count is
//! doubled for them, and an instance that still finds no room waits for it
//! ([`Linked::instantiate`](crate::linked::Linked::instantiate)).

use wasmparser::{Instance, Parser, Payload};

/// The parts of the pool one instance takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Footprint {
    /// Core module instances.
    pub(crate) core_instances: u32,
    /// Linear memories defined (not imported).
    pub(crate) memories: u32,
    /// Tables defined (not imported).
    pub(crate) tables: u32,
}

impl Default for Footprint {
    /// The least the pool is sized for, whatever the components: eight
    /// core instances, four memories and eight tables an instance.
    fn default() -> Self {
        Self {
            core_instances: 8,
            memories: 4,
            tables: 8,
        }
    }
}

impl Footprint {
    /// What one instance of the component in `bytes` takes, counting every
    /// core instantiation (twice, for wasmtime's adapters), memory and table
    /// of it and of the components nested in it; a component that cannot be
    /// read counts as nothing (compiling it reports why).
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let mut footprint = Self {
            core_instances: 0,
            memories: 0,
            tables: 0,
        };
        for payload in Parser::new(0).parse_all(bytes) {
            let Ok(payload) = payload else {
                break;
            };
            match payload {
                Payload::InstanceSection(instances) => {
                    let instantiations = instances
                        .into_iter()
                        .filter(|instance| matches!(instance, Ok(Instance::Instantiate { .. })))
                        .count();
                    footprint.core_instances += instantiations as u32;
                }
                Payload::MemorySection(memories) => footprint.memories += memories.count(),
                Payload::TableSection(tables) => footprint.tables += tables.count(),
                _ => {}
            }
        }
        footprint.core_instances = footprint.core_instances.saturating_mul(2);
        footprint
    }

    /// The larger of the two in each part.
    pub(crate) fn max(self, other: Self) -> Self {
        Self {
            core_instances: self.core_instances.max(other.core_instances),
            memories: self.memories.max(other.memories),
            tables: self.tables.max(other.tables),
        }
    }
}
