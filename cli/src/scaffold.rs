//! `bindery new`: writes a binder, app or event-stage project that builds
//! with one command (`./build.sh`) and composes as it is.
//!
//! The templates are embedded in `bindery`: the files under
//! `cli/templates/`, the Python, JS, C and Go binders of `binders/` (the
//! same sources the tests build), and the WIT each project needs.

use bindery_toolchains::pins::{CLANG_PACKAGES, COMPONENTIZE_JS, COMPONENTIZE_PY, WIT_BINDGEN_CLI};
use std::path::{Path, PathBuf};

use bindery_manifest::{ComponentId, IdError};

/// What to scaffold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A binder: exports `wasi:http/incoming-handler`, imports the handler.
    Binder,
    /// An app: exports the handler.
    App,
    /// An event stage: imports and exports the handler, in front of an app.
    Stage,
}

/// The language of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    /// Rust with wit-bindgen.
    Rust,
    /// Python with componentize-py.
    Python,
    /// JavaScript with componentize-js.
    Js,
    /// C with wit-bindgen c, clang and wasi-libc.
    C,
    /// Go with wit-bindgen go and Go's wasip1 port.
    Go,
}

/// Why a project could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot name a component or a package.
    #[error("`{}` is not a usable name", .0.id)]
    BadName(#[source] IdError),
    /// There is no template for this kind and language.
    #[error("there is no {kind} template in {language}; {kind} templates: {available}")]
    NoTemplate {
        /// `binder` or `app`.
        kind: &'static str,
        /// The language asked for.
        language: &'static str,
        /// The languages there are templates in.
        available: &'static str,
    },
    /// The target directory exists.
    #[error("{}: already exists; nothing was written", path.display())]
    Exists {
        /// The directory.
        path: PathBuf,
    },
    /// Writing failed.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// One file of a template: its path in the project and its text, with
/// `{{name}}` and `{{crate}}` still to fill in.
type TemplateFile = (&'static str, &'static str);

/// The contract every project carries.
const CONTRACT: TemplateFile = (
    "wit/cloudevents.wit",
    include_str!("../../wit/cloudevents.wit"),
);

/// The http-binder world and the WASI 0.2.12 packages it uses.
const BINDER_WIT: &[TemplateFile] = &[
    CONTRACT,
    (
        "wit/http-binder.wit",
        include_str!("../../wit/http-binder.wit"),
    ),
    ("wit/deps/cli.wit", include_str!("../../wit/deps/cli.wit")),
    (
        "wit/deps/clocks.wit",
        include_str!("../../wit/deps/clocks.wit"),
    ),
    (
        "wit/deps/filesystem.wit",
        include_str!("../../wit/deps/filesystem.wit"),
    ),
    ("wit/deps/http.wit", include_str!("../../wit/deps/http.wit")),
    ("wit/deps/io.wit", include_str!("../../wit/deps/io.wit")),
    (
        "wit/deps/random.wit",
        include_str!("../../wit/deps/random.wit"),
    ),
    (
        "wit/deps/sockets.wit",
        include_str!("../../wit/deps/sockets.wit"),
    ),
];

/// The JS binder's world, at the wasi:http 0.2.10 StarlingMonkey exports.
const JS_BINDER_WIT: &[TemplateFile] = &[
    (
        "wit/binder.wit",
        include_str!("../../binders/js-cloudevents-binary/wit/binder.wit"),
    ),
    (
        "wit/deps/cloudevents.wit",
        include_str!("../../wit/cloudevents.wit"),
    ),
    (
        "wit/deps/http.wit",
        include_str!("../../binders/js-cloudevents-binary/wit/deps/http.wit"),
    ),
    (
        "wit/deps/io.wit",
        include_str!("../../binders/js-cloudevents-binary/wit/deps/io.wit"),
    ),
    (
        "wit/deps/clocks.wit",
        include_str!("../../binders/js-cloudevents-binary/wit/deps/clocks.wit"),
    ),
];

/// A template: its WIT, its own files, and the name of the repository
/// binder it was taken from (replaced by the project's name), if any.
struct Template {
    wit: &'static [TemplateFile],
    files: &'static [TemplateFile],
    origin: Option<&'static str>,
}

const RUST_BINDER: Template = Template {
    wit: BINDER_WIT,
    files: &[
        (
            "Cargo.toml",
            include_str!("../templates/rust-binder/Cargo.toml"),
        ),
        (
            "build.sh",
            include_str!("../templates/rust-binder/build.sh"),
        ),
        (
            "src/lib.rs",
            include_str!("../templates/rust-binder/src/lib.rs"),
        ),
    ],
    origin: None,
};

const PYTHON_BINDER: Template = Template {
    wit: BINDER_WIT,
    files: &[
        (
            "app.py",
            include_str!("../../binders/python-cloudevents-binary/app.py"),
        ),
        (
            "build.sh",
            include_str!("../../binders/python-cloudevents-binary/build.sh"),
        ),
    ],
    origin: Some("python-cloudevents-binary"),
};

const JS_BINDER: Template = Template {
    wit: JS_BINDER_WIT,
    files: &[
        (
            "app.js",
            include_str!("../../binders/js-cloudevents-binary/app.js"),
        ),
        (
            "build.sh",
            include_str!("../../binders/js-cloudevents-binary/build.sh"),
        ),
    ],
    origin: Some("js-cloudevents-binary"),
};

const C_BINDER: Template = Template {
    wit: BINDER_WIT,
    files: &[
        (
            "binder.c",
            include_str!("../../binders/c-cloudevents-binary/binder.c"),
        ),
        (
            "build.sh",
            include_str!("../../binders/c-cloudevents-binary/build.sh"),
        ),
    ],
    origin: Some("c-cloudevents-binary"),
};

const GO_BINDER: Template = Template {
    wit: BINDER_WIT,
    files: &[
        (
            "binder.go",
            include_str!("../../binders/go-cloudevents-binary/binder.go"),
        ),
        (
            "build.sh",
            include_str!("../../binders/go-cloudevents-binary/build.sh"),
        ),
    ],
    origin: Some("go-cloudevents-binary"),
};

/// The manifest of every app template: the built-in binder, `./build.sh`.
const APP_MANIFEST: TemplateFile = ("spin.toml", include_str!("../templates/app.spin.toml"));

const RUST_APP: Template = Template {
    // The SDK carries the contract.
    wit: &[],
    files: &[
        (
            "Cargo.toml",
            include_str!("../templates/rust-app/Cargo.toml"),
        ),
        ("build.sh", include_str!("../templates/rust-app/build.sh")),
        (
            "src/lib.rs",
            include_str!("../templates/rust-app/src/lib.rs"),
        ),
        APP_MANIFEST,
    ],
    origin: None,
};

const PYTHON_APP: Template = Template {
    wit: &[CONTRACT],
    files: &[
        ("app.py", include_str!("../templates/python-app/app.py")),
        (
            "events.py",
            include_str!("../templates/python-app/events.py"),
        ),
        ("build.sh", include_str!("../templates/python-app/build.sh")),
        APP_MANIFEST,
    ],
    origin: None,
};

const JS_APP: Template = Template {
    wit: &[CONTRACT],
    files: &[
        ("app.js", include_str!("../templates/js-app/app.js")),
        ("build.sh", include_str!("../templates/js-app/build.sh")),
        APP_MANIFEST,
    ],
    origin: None,
};

const RUST_STAGE: Template = Template {
    // The SDK carries the contract.
    wit: &[],
    files: &[
        (
            "Cargo.toml",
            include_str!("../templates/rust-stage/Cargo.toml"),
        ),
        ("build.sh", include_str!("../templates/rust-stage/build.sh")),
        (
            "src/lib.rs",
            include_str!("../templates/rust-stage/src/lib.rs"),
        ),
    ],
    origin: None,
};

const PYTHON_STAGE: Template = Template {
    wit: &[CONTRACT],
    files: &[
        ("app.py", include_str!("../templates/python-stage/app.py")),
        (
            "build.sh",
            include_str!("../templates/python-stage/build.sh"),
        ),
    ],
    origin: None,
};

const JS_STAGE: Template = Template {
    wit: &[CONTRACT],
    files: &[
        ("app.js", include_str!("../templates/js-stage/app.js")),
        ("build.sh", include_str!("../templates/js-stage/build.sh")),
    ],
    origin: None,
};

impl Language {
    fn name(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Js => "js",
            Self::C => "c",
            Self::Go => "go",
        }
    }
}

