//! The built binary: exit codes, JSON decoded into typed structs, `--out` files, determinism,
//! and every shipped model.

mod common;

use std::path::Path;

use serde::Deserialize;

use common::{capplan, code, stderr};

#[derive(Debug, Deserialize)]
struct Doc {
    status: String,
    total_cost_usd: Option<f64>,
    solver: Solver,
    spend_floors: Vec<SpendFloor>,
    training: Vec<Training>,
    findings: Vec<Finding>,
    unmeetable: Vec<Unmeetable>,
    schedule: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Solver {
    backend: String,
    status: String,
    variables: usize,
    constraints: usize,
    timings: Timings,
}

#[derive(Debug, Deserialize)]
struct Timings {
    build_seconds: f64,
    solve_seconds: f64,
}

#[derive(Debug, Deserialize)]
struct SpendFloor {
    name: String,
    floor_usd: f64,
    shortfall_usd: f64,
    met: bool,
}

#[derive(Debug, Deserialize)]
struct Training {
    workload: String,
    finish_period: Option<usize>,
    deadline_period: usize,
}

#[derive(Debug, Deserialize)]
struct Finding {
    severity: String,
}

#[derive(Debug, Deserialize)]
struct Unmeetable {
    kind: String,
    workload: Option<String>,
    amount: f64,
    unit: String,
    message: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Row {
    period: usize,
    cluster: String,
    workload: String,
    chip_hours: f64,
    cost_usd: f64,
}

fn plan_json(model: &str, extra: &[&str]) -> (i32, Doc) {
    let mut args = vec!["plan", model, "--format", "json"];
    args.extend_from_slice(extra);
    let o = capplan(&args);
    let doc: Doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{model}: not JSON ({e}): {}", stderr(&o)));
    (code(&o), doc)
}

#[test]
fn tutorial_plans_with_exit_0_and_the_hand_checked_cost() {
    // README tutorial: reserved 64 x 168 x 4 = 43,008 chip-hours x $5.373 x 0.85 = $196,419.69.
    // Work: 9,000,000 PFLOP / (667 x 0.40 x 3.6) = 9,370.32 chip-hours, plus chat
    // 11,000 Mtok / 1.5 = 7,333.33: 16,703.65 used of the 21,504 the 50% floor asks for, and
    // every week is under its floor, so 4,800.35 short x $1 = $4,800.35. Total $201,220.04.
    let (c, doc) = plan_json("models/tutorial.toml", &[]);
    assert_eq!(c, 0);
    assert_eq!(doc.status, "optimal");
    common::assert_usd(doc.total_cost_usd.unwrap(), 201_220.04, "tutorial");
    // `auto` picks HiGHS where compiled in, else clarabel for an LP.
    let auto = if cfg!(feature = "highs") {
        "highs"
    } else {
        "clarabel"
    };
    assert_eq!(doc.solver.backend, auto);
    assert_eq!(doc.solver.status, "optimal");
    assert!(doc.solver.variables > 0 && doc.solver.constraints > 0);
    assert!(doc.solver.timings.build_seconds >= 0.0 && doc.solver.timings.solve_seconds >= 0.0);
    let sum: f64 = doc.schedule.iter().map(|r| r.chip_hours).sum();
    assert!((sum - 16_703.65).abs() < 0.01, "{sum}");
    let ft = doc
        .training
        .iter()
        .find(|t| t.workload == "finetune")
        .unwrap();
    assert!(ft.finish_period.unwrap() <= ft.deadline_period);
}

#[test]
fn every_shipped_model_validates_and_plans_or_explains_why_not() {
    for path in common::shipped_models() {
        let model = path.strip_prefix(common::root()).unwrap().to_str().unwrap();
        let v = capplan(&["validate", model]);
        assert_eq!(code(&v), 0, "{model}: {}", stderr(&v));
        let infeasible = model.contains("infeasible");
        let (c, doc) = plan_json(model, &[]);
        if infeasible {
            assert_eq!(c, 1, "{model}");
            assert_eq!(doc.status, "infeasible");
            assert!(!doc.unmeetable.is_empty(), "{model}: nothing explained");
            for u in &doc.unmeetable {
                assert!(u.amount > 0.0 && !u.unit.is_empty(), "{u:?}");
                assert!(u.message.contains("cannot"), "{u:?}");
            }
        } else {
            assert_eq!(c, 0, "{model}");
            assert_eq!(doc.status, "optimal", "{model}");
            assert!(doc.findings.iter().all(|f| f.severity == "billed"));
            assert!(!doc.schedule.is_empty());
        }
    }
}

#[test]
fn infeasible_model_names_the_runs_and_the_shortfall() {
    // models/infeasible-deadline.toml: 6,400 H100 chip-hours short = 6,400 x 989 x 0.40 x 3.6
    // = 9,114,624 PFLOP, shared between run-a and run-b in whatever split the solver picks.
    let (c, doc) = plan_json("models/infeasible-deadline.toml", &[]);
    assert_eq!(c, 1);
    let total: f64 = doc
        .unmeetable
        .iter()
        .inspect(|u| {
            assert_eq!(u.kind, "work");
            assert_eq!(u.unit, "PFLOP");
            let w = u.workload.as_deref().unwrap();
            assert!(w == "run-a" || w == "run-b", "{w}");
            assert!(u.message.contains(w));
        })
        .map(|u| u.amount)
        .sum();
    assert!((total - 9_114_624.0).abs() < 1.0, "{total}");
    let text = capplan(&["plan", "models/infeasible-deadline.toml"]);
    assert_eq!(code(&text), 1);
    assert!(String::from_utf8_lossy(&text.stdout).contains("INFEASIBLE"));
}

#[test]
fn aws_scenario_keeps_the_chain_on_time_and_reports_its_floors() {
    let (c, doc) = plan_json("models/aws-frontier-2027q1.toml", &[]);
    assert_eq!(c, 0);
    let floors = &doc.spend_floors;
    assert_eq!(floors.len(), 4);
    let y2027 = floors.iter().find(|f| f.name == "2027").unwrap();
    assert!(y2027.floor_usd == 8.0e9 && y2027.met && y2027.shortfall_usd == 0.0);
    let finish = |w: &str| {
        doc.training
            .iter()
            .find(|t| t.workload == w)
            .and_then(|t| t.finish_period)
            .unwrap()
    };
    let chain = ["frontier-pretrain", "frontier-posttrain", "frontier-eval"];
    for pair in chain.windows(2) {
        let done = finish(pair[0]);
        for r in doc.schedule.iter().filter(|r| r.workload == pair[1]) {
            assert!(
                r.period > done,
                "{} ran in {} before {done}",
                pair[1],
                r.period
            );
        }
    }
    let eval = finish("frontier-eval");
    assert!(doc
        .schedule
        .iter()
        .filter(|r| r.workload == "frontier-deploy")
        .all(|r| r.period > eval));
    // Overflow outside the contract happens, and the contract's own capacity carries most work.
    let on = |prefix: &str| -> f64 {
        doc.schedule
            .iter()
            .filter(|r| r.cluster.starts_with(prefix))
            .map(|r| r.chip_hours)
            .sum()
    };
    assert!(on("tpu-") > 0.0);
    assert!(on("trn2-") > on("tpu-"));
}

#[test]
fn same_model_same_backend_gives_identical_csv_and_json_apart_from_timings() {
    let dir = tempfile::tempdir().unwrap();
    let mut csvs = Vec::new();
    let mut jsons = Vec::new();
    for run in ["a", "b"] {
        let out = dir.path().join(run);
        for model in ["models/tutorial.toml", "models/aws-frontier-2027q1.toml"] {
            let sub = out.join(Path::new(model).file_stem().unwrap());
            let o = capplan(&["plan", model, "--out", sub.to_str().unwrap()]);
            assert_eq!(code(&o), 0, "{}", stderr(&o));
            csvs.push(std::fs::read(sub.join("schedule.csv")).unwrap());
            let mut j: serde_json::Value =
                serde_json::from_slice(&std::fs::read(sub.join("plan.json")).unwrap()).unwrap();
            j["solver"]["timings"] = serde_json::Value::Null;
            jsons.push(j);
        }
    }
    assert!(!csvs[0].is_empty());
    assert_eq!(csvs[0], csvs[2], "tutorial schedule.csv differs");
    assert_eq!(csvs[1], csvs[3], "aws schedule.csv differs");
    assert_eq!(jsons[0], jsons[2]);
    assert_eq!(jsons[1], jsons[3]);
    let header = String::from_utf8_lossy(&csvs[0]);
    assert!(header.starts_with(
        "period,period_start,cluster,provider,chip,workload,chip_hours,cost_usd,period_label\n"
    ));
}

#[test]
fn exit_code_2_for_a_missing_file_and_bad_input() {
    let o = capplan(&["plan", "models/no-such-file.toml"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("models/no-such-file.toml"),
        "{}",
        stderr(&o)
    );
    let o = capplan(&["validate", "models/no-such-file.toml"]);
    assert_eq!(code(&o), 2);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[horizon\n").unwrap();
    let o = capplan(&["plan", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("bad.toml"));
}

#[test]
fn exit_code_2_for_highs_in_a_build_without_it() {
    let o = capplan(&["plan", "models/tutorial.toml", "--solver", "highs"]);
    if cfg!(feature = "highs") {
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    } else {
        assert_eq!(code(&o), 2);
        let e = stderr(&o);
        assert!(e.contains("--features highs") && e.contains("cmake"), "{e}");
    }
}

#[test]
fn exit_code_2_for_clarabel_on_a_model_with_dependencies() {
    let o = capplan(&[
        "plan",
        "models/aws-frontier-2027q1.toml",
        "--solver",
        "clarabel",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("microlp"), "{}", stderr(&o));
}

#[test]
fn bad_input_writes_no_output_files() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 0\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = capplan(&[
        "plan",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(!out.exists());
}
