//! `capplan replan`: the periods before an as-of date fixed to what ran, the rest planned again.
//! Every test runs the binary and reads its JSON (or its messages), as a planner's script would.

mod common;

use std::path::{Path, PathBuf};

use common::{capplan, code, root, stderr};
use serde_json::Value;

/// Runs `capplan ARGS --format json`; returns the exit code and the document.
fn json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let o = capplan(&all);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", String::from_utf8_lossy(&o.stdout), stderr(&o)));
    (code(&o), doc)
}

fn data(name: &str) -> String {
    format!("tests/data/replan/{name}")
}

/// A fresh folder under the target directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-replan").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Chip-hours of the document's schedule for `workload` on `cluster` in `period`.
fn cell(doc: &Value, period: u64, cluster: &str, workload: &str) -> f64 {
    doc["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["period"] == period && r["cluster"] == cluster && r["workload"] == workload)
        .map(|r| f(&r["chip_hours"]))
        .sum()
}

fn work_row<'a>(doc: &'a Value, workload: &str) -> &'a Value {
    doc["replan"]["work"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == workload)
        .unwrap_or_else(|| panic!("no work row for {workload}: {doc}"))
}

#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-6 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// The tutorial (README) re-planned from week 3 with weeks 1-2 as they ran: the fine-tune got
/// 3,000 and 4,000 Trainium2 chip-hours, chat ran on the H100s (1,000 and 1,250 chip-hours,
/// exactly its 2,000 and 2,500 Mtok at 2.0 Mtok per chip-hour).
#[test]
fn tutorial_replan_keeps_the_actuals_and_plans_the_work_that_is_left() {
    let (rc, doc) = json(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-weeks-1-2.csv"),
        "--as-of",
        "2027-01-18",
    ]);
    assert_eq!(rc, 0, "{doc}");
    // The fixed past is the actuals, row for row.
    close(
        cell(&doc, 1, "trn2-dedicated", "finetune"),
        3000.0,
        "p1 finetune",
    );
    close(cell(&doc, 1, "h100-ondemand", "chat"), 1000.0, "p1 chat");
    close(
        cell(&doc, 2, "trn2-dedicated", "finetune"),
        4000.0,
        "p2 finetune",
    );
    close(cell(&doc, 2, "h100-ondemand", "chat"), 1250.0, "p2 chat");
    // 667 TFLOPS x 40% x 3,600 s = 960.48 PFLOP per Trainium2 chip-hour.
    let per_chip_hour = 960.48;
    let done = 7000.0 * per_chip_hour;
    let w = work_row(&doc, "finetune");
    close(f(&w["done_before_pflop"]), done, "done before");
    close(f(&w["remaining_pflop"]), 9e6 - done, "left");
    // What is left runs in week 3 (its deadline) on the Trainium2 chips already paid for.
    let left_chip_hours = (9e6 - done) / per_chip_hour;
    close(
        cell(&doc, 3, "trn2-dedicated", "finetune"),
        left_chip_hours,
        "p3 finetune",
    );
    close(
        cell(&doc, 3, "trn2-dedicated", "chat"),
        3000.0 / 1.5,
        "p3 chat",
    );
    close(
        cell(&doc, 4, "trn2-dedicated", "chat"),
        3500.0 / 1.5,
        "p4 chat",
    );
    // The bill: 4 x 10,752 reserved chip-hours at $5.373 x 0.85; 2,250 H100 chip-hours at
    // $12.29; and the 50% floor (5,376 a week) short by every Trainium2 chip-hour not used, no
    // week being above its floor, at $1.
    let reserved = 4.0 * 10_752.0 * 5.373 * 0.85;
    let per_use = 2250.0 * 12.29;
    let trn2_used = 7000.0 + left_chip_hours + 3000.0 / 1.5 + 3500.0 / 1.5;
    let penalty = 4.0 * 5376.0 - trn2_used;
    close(f(&doc["costs"]["reserved_usd"]), reserved, "reserved");
    close(f(&doc["costs"]["usage_usd"]), per_use, "per-use");
    close(
        f(&doc["costs"]["utilization_penalty_usd"]),
        penalty,
        "penalty",
    );
    close(
        f(&doc["total_cost_usd"]),
        reserved + per_use + penalty,
        "total",
    );
    assert_eq!(doc["replan"]["fixed_periods"], 2);
    assert_eq!(doc["replan"]["history"], Value::Array(vec![]));
}

