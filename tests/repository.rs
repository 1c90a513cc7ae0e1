//! What a newcomer meets: no build output is tracked (so the README's demo
//! leaves the tree clean), and the README's layout names every crate of the
//! workspace.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn no_compose_output_is_tracked_and_every_one_is_ignored() {
    let tracked = Command::new("git")
        .args(["ls-files"])
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(tracked.status.success(), "the tests run in a git checkout");
    let tracked = String::from_utf8(tracked.stdout).unwrap();
    let outputs: Vec<&str> = tracked
        .lines()
        .filter(|path| path.contains(".bindery/"))
        .collect();
    assert!(
        outputs.is_empty(),
        "compose outputs are tracked: {outputs:?}"
    );
    for output in [
        "examples/echo/.bindery/spin.toml",
        "any/where/.bindery/x.wasm",
    ] {
        let ignored = Command::new("git")
            .args(["check-ignore", "-q", output])
            .current_dir(root())
            .status()
            .unwrap();
        assert!(ignored.success(), "{output} is not ignored");
    }
}

#[test]
fn the_readme_layout_names_every_crate() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let layout = readme.split("## Layout").nth(1).expect("a Layout section");
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let members = workspace
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap();
    for member in members
        .split(',')
        .map(|member| member.trim().trim_matches('"'))
    {
        // A folder of several crates is named as the folder (`binders/`).
        let named = match member.split_once('/') {
            Some(("crates", _)) => format!("{member}/"),
            Some((folder, _)) => format!("{folder}/"),
            None => format!("{member}/"),
        };
        assert!(
            layout.contains(&named),
            "the README layout does not name {named}"
        );
    }
}
