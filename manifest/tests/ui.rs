//! The manifest's UI tests, in the style of Spin's: each `ui/<case>.toml`
//! is parsed and checked as `bindery compose` reads it, one test per file.
//! A manifest that is refused expects its message in `ui/<case>.error`; one
//! that is accepted expects, in `ui/<case>.out`, what the checks found
//! (each component's binder and transport, its middleware, the reuse
//! settings) and the manifest as `bindery compose` writes it back.
//! `BLESS=1 cargo test` rewrites the expectations.

use std::fmt::Write as _;
use std::path::Path;

use bindery_manifest::{AppManifest, CheckedManifest};
use bindery_test_support::cases::{self, expect};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    cases::run(&root, ".toml", 10, check)
}

fn check(case: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(case)?;
    let error = case.with_extension("error");
    let out = case.with_extension("out");
    match AppManifest::parse(&text) {
        Ok(checked) => expect(&out, &summary(&checked), &[&error]),
        Err(refused) => expect(
            &error,
            &format!("{:#}\n", anyhow::Error::from(refused)),
            &[&out],
        ),
    }
}

/// What the checks found, then the manifest written back (which must
/// parse to the same manifest).
fn summary(checked: &CheckedManifest) -> String {
    let mut text = String::new();
    for (id, bound) in &checked.binders {
        let executor = &bound.executor;
        writeln!(
            text,
            "component {id}: binder {:?} over {}, wasi {:?}",
            executor.binder,
            bound.transport.name(),
            executor.wasi
        )
        .unwrap();
        for (name, value) in executor.environment() {
            writeln!(text, "  {name}={value}").unwrap();
        }
    }
    for (id, chain) in &checked.middleware {
        writeln!(text, "middleware of {id}: {} stage(s)", chain.len()).unwrap();
    }
    writeln!(text, "instance-reuse: {:?}", checked.instance_reuse).unwrap();
    if checked.broker != Default::default() {
        writeln!(text, "broker: {:?}", checked.broker).unwrap();
    }
    let written = checked.manifest.to_toml();
    let again = AppManifest::parse(&written).expect("a written manifest parses");
    assert_eq!(&again, checked, "the written manifest reads back the same");
    text.push_str("--- written back\n");
    text.push_str(&written);
    text
}
