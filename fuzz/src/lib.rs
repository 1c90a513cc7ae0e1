//! Fuzzing the CloudEvents HTTP codec: the harness (shared with the
//! deterministic smoke test in `cargo test`) and the seed corpus.

pub use bindery_test_support::respond as harness;
