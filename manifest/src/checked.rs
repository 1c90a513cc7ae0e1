//! The checks of an input manifest beyond its schema, done once: what they
//! find (each component's binder, its middleware chain, the reuse settings)
//! is kept in a [`CheckedManifest`] for `bindery compose` and `bindery
//! build` to use.

use std::collections::BTreeMap;
use std::path::Path;

use crate::broker::BrokerSettings;
use crate::error::{self, ManifestError, ParseError};
use crate::executor::{BinderExecutor, Executor};
use crate::id::ComponentId;
use crate::input::{AppManifest, Transport};
use crate::outbound::AllowedHosts;
use crate::reuse::InstanceReuse;
use crate::stage::{Stage, StageSource};
use crate::subject::{is_subscription_subject, outbound_subjects};

/// An input manifest whose references and settings are checked, with what
/// the checks found.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedManifest {
    /// The manifest as written.
    pub manifest: AppManifest,
    /// The binder executor of each component that has one, with the
    /// transport of its triggers.
    pub binders: BTreeMap<ComponentId, BinderUse>,
    /// The middleware chain in front of each component that has one,
    /// outermost first.
    pub middleware: BTreeMap<ComponentId, Vec<Stage>>,
    /// `[application.trigger.http] instance-reuse`, or no settings.
    pub instance_reuse: InstanceReuse,
    /// `[application.trigger.nats]`, or no settings.
    pub broker: BrokerSettings,
}

/// A component's binder executor and the transport of its triggers.
#[derive(Debug, Clone, PartialEq)]
pub struct BinderUse {
    /// The executor.
    pub executor: BinderExecutor,
    /// The transport its triggers bring requests over.
    pub transport: Transport,
}

impl AppManifest {
    /// Reads, parses and checks a manifest file.
    pub fn load(path: &Path) -> Result<CheckedManifest, ManifestError> {
        error::load(path, Self::parse)
    }

    /// Parses manifest text and checks it (see [`AppManifest::check`]).
    pub fn parse(text: &str) -> Result<CheckedManifest, ParseError> {
        Self::from_toml(text)?
            .check()
            .map_err(|error| error.placed(text))
    }

    /// Checks that every `allowed_outbound_hosts` entry can be read, that
    /// every trigger names a defined component and a NATS subject that is
    /// one with JetStream keys that fit together, that a component sits behind one executor, one
    /// transport and one middleware chain only, that every middleware stage
    /// names a defined component, and that the instance-reuse and broker
    /// settings are valid.
    pub fn check(self) -> Result<CheckedManifest, ParseError> {
        outbound(&self)?;
        let binders = binders(&self)?;
        let middleware = middleware(&self)?;
        let instance_reuse =
            InstanceReuse::from_application_triggers(self.application.trigger.as_ref())?;
        let broker = BrokerSettings::from_application_triggers(self.application.trigger.as_ref())?;
        Ok(CheckedManifest {
            manifest: self,
            binders,
            middleware,
            instance_reuse,
            broker,
        })
    }
}

/// The defined component ids, listed for a message.
fn defined(manifest: &AppManifest) -> String {
    error::list(manifest.component.keys().map(ComponentId::as_str))
}

/// Checks every component's `allowed_outbound_hosts`, as the host will
/// read them.
fn outbound(manifest: &AppManifest) -> Result<(), ParseError> {
    for (id, component) in &manifest.component {
        let entries = &component.allowed_outbound_hosts;
        AllowedHosts::parse(entries).map_err(|source| ParseError::OutboundHost {
            component: id.clone(),
            source,
        })?;
        outbound_subjects(entries).map_err(|source| ParseError::OutboundSubject {
            component: id.clone(),
            source,
        })?;
    }
    Ok(())
}

