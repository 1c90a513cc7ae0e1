//! Spin's HTTP route patterns: an exact path, or a prefix ending in `/...`.

use crate::error::HostError;

/// A route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/events`: this path only.
    Exact(String),
    /// `/api/...`: `/api` and everything below it; `/...` matches every path.
    Prefix(String),
}

impl Route {
    /// Parses a manifest route.
    pub fn parse(route: &str) -> Result<Self, HostError> {
        let invalid = |reason| HostError::Route {
            route: route.to_owned(),
            reason,
        };
        if !route.starts_with('/') {
            return Err(invalid("a route starts with `/`"));
        }
        match route.strip_suffix("/...") {
            Some(prefix) if prefix.contains("...") => Err(invalid("`...` may only end a route")),
            Some(prefix) => Ok(Self::Prefix(prefix.to_owned())),
            None if route.contains("...") => Err(invalid("`...` may only end a route, as `/...`")),
            None => Ok(Self::Exact(route.trim_end_matches('/').to_owned())),
        }
    }

    /// How well the route matches `path`: `None` if it does not; otherwise
    /// higher is more specific (exact beats any prefix, longer prefixes beat
    /// shorter ones).
    pub fn specificity(&self, path: &str) -> Option<usize> {
        let path = path.trim_end_matches('/');
        match self {
            Self::Exact(exact) => (exact == path).then_some(usize::MAX),
            Self::Prefix(prefix) => {
                let below = path.strip_prefix(prefix.as_str())?;
                (below.is_empty() || below.starts_with('/')).then_some(prefix.len())
            }
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(exact) if exact.is_empty() => f.write_str("/"),
            Self::Exact(exact) => f.write_str(exact),
            Self::Prefix(prefix) => write!(f, "{prefix}/..."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_wildcard_routes() {
        let exact = Route::parse("/events").unwrap();
        let api = Route::parse("/api/...").unwrap();
        let all = Route::parse("/...").unwrap();
        assert_eq!(exact.specificity("/events"), Some(usize::MAX));
        assert_eq!(exact.specificity("/events/"), Some(usize::MAX));
        assert_eq!(exact.specificity("/events/x"), None);
        assert!(api.specificity("/api").is_some());
        assert!(api.specificity("/api/v1/x").is_some());
        assert_eq!(api.specificity("/apix"), None);
        assert!(all.specificity("/anything").unwrap() < api.specificity("/api/x").unwrap());
        assert!(Route::parse("events").is_err());
        assert!(Route::parse("/a/.../b").is_err());
        assert_eq!(
            Route::parse("/").unwrap().specificity("/"),
            Some(usize::MAX)
        );
    }
}
