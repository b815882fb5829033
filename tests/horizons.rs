//! Segmented horizons: hours and date labels of every period, worked by hand; the errors of the
//! two exclusive forms; spend floors wholly outside the horizon kept out of the plan's cost, by
//! the planner and by the audit alike.

mod common;

use std::path::Path;

use capplan::generate::{generate_segmented, segments_toml, GenerateOptions};
use capplan::model::Scenario;
use capplan::overrides::{self, Override};
use capplan::schema::PeriodLength;
use capplan::solver::Backend;
use common::{assert_usd, load, plan_with};

/// 12 weeks, 3 days to reach April, 9 months to the end of 2027, 8 quarters to the end of 2029.
const SEGMENTED: &str = r#"
[horizon]
start = "2027-01-04"
segments = [
  { period = "week", count = 12 },
  { period = "day", count = 3 },
  { period = "month", count = 9 },
  { period = "quarter", count = 8 },
]
"#;

#[test]
fn segmented_horizon_hours_and_labels_are_the_calendars() {
    let s = load(SEGMENTED);
    let h = &s.horizon;
    assert_eq!(h.len(), 12 + 3 + 9 + 8);
    let hours: Vec<f64> = h.periods.iter().map(|p| p.hours).collect();
    assert!(hours[..12].iter().all(|&x| x == 168.0));
    assert_eq!(hours[12..15], [24.0; 3]);
    // April to December 2027: 30, 31, 30, 31, 31, 30, 31, 30, 31 days.
    let months: Vec<f64> = [30, 31, 30, 31, 31, 30, 31, 30, 31]
        .map(|d| d as f64 * 24.0)
        .to_vec();
    assert_eq!(hours[15..24], months[..]);
    // 2028 is a leap year: Q1 = 31 + 29 + 31 = 91 days; 2029-Q1 = 90 days.
    let quarters = [91, 91, 92, 92, 90, 91, 92, 92].map(|d| d as f64 * 24.0);
    assert_eq!(hours[24..], quarters[..]);
    let total_days = (h.periods[31].end - h.periods[0].start).num_days();
    assert_eq!(hours.iter().sum::<f64>(), total_days as f64 * 24.0);
    assert_eq!(h.periods[31].end.to_string(), "2030-01-01");
    let labels: Vec<String> = h.periods.iter().map(|p| p.label()).collect();
    assert_eq!(labels[0], "2027-W01");
    assert_eq!(labels[11], "2027-W12");
    assert_eq!(labels[12..15], ["2027-03-29", "2027-03-30", "2027-03-31"]);
    assert_eq!(labels[15], "2027-04");
    assert_eq!(labels[23], "2027-12");
    assert_eq!(labels[24], "2028-Q1");
    assert_eq!(labels[29], "2029-Q2");
    assert_eq!(labels[31], "2029-Q4");
    assert_eq!(h.periods[31].number, 32);
}

#[test]
fn iso_week_labels_cross_the_year_as_iso_does() {
    // 2026-12-28 is a Monday in ISO week 53 of 2026; 2027-01-04 starts week 1 of 2027.
    let s = load("[horizon]\nstart = \"2026-12-28\"\nperiod = \"week\"\nperiods = 2\n");
    let labels: Vec<String> = s.horizon.periods.iter().map(|p| p.label()).collect();
    assert_eq!(labels, ["2026-W53", "2027-W01"]);
}

#[test]
fn quarters_in_the_simple_form() {
    let s = load("[horizon]\nstart = \"2028-01-01\"\nperiod = \"quarter\"\nperiods = 4\n");
    let hours: Vec<f64> = s.horizon.periods.iter().map(|p| p.hours).collect();
    assert_eq!(hours, [2184.0, 2184.0, 2208.0, 2208.0]);
    let labels: Vec<String> = s.horizon.periods.iter().map(|p| p.label()).collect();
    assert_eq!(labels, ["2028-Q1", "2028-Q2", "2028-Q3", "2028-Q4"]);
}

