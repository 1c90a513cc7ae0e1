//! The CESQL conformance cases of `shared/conformance/cesql/` (the TCK's
//! YAML format), one test per case, named `file::case`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bindery_cesql::{ErrorKind, Event, Expression, Value};
use libtest_mimic::{Arguments, Failed, Trial};
use yaml_rust2::{Yaml, YamlLoader};

/// One case of the TCK.
struct Case {
    name: String,
    expression: String,
    result: Option<Scalar>,
    error: Option<String>,
    event: Option<BTreeMap<String, Scalar>>,
    event_overrides: Option<BTreeMap<String, Scalar>>,
}

#[derive(Clone, Debug)]
enum Scalar {
    Boolean(bool),
    Integer(i64),
    String(String),
}

impl Case {
    fn read(yaml: &Yaml) -> Self {
        let text = |key: &str| yaml[key].as_str().map(str::to_owned);
        let attributes = |key: &str| {
            yaml[key].as_hash().map(|hash| {
                hash.iter()
                    .map(|(name, value)| (name.as_str().unwrap().to_owned(), Scalar::read(value)))
                    .collect()
            })
        };
        Self {
            name: Scalar::read(&yaml["name"]).to_string(),
            expression: Scalar::read(&yaml["expression"]).to_string(),
            result: (!yaml["result"].is_badvalue()).then(|| Scalar::read(&yaml["result"])),
            error: text("error"),
            event: attributes("event"),
            event_overrides: attributes("eventOverrides"),
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Boolean(flag) => write!(f, "{flag}"),
            Scalar::Integer(number) => write!(f, "{number}"),
            Scalar::String(text) => f.write_str(text),
        }
    }
}

impl Scalar {
    fn read(yaml: &Yaml) -> Self {
        match yaml {
            Yaml::Boolean(flag) => Scalar::Boolean(*flag),
            Yaml::Integer(number) => Scalar::Integer(*number),
            Yaml::String(text) | Yaml::Real(text) => Scalar::String(text.clone()),
            other => panic!("not a scalar: {other:?}"),
        }
    }

    fn value(&self) -> Value<'_> {
        match self {
            Scalar::Boolean(flag) => Value::Boolean(*flag),
            Scalar::Integer(number) => Value::Integer(i32::try_from(*number).expect("32 bits")),
            Scalar::String(text) => bindery_cesql::text(text),
        }
    }
}

/// A case's event: its `event`, or any valid event with its overrides.
struct CaseEvent(BTreeMap<String, Scalar>);

impl Event for CaseEvent {
    fn attribute(&self, name: &str) -> Option<Value<'_>> {
        self.0.get(name).map(Scalar::value)
    }
}

fn event_of(case: &Case) -> CaseEvent {
    let mut attributes = case.event.clone().unwrap_or_else(|| {
        [
            ("specversion", "1.0"),
            ("id", "conformance"),
            ("source", "/conformance"),
            ("type", "dev.bindery.conformance"),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), Scalar::String(value.to_owned())))
        .collect()
    });
    attributes.extend(case.event_overrides.clone().unwrap_or_default());
    CaseEvent(attributes)
}

fn kind(name: &str) -> Option<ErrorKind> {
    Some(match name {
        "math" => ErrorKind::Math,
        "cast" => ErrorKind::Cast,
        "missingAttribute" => ErrorKind::MissingAttribute,
        "missingFunction" => ErrorKind::MissingFunction,
        "functionEvaluation" => ErrorKind::FunctionEvaluation,
        _ => return None,
    })
}

fn run(case: &Case) -> Result<(), Failed> {
    let parsed = Expression::parse(&case.expression);
    if case.error.as_deref() == Some("parse") {
        return match parsed {
            Err(_) => Ok(()),
            Ok(expression) => Err(format!("parsed: {expression:?}").into()),
        };
    }
    let expression = parsed.map_err(|error| format!("does not parse: {error}"))?;
    let event = event_of(case);
    let evaluation = expression.evaluate(&event);
    if let Some(expected) = &case.result
        && evaluation.value != expected.value()
    {
        return Err(format!(
            "evaluates to {:?}, expected {:?} (errors: {:?})",
            evaluation.value, expected, evaluation.errors
        )
        .into());
    }
    match case.error.as_deref() {
        None if evaluation.errors.is_empty() => Ok(()),
        None => Err(format!("unexpected errors: {:?}", evaluation.errors).into()),
        Some(name) => {
            let wanted = kind(name).ok_or_else(|| format!("unknown error kind `{name}`"))?;
            if evaluation.errors.iter().any(|error| error.kind == wanted) {
                Ok(())
            } else {
                Err(format!("expected a {name} error, got {:?}", evaluation.errors).into())
            }
        }
    }
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cesql");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    let mut trials = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let documents = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let cases = documents[0]["tests"].as_vec().expect("a `tests` list");
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        for (index, case) in cases.iter().map(Case::read).enumerate() {
            let name = format!("{file}::{index:02} {}", case.name);
            trials.push(Trial::test(name, move || run(&case)));
        }
    }
    assert!(
        trials.len() > 150,
        "the cases are all there: {}",
        trials.len()
    );
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}
