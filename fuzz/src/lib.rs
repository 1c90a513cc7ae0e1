//! Fuzzing the CloudEvents HTTP codec: the harness (shared with the
//! deterministic smoke test in `cargo test`) and the seed corpus.

pub mod harness;