#[test]
fn months_from_the_31st_keep_to_the_calendar() {
    let s =
        load("[horizon]\nstart = \"2027-01-31\"\nsegments = [{ period = \"month\", count = 3 }]\n");
    let ends: Vec<String> = s
        .horizon
        .periods
        .iter()
        .map(|p| p.end.to_string())
        .collect();
    assert_eq!(ends, ["2027-02-28", "2027-03-31", "2027-04-30"]);
}

/// The error text of a scenario that does not load.
fn error_of(toml: &str) -> String {
    match Scenario::from_toml(toml, Path::new("h.toml")) {
        Ok(_) => panic!("loaded: {toml}"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn the_two_forms_are_exclusive_and_each_is_complete() {
    let both = error_of(
        "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 3\nsegments = [{ period = \"week\", count = 2 }]\n",
    );
    assert!(
        both.contains("horizon: both `segments` and `period`/`periods` are given"),
        "{both}"
    );
    assert!(both.contains("keep one form"), "{both}");
    let half = error_of("[horizon]\nstart = \"2027-01-04\"\nperiods = 3\n");
    assert!(
        half.contains("horizon.period: missing field `period`"),
        "{half}"
    );
    assert!(half.contains("day, week, month or quarter"), "{half}");
    let zero = error_of(
        "[horizon]\nstart = \"2027-01-04\"\nsegments = [\n  { period = \"week\", count = 2 },\n  { period = \"month\", count = 0 },\n]\n",
    );
    assert!(
        zero.contains("line 5, column 31: horizon.segments[1].count: 0 periods"),
        "{zero}"
    );
    let empty = error_of("[horizon]\nstart = \"2027-01-04\"\nsegments = []\n");
    assert!(empty.contains("horizon.segments: no segments"), "{empty}");
    let many = error_of(
        "[horizon]\nstart = \"2027-01-04\"\nsegments = [{ period = \"day\", count = 6000 }, { period = \"day\", count = 5000 }]\n",
    );
    assert!(many.contains("11000 periods in all"), "{many}");
    let unknown = error_of(
        "[horizon]\nstart = \"2027-01-04\"\nsegments = [{ period = \"year\", count = 2 }]\n",
    );
    assert!(unknown.contains("unknown variant `year`"), "{unknown}");
}

/// Four weeks of 2027 on one per-use cluster under a contract with a 2027 floor and a floor year
/// 2028-07..2029-06 wholly after the horizon. 10 chips at $2 (after 20% off $2.5): a training
/// job of 1,000 chip-hours costs $2,000.
fn floors(after_floor: f64, after_forecast: f64) -> String {
    format!(
        r#"
[horizon]
start = "2027-01-04"
period = "week"
periods = 4

[[clusters]]
id = "gpu"
provider = "aws"
chip = "h100"
chips = 10
billing = "per-use"
usd_per_chip_hour = 2.5
price_basis = "on-demand"
contract = "deal"

[[workloads]]
id = "job"
kind = "post-training"
work_chip_hours = {{ chip = "h100", chip_hours = 1000 }}
mfu = {{ h100 = 0.4 }}

[[contracts]]
id = "deal"
provider = "aws"
start = "2027-01-01"
end = "2029-06-30"
discount = 0.2
baseline = "on-demand"

[[contracts.spend_floors]]
name = "2027"
start = "2027-01-01"
end = "2027-12-31"
floor_usd = 5000
forecast_after_usd = 2500

[[contracts.spend_floors]]
name = "2028-07"
start = "2028-07-01"
end = "2029-06-30"
floor_usd = {after_floor}
forecast_after_usd = {after_forecast}
"#
    )
}

#[test]
fn a_floor_wholly_after_the_horizon_is_not_in_the_cost() {
    let s = load(&floors(40_000_000.0, 1_000_000.0));
    for backend in [Backend::Microlp, Backend::Clarabel] {
        let a = plan_with(&s, backend);
        // $2,000 of work + $2,500 forecast: the 2027 floor is short by $500, billed.
        assert_usd(a.costs.usage_usd, 2000.0, "usage");
        assert_usd(a.costs.spend_shortfall_usd, 500.0, "shortfall");
        assert_usd(a.costs.total_usd, 2500.0, "total");
        let after = &a.spend_floors[1];
        assert!(after.outside_horizon && !after.met);
        assert_eq!(after.shortfall_usd, 0.0);
        assert_usd(after.forecast_needed_usd, 39_000_000.0, "forecast needed");
        let inside = &a.spend_floors[0];
        assert!(!inside.outside_horizon && inside.forecast_needed_usd == 0.0);
        let billed: f64 = a.bill.lines.iter().map(|l| l.spend_shortfall_usd).sum();
        assert_usd(billed, 500.0, "billed in the bill");
    }
}

#[test]
fn a_floor_outside_the_horizon_met_by_its_forecast_needs_nothing() {
    let s = load(&floors(1_000_000.0, 1_000_000.0));
    let a = plan_with(&s, Backend::Microlp);
    assert!(a.spend_floors[1].met && a.spend_floors[1].outside_horizon);
    assert_eq!(a.spend_floors[1].forecast_needed_usd, 0.0);
    assert_usd(a.costs.total_usd, 2500.0, "total");
}

#[test]
fn the_report_says_what_the_forecast_needs() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("floors.toml");
    std::fs::write(&f, floors(40_000_000.0, 1_000_000.0)).unwrap();
    let o = common::capplan(&["plan", f.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    assert!(out.contains("Total cost: $2,500\n"), "{out}");
    assert!(
        out.contains(
            "no: outside the horizon, the forecast needs $39,000,000 more (not billed here)"
        ),
        "{out}"
    );
}

/// A segmented horizon with one cluster and one inference service whose demand is `demand`.
fn service(chips: &str, demand: &str) -> String {
    format!(
        r#"{SEGMENTED}
[[clusters]]
id = "inf"
provider = "aws"
chip = "h100"
chips = {chips}
billing = "per-use"
usd_per_chip_hour = 1.0
price_basis = "on-demand"

[[workloads]]
id = "chat"
kind = "inference"
demand = {demand}
throughput = {{ h100 = 1.0 }}
"#
    )
}

/// Demand per period of the first (only) workload.
fn demand_of(s: &Scenario) -> Vec<f64> {
    match &s.workloads[0].demand {
        capplan::model::Demand::Inference { demand, .. } => demand.clone(),
        _ => panic!("not inference"),
    }
}

#[test]
fn rates_become_each_periods_quantity_by_its_hours() {
    let s = load(&service("100", "{ per_hour = 10 }"));
    let d = demand_of(&s);
    assert_eq!(d[0], 1680.0); // a week
    assert_eq!(d[12], 240.0); // a day
    assert_eq!(d[15], 7200.0); // April: 30 days
    assert_eq!(d[24], 21_840.0); // 2028-Q1: 91 days
    let per_day = demand_of(&load(&service("100", "{ per_day = 240 }")));
    assert_eq!(per_day, d);
}

#[test]
fn rates_by_date_range_split_a_period_by_its_hours() {
    // 10/h until 2027-04-15, then 20/h; 2027-01-01 is before the horizon, so it holds from the start.
    let s = load(&service(
        "100",
        r#"[{ from = "2027-01-01", per_hour = 10 }, { from = 2027-04-15, per_day = 480 }]"#,
    ));
    let d = demand_of(&s);
    assert_eq!(d[0], 1680.0);
    // April: 14 days at 10/h and 16 days at 20/h = 3,360 + 7,680.
    assert_eq!(d[15], 11_040.0);
    assert_eq!(d[16], 31.0 * 24.0 * 20.0); // May
                                           // Nothing before the first entry.
    let late = demand_of(&load(&service(
        "10000",
        r#"[{ from = "2027-04-01", per_hour = 9600 }]"#,
    )));
    assert!(late[..15].iter().all(|&x| x == 0.0));
    assert_eq!(late[15], 9600.0 * 720.0);
}

#[test]
fn chips_by_date_are_averaged_over_each_period() {
    // 100 chips, then 400 from 2027-04-16: April holds 15 days of 100 and 15 of 400 = 250.
    let s = load(&service(
        r#"[{ from = "2027-01-04", value = 100 }, { from = "2027-04-16", value = 400 }]"#,
        "{ per_hour = 10 }",
    ));
    let c = &s.clusters[0];
    assert_eq!(c.chips[0], 100.0);
    assert_eq!(c.chips[15], 250.0);
    assert_eq!(c.capacity[15], 250.0 * 720.0);
    assert_eq!(c.chips[31], 400.0);
}

#[test]
fn quantities_that_would_change_meaning_are_refused() {
    let e = error_of(&service("100", "3000"));
    assert!(
        e.contains("workloads[0].demand: demand per period on a horizon of 12 weeks, 3 days, 9 months, 8 quarters"),
        "{e}"
    );
    assert!(e.contains("give a rate, { per_hour = X }"), "{e}");
    let e = error_of(&service("{ per_hour = 5 }", "{ per_hour = 1 }"));
    assert!(
        e.contains("clusters[0].chips: chips available given as a rate"),
        "{e}"
    );
    let e = error_of(&service("100", r#"[{ from = "2027-04-01", value = 3 }]"#));
    assert!(e.contains("demand given as a `value`"), "{e}");
    let e = error_of(&service(
        "100",
        r#"[{ from = "2027-04-01", per_hour = 3 }, { from = "2027-03-01", per_hour = 4 }]"#,
    ));
    assert!(
        e.contains("workloads[0].demand[1].from: 2027-03-01 does not come after the entry before it (2027-04-01)"),
        "{e}"
    );
    let e = error_of(&service("100", "[1, 2, 3]"));
    assert!(e.contains("3 values for 32 periods"), "{e}");
    let e = error_of(&service("100", "{ per_hour = 1, from = 2 }"));
    assert!(e.contains("not a mix"), "{e}");
}

/// A year from 2027-01-01 at a given resolution: a reserved cluster (paid whole), a dearer
/// per-use one, a training run due at the end of the year and a service given as a rate. No
/// bound binds within a period, so the optimum is the same at every resolution.
fn year(horizon: &str) -> String {
    format!(
        r#"
[horizon]
start = "2027-01-01"
{horizon}

[[clusters]]
id = "own"
provider = "aws"
chip = "h100"
chips = 100
billing = "reserved"
usd_per_chip_hour = 2.0
price_basis = "on-demand"

[[clusters]]
id = "cloud"
provider = "gcp"
chip = "h100"
chips = 1000
billing = "per-use"
usd_per_chip_hour = 3.0
price_basis = "on-demand"

[[workloads]]
id = "train"
kind = "pre-training"
work_chip_hours = {{ chip = "h100", chip_hours = 2000000 }}
mfu = {{ h100 = 0.4 }}

[[workloads]]
id = "serve"
kind = "inference"
demand = [{{ from = "2027-01-01", per_hour = 50 }}, {{ from = "2027-07-01", per_day = 2400 }}]
throughput = {{ h100 = 1.0 }}
"#
    )
}

#[test]
fn a_segmented_plan_costs_what_the_fine_plan_costs_when_resolution_does_not_matter() {
    // Reserved: 100 x 8,760 h x $2 = $1,752,000. Serving: 50/h for 4,344 h and 100/h for
    // 4,416 h = 658,800 chip-hours; training 2,000,000: 2,658,800 - 876,000 on the reserved
    // cluster leaves 1,782,800 at $3 = $5,348,400. Total $7,100,400.
    let want = 1_752_000.0 + 5_348_400.0;
    for horizon in [
        "period = \"day\"\nperiods = 365",
        "segments = [{ period = \"week\", count = 52 }, { period = \"day\", count = 1 }]",
        "segments = [{ period = \"day\", count = 31 }, { period = \"month\", count = 2 }, { period = \"quarter\", count = 3 }]",
        "period = \"quarter\"\nperiods = 4",
    ] {
        let s = load(&year(horizon));
        assert_eq!(s.horizon.periods.iter().map(|p| p.hours).sum::<f64>(), 8760.0);
        let a = plan_with(&s, Backend::Clarabel);
        assert_usd(a.costs.total_usd, want, horizon);
    }
}

#[test]
fn generate_writes_segmented_horizons_that_plan_and_audit_clean() {
    let o = common::capplan(&[
        "generate",
        "--workloads",
        "12",
        "--clusters",
        "4",
        "--segments",
        "week:4,month:2,quarter:2",
        "--seed",
        "3",
    ]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(
        "segments = [{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }, { period = \"quarter\", count = 2 }]"
    ));
    let s = load(&text);
    assert_eq!(s.horizon.len(), 8);
    assert_eq!(s.horizon.periods[7].label(), "2027-Q3"); // 2027-07-01: weeks end 02-01, months 04-01
    let a = plan_with(&s, Backend::Microlp);
    assert_eq!(a.violations(), 0);
    let bad = common::capplan(&[
        "generate",
        "--workloads",
        "12",
        "--clusters",
        "4",
        "--segments",
        "week:4,year:2",
    ]);
    assert_eq!(common::code(&bad), 2);
    assert!(common::stderr(&bad).contains("\"year:2\" is not LENGTH:COUNT"));
}

#[test]
fn the_whole_term_model_plans_and_check_reads_its_labelled_schedule_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let model = "models/aws-2026-2029.toml";
    let o = common::capplan(&["plan", model, "--out", out.to_str().unwrap()]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let csv = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    assert!(csv.starts_with(
        "period,period_start,cluster,provider,chip,workload,chip_hours,cost_usd,period_label\n"
    ));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("32,2029-10-01,") && l.ends_with(",2029-Q4")));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("13,2027-03-29,") && l.ends_with(",2027-03-29")));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let text = serde_json::to_string(&json).unwrap();
    assert!(text.contains("\"period_label\":\"2027-W01\""));
    let c = common::capplan(&["check", model, out.join("schedule.csv").to_str().unwrap()]);
    let report = String::from_utf8_lossy(&c.stdout);
    assert!(report.contains("0 violation(s) of hard rules"), "{report}");
    let total = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("Total cost: "))
            .map(str::to_string)
    };
    let planned = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(total(&report), total(&planned));
    assert!(total(&planned).is_some());
}

