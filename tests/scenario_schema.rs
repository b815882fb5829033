//! The JSON Schema of the scenario format (`schema/scenario.schema.json`): the shipped file is
//! what the code generates, and the schema agrees with the loader: it accepts every file whose
//! format the loader accepts (the shipped models, the test data, the docs' examples, generated
//! scenarios) and refuses what the loader refuses as a format problem (an unknown key, a value of
//! the wrong type or shape).
//!
//! `CAPPLAN_SCHEMA=overwrite cargo test --release --test scenario_schema` rewrites the shipped
//! file after a change to `src/schema.rs`.

mod common;

use std::path::{Path, PathBuf};

use capplan::error::LoadError;
use capplan::generate::{generate, GenerateOptions};
use capplan::model::Scenario;
use capplan::scenario_schema::scenario_schema_json;
use serde_json::Value;

#[test]
fn the_shipped_schema_is_what_the_code_generates() {
    common::assert_shipped_schema(
        "scenario.schema.json",
        &scenario_schema_json(),
        "src/schema.rs",
        "scenario_schema",
    );
}

/// The validator of the shipped file (so the file, not only the code, is what is tested; while
/// it is being rewritten, of the code's).
fn validator() -> jsonschema::Validator {
    common::shipped_validator("scenario.schema.json", scenario_schema_json)
}

#[test]
fn capplan_schema_prints_the_shipped_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
        .arg("schema")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), scenario_schema_json());
}

/// A TOML document as JSON, as taplo presents it to a schema: dates and times as strings.
fn to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(x) => Value::from(
            serde_json::Number::from_f64(x).expect("the test files hold finite numbers"),
        ),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

/// The schema's errors for `text` (empty: valid).
fn schema_errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    let doc = to_json(toml::from_str(text).expect("the test files are TOML"));
    v.iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Whether the loader accepts the format of `text`: it loads, or only breaks rules.
