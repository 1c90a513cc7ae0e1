//! Builds the guest components the benchmarks run, and writes their paths
//! into `artifacts.rs` as constants named after the packages.

use std::fmt::Write as _;

use bindery_guest_build::Guests;

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
];

fn main() {
    let mut artifacts = String::new();
    for (package, source_dir, apart) in GUESTS {
        let guests = if *apart {
            Guests::new().apart("monolithic")
        } else {
            Guests::new()
        };
        let path = guests.build(package, source_dir);
        let name = package.to_uppercase().replace('-', "_");
        writeln!(artifacts, "/// The built `{package}` component.").unwrap();
        writeln!(
            artifacts,
            "pub const {name}: &str = {:?};",
            path.display().to_string()
        )
        .unwrap();
    }
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("artifacts.rs");
    std::fs::write(out, artifacts).unwrap();
}
