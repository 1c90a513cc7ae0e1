//! The paths of the guests `build.rs` built, as constants named after
//! their packages.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
