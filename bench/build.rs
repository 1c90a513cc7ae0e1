//! Builds the guest components the benchmarks run, and writes their paths
//! into `artifacts.rs` as constants named after the packages.

use bindery_guest_build::{Guests, write_artifacts};

/// `(package, source directory, built apart)` of every guest the harness
/// runs. The monolithic component links the codec without the `binder`
/// feature, so it is built apart from the binder.
const GUESTS: &[(&str, &str, bool)] = &[
    (
        "bindery-http-cloudevents",
        "binders/http-cloudevents",
        false,
    ),
    ("echo", "examples/echo", false),
    ("monolithic-echo", "bench/programs/monolithic", true),
    ("hello-http", "bench/programs/hello", false),
    ("monolithic-echo-p3", "bench/programs/monolithic-p3", true),
    ("hello-http-p3", "bench/programs/hello-p3", false),
    ("echo-floor", "bench/programs/echo-floor", false),
    ("echo-floor-p3", "bench/programs/echo-floor-p3", false),
];

fn main() {
    let built: Vec<_> = GUESTS
        .iter()
        .map(|(package, source_dir, apart)| {
            let guests = if *apart {
                Guests::new().apart("monolithic")
            } else {
                Guests::new()
            };
            (*package, guests.build(package, source_dir))
        })
        .collect();
    write_artifacts(&built);
}
