//! The JSON Schema of plan and check documents (`schema/plan-output.schema.json`): the shipped
//! file is what the code generates, every real output validates against it (plan JSON of every
//! shipped model, feasible or not, plan.json from `--out`, check JSON of a compliant, a
//! shortfall-billed and a violating allocation), and it is strict: a renamed, missing or extra
//! key, or a document of another format_version, fails.
//!
//! `CAPPLAN_SCHEMA=overwrite cargo test --release --test output_schema` rewrites the shipped
//! file after a change to the document's types (`src/report.rs` and the types it holds).

mod common;

use std::path::Path;

use capplan::output_schema::output_schema_json;
use serde_json::Value;

#[test]
fn the_shipped_schema_is_what_the_code_generates() {
    common::assert_shipped_schema(
        "plan-output.schema.json",
        &output_schema_json(),
        "src/report.rs",
        "output_schema",
    );
}

#[test]
fn capplan_schema_output_prints_the_shipped_file() {
    let out = common::capplan(&["schema", "--output"]);
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    assert!(out.stderr.is_empty(), "{}", common::stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), output_schema_json());
}

/// The validator of the shipped file (while it is being rewritten, of the code's).
fn validator() -> jsonschema::Validator {
    common::shipped_validator("plan-output.schema.json", output_schema_json)
}

/// Every way `doc` breaks the schema, one line each (empty when it validates).
fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let e = errors(v, doc);
    assert!(
        e.is_empty(),
        "{what} does not match the schema:\n{}",
        e.join("\n")
    );
}