/// See [`CheckedManifest::binders`].
fn binders(manifest: &AppManifest) -> Result<BTreeMap<ComponentId, BinderUse>, ParseError> {
    let http = manifest.trigger.http.iter().map(|trigger| {
        let label = format!("route `{}`", trigger.route);
        (
            label,
            &trigger.component,
            trigger.executor.as_ref(),
            Transport::Http,
        )
    });
    let nats = manifest.trigger.nats.iter().map(|trigger| {
        let label = format!("subject `{}`", trigger.subject);
        (
            label,
            &trigger.component,
            trigger.executor.as_ref(),
            Transport::Nats,
        )
    });
    if let Some(trigger) = manifest
        .trigger
        .nats
        .iter()
        .find(|trigger| !is_subscription_subject(&trigger.subject))
    {
        return Err(ParseError::InvalidSubject(trigger.subject.clone()));
    }
    for trigger in &manifest.trigger.nats {
        trigger.jetstream_keys().settings(
            &trigger.subject,
            &trigger.component,
            trigger.queue_group.as_deref(),
        )?;
    }
    let mut served: BTreeMap<&ComponentId, (Option<&Executor>, Transport)> = BTreeMap::new();
    for (label, component, executor, transport) in http.chain(nats) {
        if !manifest.component.contains_key(component) {
            return Err(ParseError::UnknownComponent {
                trigger: label,
                component: component.clone(),
                defined: defined(manifest),
            });
        }
        match served.get(component) {
            Some((_, earlier)) if *earlier != transport => {
                return Err(ParseError::ConflictingTransports(component.clone()));
            }
            Some((earlier, _)) if *earlier != executor => {
                return Err(ParseError::ConflictingExecutors(component.clone()));
            }
            _ => {
                served.insert(component, (executor, transport));
            }
        }
    }
    for (id, (executor, _)) in &served {
        let Some(binder) = executor.and_then(Executor::as_binder) else {
            continue;
        };
        for stage in &binder.events.stages {
            let StageSource::Component(stage) = &stage.source else {
                continue;
            };
            if !manifest.component.contains_key(stage) {
                return Err(ParseError::UnknownStageComponent {
                    component: (*id).clone(),
                    stage: stage.clone(),
                    defined: defined(manifest),
                });
            }
            if stage == *id {
                return Err(ParseError::StageCycle((*id).clone()));
            }
        }
    }
    Ok(served
        .into_iter()
        .filter_map(|(id, (executor, transport))| {
            let executor = executor?.as_binder()?.clone();
            Some((
                id.clone(),
                BinderUse {
                    executor,
                    transport,
                },
            ))
        })
        .collect())
}

/// See [`CheckedManifest::middleware`].
fn middleware(manifest: &AppManifest) -> Result<BTreeMap<ComponentId, Vec<Stage>>, ParseError> {
    let mut chains: BTreeMap<&ComponentId, &[Stage]> = BTreeMap::new();
    for trigger in &manifest.trigger.http {
        let chain = trigger.dependencies.middleware.as_slice();
        for stage in chain {
            if let StageSource::Component(id) = &stage.source
                && !manifest.component.contains_key(id)
            {
                return Err(ParseError::UnknownMiddleware {
                    trigger: format!("route `{}`", trigger.route),
                    component: id.clone(),
                    defined: defined(manifest),
                });
            }
        }
        match chains.get(&trigger.component) {
            Some(earlier) if *earlier != chain => {
                return Err(ParseError::ConflictingMiddleware(trigger.component.clone()));
            }
            _ => {
                chains.insert(&trigger.component, chain);
            }
        }
    }
    Ok(chains
        .into_iter()
        .filter(|(_, chain)| !chain.is_empty())
        .map(|(id, chain)| (id.clone(), chain.to_vec()))
        .collect())
}

impl CheckedManifest {
    /// The event stages of component `id`'s binder, outermost first (the
    /// shorthand's filter first), if it has a binder.
    pub fn event_stages(&self, id: &ComponentId) -> Vec<Stage> {
        self.binders
            .get(id)
            .map(|used| used.executor.events.chain())
            .unwrap_or_default()
    }

    /// The components that serve no trigger and stand as middleware or an
    /// event stage in front of one: they are composed into the components
    /// they stand in front of, not served themselves.
    pub fn stages_only(&self) -> Vec<ComponentId> {
        let triggers = &self.manifest.trigger;
        let served = |id: &ComponentId| {
            let http = triggers.http.iter().map(|trigger| &trigger.component);
            let nats = triggers.nats.iter().map(|trigger| &trigger.component);
            http.chain(nats).any(|component| component == id)
        };
        let events = self
            .binders
            .values()
            .flat_map(|used| used.executor.events.stages.iter());
        let mut ids: Vec<ComponentId> = self
            .middleware
            .values()
            .flatten()
            .chain(events)
            .filter_map(|stage| match &stage.source {
                StageSource::Component(id) if !served(id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}