fn template(kind: Kind, language: Language) -> Result<&'static Template, ScaffoldError> {
    match (kind, language) {
        (Kind::Binder, Language::Rust) => Ok(&RUST_BINDER),
        (Kind::Binder, Language::Python) => Ok(&PYTHON_BINDER),
        (Kind::Binder, Language::Js) => Ok(&JS_BINDER),
        (Kind::Binder, Language::C) => Ok(&C_BINDER),
        (Kind::Binder, Language::Go) => Ok(&GO_BINDER),
        (Kind::App, Language::Rust) => Ok(&RUST_APP),
        (Kind::App, Language::Python) => Ok(&PYTHON_APP),
        (Kind::App, Language::Js) => Ok(&JS_APP),
        (Kind::App, language) => Err(ScaffoldError::NoTemplate {
            kind: "app",
            language: language.name(),
            available: "rust, python, js",
        }),
        (Kind::Stage, Language::Rust) => Ok(&RUST_STAGE),
        (Kind::Stage, Language::Python) => Ok(&PYTHON_STAGE),
        (Kind::Stage, Language::Js) => Ok(&JS_STAGE),
        (Kind::Stage, language) => Err(ScaffoldError::NoTemplate {
            kind: "stage",
            language: language.name(),
            available: "rust, python, js",
        }),
    }
}

