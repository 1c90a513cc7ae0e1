//! The `bindery` binary as a user runs it, on the composer's data-driven
//! cases: exit codes, messages, what is written where, and `--help`.

use std::path::Path;

use bindery_test_support::components::{cases_root, materialize};

fn bindery(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bindery"))
        .args(args)
        .current_dir(dir)
        .env("BINDERY_CACHE_DIR", dir.join("cache"))
        .output()
        .unwrap()
}

fn case(name: &str) -> tempfile::TempDir {
    materialize(&cases_root().join(name)).unwrap()
}

#[test]
fn compose_then_inspect() {
    let work = case("success-exact");
    let composed = bindery(&["compose", "--verbose"], work.path());
    assert!(
        composed.status.success(),
        "{}",
        String::from_utf8_lossy(&composed.stderr)
    );
    let stdout = String::from_utf8_lossy(&composed.stdout);
    assert!(
        stdout.contains(".bindery/app.wasm") && stdout.contains(".bindery/spin.toml"),
        "{stdout}"
    );
    let inspected = bindery(&["inspect", ".bindery/app.wasm", "--json"], work.path());
    assert!(inspected.status.success());
    let report: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(report["kind"], "composed-app");
    assert_eq!(report["exports"][0], "wasi:http/incoming-handler@0.2.3");
    assert_eq!(report["provenance"]["binder"]["name"], "binder");
    let text = bindery(&["inspect", "binder.wasm"], work.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("kind: binder") && text.contains("  proto:events/handler@0.1.0"),
        "{text}"
    );
}

/// Two apps composed from one directory do not share an output directory:
/// each gets `.bindery/` beside its own manifest, as Spin keeps `.spin/`.
#[test]
fn the_output_defaults_to_beside_the_manifest() {
    let work = tempfile::tempdir().unwrap();
    for app in ["one", "two"] {
        let source = case("success-exact");
        std::fs::rename(source.path(), work.path().join(app)).unwrap();
        let manifest = format!("{app}/spin.toml");
        let composed = bindery(&["compose", &manifest], work.path());
        assert!(
            composed.status.success(),
            "{}",
            String::from_utf8_lossy(&composed.stderr)
        );
        assert!(work.path().join(app).join(".bindery/app.wasm").exists());
    }
    assert!(!work.path().join(".bindery").exists());
    let out = bindery(
        &["compose", "one/spin.toml", "--out", "elsewhere"],
        work.path(),
    );
    assert!(out.status.success());
    assert!(work.path().join("elsewhere/spin.toml").exists());
}

#[test]
fn errors_exit_non_zero_name_the_file_and_write_nothing() {
    for name in [
        "error-missing-export",
        "error-unknown-field",
        "error-core-module",
        "error-component-id-path",
        "error-component-id-space",
    ] {
        let work = case(name);
        let output = bindery(&["compose", "spin.toml", "--out", "out"], work.path());
        assert_eq!(output.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = std::fs::read_to_string(cases_root().join(name).join("error.txt")).unwrap();
        let expected = expected.trim().replace("$CASE/", "");
        assert_eq!(stderr.trim(), format!("error: {expected}"), "{name}");
        assert!(
            !work.path().join("out").exists(),
            "{name}: nothing is written"
        );
    }
    let missing = bindery(
        &["compose", "nowhere.toml"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nowhere.toml"));
}

/// A component id that is not kebab-case would name a file outside the
/// output directory (`../x.wasm`): it is refused, naming the manifest and
/// the line, and nothing is written anywhere.
#[test]
fn a_path_as_component_id_writes_nothing_outside_the_output() {
    let work = case("error-component-id-path");
    let output = bindery(&["compose", "spin.toml", "--out", "out/deep"], work.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("spin.toml: line 14")
            && stderr.contains("`../x` is not a valid component id"),
        "{stderr}"
    );
    assert!(!work.path().join("out").exists());
    assert!(!work.path().join("x.wasm").exists());
}

#[test]
fn help_explains_every_command_and_option() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Words only, so that clap's line wrapping does not matter.
    let help = |args: &[&str]| {
        let text = String::from_utf8(bindery(args, dir).stdout).unwrap();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let top = help(&["--help"]);
    for command in [
        "build",
        "compose",
        "serve",
        "up",
        "componentize",
        "new",
        "inspect",
    ] {
        assert!(
            top.contains(&format!(" {command} ")),
            "--help lacks {command}:\n{top}"
        );
    }
    let compose = help(&["compose", "--help"]);
    for needle in [
        "[MANIFEST]",
        "spin.toml",
        "--out",
        ".bindery beside the manifest",
        "--verbose",
        "executor",
        "digest",
    ] {
        assert!(
            compose.contains(needle),
            "compose --help lacks {needle}:\n{compose}"
        );
    }
    let up = help(&["up", "--help"]);
    for needle in [
        "--out",
        "--build",
        "--listen",
        "--deadline",
        "--memory-limit",
    ] {
        assert!(up.contains(needle), "up --help lacks {needle}:\n{up}");
    }
    let new = help(&["new", "--help"]);
    for needle in ["binder", "app", "rust", "python", "js", "[default: rust]"] {
        assert!(new.contains(needle), "new --help lacks {needle}:\n{new}");
    }
    let inspect = help(&["inspect", "--help"]);
    for needle in ["<FILE>", "--json"] {
        assert!(
            inspect.contains(needle),
            "inspect --help lacks {needle}:\n{inspect}"
        );
    }
    let refused = bindery(&["new", "plugin"], dir);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("possible values: binder, app"));
}

#[test]
fn a_composed_nats_trigger_composes_and_inspects_as_nats() {
    let work = case("success-nats");
    let composed = bindery(&["compose"], work.path());
    assert!(
        composed.status.success(),
        "{}",
        String::from_utf8_lossy(&composed.stderr)
    );
    let inspected = bindery(&["inspect", ".bindery/app.wasm"], work.path());
    let text = String::from_utf8_lossy(&inspected.stdout);
    assert!(
        text.contains(
            "kind: composed app\ntransport: nats (exports wasmcloud:messaging/handler@0.2.0)\n\
             runs on: bindery serve, wasmCloud (it imports only WASI and wasmcloud:messaging)"
        ),
        "{text}"
    );
}

/// A `.bindery` that is a symbolic link is refused, and what it points to
/// stays as it was; the manifest written, which carries the settings, is
/// readable by its owner only.
#[test]
fn compose_refuses_a_linked_output_and_keeps_settings_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let work = case("success-exact");
    let victim = work.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("spin.toml"), "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, work.path().join(".bindery")).unwrap();
    let refused = bindery(&["compose"], work.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains(".bindery: the output directory is a symbolic link"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("spin.toml")).unwrap(),
        "precious\n"
    );
    assert!(!victim.join("app.wasm").exists());

    std::fs::remove_file(work.path().join(".bindery")).unwrap();
    let composed = bindery(&["compose"], work.path());
    assert!(
        composed.status.success(),
        "{}",
        String::from_utf8_lossy(&composed.stderr)
    );
    let mode = |file: &str| {
        std::fs::metadata(work.path().join(".bindery").join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("spin.toml"), 0o600);
    assert_eq!(mode("app.wasm"), 0o644);
}
