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
//! Each stage is a [`Stage`]: a component of the manifest, a built-in, a
//! file or a download.

use serde::{Deserialize, Serialize};

use crate::stage::Stage;

/// `dependencies` of an `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerDependencies {
    /// The middleware stages, outermost first: the first sees each request
    /// first, and the binder comes after the last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub middleware: Vec<Stage>,
}

impl TriggerDependencies {
    /// Whether it has no stage.
    pub fn is_empty(&self) -> bool {
        self.middleware.is_empty()
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
        let names: Vec<&str> = dependencies.middleware.iter().map(Stage::name).collect();
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
