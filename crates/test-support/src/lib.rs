//! What the tests of several crates share, each part behind a feature so
//! that a crate takes only what it uses:
//! - [`cases`]: the folders or files of a data-driven suite, one test each,
//!   checked against expected text that `BLESS=1` rewrites;
//! - [`components`]: a composer case folder made real (its `.wit` inputs
//!   built into components);
//! - [`conformance`]: the CloudEvents conformance suite from `../shared`;
//! - [`broker`]: a real `nats-server` on an ephemeral loopback port;
//! - [`respond`]: the CloudEvents HTTP codec's fuzz harness.

#[cfg(feature = "broker")]
pub mod broker;
#[cfg(feature = "cases")]
pub mod cases;
#[cfg(feature = "components")]
pub mod components;
#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "respond")]
pub mod respond;
