//! What-ifs, sweeps and diffs through the built binary: `--set`, `sweep` (with shards and
//! `sweep merge`) and `diff`, checked against separate `plan` runs and the tutorial's
//! hand-worked figures (README, "Tutorial": $201,220 as written, $81,087 with the Trainium2
//! cluster billed per use).

mod common;

use std::path::Path;
use std::process::Output;

use serde::Deserialize;

const TUTORIAL: &str = "models/tutorial.toml";

use common::{capplan, code, stderr};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[derive(Debug, Deserialize, PartialEq)]
struct Costs {
    total_usd: f64,
    usage_usd: f64,
    reserved_usd: f64,
    reserved_idle_usd: f64,
    spend_shortfall_usd: f64,
    utilization_penalty_usd: f64,
    unmet_penalty_usd: f64,
    revenue_share_usd: f64,
}

#[derive(Debug, Deserialize)]
struct Unmeetable {
    message: String,
}

#[derive(Debug, Deserialize)]
struct Applied {
    set: String,
    field: String,
    before: Option<String>,
    after: String,
}

#[derive(Debug, Deserialize)]
struct PlanDoc {
    status: String,
    total_cost_usd: Option<f64>,
    costs: Option<Costs>,
    unmeetable: Vec<Unmeetable>,
    overrides: Vec<Applied>,
}

