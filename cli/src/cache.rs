//! Where `bindery` keeps what it can make again: downloaded binders and
//! compiled components.

use std::path::PathBuf;

/// `$BINDERY_CACHE_DIR`, else `$XDG_CACHE_HOME/bindery`, else
/// `~/.cache/bindery`.
pub fn cache_dir() -> PathBuf {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    from_env("BINDERY_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|dir| dir.join("bindery")))
        .or_else(|| from_env("HOME").map(|dir| dir.join(".cache/bindery")))
        .unwrap_or_else(|| PathBuf::from(".bindery/cache"))
}