/// Plans the shipped quarter into `dir` and returns its total; writes its first four weeks as
/// `weeks-1-4.csv`.
fn shipped_quarter_plan(dir: &Path) -> (f64, PathBuf) {
    let out = dir.join("plan");
    let (rc, doc) = json(&[
        "plan",
        "models/aws-frontier-2027q1.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0);
    let schedule = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    let mut lines = schedule.lines();
    let mut cut = format!("{}\n", lines.next().unwrap());
    for l in lines {
        let period: usize = l.split(',').next().unwrap().parse().unwrap();
        if period <= 4 {
            cut.push_str(l);
            cut.push('\n');
        }
    }
    let actuals = dir.join("weeks-1-4.csv");
    std::fs::write(&actuals, cut).unwrap();
    (f(&doc["total_cost_usd"]), actuals)
}

#[test]
fn shipped_quarter_replanned_from_its_own_first_four_weeks_costs_what_the_plan_cost() {
    let dir = scratch("quarter");
    let (planned, actuals) = shipped_quarter_plan(&dir);
    let (rc, doc) = json(&[
        "replan",
        "models/aws-frontier-2027q1.toml",
        "--actuals",
        actuals.to_str().unwrap(),
        "--as-of",
        "2027-02-01",
        "--previous",
        dir.join("plan").to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{doc}");
    let replanned = f(&doc["total_cost_usd"]);
    assert!(
        (replanned - planned).abs() <= 1e-6 * planned,
        "re-plan ${replanned} against plan ${planned}"
    );
    assert_eq!(doc["replan"]["fixed_periods"], 4);
    // frontier-pretrain was partly done in weeks 1-4 and continues; its successors follow it.
    let pretrain = work_row(&doc, "frontier-pretrain");
    assert!(f(&pretrain["done_before_pflop"]) > 0.0);
    assert!(f(&pretrain["remaining_pflop"]) > 0.0);
    assert_eq!(doc["compliance"]["violations"], 0);
    // The diff against the plan it replaces: the same total, whatever ties moved.
    let changes = &doc["replan"]["changes"];
    assert!(changes.is_object(), "{changes}");
    assert!(
        !changes["costs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "total_usd"),
        "{changes}"
    );
}

#[test]
fn a_past_breach_is_reported_as_history_and_does_not_block_the_replan() {
    // Week 1 booked 11,000 chip-hours on a 10,752-chip-hour cluster; week 2 has no actuals at
    // all, so must-serve chat went unserved (2,500 Mtok).
    let o = capplan(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-breach.csv"),
        "--as-of",
        "2027-01-18",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(code(&o), 0, "{text}{}", stderr(&o));
    assert!(
        text.contains("no actuals for period(s) 2: counted as zero usage"),
        "{text}"
    );
    assert!(
        text.contains("History: 2 breaches before 2027-01-18"),
        "{text}"
    );
    assert!(text.contains("[history] capacity: \"trn2-dedicated\" is booked for 11,000 chip-hours in period 1 but has 10,752: 248 over"), "{text}");
    assert!(text.contains("[history] demand_unserved: must-serve \"chat\" left 2,500 Mtok unserved in period(s) 2"), "{text}");
    let (rc, doc) = json(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-breach.csv"),
        "--as-of",
        "2027-01-18",
    ]);
    assert_eq!(rc, 0);
    assert_eq!(doc["compliance"]["violations"], 0);
    let rules: Vec<&str> = doc["replan"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["capacity", "demand_unserved"]);
    // 9,000 of the fine-tune's 9,370.3 chip-hours ran; the rest runs in week 3.
    let left = 9e6 - 9000.0 * 960.48;
    close(
        f(&work_row(&doc, "finetune")["remaining_pflop"]),
        left,
        "left",
    );
    close(
        cell(&doc, 3, "trn2-dedicated", "finetune"),
        left / 960.48,
        "p3 finetune",
    );
}

#[test]
fn an_as_of_date_inside_a_period_is_refused_naming_the_nearest_boundaries() {
    let o = capplan(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-weeks-1-2.csv"),
        "--as-of",
        "2027-01-13",
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("as-of date 2027-01-13 is inside period 2 (2027-01-11 to 2027-01-17); the nearest period boundaries are 2027-01-11 (start of period 2) and 2027-01-18 (start of period 3)"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    for (date, says) in [
        (
            "2027-01-01",
            "is before the horizon, which starts on 2027-01-04",
        ),
        (
            "2027-03-01",
            "is after the horizon, which ends with period 4 on 2027-01-31",
        ),
        ("2027-1-18x", "--as-of 2027-1-18x: not a date"),
    ] {
        let o = capplan(&[
            "replan",
            "models/tutorial.toml",
            "--actuals",
            &data("tutorial-weeks-1-2.csv"),
            "--as-of",
            date,
        ]);
        assert_eq!(code(&o), 2, "{date}");
        assert!(stderr(&o).contains(says), "{date}: {}", stderr(&o));
    }
}

#[test]
fn actuals_naming_unknown_clusters_or_workloads_are_refused_with_file_and_line() {
    let file = data("tutorial-unknown.csv");
    let o = capplan(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &file,
        "--as-of",
        "2027-01-18",
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{file}: 2 problems in 2 rows")),
        "{err}"
    );
    assert!(err.contains("line 3, column 2"), "{err}");
    assert!(err.contains("\"h100-spot\""), "{err}");
    assert!(err.contains("line 4, column 3"), "{err}");
    assert!(err.contains("\"fine-tune\""), "{err}");
}

#[test]
fn actuals_after_the_as_of_date_are_ignored_with_a_warning() {
    // From week 2 on, week 2's rows are what is re-planned.
    let o = capplan(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-weeks-1-2.csv"),
        "--as-of",
        "2027-01-11",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 rows on or after 2027-01-11 ignored: those periods are re-planned"),
        "{}",
        stderr(&o)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("2 actuals rows of period(s) 2 (on or after 2027-01-11) ignored"),
        "{text}"
    );
}

/// `tiny-predecessor.toml` with a 1,000 PFLOP probe (0.702 H100 chip-hours: far above the
/// audit's round-off) before a 100 chip-hour main run, at $10 per chip-hour; `deadline` is the
/// probe's.
fn probe_model(dir: &Path, deadline: u32) -> PathBuf {
    let text = std::fs::read_to_string(root().join("tests/data/tiny-predecessor.toml")).unwrap();
    let text = text
        .replace("deadline = 1", &format!("deadline = {deadline}"))
        .replace("work_pflop = 1.0", "work_pflop = 1000.0");
    let path = dir.join("probe.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_predecessor_done_in_the_past_releases_its_successor_and_one_partly_done_continues() {
    let dir = scratch("chain");
    let per_chip_hour = 989.0 * 0.40 * 3.6;
    // Done in week 1: main may run from week 2.
    let model = probe_model(&dir, 1);
    let done = root().join(data("probe-done.csv"));
    let args = [
        "replan",
        model.to_str().unwrap(),
        "--actuals",
        done.to_str().unwrap(),
        "--as-of",
        "2027-01-11",
    ];
    let (rc, doc) = json(&args);
    assert_eq!(rc, 0, "{doc}");
    close(
        f(&work_row(&doc, "probe")["remaining_pflop"]),
        0.0,
        "probe left",
    );
    close(
        cell(&doc, 2, "h100", "main") + cell(&doc, 3, "h100", "main"),
        100.0,
        "main",
    );
    close(f(&doc["total_cost_usd"]), 10.0 * (1.0 + 100.0), "total");
    // Partly done in week 1 with a deadline in week 2: the probe finishes in week 2 and main
    // runs in week 3 only.
    let model = probe_model(&dir, 2);
    let partly = root().join(data("probe-partly.csv"));
    let args = [
        "replan",
        model.to_str().unwrap(),
        "--actuals",
        partly.to_str().unwrap(),
        "--as-of",
        "2027-01-11",
    ];
    let (rc, doc) = json(&args);
    assert_eq!(rc, 0, "{doc}");
    let left = 1000.0 - 0.4 * per_chip_hour;
    close(
        f(&work_row(&doc, "probe")["remaining_pflop"]),
        left,
        "probe left",
    );
    close(
        cell(&doc, 2, "h100", "probe"),
        left / per_chip_hour,
        "probe p2",
    );
    close(cell(&doc, 2, "h100", "main"), 0.0, "main p2");
    close(cell(&doc, 3, "h100", "main"), 100.0, "main p3");
    close(
        f(&doc["total_cost_usd"]),
        10.0 * (1000.0 / per_chip_hour + 100.0),
        "total",
    );
    // Partly done and its window closed: the shortfall is history and main still runs.
    let model = probe_model(&dir, 1);
    let args = [
        "replan",
        model.to_str().unwrap(),
        "--actuals",
        partly.to_str().unwrap(),
        "--as-of",
        "2027-01-11",
    ];
    let (rc, doc) = json(&args);
    assert_eq!(rc, 0, "{doc}");
    let rules: Vec<&str> = doc["replan"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["work_incomplete", "dependency"], "{doc}");
    close(
        cell(&doc, 2, "h100", "main") + cell(&doc, 3, "h100", "main"),
        100.0,
        "main",
    );
}

/// The tutorial with a `[replan]` table appended, and its actuals beside it.
fn kept_replan(dir: &Path, table: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("models/tutorial.toml")).unwrap();
    std::fs::copy(
        root().join(data("tutorial-weeks-1-2.csv")),
        dir.join("actuals.csv"),
    )
    .unwrap();
    let path = dir.join("tutorial-replan.toml");
    std::fs::write(&path, format!("{text}\n{table}")).unwrap();
    path
}

#[test]
fn a_replan_table_in_the_file_is_a_replan_one_can_keep_and_validate_checks_it() {
    let dir = scratch("kept");
    let model = kept_replan(
        &dir,
        "[replan]\nas_of = \"2027-01-18\"\nactuals = \"actuals.csv\"\n",
    );
    let o = capplan(&["validate", model.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (rc, kept) = json(&["replan", model.to_str().unwrap()]);
    assert_eq!(rc, 0, "{kept}");
    let (_, flags) = json(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-weeks-1-2.csv"),
        "--as-of",
        "2027-01-18",
    ]);
    close(
        f(&kept["total_cost_usd"]),
        f(&flags["total_cost_usd"]),
        "kept vs flags",
    );
    // A date inside a period, at its line.
    let model = kept_replan(
        &dir,
        "[replan]\nas_of = \"2027-01-20\"\nactuals = \"actuals.csv\"\n",
    );
    let o = capplan(&["validate", model.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("line 65"), "{err}");
    assert!(
        err.contains("2027-01-18 (start of period 3) and 2027-01-25"),
        "{err}"
    );
    // An actuals file that names an unknown workload: validate reads it too.
    std::fs::write(
        dir.join("bad.csv"),
        "period,cluster,workload,chip_hours\n1,trn2-dedicated,fine-tune,3000\n",
    )
    .unwrap();
    let model = kept_replan(
        &dir,
        "[replan]\nas_of = \"2027-01-18\"\nactuals = \"bad.csv\"\n",
    );
    let o = capplan(&["validate", model.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("bad.csv: 1 problem in 1 row"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn plan_ignores_a_replan_table_and_says_so() {
    let dir = scratch("plan-ignores");
    let model = kept_replan(
        &dir,
        "[replan]\nas_of = \"2027-01-18\"\nactuals = \"actuals.csv\"\n",
    );
    let (rc, doc) = json(&["plan", model.to_str().unwrap()]);
    assert_eq!(rc, 0);
    let (_, plain) = json(&["plan", "models/tutorial.toml"]);
    close(
        f(&doc["total_cost_usd"]),
        f(&plain["total_cost_usd"]),
        "plan",
    );
    let o = capplan(&["plan", model.to_str().unwrap()]);
    assert!(stderr(&o).contains("capplan replan"), "{}", stderr(&o));
}

/// The plan's own schedule as actuals: re-planned from any period boundary, with any backend,
/// the total is the plan's (the continuation of an optimal plan is optimal).
#[test]
fn replanning_a_plan_from_its_own_past_at_every_boundary_keeps_its_cost() {
    use capplan::model::Scenario;
    use capplan::plan::{plan_from_past, PlanOptions, PlanOutcome};
    for model in ["models/tutorial.toml", "models/aws-frontier-2027q1.toml"] {
        let s = Scenario::from_file(&root().join(model)).unwrap();
        for backend in common::backends(&s) {
            let planned = common::plan_with(&s, backend);
            let own = common::rebuild(&s, &planned);
            let opts = PlanOptions {
                backend: Some(backend),
                ..PlanOptions::default()
            };
            for end in [1, s.horizon.len() / 2, s.horizon.len()] {
                let (outcome, history) = plan_from_past(&s, &opts, &own, end).unwrap();
                let PlanOutcome::Planned { audit, .. } = outcome else {
                    panic!("{model} from period {end} on {backend:?}: no plan");
                };
                assert!(history.is_empty(), "{model} {end}: {history:?}");
                let (got, want) = (audit.costs.total_usd, planned.costs.total_usd);
                assert!(
                    (got - want).abs() <= 1e-6 * want,
                    "{model} from period {end} on {backend:?}: ${got} against ${want}"
                );
                // The fixed periods are the plan's own, row for row.
                for r in audit.schedule.iter().filter(|r| r.period <= end) {
                    let same = planned.schedule.iter().find(|p| {
                        (p.period, &p.cluster, &p.workload) == (r.period, &r.cluster, &r.workload)
                    });
                    assert_eq!(same.map(|p| p.chip_hours), Some(r.chip_hours), "{r:?}");
                }
            }
        }
    }
}

#[test]
fn a_past_that_leaves_too_much_to_do_is_infeasible_and_says_what_cannot_be_met() {
    let dir = scratch("nothing-ran");
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "period,cluster,workload,chip_hours\n").unwrap();
    let args = [
        "replan",
        "models/aws-frontier-2027q1.toml",
        "--actuals",
        empty.to_str().unwrap(),
        "--as-of",
        "2027-02-01",
    ];
    let o = capplan(&args);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(code(&o), 1, "{text}");
    assert!(
        text.contains("no actuals for period(s) 1, 2, 3, 4: counted as zero usage"),
        "{text}"
    );
    assert!(text.contains("INFEASIBLE"), "{text}");
    assert!(text.contains("History: not audited"), "{text}");
    let (rc, doc) = json(&args);
    assert_eq!(rc, 1);
    assert_eq!(doc["status"], "infeasible");
    assert!(doc["replan"]["history"].is_null());
    assert!(!doc["unmeetable"].as_array().unwrap().is_empty());
}

#[test]
fn out_writes_the_fixed_past_and_the_new_plan_as_one_schedule() {
    let dir = scratch("out");
    let out = dir.join("replan");
    let (rc, doc) = json(&[
        "replan",
        "models/tutorial.toml",
        "--actuals",
        &data("tutorial-weeks-1-2.csv"),
        "--as-of",
        "2027-01-18",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["replan"]["as_of"], "2027-01-18");
    assert_eq!(saved["total_cost_usd"], doc["total_cost_usd"]);
    // Checked as an allocation, the schedule costs what the re-plan says.
    let (_, checked) = json(&[
        "check",
        "models/tutorial.toml",
        out.join("schedule.csv").to_str().unwrap(),
    ]);
    close(
        f(&checked["total_cost_usd"]),
        f(&doc["total_cost_usd"]),
        "check of schedule.csv",
    );
    assert_eq!(checked["compliance"]["violations"], 0);
}

#[test]
fn as_of_the_day_after_the_horizon_fixes_everything_and_a_missed_hard_floor_is_history() {
    let dir = scratch("all-fixed");
    let text = std::fs::read_to_string(root().join("models/tutorial.toml")).unwrap();
    // The tutorial's floor made hard: weeks 1-2 of the actuals use 3,000 and 4,000 of the
    // 5,376 chip-hours it asks for, weeks 3-4 have no rows.
    let hard = text.replace("penalty_usd_per_chip_hour = 1.0", "");
    let model = dir.join("hard-floor.toml");
    std::fs::write(&model, hard).unwrap();
    let (rc, doc) = json(&[
        "replan",
        model.to_str().unwrap(),
        "--actuals",
        root()
            .join(data("tutorial-weeks-1-2.csv"))
            .to_str()
            .unwrap(),
        "--as-of",
        "2027-02-01",
    ]);
    assert_eq!(rc, 0, "{doc}");
    assert_eq!(doc["replan"]["fixed_periods"], 4);
    assert_eq!(
        doc["replan"]["periods_without_actuals"],
        serde_json::json!([3, 4])
    );
    let history = doc["replan"]["history"].as_array().unwrap();
    let floor = history
        .iter()
        .find(|h| h["rule"] == "utilization_floor")
        .unwrap_or_else(|| panic!("{history:?}"));
    assert_eq!(floor["periods"], serde_json::json!([1, 2, 3, 4]));
    close(
        f(&floor["amount"]),
        4.0 * 5376.0 - 7000.0,
        "short chip-hours",
    );
    // The fine-tune missed its deadline and chat went unserved in weeks 3-4: history too.
    let rules: Vec<&str> = history
        .iter()
        .map(|h| h["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"work_incomplete") && rules.contains(&"demand_unserved"),
        "{rules:?}"
    );
    // Nothing was planned: the cost is the reserved bill and the H100 hours that ran.
    let reserved = 4.0 * 10_752.0 * 5.373 * 0.85;
    close(
        f(&doc["total_cost_usd"]),
        reserved + 2250.0 * 12.29,
        "total",
    );
}