/// Loads `text` with `--set` arguments, as `capplan plan FILE --set ...` does.
fn load_with(text: &str, sets: &[&str]) -> Result<Scenario, String> {
    let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    overrides::load(text, Path::new("twin.toml"), &o)
        .map(|(s, _)| s)
        .map_err(|e| format!("{e:#}"))
}

/// The `--set` argument that plans `s` in weeks over the same days.
fn weekly_twin_set(s: &Scenario) -> String {
    format!(
        "horizon.segments={}",
        segments_toml(&s.horizon.weekly_twin())
    )
}

/// A job that may run from `release` to `deadline` (dates) needing 10,000 chip-hours: 10 chips
/// at $1 (cheap), then up to 1,000 at $3 (dear); and a service of 20 Mtok an hour on its own
/// $1 chips, a rate, so it costs $20 an hour of horizon at any resolution.
fn windowed(horizon: &str, release: &str, deadline: &str) -> String {
    format!(
        r#"
[horizon]
start = "2027-01-04"
{horizon}

[[clusters]]
id = "cheap"
provider = "aws"
chip = "h100"
chips = 10
billing = "per-use"
usd_per_chip_hour = 1.0
price_basis = "on-demand"

[[clusters]]
id = "dear"
provider = "gcp"
chip = "h100"
chips = 1000
billing = "per-use"
usd_per_chip_hour = 3.0
price_basis = "on-demand"

[[clusters]]
id = "serving"
provider = "aws"
chip = "inferentia2"
chips = 100
billing = "per-use"
usd_per_chip_hour = 1.0
price_basis = "on-demand"

[[workloads]]
id = "job"
kind = "post-training"
work_chip_hours = {{ chip = "h100", chip_hours = 10000 }}
mfu = {{ h100 = 0.4 }}
chips = ["h100"]
release = "{release}"
deadline = "{deadline}"

[[workloads]]
id = "serve"
kind = "inference"
demand = {{ per_hour = 20 }}
throughput = {{ inferentia2 = 1.0 }}
"#
    )
}

