//! `capplan plan --deadlines`: each binding deadline and release moved one period later and one
//! earlier, re-planned. Hand-worked savings on small scenarios, and the law that every reported
//! saving is the difference of two separate `capplan plan --set` runs.
//!
//! The small scenarios have four days, one H100 cluster `cheap` at $1 a chip-hour and one
//! `dear` at $3, both per-use, and one fine-tune `job` of some H100 chip-hours: one chip of
//! `cheap` gives 24 chip-hours a day.

mod common;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use common::{assert_usd, capplan, code, stderr};

#[derive(Debug, Deserialize)]
struct PlanDoc {
    total_cost_usd: Option<f64>,
    deadline_whatifs: Option<Whatifs>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Whatifs {
    base_total_usd: f64,
    tolerance_usd: f64,
    group: Option<Group>,
    entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    set: Vec<String>,
    status: String,
    saving_usd: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    workload: String,
    term: String,
    period: usize,
    plan_period: Option<usize>,
    binds: bool,
    later: Move,
    earlier: Move,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Move {
    to_period: Option<usize>,
    effect: String,
    saving_usd: Option<f64>,
    total_usd: Option<f64>,
    status: Option<String>,
    basis: String,
    note: Option<String>,
}

/// The small scenario: chips of `cheap` and `dear` (a number or a list per day), the job's
/// chip-hours, and its `release`/`deadline` lines.
fn model(cheap: &str, dear: &str, chip_hours: f64, terms: &str) -> String {
    format!(
        r#"
[horizon]
start = "2027-01-04"
period = "day"
periods = 4

[[clusters]]
id = "cheap"
provider = "aws"
chip = "h100"
chips = {cheap}
billing = "per-use"
usd_per_chip_hour = 1.0
price_basis = "on-demand"

[[clusters]]
id = "dear"
provider = "gcp"
chip = "h100"
chips = {dear}
billing = "per-use"
usd_per_chip_hour = 3.0
price_basis = "on-demand"

[[workloads]]
id = "job"
kind = "post-training"
work_chip_hours = {{ chip = "h100", chip_hours = {chip_hours} }}
{terms}
"#
    )
}

/// Writes `text` as a scenario file in `dir`.
fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("model.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `capplan plan FILE --deadlines --format json` (plus `extra`), decoded.
fn whatifs(file: &Path, extra: &[&str]) -> Whatifs {
    let mut args = vec!["--deadlines"];
    args.extend(extra);
    let doc: PlanDoc = serde_json::from_value(common::plan_json(file, &args)).unwrap();
    doc.deadline_whatifs
        .expect("--deadlines adds deadline_whatifs")
}

fn entry<'a>(w: &'a Whatifs, workload: &str, term: &str) -> &'a Entry {
    w.entries
        .iter()
        .find(|e| e.workload == workload && e.term == term)
        .unwrap_or_else(|| panic!("no {workload} {term} in {:?}", w.entries))
}

#[test]
fn a_later_deadline_saves_what_the_dear_cluster_cost() {
    let dir = tempfile::tempdir().unwrap();
    // 60 chip-hours due by day 2: `cheap` gives 2 x 24 = 48 at $1, `dear` the other 12 at $3:
    // $48 + $36 = $84.
    let file = write(dir.path(), &model("1", "10", 60.0, "deadline = 2"));
    let w = whatifs(&file, &[]);
    assert_usd(w.base_total_usd, 84.0, "plan");
    let e = entry(&w, "job", "deadline");
    assert!(e.binds, "{e:?}");
    assert_eq!((e.period, e.plan_period), (2, Some(2)));
    // Due by day 3: all 60 on `cheap` (72 available) at $1 = $60, saving $84 - $60 = $24.
    assert_eq!(
        (e.later.to_period, e.later.effect.as_str()),
        (Some(3), "saves")
    );
    assert_usd(e.later.saving_usd.unwrap(), 24.0, "one day later");
    assert_usd(e.later.total_usd.unwrap(), 60.0, "total one day later");
    assert_eq!(e.later.basis, "resolved");
    // Due by day 1: 24 on `cheap` at $1 and 36 on `dear` at $3 = $132, $48 more.
    assert_eq!(
        (e.earlier.to_period, e.earlier.effect.as_str()),
        (Some(1), "costs")
    );
    assert_usd(e.earlier.saving_usd.unwrap(), -48.0, "one day earlier");
}

#[test]
fn an_earlier_release_saves_and_a_later_one_costs() {
    let dir = tempfile::tempdir().unwrap();
    // Window days 2-3: 48 on `cheap` and 12 on `dear`, $84 again.
    let file = write(
        dir.path(),
        &model("1", "10", 60.0, "release = 2\ndeadline = 3"),
    );
    let w = whatifs(&file, &[]);
    assert_usd(w.base_total_usd, 84.0, "plan");
    let e = entry(&w, "job", "release");
    assert!(e.binds && e.plan_period == Some(2), "{e:?}");
    // From day 1: three days of `cheap`, $60, saving $24.
    assert_eq!(e.earlier.effect, "saves");
    assert_usd(
        e.earlier.saving_usd.unwrap(),
        24.0,
        "release one day earlier",
    );
    // From day 3: one day, 24 at $1 + 36 at $3 = $132, $48 more.
    assert_eq!(e.later.effect, "costs");
    assert_usd(e.later.saving_usd.unwrap(), -48.0, "release one day later");
    // The deadline binds too, and one day later it saves the same $24 (days 2-4 of `cheap`).
    let d = entry(&w, "job", "deadline");
    assert!(d.binds);
    assert_usd(d.later.saving_usd.unwrap(), 24.0, "deadline one day later");
}

#[test]
fn a_binding_deadline_can_save_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // 60 chip-hours by day 3 take all of `cheap`'s 72 but for 12: the plan costs $60 and must
    // use day 3 (two days hold only 48), so the deadline binds in the plan; a fourth day cannot
    // make $1 chip-hours any cheaper: no change. Day 2 instead: 48 at $1 + 12 at $3 = $84,
    // $24 more.
    let file = write(dir.path(), &model("1", "10", 60.0, "deadline = 3"));
    let w = whatifs(&file, &[]);
    assert_usd(w.base_total_usd, 60.0, "plan");
    let e = entry(&w, "job", "deadline");
    assert!(e.binds && e.plan_period == Some(3), "{e:?}");
    assert_eq!(
        (e.later.effect.as_str(), e.later.basis.as_str()),
        ("no_change", "resolved")
    );
    assert!(e.later.saving_usd.unwrap().abs() <= w.tolerance_usd);
    assert_eq!(e.earlier.effect, "costs");
    assert_usd(e.earlier.saving_usd.unwrap(), -24.0, "one day earlier");
}

