//! Builds guest crates of this workspace (binders, example apps, test
//! programs) into `wasm32-wasip2` components, for use in build scripts.
//!
//! Each build runs a nested `cargo build --profile guest` with its own target
//! directory (`<target>/guests`), so it never waits on the outer build's
//! lock, and with the outer build's compiler flags cleared, since they are
//! meant for the host. Binaryen's `wasm-opt` then optimizes each component's
//! core modules where it is installed (see [`optimize`](crate::optimize)).
//!
//! With `BINDERY_GUEST_SYMBOLS=1` in the environment, guests keep their
//! function names (the `name` section), for a profiler to show guest code by
//! name (`bench profile`); they are built in target directories of their own
//! (`<target>/guests-symbols`, ...), so that switching back rebuilds nothing.

mod optimize;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

/// The target every guest is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// The variable that keeps guests' function names (see the crate docs).
pub const SYMBOLS: &str = "BINDERY_GUEST_SYMBOLS";

/// The cargo profile guests are built with (`opt-level = 3` with LTO, which
/// gives a binder both smaller and faster than the size levels do; see the
/// workspace `Cargo.toml`).
pub const PROFILE: &str = "guest";

/// A set of guest packages to build from one build script.
pub struct Guests {
    workspace: PathBuf,
    target_dir: PathBuf,
}

impl Guests {
    /// Guests of the workspace that contains the calling build script's
    /// package, built under the outer build's target directory.
    pub fn new() -> Self {
        let manifest_dir =
            PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run from a build script"));
        let workspace = manifest_dir
            .ancestors()
            .find(|dir| is_workspace_root(dir))
            .expect("the package lives in a cargo workspace")
            .to_path_buf();
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a build script"));
        let target_dir = out_dir
            .ancestors()
            .find(|dir| dir.file_name().is_some_and(|name| name == "build"))
            .and_then(|build| build.parent()?.parent())
            .map_or_else(|| workspace.join("target"), Path::to_path_buf)
            .join(guest_dir("guests"));
        Self {
            workspace,
            target_dir,
        }
    }

    /// The same guests, built in a target directory of their own
    /// (`<target>/guests-<name>`): for a package that depends on another
    /// guest's library with other features, whose build would otherwise
    /// overwrite that guest's component.
    pub fn apart(mut self, name: &str) -> Self {
        self.target_dir
            .set_file_name(guest_dir(&format!("guests-{name}")));
        self
    }

    /// Builds `package` and returns the path of its component (optimized by
    /// `wasm-opt` where it is installed, in `<profile>/optimized/`), telling
    /// cargo to rerun the build script when the package's sources or the WIT
    /// change.
    ///
    /// Panics with cargo's output when the build fails, which fails the outer
    /// build with that message.
    pub fn build(&self, package: &str, source_dir: &str) -> PathBuf {
        self.build_with_features(package, source_dir, &[])
    }