/// `windowed` on a horizon of `segments`, the same file on its all-weekly twin, and the
/// `--set` argument that made the twin.
fn with_weekly_twin(segments: &str, release: &str, deadline: &str) -> [(Scenario, String); 2] {
    let text = windowed(&format!("segments = {segments}"), release, deadline);
    let seg = load(&text);
    let set = weekly_twin_set(&seg);
    let weekly = load_with(&text, &[&set]).unwrap();
    [(seg, segments.to_string()), (weekly, set)]
}

#[test]
fn a_fleet_whose_windows_fit_both_resolutions_costs_the_same_in_weeks() {
    // 4 weeks and 2 months from Monday 2027-01-04: February is 4 whole weeks and March 4 weeks
    // and 3 days, so the twin (12 weeks, 3 days) cuts the same days. The job may run in
    // February: 10 chips x 672 h = 6,720 cheap chip-hours ($6,720), 3,280 dear ($9,840). The
    // service: 20 x 87 days x 24 h = 41,760 at $1. Total $58,320 on both horizons.
    let both = with_weekly_twin(
        "[{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }]",
        "2027-02-01",
        "2027-02-28",
    );
    assert_eq!(
        both[1].1,
        "horizon.segments=[{ period = \"week\", count = 12 }, { period = \"day\", count = 3 }]"
    );
    assert_eq!(both[1].0.horizon.len(), 15);
    for (s, what) in &both {
        let a = plan_with(s, Backend::Clarabel);
        assert_usd(a.costs.total_usd, 58_320.0, what);
        assert_usd(common::chip_hours(&a, "job", Some("cheap")), 6_720.0, what);
    }
}

