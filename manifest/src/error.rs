//! Why a manifest could not be read. Every message names what is wrong and,
//! where the TOML parser knows it, the line and column.

use std::path::PathBuf;

use crate::id::ComponentId;
use crate::jetstream::JetStreamError;
use crate::outbound::OutboundHostError;
use crate::subject::SubjectPatternError;

/// An error of loading a manifest file; its message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{}: cannot read the manifest", path.display())]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read, but is not a manifest this view accepts.
    #[error("{}", path.display())]
    Invalid {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: ParseError,
    },
}

/// What is wrong with manifest text.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not valid TOML, an unknown field, a value of the wrong type, or a
    /// value a validated field refuses (a component id, a digest, a binder
    /// executor, `spin_manifest_version`).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// The 1-based line.
        line: usize,
        /// The 1-based column.
        column: usize,
        /// The parser's explanation.
        message: String,
    },
    /// The same, where the parser gives no position.
    #[error("{0}")]
    Unplaced(String),
    /// A trigger names a component that is not defined.
    #[error(
        "the trigger for {trigger} names component `{component}`, which is not defined (defined: {defined})"
    )]
    UnknownComponent {
        /// The trigger, as its route or subject: for example ``route `/events` ``.
        trigger: String,
        /// The component it names.
        component: ComponentId,
        /// The defined component ids, listed.
        defined: String,
    },
    /// One component sits behind triggers with different executors.
    #[error(
        "component `{0}` is served by triggers with different executors; give each binder trigger its own component"
    )]
    ConflictingExecutors(ComponentId),
    /// One component sits behind triggers of different transports.
    #[error(
        "component `{0}` is served by both an HTTP and a NATS trigger; a composed component serves one transport, so give each trigger its own component (both may have the same source)"
    )]
    ConflictingTransports(ComponentId),
    /// One component sits behind HTTP triggers with different middleware.
    #[error(
        "component `{0}` is served by HTTP triggers with different `dependencies.middleware`; a component is composed with one chain, so give each chain its own component"
    )]
    ConflictingMiddleware(ComponentId),
    /// A middleware stage names a component that is not defined.
    #[error(
        "the middleware of the trigger for {trigger} names component `{component}`, which is not defined (defined: {defined})"
    )]
    UnknownMiddleware {
        /// The trigger, as its route.
        trigger: String,
        /// The component the stage names.
        component: ComponentId,
        /// The defined component ids, listed.
        defined: String,
    },
    /// An event stage names a component that is not defined.
    #[error(
        "the event stages of component `{component}` name component `{stage}`, which is not defined (defined: {defined})"
    )]
    UnknownStageComponent {
        /// The component whose binder has the stage.
        component: ComponentId,
        /// The component the stage names.
        stage: ComponentId,
        /// The defined component ids, listed.
        defined: String,
    },
    /// A component stands as an event stage in front of itself.
    #[error(
        "component `{0}` names itself as one of its event stages: a stage stands in front of another component"
    )]
    StageCycle(ComponentId),
    /// `[application.trigger.http] instance-reuse` is not valid.
    #[error("[application.trigger.http] instance-reuse: {0}")]
    InstanceReuse(String),
    /// `[application.trigger.nats]` is not valid.
    #[error("[application.trigger.nats]: {0}")]
    Broker(String),
    /// A NATS trigger's JetStream keys do not fit together.
    #[error(transparent)]
    JetStream(#[from] JetStreamError),
    /// A NATS trigger's subject is not one a client can subscribe to.
    #[error(
        "the NATS trigger subject `{0}` is not a subject: dot-separated tokens without spaces, `>` only as the last token"
    )]
    InvalidSubject(String),
    /// An `allowed_outbound_hosts` entry of a component cannot be read.
    #[error("component `{component}`")]
    OutboundHost {
        /// The component.
        component: ComponentId,
        /// The entry and what is wrong with it.
        #[source]
        source: OutboundHostError,
    },
    /// A `nats://` entry of a component's `allowed_outbound_hosts` is not a
    /// subject pattern.
    #[error("component `{component}`")]
    OutboundSubject {
        /// The component.
        component: ComponentId,
        /// The entry.
        #[source]
        source: SubjectPatternError,
    },
    /// A trigger in a manifest to serve has an executor the host does not run.
    #[error(
        "the trigger for {trigger} has an executor the host does not run (`type = \"{kind}\"`){hint}"
    )]
    UnservedExecutor {
        /// The trigger, as its route or subject.
        trigger: String,
        /// The executor's `type`.
        kind: String,
        /// What to do instead, when known (empty otherwise).
        hint: &'static str,
    },
}