#[test]
fn an_earlier_deadline_that_cannot_hold_the_work_is_infeasible() {
    let dir = tempfile::tempdir().unwrap();
    // Only `cheap` (no chips on `dear`): 60 chip-hours need three days of 24; by day 2 there are
    // 48. The table names the move and why.
    let file = write(dir.path(), &model("1", "0", 60.0, "deadline = 3"));
    let w = whatifs(&file, &[]);
    let e = entry(&w, "job", "deadline");
    assert_eq!(
        (e.earlier.to_period, e.earlier.effect.as_str()),
        (Some(2), "infeasible")
    );
    assert_eq!(e.earlier.saving_usd, None);
    let note = e.earlier.note.as_deref().unwrap_or_default();
    assert!(note.contains("job"), "{note}");
    let out = capplan(&["plan", file.to_str().unwrap(), "--deadlines"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("job       deadline       3  finishes 3"),
        "{text}"
    );
    assert!(text.contains("infeasible"), "{text}");
    assert!(text.contains("    job deadline in period 2: "), "{text}");
}

#[test]
fn a_deadline_at_the_horizon_end_says_it_cannot_move() {
    let dir = tempfile::tempdir().unwrap();
    // No deadline: the last day. 96 chip-hours take all four days of `cheap`.
    let file = write(dir.path(), &model("1", "0", 96.0, ""));
    let w = whatifs(&file, &[]);
    let e = entry(&w, "job", "deadline");
    assert_eq!((e.period, e.binds), (4, true));
    assert_eq!(
        (
            e.later.effect.as_str(),
            e.later.to_period,
            e.later.basis.as_str()
        ),
        ("cannot_move", None, "not_moved")
    );
    assert_eq!(e.later.note.as_deref(), Some("the horizon ends here"));
    let out = capplan(&["plan", file.to_str().unwrap(), "--deadlines"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cannot: the horizon ends here"), "{text}");
}

#[test]
fn a_slack_deadline_is_settled_without_its_own_replan() {
    let dir = tempfile::tempdir().unwrap();
    // `cheap` has a chip on day 1 only: 24 chip-hours at $1 on day 1, deadline day 3. Day 3 is
    // unused, so one day earlier changes nothing (no re-plan); one day later is checked by the
    // group re-plan, and `cheap` has nothing on day 4 either: no change. Not binding.
    let file = write(
        dir.path(),
        &model("[1, 0, 0, 0]", "10", 24.0, "deadline = 3"),
    );
    let w = whatifs(&file, &[]);
    assert_usd(w.base_total_usd, 24.0, "plan");
    let e = entry(&w, "job", "deadline");
    assert!(!e.binds && e.plan_period == Some(1), "{e:?}");
    assert_eq!(
        (e.earlier.effect.as_str(), e.earlier.basis.as_str()),
        ("no_change", "plan_unchanged")
    );
    assert_eq!(
        (e.later.effect.as_str(), e.later.basis.as_str()),
        ("no_change", "group_resolved")
    );
    let g = w.group.as_ref().expect("one group re-plan");
    assert_eq!(g.set, ["workloads.job.deadline=4"]);
    assert_eq!(g.status, "optimal");
    assert!(g.saving_usd.unwrap().abs() <= w.tolerance_usd);
    let out = capplan(&["plan", file.to_str().unwrap(), "--deadlines"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("no deadline or release binds"), "{text}");
    assert!(text.contains("deadlines of job"), "{text}");
}

#[test]
fn a_deadline_the_plan_leaves_unused_can_still_save_when_moved_later() {
    let dir = tempfile::tempdir().unwrap();
    // `cheap` has its chip on day 4 only; 24 chip-hours due by day 3 go to `dear` at $3: $72.
    // Due by day 4 they go to `cheap` at $1: $24, saving $48, whichever of days 1-3 the plan
    // used (if not day 3, the group re-plan saves and the deadline is re-planned alone).
    let file = write(
        dir.path(),
        &model("[0, 0, 0, 1]", "10", 24.0, "deadline = 3"),
    );
    let w = whatifs(&file, &[]);
    assert_usd(w.base_total_usd, 72.0, "plan");
    let e = entry(&w, "job", "deadline");
    assert!(e.binds, "{e:?}");
    assert_eq!(
        (e.later.effect.as_str(), e.later.basis.as_str()),
        ("saves", "resolved")
    );
    assert_usd(e.later.saving_usd.unwrap(), 48.0, "one day later");
}

/// Every move with a plan saves the difference of two `capplan plan --set` runs; every
/// infeasible move is a run without a plan (exit 1, or 2 when the loader refuses the window).
fn check_against_separate_runs(file: &Path, base_set: &[&str]) {
    let mut extra = Vec::new();
    for s in base_set {
        extra.extend(["--set", s]);
    }
    let w = whatifs(file, &extra);
    let mut runs = 0;
    for e in &w.entries {
        for m in [&e.later, &e.earlier] {
            let Some(to) = m.to_period else {
                assert_eq!(m.effect, "cannot_move", "{e:?}");
                continue;
            };
            let set = format!("workloads.{}.{}={to}", e.workload, e.term);
            let mut args = vec!["plan", file.to_str().unwrap(), "--format", "json"];
            args.extend(extra.iter().copied());
            args.extend(["--set", &set]);
            let out = capplan(&args);
            runs += 1;
            match m.effect.as_str() {
                "saves" | "costs" | "no_change" => {
                    assert_eq!(code(&out), 0, "{set}: {}", stderr(&out));
                    let doc: PlanDoc = serde_json::from_slice(&out.stdout).unwrap();
                    let total = doc.total_cost_usd.expect("a plan has a total");
                    let saving = w.base_total_usd - total;
                    let got = m.saving_usd.expect("a move with a plan has a saving");
                    assert!(
                        (saving - got).abs() <= w.tolerance_usd,
                        "{set}: reported saving ${got}, separate runs differ by ${saving}"
                    );
                    if m.effect == "no_change" {
                        assert!(saving.abs() <= w.tolerance_usd, "{set}: ${saving}");
                    }
                    if let Some(t) = m.total_usd {
                        assert!((t - total).abs() <= w.tolerance_usd, "{set}");
                    }
                    assert!(m.status.is_some() || m.basis != "resolved", "{set}");
                }
                "infeasible" => assert!(
                    [1, 2].contains(&code(&out)),
                    "{set}: exit {}: {}",
                    code(&out),
                    stderr(&out)
                ),
                other => panic!("{set}: {other}"),
            }
        }
    }
    assert!(runs > 0, "{}: nothing was moved", file.display());
}

#[test]
fn savings_equal_separate_plan_runs_on_the_tutorial() {
    check_against_separate_runs(&common::root().join("models/tutorial.toml"), &[]);
}

#[test]
fn savings_equal_separate_plan_runs_on_the_shipped_scenario() {
    // Binding and non-binding deadlines, releases, a deadline at the horizon end, a MILP.
    check_against_separate_runs(&common::root().join("models/aws-frontier-2027q1.toml"), &[]);
}

#[test]
fn savings_equal_separate_plan_runs_with_the_plans_own_overrides() {
    // The what-ifs apply on top of the plan's --set: here a later deadline for the pre-train.
    check_against_separate_runs(
        &common::root().join("models/aws-frontier-2027q1.toml"),
        &["workloads.frontier-pretrain.deadline=6"],
    );
}

#[test]
fn savings_equal_separate_plan_runs_on_the_small_scenarios() {
    for (cheap, dear, work, terms) in [
        ("1", "10", 60.0, "deadline = 2"),
        ("1", "10", 60.0, "release = 2\ndeadline = 3"),
        ("1", "0", 60.0, "deadline = 3"),
        ("[0, 0, 0, 1]", "10", 24.0, "deadline = 3"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        check_against_separate_runs(&write(dir.path(), &model(cheap, dear, work, terms)), &[]);
    }
}

#[test]
fn out_writes_deadlines_csv_and_a_run_without_the_flag_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let model = common::root().join("models/tutorial.toml");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            model.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = capplan(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    };
    run(&["--deadlines"]);
    let csv = std::fs::read_to_string(out.join("deadlines.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("workload,term,period,plan_period,binds,direction,to_period,effect,saving_usd,total_usd,basis,note")
    );
    // The fine-tune's deadline one week earlier: $1,618.31 more (README's tour works it out).
    let earlier = lines
        .find(|l| l.starts_with("finetune,deadline,3,3,true,earlier,2,costs,"))
        .unwrap_or_else(|| panic!("{csv}"));
    let saving: f64 = earlier.split(',').nth(8).unwrap().parse().unwrap();
    assert_usd(saving, -1618.31484, "finetune one week earlier");
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert!(plan["deadline_whatifs"]["entries"].is_array());
    run(&[]);
    assert!(!out.join("deadlines.csv").exists());
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    // Every key of the document is always written (docs/json.md): null without the flag.
    assert!(plan["deadline_whatifs"].is_null());
}

#[test]
fn no_plan_means_no_whatifs() {
    let model = common::root().join("models/infeasible-deadline.toml");
    let out = capplan(&["plan", model.to_str().unwrap(), "--deadlines"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Deadlines and releases: not re-planned, there is no plan to compare with."),
        "{text}"
    );
}

#[test]
fn ids_with_dots_are_moved_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    // The first scenario with the job renamed `job.v2`: the same $24 one day later.
    let text = model("1", "10", 60.0, "deadline = 2").replace("id = \"job\"", "id = \"job.v2\"");
    let file = write(dir.path(), &text);
    let w = whatifs(&file, &[]);
    let e = entry(&w, "job.v2", "deadline");
    assert_usd(e.later.saving_usd.unwrap(), 24.0, "one day later");
    check_against_separate_runs(&file, &[]);
}