#[test]
fn weeks_that_round_a_window_outward_make_the_weekly_twin_cheaper() {
    // 2 weeks and 2 months: the months run 01-18..02-17 and 02-18..03-17; the job's window is
    // the first month, 31 days (744 h): 7,440 cheap chip-hours and 2,560 dear = $15,120. In
    // weeks the deadline 2027-02-17 (a Wednesday) lies in the week 02-15..02-21, so the window
    // is 35 days (840 h): 8,400 cheap and 1,600 dear = $13,200. The service: 20 x 73 days x 24 h
    // = $35,040 on both.
    let both = with_weekly_twin(
        "[{ period = \"week\", count = 2 }, { period = \"month\", count = 2 }]",
        "2027-01-18",
        "2027-02-17",
    );
    assert!(both[1]
        .1
        .ends_with("[{ period = \"week\", count = 10 }, { period = \"day\", count = 3 }]"));
    for ((s, what), want) in both.iter().zip([15_120.0, 13_200.0]) {
        let a = plan_with(s, Backend::Clarabel);
        assert_usd(a.costs.total_usd, want + 35_040.0, what);
    }
}

#[test]
fn a_horizon_switches_between_its_two_forms_with_set() {
    // The same 87 days as days, as 4 weeks and 2 months, and back to days: $58,320 each time.
    let days = windowed("period = \"day\"\nperiods = 87", "2027-02-01", "2027-02-28");
    let o = [Override::parse(
        "horizon.segments=[{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }]",
    )
    .unwrap()];
    let (seg, applied) = overrides::load(&days, Path::new("d.toml"), &o).unwrap();
    assert_eq!(
        applied[0].before.as_deref(),
        Some("period = \"day\", periods = 87")
    );
    assert_eq!(seg.horizon.describe(), "4 weeks, 2 months");
    assert_usd(
        plan_with(&seg, Backend::Microlp).costs.total_usd,
        58_320.0,
        "segments",
    );
    let text = windowed(
        "segments = [{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }]",
        "2027-02-01",
        "2027-02-28",
    );
    let back = load_with(&text, &["horizon.period=day", "horizon.periods=87"]).unwrap();
    assert_eq!(back.horizon.len(), 87);
    assert_usd(
        plan_with(&back, Backend::Microlp).costs.total_usd,
        58_320.0,
        "days",
    );
}