impl ParseError {
    /// A TOML error, placed by line and column within `text`.
    pub(crate) fn from_toml(text: &str, error: &toml::de::Error) -> Self {
        let message = error.message().to_owned();
        match error.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |newline| newline + 1) + 1;
                Self::Syntax {
                    line,
                    column,
                    message,
                }
            }
            None => Self::Unplaced(message),
        }
    }
}

impl ParseError {
    /// The error placed at the line of `text` that holds the setting it is
    /// about, for the errors of settings read from `[application.trigger]`
    /// (whose values carry no position); any other error as it is.
    pub(crate) fn placed(self, text: &str) -> Self {
        if let Self::JetStream(error) = &self {
            return match jetstream_line(text, error) {
                Some(line) => Self::Syntax {
                    line,
                    column: 1,
                    message: self.to_string(),
                },
                None => self,
            };
        }
        let stage = match &self {
            Self::UnknownStageComponent { stage, .. } | Self::StageCycle(stage) => {
                Some(format!("\"{stage}\""))
            }
            _ => None,
        };
        let marks: &[&str] = match &self {
            Self::Broker(_) => &["[application.trigger.nats]", "nats"],
            Self::InstanceReuse(_) => &["instance-reuse"],
            Self::UnknownStageComponent { .. } | Self::StageCycle(_) => &[],
            _ => return self,
        };
        let found = text.lines().position(|line| match &stage {
            // The stage's entry: `{ component = "<id>" }` within `stages`.
            Some(quoted) => {
                line.contains("component") && line.contains(quoted.as_str()) && {
                    let entry = line.find(quoted.as_str()).unwrap_or(0);
                    line[..entry].contains("component")
                        && !line.trim_start().starts_with("component")
                }
            }
            None => {
                let line = line.trim_start();
                marks.iter().any(|mark| line.starts_with(mark))
            }
        });
        match found {
            Some(index) => Self::Syntax {
                line: index + 1,
                column: 1,
                message: self.to_string(),
            },
            None => self,
        }
    }
}

/// The 1-based line of `error`'s key within the table of the trigger whose
/// `subject = "..."` it names.
fn jetstream_line(text: &str, error: &JetStreamError) -> Option<usize> {
    let quoted = format!("\"{}\"", error.subject);
    let lines: Vec<&str> = text.lines().collect();
    let is_table = |line: &&str| line.trim_start().starts_with('[');
    let subject = lines.iter().position(|line| {
        let line = line.trim_start();
        line.starts_with("subject") && line.contains(quoted.as_str())
    })?;
    let start = lines[..subject]
        .iter()
        .rposition(is_table)
        .map_or(0, |table| table + 1);
    let end = lines[subject..]
        .iter()
        .position(is_table)
        .map_or(lines.len(), |table| subject + table);
    let key = lines[start..end]
        .iter()
        .position(|line| line.trim_start().starts_with(error.key))?;
    Some(start + key + 1)
}

/// Items as `` `a`, `b` ``, or `nothing`.
pub(crate) fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let listed: Vec<String> = items.into_iter().map(|item| format!("`{item}`")).collect();
    if listed.is_empty() {
        "nothing".into()
    } else {
        listed.join(", ")
    }
}

/// Reads a manifest file and parses it with `parse`, naming the file in
/// any error.
pub(crate) fn load<T>(
    path: &std::path::Path,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<T, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text).map_err(|source| ManifestError::Invalid {
        path: path.to_owned(),
        source,
    })
}
