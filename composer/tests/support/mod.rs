//! Helpers shared by the composer's integration tests.

pub mod case;