#[test]
fn a_new_horizon_that_cannot_hold_the_file_is_refused_naming_the_override() {
    let text = windowed(
        "segments = [{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }]",
        "2027-02-01",
        "2027-02-28",
    );
    let set = "horizon.segments=[{ period = \"week\", count = 6 }]";
    let e = load_with(&text, &[set]).unwrap_err();
    assert!(
        e.contains(&format!(
            "workloads[0].deadline: with --set {set}: 2027-02-28 is outside the horizon"
        )),
        "{e}"
    );
    assert!(
        e.contains("give a date from 2027-01-04 to 2027-02-14"),
        "{e}"
    );
    // The line is the file's own: the deadline's.
    let line = text
        .lines()
        .position(|l| l.starts_with("deadline"))
        .unwrap()
        + 1;
    assert!(e.contains(&format!("line {line}, column")), "{e}");
    // Both forms at once cannot come from one override: `period` alone is incomplete.
    let e = load_with(&text, &["horizon.period=week"]).unwrap_err();
    assert!(
        e.contains("horizon.periods: with --set horizon.period=week: missing field `periods`"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("short.toml");
    std::fs::write(&f, &text).unwrap();
    let o = common::capplan(&["plan", f.to_str().unwrap(), "--set", set]);
    assert_eq!(common::code(&o), 2);
    assert!(
        common::stderr(&o).contains("2027-02-28 is outside the horizon"),
        "{}",
        common::stderr(&o)
    );
}

/// Demand per hour of an inference workload in each period.
fn rates(s: &Scenario, w: usize) -> Vec<f64> {
    match &s.workloads[w].demand {
        capplan::model::Demand::Inference { demand, .. } => demand
            .iter()
            .zip(&s.horizon.periods)
            .map(|(d, p)| d / p.hours)
            .collect(),
        _ => panic!("not inference"),
    }
}

#[test]
fn a_generated_segmented_fleet_planned_in_weeks_is_the_same_fleet_and_never_dearer() {
    let opts = GenerateOptions {
        workloads: 24,
        clusters: 5,
        periods: 8,
        seed: 4,
        edges: 0,
    };
    let runs = [
        (PeriodLength::Week, 4),
        (PeriodLength::Month, 2),
        (PeriodLength::Quarter, 2),
    ];
    let text = generate_segmented(&opts, &runs).unwrap();
    let seg = load(&text);
    // 28 + 28 + 31 + 91 + 92 days = 38 weeks and 4 days; the file says how to plan it so.
    let set = weekly_twin_set(&seg);
    assert_eq!(
        set,
        "horizon.segments=[{ period = \"week\", count = 38 }, { period = \"day\", count = 4 }]"
    );
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .ends_with(&format!("--set '{set}'")));
    // Windows as dates, demand as rates: nothing in the file counts periods.
    assert!(text.contains("release = \"2027-") && text.contains("deadline = \"2027-"));
    assert!(text.contains("demand = { per_hour = ") && !text.contains("demand = ["));
    let weekly = load_with(&text, &[&set]).unwrap();
    let (hs, hw) = (&seg.horizon.periods, &weekly.horizon.periods);
    assert_eq!(hw.len(), 42);
    assert_eq!((hs[0].start, hs[7].end), (hw[0].start, hw[41].end));
    let mut windows = 0;
    for (s, w) in seg.workloads.iter().zip(&weekly.workloads) {
        if s.release > 0 || s.deadline + 1 < hs.len() {
            windows += 1;
        }
        // Dates on the segmented periods' bounds: the weeks holding them reach as far or farther.
        assert!(hw[w.release].start <= hs[s.release].start, "{}", s.id);
        assert!(hw[w.deadline].end >= hs[s.deadline].end, "{}", s.id);
        assert_eq!(s.work_pflop(), w.work_pflop());
    }
    assert!(windows > 0, "the seed should draw some windows");
    for k in (0..seg.workloads.len()).filter(|&k| !seg.workloads[k].kind.is_training()) {
        // One rate per hour, the same on both horizons.
        let (rs, rw) = (rates(&seg, k), rates(&weekly, k));
        assert!(rs
            .iter()
            .chain(&rw)
            .all(|r| (r - rs[0]).abs() <= 1e-9 * rs[0]));
    }
    // Any segmented plan spread evenly over the weeks each period overlaps is a weekly plan
    // (windows as wide or wider, capacity, demand and utilization floors kept, the same spend),
    // so the weekly optimum is never dearer.
    let (cs, cw) = (
        plan_with(&seg, Backend::Clarabel).costs.total_usd,
        plan_with(&weekly, Backend::Clarabel).costs.total_usd,
    );
    assert!(cw <= cs * (1.0 + 1e-6), "weekly ${cw} > segmented ${cs}");
}

/// Chips of the only cluster of a horizon with a cluster whose `chips` are `chips`.
fn chips_on(horizon: &str, chips: &str) -> Vec<f64> {
    let s = load(&format!(
        "[horizon]\nstart = \"2027-01-04\"\n{horizon}\n\n[[clusters]]\nid = \"c\"\nprovider = \"aws\"\nchip = \"h100\"\nchips = {chips}\nbilling = \"per-use\"\nusd_per_chip_hour = 1.0\nprice_basis = \"on-demand\"\n"
    ));
    s.clusters[0].chips.clone()
}

#[test]
fn a_ramp_is_linear_in_time_through_the_middles_of_the_periods() {
    // 4 weeks and 2 months from 2027-01-04. Middles, hours from the start: 84, 252, 420, 588;
    // February (672 h from hour 672) at 1,008; March (744 h from hour 1,344) at 1,716. From the
    // first middle: 0, 168, 336, 504, 924, 1,632 hours, so 0 -> 1,632 chips gives one chip per
    // hour of distance.
    let c = chips_on(
        "segments = [{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }]",
        "{ from = 0, to = 1632 }",
    );
    assert_eq!(c, [0.0, 168.0, 336.0, 504.0, 924.0, 1632.0]);
    // By period number it would have been 0, 326.4, 652.8, ...: February and March are not
    // one week apart.
    let c = chips_on(
        "segments = [{ period = \"week\", count = 4 }, { period = \"month\", count = 2 }]",
        "{ from = 100, to = 50 }",
    );
    assert_eq!(c[4], 100.0 - 50.0 * 924.0 / 1632.0);
}

#[test]
fn on_periods_of_one_length_a_ramp_is_the_ramp_by_period_number_to_the_bit() {
    for (horizon, n) in [
        ("period = \"week\"\nperiods = 13", 13),
        ("period = \"day\"\nperiods = 97", 97),
        (
            "segments = [{ period = \"week\", count = 5 }, { period = \"week\", count = 2 }]",
            7,
        ),
    ] {
        for (from, to) in [(8000.0, 32000.0), (0.7, 0.1), (1.0 / 3.0, 1e7)] {
            let c = chips_on(horizon, &format!("{{ from = {from:?}, to = {to:?} }}"));
            let by_number: Vec<f64> = (0..n)
                .map(|t| from + (to - from) * t as f64 / (n - 1) as f64)
                .collect();
            assert_eq!(c, by_number, "{horizon}: {from} -> {to}");
        }
    }
}