#[derive(Debug, Deserialize)]
struct SweepRow {
    point: usize,
    values: Vec<String>,
    status: String,
    costs: Option<Costs>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SweepDoc {
    columns: Vec<String>,
    points: usize,
    rows: Vec<SweepRow>,
}

fn plan_json(args: &[&str]) -> (i32, PlanDoc) {
    let mut all = vec!["plan", TUTORIAL, "--format", "json"];
    all.extend_from_slice(args);
    let o = capplan(&all);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    (code(&o), doc)
}

#[test]
fn set_reproduces_the_tutorials_per_use_figure_and_is_recorded() {
    let (c, base) = plan_json(&[]);
    assert_eq!(c, 0);
    assert!((base.total_cost_usd.unwrap() - 201_220.0).abs() < 1.0);
    assert!(base.overrides.is_empty());
    let (c, doc) = plan_json(&["--set", "clusters.trn2-dedicated.billing=per-use"]);
    assert_eq!(c, 0);
    assert!((doc.total_cost_usd.unwrap() - 81_087.0).abs() < 1.0);
    let costs = doc.costs.unwrap();
    assert_eq!(costs.reserved_usd, 0.0);
    assert!((costs.utilization_penalty_usd - 4_800.0).abs() < 0.5);
    assert_eq!(doc.overrides.len(), 1);
    let a = &doc.overrides[0];
    assert_eq!(a.set, "clusters.trn2-dedicated.billing=per-use");
    assert_eq!(a.field, "clusters[0].billing");
    assert_eq!(a.before.as_deref(), Some("\"reserved\""));
    assert_eq!(a.after, "\"per-use\"");
    // The table says so too.
    let o = capplan(&[
        "plan",
        TUTORIAL,
        "--set",
        "clusters.trn2-dedicated.billing=per-use",
    ]);
    assert!(stdout(&o).contains(
        "Overrides: clusters.trn2-dedicated.billing=per-use (\"reserved\" -> \"per-use\")"
    ));
}

#[test]
fn relative_forms_equal_the_absolute_values_they_compute() {
    let total = |set: &[&str]| plan_json(set).1.total_cost_usd.unwrap();
    assert_eq!(
        total(&["--set", "clusters.trn2-dedicated.chips*=0.5"]),
        total(&["--set", "clusters.trn2-dedicated.chips=32"])
    );
    assert_eq!(
        total(&["--set", "clusters.trn2-dedicated.chips+=-32"]),
        total(&["--set", "clusters.trn2-dedicated.chips=32"])
    );
    // Element-wise on a per-period list.
    let (_, doc) = plan_json(&["--set", "workloads.chat.demand*=2"]);
    assert_eq!(doc.overrides[0].after, "[4000, 5000, 6000, 7000]");
    assert_eq!(
        doc.total_cost_usd,
        plan_json(&["--set", "workloads.chat.demand=[4000,5000,6000,7000]"])
            .1
            .total_cost_usd
    );
    // Relative forms compose with the order given.
    let (_, doc) = plan_json(&[
        "--set",
        "clusters.trn2-dedicated.chips=40",
        "--set",
        "clusters.trn2-dedicated.chips*=1.5",
    ]);
    assert_eq!(doc.overrides[1].before.as_deref(), Some("40"));
    assert_eq!(doc.overrides[1].after, "60");
}

#[test]
fn bad_set_paths_and_values_exit_2_with_the_choices() {
    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["plan", TUTORIAL, "--set", "clusters.trn3.chips=1"],
            &["no clusters entry with `id` `trn3`", "trn2-dedicated, h100-ondemand"],
        ),
        (
            &["plan", TUTORIAL, "--set", "clusters.trn2-dedicated.chipz=1"],
            &["has no field `chipz`", "usd_per_chip_hour"],
        ),
        (
            &["plan", TUTORIAL, "--set", "contracts.aws-tutorial.spend_floors.2027.floor_usd=1"],
            &["no spend_floors entry with `name` `2027`", "the file has no spend_floors"],
        ),
        (
            &["plan", TUTORIAL, "--set", "clusters.trn2-dedicated.chips=lots"],
            &[
                "in --set clusters.trn2-dedicated.chips=lots: invalid type: string \"lots\", expected a number, a list of one number per period",
                "{ from = A, to = B }",
            ],
        ),
        (
            &["plan", TUTORIAL, "--set", "clusters.trn2-dedicated.chips=-1"],
            &[
                "  clusters[0].chips: in --set clusters.trn2-dedicated.chips=-1: chips available in period 1 is -1",
            ],
        ),
        (
            &["plan", TUTORIAL, "--set", "clusters.trn2-dedicated.billing*=2"],
            &["`clusters.trn2-dedicated.billing` is a string"],
        ),
        (
            &["sweep", TUTORIAL, "--vary", "workloads.chatbot.deadline=1,2"],
            &["no workloads entry with `id` `chatbot`", "finetune, chat"],
        ),
    ];
    for (args, expected) in cases {
        let o = capplan(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        for e in expected {
            assert!(
                stderr(&o).contains(e),
                "{args:?}: missing {e:?} in\n{}",
                stderr(&o)
            );
        }
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // `check` takes --set too, with the same errors.
    let o = capplan(&[
        "check",
        TUTORIAL,
        "tests/data/check-small.csv",
        "--set",
        "horizon.weeks=3",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("fields here: start, period, periods"),
        "{}",
        stderr(&o)
    );
}

fn sweep_json(args: &[&str]) -> (i32, SweepDoc, Vec<u8>) {
    let mut all = vec!["sweep", TUTORIAL, "--format", "json"];
    all.extend_from_slice(args);
    let o = capplan(&all);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    (code(&o), doc, o.stdout)
}

const GRID: [&str; 6] = [
    "--vary",
    "workloads.chat.demand*=1,4",
    "--vary",
    "workloads.finetune.deadline=1,3",
    "--vary",
    "clusters.h100-ondemand.chips=0,32",
];

#[test]
fn sweep_rows_equal_separate_plan_set_runs() {
    let (c, doc, _) = sweep_json(&GRID);
    assert_eq!(c, 0, "an infeasible point does not end the sweep");
    assert_eq!(doc.points, 8);
    assert_eq!(
        doc.columns,
        [
            "workloads.chat.demand*=",
            "workloads.finetune.deadline",
            "clusters.h100-ondemand.chips"
        ]
    );
    assert_eq!(doc.rows.len(), 8);
    let mut infeasible = 0;
    for (i, row) in doc.rows.iter().enumerate() {
        assert_eq!(row.point, i, "rows in grid order");
        // The first axis varies slowest.
        assert_eq!(row.values[0], if i < 4 { "1" } else { "4" });
        assert_eq!(row.values[2], if i % 2 == 0 { "0" } else { "32" });
        let sets: Vec<String> = doc
            .columns
            .iter()
            .zip(&row.values)
            .map(|(c, v)| {
                if c.ends_with('=') {
                    format!("{c}{v}")
                } else {
                    format!("{c}={v}")
                }
            })
            .collect();
        let mut args = Vec::new();
        for s in &sets {
            args.extend(["--set", s.as_str()]);
        }
        let (c, plan) = plan_json(&args);
        assert_eq!(row.status, plan.status, "point {i}");
        assert_eq!(row.costs, plan.costs, "point {i}: {sets:?}");
        if plan.status == "infeasible" {
            infeasible += 1;
            assert_eq!(c, 1);
            let what: Vec<&str> = plan.unmeetable.iter().map(|u| u.message.as_str()).collect();
            assert_eq!(row.message.as_deref(), Some(what.join("; ").as_str()));
        } else {
            assert_eq!(c, 0);
            assert_eq!(row.message, None);
        }
    }
    // 4x the chat demand, the fine-tune due in week 1 and no H100s: no plan (found by hand).
    assert_eq!(infeasible, 1);
    assert_eq!(doc.rows[4].status, "infeasible");
    // The tutorial itself is point 3 (demand x1, deadline 3, 32 H100s).
    assert!((doc.rows[3].costs.as_ref().unwrap().total_usd - 201_220.0).abs() < 1.0);
    // One job gives the same bytes as all cores.
    let mut one = GRID.to_vec();
    one.extend(["--jobs", "1"]);
    assert_eq!(sweep_json(&one).2, sweep_json(&GRID).2);
}

#[test]
fn invalid_points_are_rows_not_the_end_of_the_sweep() {
    let (c, doc, _) = sweep_json(&["--vary", "workloads.chat.demand*=1,100"]);
    assert_eq!(c, 0);
    assert_eq!(doc.rows[0].status, "optimal");
    assert_eq!(doc.rows[1].status, "invalid");
    let m = doc.rows[1].message.as_deref().unwrap();
    assert!(
        m.contains("in --set workloads.chat.demand*=100: must-serve workload \"chat\""),
        "{m}"
    );
}

#[test]
fn points_from_csv_equal_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    std::fs::write(
        &csv,
        "workloads.chat.demand*=,workloads.finetune.deadline,clusters.h100-ondemand.chips\n\
         1,1,0\n1,1,32\n1,3,0\n1,3,32\n4,1,0\n4,1,32\n4,3,0\n4,3,32\n",
    )
    .unwrap();
    let (_, from_csv, bytes) = sweep_json(&["--points", csv.to_str().unwrap()]);
    let (_, grid, grid_bytes) = sweep_json(&GRID);
    assert_eq!(from_csv.rows.len(), 8);
    assert_eq!(bytes, grid_bytes);
    assert_eq!(grid.rows.len(), 8);
}

fn shards_merge_to_the_whole(format: &str, count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut whole = vec!["sweep", TUTORIAL, "--format", format];
    whole.extend_from_slice(&GRID);
    let whole_out = capplan(&whole);
    assert_eq!(code(&whole_out), 0);
    // Separate processes, one per shard, as a job array runs them; merged in reverse order.
    let mut files = Vec::new();
    for k in (0..count).rev() {
        let shard = format!("{k}/{count}");
        let mut args = whole.clone();
        args.extend(["--shard", shard.as_str()]);
        let o = capplan(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let f = dir.path().join(format!("shard-{k}.{format}"));
        std::fs::write(&f, &o.stdout).unwrap();
        files.push(f);
    }
    let mut merge = vec!["sweep".to_string(), "merge".to_string()];
    merge.extend(files.iter().map(|f| f.display().to_string()));
    let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
    let merged = capplan(&merge);
    assert_eq!(code(&merged), 0, "{}", stderr(&merged));
    assert_eq!(
        stdout(&merged),
        stdout(&whole_out),
        "{format}, {count} shards"
    );
    // A missing shard is an error, not a shorter sweep.
    let partial: Vec<&str> = merge[..merge.len() - 1].to_vec();
    let o = capplan(&partial);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("points missing"), "{}", stderr(&o));
}

#[test]
fn shards_run_as_processes_merge_to_the_unsharded_bytes() {
    shards_merge_to_the_whole("csv", 3);
    shards_merge_to_the_whole("json", 3);
    // More shards than points: some shards are empty.
    shards_merge_to_the_whole("json", 11);
}

#[test]
fn merge_refuses_mixed_sweeps_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let run = |vary: &str, name: &str| {
        let o = capplan(&["sweep", TUTORIAL, "--format", "csv", "--vary", vary]);
        let f = dir.path().join(name);
        std::fs::write(&f, &o.stdout).unwrap();
        f.display().to_string()
    };
    let a = run("workloads.finetune.deadline=2,3", "a.csv");
    let b = run("clusters.h100-ondemand.chips=1,2", "b.csv");
    let o = capplan(&["sweep", "merge", &a, &b]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("columns differ"), "{}", stderr(&o));
    let o = capplan(&["sweep", "merge", &a, &a]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("point 0 is in more than one input"),
        "{}",
        stderr(&o)
    );
}

