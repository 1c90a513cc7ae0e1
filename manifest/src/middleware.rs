//! An HTTP trigger's `dependencies`, in Spin 4's shape: the middleware
//! stages composed in front of its component, outermost first.
//!
//! ```toml
//! [[trigger.http]]
//! route = "/hooks"
//! component = "orders"
//! executor = { type = "binder", binder = "http-cloudevents", wasi = "0.3" }
//! dependencies.middleware = [
//!     { binder = "webhook-signature", config = { secret = "whsec_..." } },
//!     { component = "audit-log" },
//! ]
//! ```
//!
//! A stage is a component defined in the manifest (`component`, Spin's
//! form), a built-in (`binder`), a file (`path`) or a download (`url` with
//! `digest`); the last three take a `config` table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::executor::{BinderConfig, BinderSource};
use crate::id::ComponentId;
use crate::sourced::RawSourced;

/// `dependencies` of an `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerDependencies {
    /// The middleware stages, outermost first: the first sees each request
    /// first, and the binder comes after the last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub middleware: Vec<Middleware>,
}

impl TriggerDependencies {
    /// Whether it has no stage.
    pub fn is_empty(&self) -> bool {
        self.middleware.is_empty()
    }
}

/// One middleware stage.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawSourced", into = "RawSourced")]
pub struct Middleware {
    /// Where its component comes from.
    pub source: MiddlewareSource,
    /// Its settings (not for `component` stages, which take their
    /// component's `environment`); they reach it as
    /// `BINDERY_<NAME>_<KEY>` variables.
    pub config: BinderConfig,
}

/// Where a middleware stage's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MiddlewareSource {
    /// `component = "<id>"`: a component of the manifest, by id.
    Component(ComponentId),
    /// `binder`, `path` or `url` with `digest`.
    Binder(BinderSource),
}

impl TryFrom<RawSourced> for Middleware {
    type Error = String;

    fn try_from(mut raw: RawSourced) -> Result<Self, String> {
        const EXACTLY_ONE: &str = "a middleware takes exactly one of `component`, `binder`, \
                                   `path` or `url` (with `digest`)";
        let config = std::mem::take(&mut raw.config);
        let source = match raw.component.take() {
            Some(id) if raw.binder.is_none() && raw.path.is_none() && raw.url.is_none() => {
                if !config.is_empty() {
                    return Err(format!(
                        "middleware component `{id}` takes its settings from \
                         `[component.{id}] environment`, not `config`"
                    ));
                }
                MiddlewareSource::Component(id)
            }
            Some(_) => return Err(EXACTLY_ONE.into()),
            None => MiddlewareSource::Binder(raw.binder_source(EXACTLY_ONE)?),
        };
        Ok(Self { source, config })
    }
}

impl From<Middleware> for RawSourced {
    fn from(middleware: Middleware) -> Self {
        match middleware.source {
            MiddlewareSource::Component(id) => Self {
                component: Some(id),
                config: middleware.config,
                ..Self::default()
            },
            MiddlewareSource::Binder(source) => Self::of(source, middleware.config),
        }
    }
}

impl Middleware {
    /// The stage's name: the component id, the built-in's name, or the
    /// file name without `.wasm`.
    pub fn name(&self) -> &str {
        let source = match &self.source {
            MiddlewareSource::Component(id) => return id.as_str(),
            MiddlewareSource::Binder(BinderSource::Builtin(name)) => return name,
            MiddlewareSource::Binder(BinderSource::File(path)) => path.as_str(),
            MiddlewareSource::Binder(BinderSource::Url { url, .. }) => url.as_str(),
        };
        let file = source.rsplit(['/', '\\']).next().unwrap_or(source);
        file.strip_suffix(".wasm").unwrap_or(file)
    }

    /// The prefix of its settings' variables: `BINDERY_WEBHOOK_SIGNATURE_`
    /// for the stage named `webhook-signature`.
    pub fn prefix(&self) -> String {
        let name: String = self
            .name()
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' => c.to_ascii_uppercase(),
                _ => '_',
            })
            .collect();
        format!("BINDERY_{name}_")
    }

    /// Its settings as environment variables: key `secret` of the
    /// `webhook-signature` stage becomes `BINDERY_WEBHOOK_SIGNATURE_SECRET`.
    pub fn environment(&self) -> BTreeMap<String, String> {
        self.config.environment_under(&self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TriggerDependencies, String> {
        toml::from_str(text).map_err(|error| error.message().to_owned())
    }

    #[test]
    fn stages_are_named_and_configured() {
        let dependencies = parse(
            "middleware = [\n\
             { binder = \"webhook-signature\", config = { secret = \"whsec_x\", tolerance = 60 } },\n\
             { component = \"audit-log\" },\n\
             { path = \"mw/rate-limit.wasm\" },\n\
             ]",
        )
        .unwrap();
        let names: Vec<&str> = dependencies
            .middleware
            .iter()
            .map(Middleware::name)
            .collect();
        assert_eq!(names, ["webhook-signature", "audit-log", "rate-limit"]);
        let environment = dependencies.middleware[0].environment();
        assert_eq!(environment["BINDERY_WEBHOOK_SIGNATURE_SECRET"], "whsec_x");
        assert_eq!(environment["BINDERY_WEBHOOK_SIGNATURE_TOLERANCE"], "60");
        let text = toml::to_string(&dependencies).unwrap();
        assert_eq!(parse(&text).unwrap(), dependencies);
    }

    #[test]
    fn sources_are_exactly_one() {
        for stage in [
            "{ component = \"a\", binder = \"b\" }",
            "{ binder = \"b\", path = \"p.wasm\" }",
            "{ }",
        ] {
            let error = parse(&format!("middleware = [{stage}]")).unwrap_err();
            assert!(
                error.contains("exactly one of `component`"),
                "{stage}: {error}"
            );
        }
        let error = parse("middleware = [{ component = \"a\", config = { x = 1 } }]").unwrap_err();
        assert!(error.contains("`[component.a] environment`"), "{error}");
        let error = parse("middleware = [{ url = \"http://x/m.wasm\" }]").unwrap_err();
        assert!(error.contains("needs `digest"), "{error}");
        let error = parse("other = 1").unwrap_err();
        assert!(error.contains("unknown field `other`"), "{error}");
    }
}
