//! One source per WIT file: every WIT package that a binder, the SDK, a
//! test or bench program or a template carries must be a link to its source
//! in `wit/` or the same text, and every file in a `deps/` folder must have
//! a source there. A copy that drifts from `wit/` fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folders whose WIT must come from `wit/`.
const CARRIERS: [&str; 5] = [
    "binders",
    "sdk",
    "tests/programs",
    "bench/programs",
    "cli/templates",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.wit` file below `dir`, links followed.
fn wit_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if name == "target" || name == "node_modules" || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            wit_files(&path, found);
        } else if name.ends_with(".wit") {
            found.push(path);
        }
    }
}

/// The package a WIT file declares (`wasi:http@0.2.12`), if it declares one.
fn package(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let declared = line.trim().strip_prefix("package ")?;
        Some(declared.trim_end_matches(';').trim().to_owned())
    })
}

#[test]
fn every_wit_copy_is_its_source() {
    let root = root();
    let mut sources = Vec::new();
    wit_files(&root.join("wit"), &mut sources);
    let mut by_package: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).unwrap();
        // A package may span several files: the first one stands for it.
        if let Some(package) = package(&text) {
            by_package.entry(package).or_insert((source, text));
        }
    }
    assert!(by_package.contains_key("bindery:cloudevents@0.1.0"));
    let mut carried = Vec::new();
    for carrier in CARRIERS {
        wit_files(&root.join(carrier), &mut carried);
    }
    assert!(
        carried.len() >= 10,
        "found only {} carried WIT files",
        carried.len()
    );
    let wit = root.join("wit").canonicalize().unwrap();
    let mut problems = Vec::new();
    for copy in &carried {
        let shown = copy.strip_prefix(&root).unwrap().display().to_string();
        let (Ok(text), Ok(real)) = (std::fs::read_to_string(copy), copy.canonicalize()) else {
            problems.push(format!("{shown}: cannot be read (a broken link?)"));
            continue;
        };
        if real.starts_with(&wit) {
            continue;
        }
        let declared = package(&text);
        match declared.as_ref().and_then(|package| by_package.get(package)) {
            Some((source, source_text)) if text != *source_text => problems.push(format!(
                "{shown}: `{}` differs from its source {}; link to it instead",
                declared.unwrap(),
                source.strip_prefix(&root).unwrap().display()
            )),
            Some(_) => {}
            None if copy.components().any(|part| part.as_os_str() == "deps") => {
                problems.push(format!(
                    "{shown}: a dependency with no source in wit/; put the package there and link to it"
                ))
            }
            None => {}
        }
    }
    assert!(
        problems.is_empty(),
        "WIT copies out of step with wit/:\n{}",
        problems.join("\n")
    );
}
