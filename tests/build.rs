//! Builds the guest components the tests run, and writes their paths into
//! `artifacts.rs` as constants named after the packages.

use bindery_guest_build::{Guests, write_artifacts};

/// `(package, source directory)` of every guest a test uses.
const GUESTS: &[(&str, &str)] = &[
    ("bindery-http-cloudevents", "binders/http-cloudevents"),
    ("bindery-http-sink", "binders/http-sink"),
    ("scripted-app", "tests/programs/scripted-app"),
    ("faulty-http", "tests/programs/faulty-http"),
    ("relay", "tests/programs/relay"),
    ("sending-app", "tests/programs/sending-app"),
    ("counting-app", "tests/programs/counting-app"),
    ("enrich-stage", "tests/programs/enrich-stage"),
    ("echo", "examples/echo"),
    ("orders", "examples/orders"),
];

fn main() {
    let guests = Guests::new();
    let built: Vec<_> = GUESTS
        .iter()
        .map(|(package, source_dir)| (*package, guests.build(package, source_dir)))
        .collect();
    write_artifacts(&built);
}
