//! Imports point one way inside each crate: no module of the composer, the
//! runtime, the manifest or the CLI imports from a module that imports it,
//! directly or through others. The imports are read from the `crate::` and
//! `super::` paths of each file (comments and unit tests left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose modules are checked, by their `src` folder.
const CRATES: [&str; 5] = [
    "composer/src",
    "runtime/src",
    "manifest/src",
    "cli/src",
    "bench/src",
];

/// Every module of the crate at `src`, by its path (`http::handler`), with
/// its file.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut folders = vec![src.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            found.insert(parts.join("::"), path);
        }
    }
    found
}

/// The modules that module `name` (in `file`) imports.
fn imports(name: &str, file: &Path, modules: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let is_folder_module = file.file_stem().is_some_and(|stem| stem == "mod");
    let mut parent: Vec<&str> = name.split("::").filter(|part| !part.is_empty()).collect();
    if !is_folder_module {
        parent.pop();
    }
    let mut found = BTreeSet::new();
    let mut resolve = |path: Vec<String>| {
        for length in (1..=path.len()).rev() {
            let candidate = path[..length].join("::");
            if modules.contains_key(&candidate) && candidate != name {
                found.insert(candidate);
                return;
            }
        }
    };
    for (base, rest) in code
        .match_indices("crate::")
        .map(|(at, _)| ("crate", &code[at + 7..]))
        .chain(
            code.match_indices("super::")
                .map(|(at, _)| ("super", &code[at + 7..])),
        )
    {
        let prefix: Vec<String> = match base {
            "crate" => Vec::new(),
            _ => parent.iter().map(|part| (*part).to_owned()).collect(),
        };
        if let Some(group) = rest.strip_prefix('{') {
            for item in group.split('}').next().unwrap().split(',') {
                let head = item.trim().split("::").next().unwrap_or("").to_owned();
                let mut path = prefix.clone();
                path.push(head);
                resolve(path);
            }
            continue;
        }
        let mut path = prefix;
        path.extend(
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .filter(|part| !part.is_empty())
                .map(str::to_owned),
        );
        resolve(path);
    }
    found
}

/// A cycle in `graph`, if it has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|open| open == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_from_a_module_that_imports_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in CRATES {
        let modules = modules(&root.join(krate));
        assert!(modules.len() > 3, "{krate}: only {} modules", modules.len());
        let graph: BTreeMap<String, BTreeSet<String>> = modules
            .iter()
            .map(|(name, file)| (name.clone(), imports(name, file, &modules)))
            .collect();
        if let Some(found) = cycle(&graph) {
            panic!("{krate}: imports run in a circle: {}", found.join(" -> "));
        }
    }
}
