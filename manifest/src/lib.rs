//! The Spin v2 application manifest, as Bindery reads it, in two views:
//!
//! - [`AppManifest`], the strict **input** view that `bindery compose`
//!   reads: every field known, component ids validated, and one addition to
//!   Spin's schema, a trigger executor of `type = "binder"`
//!   ([`BinderExecutor`]) that selects a binder;
//! - [`PlainManifest`], the **served** view that a host reads: the routes and
//!   the components behind them, other Spin fields accepted and ignored, and
//!   no executor the host cannot run.
//!
//! ```
//! use bindery_manifest::{AppManifest, Executor};
//!
//! let checked = AppManifest::parse(r#"
//! spin_manifest_version = 2
//! [application]
//! name = "orders"
//! [[trigger.http]]
//! route = "/events"
//! component = "orders"
//! executor = { type = "binder", binder = "http-cloudevents", config = { max-body = 65536 } }
//! [component.orders]
//! source = "orders.wasm"
//! "#).unwrap();
//! let Some(Executor::Binder(binder)) = &checked.manifest.trigger.http[0].executor else { panic!() };
//! assert_eq!(binder.environment()["BINDERY_CONFIG_MAX_BODY"], "65536");
//! assert_eq!(&checked.binders["orders"].executor, binder);
//! ```
#![deny(missing_docs)]

mod broker;
mod checked;
mod config;
mod dependency;
mod digest;
mod error;
mod events;
mod executor;
mod id;
mod input;
mod jetstream;
mod middleware;
mod outbound;
mod plain;
mod reuse;
mod source;
mod sourced;
mod stage;
mod subject;
mod version;

pub use broker::BrokerSettings;
pub use checked::{BinderUse, CheckedManifest};
pub use config::{BinderConfig, CONFIG_PREFIX, ConfigError};
pub use dependency::{DEAD_LETTER, DEAD_LETTER_PREFIX, Dependency, SENDER, SENDER_PREFIX};
pub use digest::{DigestError, Sha256Digest};
pub use error::{ManifestError, ParseError};
pub use events::{EventStages, FILTER_STAGE, SCHEMA_STAGE, schema_files};
pub use executor::{BinderExecutor, Executor, WasiGeneration};
pub use id::{ComponentId, IdError};
pub use input::{
    AppManifest, Application, Component, ComponentBuild, FROM_HOST, HttpTrigger, NatsTrigger,
    Transport, Triggers,
};
pub use jetstream::{
    DEFAULT_ACK_WAIT, DEFAULT_BACKOFF, DEFAULT_MAX_DELIVER, Interval, JetStream, JetStreamError,
    JetStreamKeys, JetStreamName,
};
pub use middleware::TriggerDependencies;
pub use outbound::{AllowedHosts, OutboundHostError};
pub use plain::{PlainComponent, PlainManifest, PlainRoute, PlainSubscription};
pub use reuse::InstanceReuse;
pub use source::BinderSource;
pub use stage::{Stage, StageSource};
pub use subject::{
    SubjectPattern, SubjectPatternError, is_publish_subject, is_subscription_subject,
    outbound_subjects,
};
pub use version::ManifestVersion;