/// The project's files: paths relative to its directory, and contents.
pub fn files(
    kind: Kind,
    language: Language,
    name: &str,
) -> Result<Vec<(&'static str, String)>, ScaffoldError> {
    name.parse::<ComponentId>()
        .map_err(ScaffoldError::BadName)?;
    let template = template(kind, language)?;
    let fill = |text: &str| {
        let mut text = text
            .replace("{{name}}", name)
            .replace("{{crate}}", &name.replace('-', "_"));
        if let Some(origin) = template.origin {
            text = text.replace("../../wit", "wit").replace(origin, name);
        }
        text
    };
    let mut files: Vec<(&'static str, String)> = template
        .wit
        .iter()
        .chain(template.files)
        .map(|(path, text)| (*path, fill(text)))
        .collect();
    if matches!(kind, Kind::App | Kind::Stage)
        && language == Language::Rust
        && let Some(sdk) = sdk_checkout()
    {
        files.push((".cargo/config.toml", sdk_patch(&sdk)));
    }
    files.push(("README.md", readme(kind, language, name)));
    Ok(files)
}

/// The `bindery-sdk` crate of the Bindery checkout this `bindery` was built
/// from, if it is still there.
fn sdk_checkout() -> Option<PathBuf> {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk/rust"))
        .canonicalize()
        .ok()
        .filter(|dir| dir.join("Cargo.toml").is_file())
}

/// A cargo configuration that takes `bindery-sdk` from the checkout at `sdk`
/// instead of crates.io.
fn sdk_patch(sdk: &Path) -> String {
    format!(
        "# bindery-sdk from the Bindery checkout that built this `bindery`.\n\
         # Delete this file to use the release on crates.io instead.\n\
         [patch.crates-io]\n\
         bindery-sdk = {{ path = {:?} }}\n",
        sdk.display().to_string()
    )
}

/// Writes the project into `dir`, which must not exist; on failure nothing
/// is left behind.
pub fn scaffold(
    kind: Kind,
    language: Language,
    name: &str,
    dir: &Path,
) -> Result<(), ScaffoldError> {
    let files = files(kind, language, name)?;
    if dir.exists() {
        return Err(ScaffoldError::Exists {
            path: dir.to_owned(),
        });
    }
    let staging = dir.with_file_name(format!(
        ".{}.{}.tmp",
        dir.file_name()
            .map_or("project".into(), |name| name.to_string_lossy()),
        std::process::id()
    ));
    let written = write_all(&staging, &files).and_then(|()| {
        std::fs::rename(&staging, dir).map_err(|source| ScaffoldError::Write {
            path: dir.to_owned(),
            source,
        })
    });
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    written
}

fn write_all(root: &Path, files: &[(&str, String)]) -> Result<(), ScaffoldError> {
    for (path, text) in files {
        let path = root.join(path);
        let failed = |source| ScaffoldError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        std::fs::write(&path, text).map_err(failed)?;
        #[cfg(unix)]
        if path.extension().is_some_and(|ext| ext == "sh") {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(failed)?;
        }
    }
    Ok(())
}

/// The project's README: how to build it and how to use it.
fn readme(kind: Kind, language: Language, name: &str) -> String {
    let toolchain = match language {
        Language::Rust => "rustup target add wasm32-wasip2".to_owned(),
        Language::Python => format!("pip install {COMPONENTIZE_PY}"),
        Language::Js => format!("npm install {COMPONENTIZE_JS}"),
        Language::C => format!(
            "apt install {} && cargo install wit-bindgen-cli --version {WIT_BINDGEN_CLI}",
            CLANG_PACKAGES.join(" ")
        ),
        Language::Go => format!(
            "# Go 1.25 or later, from https://go.dev/dl\ncargo install wit-bindgen-cli --version {WIT_BINDGEN_CLI} --features go"
        ),
    };
    let usage = match kind {
        Kind::Binder => format!(
            "A binder exports `wasi:http/incoming-handler` and imports\n\
             `bindery:cloudevents/handler` (see `wit/`). Select it in an app's manifest:\n\n\
             ```toml\nexecutor = {{ type = \"binder\", source = \"{name}/{name}.wasm\" }}\n```\n"
        ),
        Kind::App if language == Language::Rust => {
            "An app exports `bindery:cloudevents/handler`, through `bindery-sdk`'s\n\
             `export_handler!`. `spin.toml` binds it with the built-in http-cloudevents binder:\n\n\
             ```sh\nbindery up --build\n```\n\n\
             To send events too, call `bindery_sdk::send` and name a sink in\n\
             `[component.<id>.dependencies]` (see Bindery's docs/cli.md).\n"
                .to_owned()
        }
        Kind::App => "An app exports `bindery:cloudevents/handler` (see `wit/`). `spin.toml`\n\
             binds it with the built-in http-cloudevents binder:\n\n\
             ```sh\nbindery up --build\n```\n"
            .to_owned(),
        Kind::Stage => format!(
            "An event stage imports and exports `bindery:cloudevents/handler` (the\n\
             `stage` world): it handles each event before the app, and passes it on,\n\
             answers it, drops it or refuses it. Put it in front of an app in the\n\
             app's manifest:\n\n\
             ```toml\nexecutor = {{ type = \"binder\", binder = \"http-cloudevents\", stages = [{{ path = \"{name}/{name}.wasm\" }}] }}\n```\n\n\
             See Bindery's docs/stages.md.\n"
        ),
    };
    format!(
        "# {name}\n\nA Bindery {kind} in {language}.\n\n```sh\n{toolchain}\n./build.sh        # writes {name}.wasm\n```\n\n{usage}",
        kind = match kind {
            Kind::Binder => "binder",
            Kind::App => "app",
            Kind::Stage => "event stage",
        },
        language = language.name(),
    )
}