fn loader_accepts_format(text: &str, file: &Path) -> bool {
    match Scenario::from_toml(text, file) {
        Ok(_) | Err(LoadError::Invalid { .. }) => true,
        Err(LoadError::Syntax { .. } | LoadError::Io { .. }) => false,
    }
}

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(common::root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_schema_agrees_with_the_loader_on_every_shipped_scenario() {
    let v = validator();
    let (mut accepted, mut refused) = (0, 0);
    for path in ["models", "tests/data", "docs/examples"]
        .iter()
        .flat_map(|d| toml_files(d))
    {
        let text = std::fs::read_to_string(&path).expect("readable");
        let errors = schema_errors(&v, &text);
        if loader_accepts_format(&text, &path) {
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            accepted += 1;
        } else {
            assert!(!errors.is_empty(), "{} passes the schema", path.display());
            refused += 1;
        }
    }
    // models/ (3), tests/data/ (4) and docs/examples/mistakes.toml (it breaks rules only) are
    // accepted; docs/examples/typo.toml (`max_chip`) is not.
    assert!(
        accepted >= 8 && refused >= 1,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn generated_scenarios_pass_the_schema() {
    let v = validator();
    for seed in 1..=3 {
        let opts = GenerateOptions {
            workloads: 12,
            clusters: 4,
            periods: 8,
            seed,
            edges: 4,
        };
        let text = generate(&opts).expect("valid options");
        let errors = schema_errors(&v, &text);
        assert!(errors.is_empty(), "seed {seed}: {errors:#?}");
    }
}

const BASE: &str = r#"
[horizon]
start = "2027-01-04"
period = "week"
periods = 4

[[clusters]]
id = "h100-pool"
provider = "aws"
chip = "h100"
chips = 64
billing = "per-use"
usd_per_chip_hour = 6.88
price_basis = "on-demand"

[[workloads]]
id = "finetune"
kind = "post-training"
work_chip_hours = { chip = "h100", chip_hours = 1000 }
"#;

/// `BASE` with `from` replaced by `to` (which must change it).
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

/// Each edit: whether the format stays acceptable, and where the schema must say it is not.
fn cases() -> Vec<(&'static str, String, Option<&'static str>)> {
    vec![
        ("base", BASE.to_string(), None),
        (
            "ramp",
            edit("chips = 64", "chips = { from = 8, to = 64 }"),
            None,
        ),
        (
            "list",
            edit("chips = 64", "chips = [8, 16.5, 32, 64]"),
            None,
        ),
        ("float", edit("chips = 64", "chips = 64.5"), None),
        (
            "old spelling",
            edit("\"on-demand\"", "\"reserved1yr\""),
            None,
        ),
        (
            "toml date",
            edit(
                "chip_hours = 1000 }",
                "chip_hours = 1000 }\ndeadline = 2027-01-20",
            ),
            None,
        ),
        (
            "quoted date",
            edit(
                "chip_hours = 1000 }",
                "chip_hours = 1000 }\nrelease = \"2027-01-11\"",
            ),
            None,
        ),
        (
            "period number",
            edit("chip_hours = 1000 }", "chip_hours = 1000 }\ndeadline = 3"),
            None,
        ),
        (
            "unknown key",
            edit("billing", "max_chip = 3\nbilling"),
            Some("/clusters/0"),
        ),
        (
            "wrong type",
            edit("chips = 64", "chips = \"64\""),
            Some("/clusters/0/chips"),
        ),
        (
            "ramp key",
            edit("chips = 64", "chips = { from = 8, upto = 64 }"),
            Some("/clusters/0/chips"),
        ),
        (
            "half a ramp",
            edit("chips = 64", "chips = { from = 8 }"),
            Some("/clusters/0/chips"),
        ),
        (
            "list of text",
            edit("chips = 64", "chips = [8, \"x\"]"),
            Some("/clusters/0/chips"),
        ),
        (
            "enum",
            edit("\"per-use\"", "\"per_use\""),
            Some("/clusters/0/billing"),
        ),
        (
            "missing",
            edit("provider = \"aws\"\n", ""),
            Some("/clusters/0"),
        ),
        (
            "float period",
            edit("periods = 4", "periods = 4.5"),
            Some("/horizon/periods"),
        ),
        (
            "negative periods",
            edit("periods = 4", "periods = -4"),
            Some("/horizon/periods"),
        ),
        (
            "float deadline",
            edit("chip_hours = 1000 }", "chip_hours = 1000 }\ndeadline = 2.5"),
            Some("/workloads/0/deadline"),
        ),
        ("top level", format!("horizons = 1\n{BASE}"), Some("")),
    ]
}

#[test]
fn the_schema_refuses_what_the_loader_refuses_and_accepts_the_rest() {
    let v = validator();
    for (name, text, refused_at) in cases() {
        let errors = schema_errors(&v, &text);
        assert_eq!(
            loader_accepts_format(&text, Path::new("case.toml")),
            refused_at.is_none(),
            "{name}: the loader disagrees with the expectation"
        );
        match refused_at {
            None => assert!(errors.is_empty(), "{name}: {errors:#?}"),
            Some(at) => assert!(
                errors.iter().any(|e| e.starts_with(&format!("{at}:"))),
                "{name}: expected an error at {at:?}, got {errors:#?}"
            ),
        }
    }
}

#[test]
fn every_field_has_a_description_without_rustdoc_links() {
    let schema: Value = serde_json::from_str(&scenario_schema_json()).expect("JSON");
    let mut missing = Vec::new();
    let mut links = Vec::new();
    walk(&schema, "", &mut missing, &mut links);
    assert!(
        missing.is_empty(),
        "fields without a description: {missing:?}"
    );
    assert!(links.is_empty(), "rustdoc links left: {links:?}");
    let chips = &schema["definitions"]["ClusterSpec"]["properties"]["chips"]["description"];
    assert!(chips.as_str().unwrap().contains("0 to 1e7"), "{chips}");
}

fn walk(v: &Value, at: &str, missing: &mut Vec<String>, links: &mut Vec<String>) {
    let Value::Object(map) = v else { return };
    if let Some(Value::Object(props)) = map.get("properties") {
        for (name, field) in props {
            if field.get("description").is_none() {
                missing.push(format!("{at}.{name}"));
            }
        }
    }
    if let Some(Value::String(d)) = map.get("description") {
        if d.contains("[`") || d.contains("limits::") {
            links.push(format!("{at}: {d}"));
        }
    }
    for (k, child) in map {
        walk(child, &format!("{at}/{k}"), missing, links);
    }
    if let Some(Value::Array(items)) = map.get("oneOf") {
        for (i, item) in items.iter().enumerate() {
            walk(item, &format!("{at}/oneOf/{i}"), missing, links);
        }
    }
}