#[derive(Debug, Deserialize)]
struct NumberChange {
    name: String,
    a: Option<f64>,
    b: Option<f64>,
    delta: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct FinishChange {
    workload: String,
    finish_period: Change,
}

#[derive(Debug, Deserialize)]
struct Change {
    a: Option<usize>,
    b: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct Diff {
    identical: bool,
    costs: Vec<NumberChange>,
    chip_hours: Vec<serde_json::Value>,
    spend_floors: Vec<serde_json::Value>,
    utilization: Vec<serde_json::Value>,
    finish: Vec<FinishChange>,
}

fn plan_out(dir: &Path, name: &str, set: &[&str]) -> String {
    let out = dir.join(name);
    let out_s = out.display().to_string();
    let mut args = vec!["plan", TUTORIAL, "--out", out_s.as_str()];
    for s in set {
        args.extend(["--set", s]);
    }
    assert_eq!(code(&capplan(&args)), 0);
    out_s
}

#[test]
fn diff_of_identical_plans_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let a = plan_out(dir.path(), "a", &[]);
    let b = plan_out(dir.path(), "b", &[]);
    let o = capplan(&["diff", &a, &b]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("No differences"), "{}", stdout(&o));
    let o = capplan(&["diff", &format!("{a}/plan.json"), &b, "--format", "json"]);
    assert_eq!(code(&o), 0);
    let d: Diff = serde_json::from_slice(&o.stdout).unwrap();
    assert!(d.identical);
    assert!(d.costs.is_empty() && d.chip_hours.is_empty() && d.finish.is_empty());
    assert!(d.spend_floors.is_empty() && d.utilization.is_empty());
}

#[test]
fn diff_of_tutorial_variants_shows_the_hand_worked_cost_change() {
    let dir = tempfile::tempdir().unwrap();
    let a = plan_out(dir.path(), "a", &[]);
    let b = plan_out(
        dir.path(),
        "b",
        &["clusters.trn2-dedicated.billing=per-use"],
    );
    let o = capplan(&["diff", &a, &b, "--format", "json"]);
    assert_eq!(code(&o), 1, "plans that differ exit 1, like diff");
    let d: Diff = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!d.identical);
    let part = |n: &str| d.costs.iter().find(|c| c.name == n).unwrap();
    let total = part("total_usd");
    assert!((total.a.unwrap() - 201_220.0).abs() < 1.0);
    assert!((total.b.unwrap() - 81_087.0).abs() < 1.0);
    assert!((total.delta.unwrap() + 120_133.0).abs() < 1.5);
    // Reserved billing goes, per-use usage comes; the utilization penalty stays $4,800.
    assert!((part("reserved_usd").b.unwrap()).abs() < 1e-6);
    assert!(part("usage_usd").delta.unwrap() > 76_000.0);
    assert!(d.costs.iter().all(|c| c.name != "utilization_penalty_usd"));
    let text = stdout(&capplan(&["diff", &a, &b]));
    assert!(
        text.contains("total_usd          $201,220  $81,087  -$120,133"),
        "{text}"
    );

