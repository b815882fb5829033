//! `capplan check` of schedules people round (issue 8): rounding every row to a whole chip-hour
//! is not a violation, in any rule; the tolerance is stated in the table and the JSON; a real
//! shortfall is still caught; the planner's own audit stays tight; and the inference table shows
//! what is really unmet.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use capplan::allocation_io::read_allocation;
use capplan::audit::{audit, audit_with, Rule, Tolerance};
use capplan::model::Scenario;
use serde_json::Value;

fn capplan(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Plans `model` into `dir`; the path of its schedule.csv, if it has one.
fn plan_into(model: &Path, dir: &Path) -> Option<PathBuf> {
    let out = dir.join("out");
    capplan(&[
        "plan",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let csv = out.join("schedule.csv");
    csv.exists().then_some(csv)
}

/// `schedule.csv` with every `chip_hours` rounded by `f`, written next to it.
fn rounded(schedule: &Path, name: &str, f: impl Fn(f64) -> f64) -> PathBuf {
    let mut reader = csv::Reader::from_path(schedule).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "chip_hours").unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let row: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i == col {
                    f(v.parse().unwrap()).to_string()
                } else {
                    v.to_string()
                }
            })
            .collect();
        writer.write_record(&row).unwrap();
    }
    let path = schedule.with_file_name(name);
    std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
    path
}

fn check_json(model: &Path, allocation: &Path) -> (i32, Value) {
    let (code, out, err) = capplan(&[
        "check",
        model.to_str().unwrap(),
        allocation.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc)
}

#[test]
fn schedules_rounded_to_whole_chip_hours_pass_check_in_every_rule() {
    let mut checked = 0;
    for model in common::shipped_models() {
        let dir = tempfile::tempdir().unwrap();
        let Some(schedule) = plan_into(&model, dir.path()) else {
            continue;
        };
        let path = rounded(&schedule, "rounded.csv", f64::round);
        let (code, doc) = check_json(&model, &path);
        assert_eq!(
            doc["compliance"]["violations"],
            0,
            "{}: {:#}",
            model.display(),
            doc["findings"]
        );
        assert_eq!(code, 0, "{}", model.display());
        assert_eq!(doc["tolerance"]["row_chip_hours"], 0.5);
        checked += 1;
    }
    assert!(
        checked >= 2,
        "only {checked} shipped models have a schedule"
    );
}

#[test]
fn the_tolerance_is_stated_and_the_real_unmet_figure_shown() {
    let model = common::root().join("models/tutorial.toml");
    let dir = tempfile::tempdir().unwrap();
    let schedule = plan_into(&model, dir.path()).unwrap();
    let path = rounded(&schedule, "rounded.csv", f64::round);
    let (code, out, _) = capplan(&["check", model.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Tolerance: each allocation row may be off by 0.5 chip-hour(s)"),
        "{out}"
    );
    // The rounded schedule serves a little less than the 11,000 Mtok of "chat": the table says
    // how much, instead of 0, and the JSON agrees with demand - served.
    let (_, doc) = check_json(&model, &path);
    let chat = doc["inference"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == "chat")
        .unwrap();
    let (demand, served, unmet) = (
        chat["demand"].as_f64().unwrap(),
        chat["served"].as_f64().unwrap(),
        chat["unmet"].as_f64().unwrap(),
    );
    assert!(unmet > 0.5, "{chat:#}");
    assert!((demand - served - unmet).abs() < 1e-6, "{chat:#}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("chat "))
        .unwrap();
    assert!(!line.split_whitespace().any(|c| c == "0"), "{line}");
}

#[test]
fn the_planners_audit_stays_tight_and_a_real_shortfall_is_still_caught() {
    let model = common::root().join("models/tutorial.toml");
    let s = Scenario::from_file(&model).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schedule = plan_into(&model, dir.path()).unwrap();
    let path = rounded(&schedule, "rounded.csv", f64::round);
    let alloc = read_allocation(&s, &path).unwrap();
    // The plan's own audit (Tolerance::PLAN) still sees the rounding as a must-serve breach;
    // check's whole-chip-hour tolerance does not.
    let tight = audit(&s, &alloc);
    assert_eq!(tight.tolerance, Tolerance::PLAN);
    assert!(
        tight
            .findings
            .iter()
            .any(|f| f.rule == Rule::DemandUnserved),
        "{:#?}",
        tight.findings
    );
    let loose = audit_with(&s, &alloc, Tolerance::WHOLE_CHIP_HOURS);
    assert_eq!(loose.violations(), 0, "{:#?}", loose.findings);
    // Ten chip-hours fewer on every row is no rounding: check says so (exit 1).
    let short = rounded(&schedule, "short.csv", |x| (x.round() - 10.0).max(0.0));
    let (code, doc) = check_json(&model, &short);
    assert_eq!(code, 1);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "demand_unserved" || f["rule"] == "work_incomplete"),
        "{:#}",
        doc["findings"]
    );
}
