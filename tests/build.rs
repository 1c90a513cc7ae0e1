//! Builds the guest components the tests run, and writes their paths into
//! `artifacts.rs` as constants named after the packages.

use std::fmt::Write as _;

use bindery_guest_build::Guests;

/// `(package, source directory)` of every guest a test uses.
const GUESTS: &[(&str, &str)] = &[
    ("bindery-http-cloudevents", "binders/http-cloudevents"),
    ("scripted-app", "tests/programs/scripted-app"),
    ("echo", "examples/echo"),
    ("orders", "examples/orders"),
];

fn main() {
    let guests = Guests::new();
    let mut artifacts = String::new();
    for (package, source_dir) in GUESTS {
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