    // A tighter deadline moves the fine-tune's finish from week 3 to week 2.
    let c = plan_out(dir.path(), "c", &["workloads.finetune.deadline=2"]);
    let o = capplan(&["diff", &a, &c, "--format", "json"]);
    let d: Diff = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d.finish.len(), 1);
    assert_eq!(d.finish[0].workload, "finetune");
    assert_eq!(
        (d.finish[0].finish_period.a, d.finish[0].finish_period.b),
        (Some(3), Some(2))
    );
    assert!(!d.chip_hours.is_empty());
}

/// 16 Trainium2 chips (2,688 chip-hours a week) cannot hold the fine-tune: its capacity starts
/// binding in weeks 1-3, each chip-hour worth the H100 time it saves: 266.8 PFLOP (667 TFLOPS at
/// 40% MFU) against 445.05 per H100 chip-hour (989 at 45%) at $12.29, so -$7.3676. The
/// utilization floors, met in full, stop binding (at A they were worth their $1 penalty).
#[test]
fn diff_lists_the_terms_that_started_or_stopped_binding() {
    let dir = tempfile::tempdir().unwrap();
    let a = plan_out(dir.path(), "a", &[]);
    let b = plan_out(dir.path(), "b", &["clusters.trn2-dedicated.chips=16"]);
    let o = capplan(&["diff", &a, &b, "--format", "json"]);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let binding = d["binding"].as_array().unwrap();
    let price = |term: &str| {
        let c = binding
            .iter()
            .find(|c| c["term"] == term)
            .unwrap_or_else(|| panic!("{term} in {binding:?}"));
        (
            c["usd_per_unit"]["a"].as_f64(),
            c["usd_per_unit"]["b"].as_f64(),
        )
    };
    let saved = 12.29 * (667.0 * 0.40) / (989.0 * 0.45);
    for week in 1..=3 {
        let (was, is) = price(&format!("capacity trn2-dedicated, period {week}"));
        assert_eq!(was, None);
        assert!(
            (is.unwrap() + saved).abs() < 1e-4,
            "{is:?} against -{saved}"
        );
        let (was, is) = price(&format!(
            "utilization_floor aws-tutorial, trn2-dedicated, period {week}"
        ));
        assert!((was.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(is, None);
    }
    // Every entry changed side: none binds in both plans.
    assert!(binding
        .iter()
        .all(|c| c["usd_per_unit"]["a"].is_null() != c["usd_per_unit"]["b"].is_null()));
    let text = stdout(&capplan(&["diff", &a, &b]));
    assert!(
        text.contains("Terms that started or stopped binding"),
        "{text}"
    );
    // The same plan twice: nothing binds differently.
    let c = plan_out(dir.path(), "c", &[]);
    let o = capplan(&["diff", &a, &c, "--format", "json"]);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["binding"], serde_json::json!([]));
}

/// On the frontier scenario, 10% more on the 2027 floor leaves it short (the default build's plan
/// pays $748,843,482 rather than buy compute it does not need; another backend may pick another
/// plan of the same cost, so the amount is compared with the billed shortfall in the costs), and
/// the serving cluster's utilization moves with the schedule.
#[test]
fn diff_reports_the_floor_and_utilization_changes_of_format_version_2_plans() {
    let dir = tempfile::tempdir().unwrap();
    let frontier = "models/aws-frontier-2027q1.toml";
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let (a_s, b_s) = (a.display().to_string(), b.display().to_string());
    let floor = "contracts.aws-2026-2029.spend_floors.2027.floor_usd*=1.1";
    assert_eq!(code(&capplan(&["plan", frontier, "--out", &a_s])), 0);
    assert_eq!(
        code(&capplan(&["plan", frontier, "--out", &b_s, "--set", floor])),
        0
    );
    let o = capplan(&["diff", &a_s, &b_s, "--format", "json"]);
    assert_eq!(code(&o), 1);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let floors = d["spend_floors"].as_array().unwrap();
    assert_eq!(floors.len(), 1, "{floors:?}");
    assert_eq!(floors[0]["name"], "2027");
    assert_eq!(floors[0]["met"], serde_json::json!({"a": true, "b": false}));
    assert_eq!(floors[0]["shortfall_usd"]["a"], 0.0);
    let short = floors[0]["shortfall_usd"]["b"].as_f64().unwrap();
    let billed = d["costs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "spend_shortfall_usd")
        .unwrap_or_else(|| panic!("no shortfall change: {:#}", d["costs"]));
    assert!(short > 1e6, "{short}");
    assert!(
        (billed["b"].as_f64().unwrap() - short).abs() < 1e-3,
        "{billed}"
    );
    assert!(d["utilization"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["cluster"] == "inf2-serving"));
}

/// A plan.json of format_version 1 (the shape before plan and check JSON were one) is refused
/// with the file and the fix, not misread as a plan without floors.
#[test]
fn diff_refuses_a_format_version_1_plan_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let a = plan_out(dir.path(), "a", &[]);
    let old = dir.path().join("old.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{a}/plan.json")).unwrap()).unwrap();
    doc["format_version"] = 1.into();
    std::fs::write(&old, serde_json::to_vec(&doc).unwrap()).unwrap();
    let old_s = old.display().to_string();
    let o = capplan(&["diff", &a, &old_s]);
    assert_eq!(code(&o), 2);
    let e = stderr(&o);
    assert!(e.contains(&format!("{old_s}: format_version 1")), "{e}");
    assert!(e.contains("re-run `capplan plan"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn diff_of_unreadable_input_exits_2() {
    let o = capplan(&["diff", TUTORIAL, TUTORIAL]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not a plan document"), "{}", stderr(&o));
}

#[test]
fn check_takes_set_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = plan_out(dir.path(), "a", &[]);
    let schedule = format!("{a}/schedule.csv");
    // The plan's schedule, audited against the scenario with the H100s gone: it breaks capacity.
    let o = capplan(&[
        "check",
        TUTORIAL,
        &schedule,
        "--format",
        "json",
        "--set",
        "clusters.h100-ondemand.chips=0",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["overrides"][0]["set"], "clusters.h100-ondemand.chips=0");
    let uses_h100 = std::fs::read_to_string(&schedule)
        .unwrap()
        .contains("h100-ondemand");
    assert_eq!(code(&o), if uses_h100 { 1 } else { 0 });
    let o = capplan(&["check", TUTORIAL, &schedule, "--format", "json"]);
    assert_eq!(code(&o), 0);
}

#[test]
fn a_backend_that_cannot_solve_the_sweep_is_bad_input() {
    // The frontier scenario has dependencies (a MILP): clarabel solves LPs only.
    let o = capplan(&[
        "sweep",
        "models/aws-frontier-2027q1.toml",
        "--solver",
        "clarabel",
        "--format",
        "csv",
        "--vary",
        "workloads.frontier-pretrain.deadline=9,10",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches(",unsupported,").count(), 2, "{out}");
    assert!(out.contains("clarabel cannot solve models with integer variables"));
    if !capplan::solver::Backend::Highs.is_compiled() {
        let o = capplan(&[
            "sweep",
            TUTORIAL,
            "--solver",
            "highs",
            "--vary",
            "horizon.periods=4",
        ]);
        assert_eq!(code(&o), 2);
        assert!(
            stderr(&o).contains("not compiled into this build"),
            "{}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
}