    /// [`build`](Self::build) with cargo `features` of `package` turned on.
    /// A package built with other features elsewhere needs its own target
    /// directory ([`apart`](Self::apart)), or the two builds overwrite each
    /// other's component.
    pub fn build_with_features(
        &self,
        package: &str,
        source_dir: &str,
        features: &[&str],
    ) -> PathBuf {
        println!("cargo:rerun-if-env-changed={SYMBOLS}");
        for watched in [source_dir, "wit", "Cargo.lock"] {
            println!(
                "cargo:rerun-if-changed={}",
                self.workspace.join(watched).display()
            );
        }
        // Build scripts of several packages build guests into the same
        // target directory at once. Cargo serializes the builds, but the
        // component must be copied out before another build there (of a
        // package that depends on this one's library with other features)
        // writes the same file name: the lock covers both.
        std::fs::create_dir_all(&self.target_dir)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", self.target_dir.display()));
        let lock_path = self.target_dir.join(".bindery-guest-build.lock");
        let lock = std::fs::File::create(&lock_path)
            .and_then(|file| file.lock().map(|()| file))
            .unwrap_or_else(|err| panic!("cannot lock {}: {err}", lock_path.display()));
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        if symbols() {
            cargo.env("CARGO_PROFILE_GUEST_STRIP", "none");
        }
        let output = cargo
            .current_dir(&self.workspace)
            .args([
                "build",
                "--package",
                package,
                "--target",
                TARGET,
                "--profile",
                PROFILE,
            ])
            .args(["--features", &features.join(",")])
            .arg("--target-dir")
            .arg(&self.target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET")
            .output()
            .unwrap_or_else(|err| panic!("could not run cargo to build guest `{package}`: {err}"));
        if !output.status.success() {
            panic!(
                "building guest `{package}` for {TARGET} failed (is the target installed? `rustup target add {TARGET}`):\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let profile_dir = self.target_dir.join(TARGET).join(PROFILE);
        let stem = package.replace('-', "_");
        let built = profile_dir.join(format!("{stem}.wasm"));
        assert!(
            built.exists(),
            "guest `{package}` built, but {} is missing",
            built.display()
        );
        watch_sources(&profile_dir.join(format!("{stem}.d")));
        // A copy of its own: a later build of a package that depends on this
        // one's library (with other features) writes the same file name. It
        // is renamed into place, since another build script may be reading
        // the last one.
        let kept_dir = profile_dir.join("components");
        std::fs::create_dir_all(&kept_dir)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", kept_dir.display()));
        let component = kept_dir.join(format!("{stem}.wasm"));
        let partial = kept_dir.join(format!(".{stem}.{}.tmp", std::process::id()));
        std::fs::copy(&built, &partial)
            .and_then(|_| std::fs::rename(&partial, &component))
            .unwrap_or_else(|err| {
                panic!(
                    "cannot copy {} to {}: {err}",
                    built.display(),
                    component.display()
                )
            });
        drop(lock);
        let Some(wasm_opt) = optimize::wasm_opt() else {
            static WARNED: Once = Once::new();
            WARNED.call_once(|| {
                println!(
                    "cargo:warning=wasm-opt (Binaryen) is not installed: guests are built without its \
                     size and speed passes (apt-get install binaryen, or set BINDERY_WASM_OPT)"
                );
            });
            return component;
        };
        println!("cargo:rerun-if-env-changed=BINDERY_WASM_OPT");
        let optimized_dir = component.with_file_name("optimized");
        std::fs::create_dir_all(&optimized_dir)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", optimized_dir.display()));
        let optimized = optimized_dir.join(component.file_name().expect("a file name"));
        optimize::optimize(&wasm_opt, &component, &optimized);
        optimized
    }
}

impl Default for Guests {
    fn default() -> Self {
        Self::new()
    }
}

/// Tells cargo to rerun the build script when any source file of the guest
/// changes: every file of cargo's dependency list for it (`<name>.d`), which
/// covers the workspace crates it depends on, not only its own directory.
fn watch_sources(dep_info: &Path) {
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        return;
    };
    let Some((_, sources)) = text.lines().next().and_then(|line| line.split_once(": ")) else {
        return;
    };
    // Paths are separated by spaces; a space inside a path is escaped.
    let mut path = String::new();
    let mut chars = sources.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => path.extend(chars.next()),
            ' ' => watch(&mut path),
            _ => path.push(c),
        }
    }
    watch(&mut path);
}

fn watch(path: &mut String) {
    if !path.is_empty() {
        println!("cargo:rerun-if-changed={path}");
        path.clear();
    }
}

/// The name of a guest target directory: `base`, or `base-symbols` for
/// guests that keep their names, so that the two builds never overwrite
/// each other.
fn guest_dir(base: &str) -> String {
    if symbols() {
        format!("{base}-symbols")
    } else {
        base.to_owned()
    }
}

/// Whether guests keep their function names ([`SYMBOLS`]).
pub(crate) fn symbols() -> bool {
    std::env::var_os(SYMBOLS).is_some_and(|value| value == "1")
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.contains("[workspace]"))
}

/// Writes `$OUT_DIR/artifacts.rs` for the calling build script's crate to
/// `include!`: a documented `pub const <PACKAGE>: &str` (the package name in
/// upper case, `-` as `_`) with the path of each built guest.
pub fn write_artifacts(built: &[(&str, PathBuf)]) {
    let mut artifacts = String::new();
    for (package, path) in built {
        let name = package.to_uppercase().replace('-', "_");
        artifacts.push_str(&format!(
            "/// The built `{package}` component.\npub const {name}: &str = {:?};\n",
            path.display().to_string()
        ));
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a build script"));
    std::fs::write(out.join("artifacts.rs"), artifacts).expect("OUT_DIR is writable");
}
