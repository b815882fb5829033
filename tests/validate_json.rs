//! `capplan validate --format json` through the binary: one JSON document on stdout (decoded
//! here into typed structs), nothing on stderr, and the exit codes of the text output (0 valid,
//! 2 invalid).

mod common;

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format_version: u32,
    file: String,
    valid: bool,
    problems: Vec<Problem>,
    summary: Option<Summary>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Problem {
    path: String,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
    help: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Summary {
    periods: usize,
    clusters: usize,
    workloads: usize,
    dependencies: usize,
    contracts: usize,
}

/// Runs `capplan validate [--format json] FILE` in the repository root: exit code, stdout.
fn validate(file: &Path, json: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capplan"));
    cmd.current_dir(common::root()).arg("validate");
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd.arg(file).output().expect("the binary runs");
    if json {
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let code = out.status.code().expect("exited");
    let text = if json || code == 0 {
        out.stdout
    } else {
        out.stderr
    };
    (code, String::from_utf8(text).expect("UTF-8"))
}

fn validate_json(file: &Path) -> (i32, Doc) {
    let (code, text) = validate(file, true);
    let doc: Doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(doc.format_version, 1);
    assert_eq!(doc.file, file.display().to_string());
    (code, doc)
}

fn temp_file(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    std::fs::write(f.path(), text).expect("writable");
    f
}

#[test]
fn a_valid_model_gives_its_counts_and_exit_0() {
    let (code, doc) = validate_json(Path::new("models/aws-frontier-2027q1.toml"));
    assert_eq!(code, 0);
    assert!(doc.valid && doc.problems.is_empty(), "{doc:?}");
    // Read off the file: 13 weekly periods, 8 [[clusters]], 10 [[workloads]] of which three
    // have one `after` each, one [[contracts]].
    let want = Summary {
        periods: 13,
        clusters: 8,
        workloads: 10,
        dependencies: 3,
        contracts: 1,
    };
    assert_eq!(doc.summary, Some(want));
}

#[test]
fn every_shipped_model_gives_the_counts_the_text_output_gives() {
    for path in common::shipped_models() {
        let rel = path.strip_prefix(common::root()).expect("under the root");
        let (code, doc) = validate_json(rel);
        let s = doc.summary.expect("valid models have a summary");
        let (text_code, text) = validate(rel, false);
        assert_eq!((code, text_code), (0, 0), "{}", rel.display());
        assert_eq!(
            text.trim_end(),
            format!(
                "{}: valid: {}, {}, {} ({}), {}",
                rel.display(),
                counted(s.periods, "period", "periods"),
                counted(s.clusters, "cluster", "clusters"),
                counted(s.workloads, "workload", "workloads"),
                counted(s.dependencies, "dependency", "dependencies"),
                counted(s.contracts, "contract", "contracts")
            )
        );
    }
}

#[test]
fn rule_problems_come_with_path_place_and_help_and_exit_2() {
    let file = Path::new("docs/examples/mistakes.toml");
    let (code, doc) = validate_json(file);
    assert_eq!(code, 2);
    assert!(!doc.valid && doc.summary.is_none());
    let places: Vec<_> = doc
        .problems
        .iter()
        .map(|p| (p.path.as_str(), p.line, p.column))
        .collect();
    assert_eq!(
        places,
        [
            ("clusters[0].chip", Some(11), Some(8)),
            ("workloads[0].deadline", Some(21), Some(12)),
        ]
    );
    assert_eq!(doc.problems[1].message, "period 6 is outside the horizon");
    assert!(doc.problems[0].help.contains("\"trainium2\""), "{doc:?}");
    // The text output lists the same problems at the same places.
    let (text_code, text) = validate(file, false);
    assert_eq!(text_code, 2);
    assert!(text.contains("2 problems found"), "{text}");
    for p in &doc.problems {
        let at = format!(
            "line {}, column {}: {}: {}",
            p.line.unwrap(),
            p.column.unwrap(),
            p.path,
            p.message
        );
        assert!(text.contains(&at), "{at:?} not in {text}");
        assert!(text.contains(&format!("help: {}", p.help)), "{text}");
    }
}

#[test]
fn format_problems_are_listed_one_by_one_with_their_place() {
    let text = std::fs::read_to_string(common::root().join("docs/examples/typo.toml"))
        .expect("readable")
        .replace("chips = 64", "chips = \"64\"")
        .replace("periods = 4", "periods = 4\nperiod_days = 7");
    let f = temp_file(&text);
    let (code, doc) = validate_json(f.path());
    assert_eq!(code, 2);
    assert!(!doc.valid && doc.summary.is_none());
    let got: Vec<_> = doc
        .problems
        .iter()
        .map(|p| (p.path.as_str(), p.line, p.column, p.help.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "clusters[0].chips",
                Some(12),
                Some(9),
                "give a value of the kind expected (docs/format.md)"
            ),
            (
                "horizon.period_days",
                Some(6),
                Some(1),
                "remove it, or use one of the names listed (docs/format.md)"
            ),
            (
                "workloads[0].max_chip",
                Some(21),
                Some(1),
                "did you mean `max_chips`?"
            ),
        ]
    );
    assert!(
        doc.problems[0]
            .message
            .starts_with("invalid type: string \"64\""),
        "{doc:?}"
    );
    assert!(doc.problems[2]
        .message
        .starts_with("unknown field `max_chip`"));
}

#[test]
fn a_missing_field_says_what_to_add() {
    let f = temp_file("[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\n");
    let (code, doc) = validate_json(f.path());
    assert_eq!(code, 2);
    assert_eq!(doc.problems.len(), 1, "{doc:?}");
    assert_eq!(doc.problems[0].message, "missing field `periods`");
    assert!(doc.problems[0].help.starts_with("add `periods`"));
}

#[test]
fn a_syntax_error_and_an_unreadable_file_are_problems_too() {
    let f = temp_file("[horizon\nstart = 1\n");
    let (code, doc) = validate_json(f.path());
    assert_eq!(code, 2);
    assert_eq!(
        doc.problems,
        [Problem {
            path: String::new(),
            line: Some(1),
            column: Some(9),
            message: "unclosed table, expected `]`".into(),
            help: "correct the TOML syntax at that place".into(),
        }]
    );
    let (code, doc) = validate_json(Path::new("models/no-such-file.toml"));
    assert_eq!(code, 2);
    assert_eq!(doc.problems.len(), 1);
    assert!(
        doc.problems[0].message.starts_with("cannot read: "),
        "{doc:?}"
    );
    assert_eq!(doc.problems[0].line, None);
}

#[test]
fn unknown_keys_and_rule_problems_are_listed_together() {
    let text = std::fs::read_to_string(common::root().join("docs/examples/typo.toml"))
        .expect("readable")
        .replace("max_chip = 8", "max_chip = 8\ndeadline = 9");
    let f = temp_file(&text);
    let (code, doc) = validate_json(f.path());
    assert_eq!(code, 2);
    let paths: Vec<_> = doc.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["workloads[0].max_chip", "workloads[0].deadline"]);
    assert_eq!(doc.problems[1].message, "period 9 is outside the horizon");
    assert_eq!(doc.problems[1].line, Some(21));
}

/// "1 contract", "2 contracts": the text output's counts.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