/// Runs capplan, expecting `code`, and parses stdout as JSON.
fn json_of(args: &[&str], code: i32) -> Value {
    let out = common::capplan(args);
    assert_eq!(
        common::code(&out),
        code,
        "{args:?}: {}",
        common::stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
}

#[test]
fn the_plan_json_of_every_shipped_model_validates() {
    let v = validator();
    let mut infeasible = 0;
    for model in common::shipped_models() {
        let name = model.display().to_string();
        let out = common::capplan(&["plan", &name, "--format", "json"]);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert_valid(&v, &doc, &name);
        assert_eq!(doc["kind"], "plan", "{name}");
        assert_eq!(doc["format_version"], 2, "{name}");
        match doc["status"].as_str() {
            Some("optimal") => {
                assert_eq!(common::code(&out), 0, "{name}");
                assert!(
                    doc["bill"].is_object() && doc["compliance"].is_object(),
                    "{name}"
                );
            }
            Some("infeasible") => {
                infeasible += 1;
                assert_eq!(common::code(&out), 1, "{name}");
                // No plan: the audit's sections are null or empty, what cannot be met is listed.
                assert!(
                    doc["bill"].is_null() && doc["compliance"].is_null(),
                    "{name}"
                );
                assert!(doc["schedule"].as_array().unwrap().is_empty(), "{name}");
                assert!(!doc["unmeetable"].as_array().unwrap().is_empty(), "{name}");
            }
            s => panic!("{name}: status {s:?}"),
        }
    }
    assert_eq!(
        infeasible, 1,
        "models/infeasible-deadline.toml is the infeasible one"
    );
}

/// A folder that is removed when the test ends.
fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn plan_json_from_out_and_check_json_validate() {
    let v = validator();
    let dir = temp();
    let out = dir.path().join("frontier");
    json_of(
        &[
            "plan",
            "models/aws-frontier-2027q1.toml",
            "--out",
            &path(&out),
            "--format",
            "json",
        ],
        0,
    );
    let plan: Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_valid(&v, &plan, "plan.json");
    // The plan's own schedule, checked: every rule kept, every floor met.
    let schedule = path(&out.join("schedule.csv"));
    let check = json_of(
        &[
            "check",
            "models/aws-frontier-2027q1.toml",
            &schedule,
            "--format",
            "json",
        ],
        0,
    );
    assert_valid(&v, &check, "check of the plan's schedule.csv");
    assert_eq!(check["kind"], "check");
    assert_eq!(check["status"], "compliant");
    assert_eq!(check["compliance"]["status"], plan["compliance"]["status"]);
    assert_eq!(check["allocation"].as_str(), Some(schedule.as_str()));
    assert!(check["solver"].is_null() && plan["allocation"].is_null());
    // The same sections at the same paths in both kinds.
    for key in ["total_cost_usd", "spend_floors", "bill"] {
        assert_eq!(check[key].is_null(), plan[key].is_null(), "{key}");
    }
    assert_eq!(
        check["spend_floors"].as_array().unwrap().len(),
        plan["spend_floors"].as_array().unwrap().len()
    );
}

#[test]
fn check_json_of_a_shortfall_and_of_violations_validates() {
    let v = validator();
    let dir = temp();
    let out = dir.path().join("tutorial");
    let plan = common::capplan(&["plan", "models/tutorial.toml", "--out", &path(&out)]);
    assert_eq!(common::code(&plan), 0, "{}", common::stderr(&plan));
    let schedule = out.join("schedule.csv");
    let billed = json_of(
        &[
            "check",
            "models/tutorial.toml",
            &path(&schedule),
            "--format",
            "json",
        ],
        0,
    );
    assert_valid(&v, &billed, "check of the tutorial's schedule");
    assert_eq!(billed["status"], "shortfall_billed");
    assert_eq!(billed["compliance"]["violations"], 0);
    // Ten times every row: more chip-hours than the clusters have.
    let text = std::fs::read_to_string(&schedule).unwrap();
    let mut rows = text.lines();
    let mut tenfold = format!("{}\n", rows.next().unwrap());
    for line in rows {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let ch: f64 = cells[6].parse().unwrap();
        cells[6] = (10.0 * ch).to_string();
        tenfold.push_str(&format!("{}\n", cells.join(",")));
    }
    let bad = dir.path().join("tenfold.csv");
    std::fs::write(&bad, tenfold).unwrap();
    let broken = json_of(
        &[
            "check",
            "models/tutorial.toml",
            &path(&bad),
            "--format",
            "json",
        ],
        1,
    );
    assert_valid(&v, &broken, "check of a tenfold schedule");
    assert_eq!(broken["status"], "violations");
    assert_eq!(broken["compliance"]["status"], "violations");
    let findings = broken["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "capacity"),
        "{findings:?}"
    );
}

/// `doc` with the value at `pointer`'s parent edited by `edit` (a key renamed, removed, added).
fn edited(
    doc: &Value,
    parent: &str,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Value {
    let mut d = doc.clone();
    let obj = d
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"));
    edit(obj);
    d
}

fn rename(obj: &mut serde_json::Map<String, Value>, from: &str, to: &str) {
    let x = obj.remove(from).unwrap_or_else(|| panic!("no key {from}"));
    obj.insert(to.to_string(), x);
}

#[test]
fn the_schema_refuses_renamed_missing_and_unknown_keys() {
    let v = validator();
    let doc = json_of(
        &[
            "plan",
            "models/aws-frontier-2027q1.toml",
            "--format",
            "json",
        ],
        0,
    );
    assert_valid(&v, &doc, "the frontier plan");
    let cases = [
        // The version 1 spelling of the floors and of the verdict.
        ("", "spend_floors", "contracts"),
        ("/compliance", "status", "verdict"),
        ("/bill/lines/0", "per_use_usd", "per_use"),
        ("/bill/spend_floors/0", "headroom_usd", "headroom"),
        ("/schedule/0", "chip_hours", "chiphours"),
        ("/calendar/periods/0", "start", "from"),
        ("/solver/timings", "solve_seconds", "solve_s"),
        ("/costs", "usage_usd", "per_use_usd"),
    ];
    for (parent, from, to) in cases {
        let d = edited(&doc, parent, |o| rename(o, from, to));
        let e = errors(&v, &d);
        assert!(
            !e.is_empty(),
            "{parent}/{from} renamed to {to} still validates"
        );
        let d = edited(&doc, parent, |o| {
            o.remove(from);
        });
        assert!(
            !errors(&v, &d).is_empty(),
            "{parent}/{from} removed still validates"
        );
    }
    let d = edited(&doc, "", |o| {
        o.insert("format_version".into(), 1.into());
    });
    assert!(!errors(&v, &d).is_empty(), "format_version 1 validates");
    let d = edited(&doc, "", |o| {
        o.insert("kind".into(), "sweep".into());
    });
    assert!(!errors(&v, &d).is_empty(), "kind sweep validates");
    let d = edited(&doc, "", |o| {
        o.insert("status".into(), "done".into());
    });
    assert!(!errors(&v, &d).is_empty(), "status done validates");
    let d = edited(&doc, "/bill/lines/0", |o| {
        o.insert("total_usd".into(), "12".into());
    });
    assert!(!errors(&v, &d).is_empty(), "a total as a string validates");
}

#[test]
fn the_schema_ties_status_allocation_and_solver_to_the_kind() {
    let v = validator();
    let dir = temp();
    let out = dir.path().join("tutorial");
    let plan = json_of(
        &[
            "plan",
            "models/tutorial.toml",
            "--out",
            &path(&out),
            "--format",
            "json",
        ],
        0,
    );
    let check = json_of(
        &[
            "check",
            "models/tutorial.toml",
            &path(&out.join("schedule.csv")),
            "--format",
            "json",
        ],
        0,
    );
    assert_valid(&v, &plan, "the tutorial's plan");
    assert_valid(&v, &check, "the check of its schedule");
    let set = |doc: &Value, key: &str, value: Value| {
        edited(doc, "", |o| {
            o.insert(key.into(), value);
        })
    };
    for (what, bad) in [
        (
            "a plan with a verdict as status",
            set(&plan, "status", "compliant".into()),
        ),
        (
            "a plan with an allocation",
            set(&plan, "allocation", "x.csv".into()),
        ),
        (
            "a check with a solve status",
            set(&check, "status", "optimal".into()),
        ),
        (
            "a check without its file",
            set(&check, "allocation", Value::Null),
        ),
        (
            "a check without a verdict",
            set(&check, "compliance", Value::Null),
        ),
        (
            "a check with a solver",
            set(&check, "solver", plan["solver"].clone()),
        ),
        ("a check called a plan", set(&check, "kind", "plan".into())),
    ] {
        assert!(!errors(&v, &bad).is_empty(), "{what} validates");
    }
}
