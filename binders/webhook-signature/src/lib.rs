//! The `webhook-signature` middleware: checks the [Standard Webhooks]
//! signature of each request before the next stage (the WASI 0.3 binder)
//! sees it, and refuses a missing, malformed, stale or wrong one with 401.
//!
//! A sender signs `<webhook-id>.<webhook-timestamp>.<body>` with
//! HMAC-SHA256 under the shared secret, and sends the base64 signature as
//! `v1,<signature>` in `webhook-signature` (several, space-separated, while
//! secrets rotate). A request is let through when one of them matches and
//! its timestamp lies within the tolerance window of now, which bounds how
//! long a captured request can be replayed; within the window, an instance
//! refuses a `webhook-id` it already delivered with 409 ([`Delivered`]).
//!
//! The check itself is native code ([`Config`], [`verify`]); the component
//! (on `wasm32`) reads the body, calls it, and hands the request on.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

mod config;
mod replay;
mod verify;

pub use config::{Config, ConfigError, DEFAULT_MAX_BODY, DEFAULT_TOLERANCE, PREFIX};
pub use replay::{Delivered, REMEMBERED};
pub use verify::{Refusal, sign, verify};

#[cfg(target_arch = "wasm32")]
mod component;
