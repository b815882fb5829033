//! `capplan check`, run as a binary: plans pass their own check, tampered allocations are caught
//! with the right rule, ids and amount, known totals are priced right, bad files are refused with
//! every bad row's line.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

const TOL: f64 = 1e-6;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

/// Exit code, stdout, stderr.
fn capplan(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .output()
        .expect("run capplan");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

#[derive(Debug, Deserialize)]
struct CheckDoc {
    kind: String,
    status: String,
    compliance: Compliance,
    total_cost_usd: f64,
    findings: Vec<Finding>,
    costs: Costs,
    spend_floors: Vec<SpendFloor>,
    utilization: Vec<serde_json::Value>,
    training: Vec<Training>,
    inference: Vec<serde_json::Value>,
    prices: Vec<Price>,
    schedule: Vec<serde_json::Value>,
}

/// The verdict; a check's `status` is `compliance.status`.
#[derive(Debug, Deserialize)]
struct Compliance {
    status: String,
    violations: usize,
    shortfalls: usize,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Finding {
    rule: String,
    severity: String,
    workload: Option<String>,
    cluster: Option<String>,
    contract: Option<String>,
    periods: Vec<usize>,
    amount: f64,
    unit: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct Costs {
    usage_usd: f64,
    reserved_usd: f64,
    reserved_idle_usd: f64,
    spend_shortfall_usd: f64,
    unmet_penalty_usd: f64,
}

#[derive(Debug, Deserialize)]
struct SpendFloor {
    contract: String,
    floor_usd: f64,
    spent_before_usd: f64,
    in_horizon_usd: f64,
    forecast_after_usd: f64,
    shortfall_usd: f64,
    met: bool,
}

#[derive(Debug, Deserialize)]
struct Training {
    workload: String,
    done_pflop: f64,
}

#[derive(Debug, Deserialize)]
struct Price {
    provider: String,
    chip_hours: f64,
    spend_usd: f64,
    public_usd: f64,
    usd_per_chip_hour: f64,
    public_usd_per_chip_hour: f64,
    usd_per_peak_pflop: f64,
    public_usd_per_peak_pflop: f64,
    usd_per_training_pflop: Option<f64>,
    public_usd_per_training_pflop: Option<f64>,
    discount_achieved: f64,
}

/// Runs `check --format json` (plus `extra`), returns the exit code and the document.
fn check_json(model: &Path, allocation: &Path, extra: &[&str]) -> (i32, CheckDoc) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "check".as_ref(),
        model.as_os_str(),
        allocation.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    let (code, stdout, stderr) = capplan(&args);
    let doc: CheckDoc = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "check of {} printed no JSON ({e}); stderr: {stderr}",
            allocation.display()
        )
    });
    assert_eq!(doc.kind, "check");
    assert_eq!(doc.status, doc.compliance.status);
    (code, doc)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * a.abs().max(b.abs()).max(1.0)
}

fn assert_close(what: &str, got: f64, want: f64) {
    assert!(close(got, want), "{what}: got {got}, want {want}");
}

/// Models shipped in `models/`, found at run time (other scenarios are being added), except
/// those made to be infeasible.
fn shipped_models() -> Vec<PathBuf> {
    let mut models: Vec<PathBuf> = std::fs::read_dir(root().join("models"))
        .expect("models/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains("infeasible")
        })
        .collect();
    models.sort();
    assert!(!models.is_empty(), "no models found in models/");
    models
}

fn plan_out(model: &Path, dir: &Path) {
    let (code, _, stderr) = capplan(&[
        "plan".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        dir.as_os_str(),
    ]);
    assert_eq!(code, 0, "plan {} failed: {stderr}", model.display());
}

#[test]
fn every_shipped_model_passes_its_own_check() {
    for model in shipped_models() {
        let dir = tempfile::tempdir().unwrap();
        plan_out(&model, dir.path());
        for file in ["schedule.csv", "plan.json"] {
            let (code, doc) = check_json(&model, &dir.path().join(file), &[]);
            assert_eq!(
                doc.compliance.violations,
                0,
                "{} {file}: {:#?}",
                model.display(),
                doc.findings
            );
            assert_eq!(code, 0, "{} {file}: exit {code}", model.display());
            assert_ne!(doc.status, "violations");
            assert!(doc.findings.iter().all(|f| f.severity == "billed"));
        }
    }
}

#[test]
fn plan_shows_the_compliance_summary() {
    let (code, stdout, _) = capplan(&[
        "plan".as_ref(),
        root().join("models/tutorial.toml").as_os_str(),
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Compliance: 0 violation(s) of hard rules, 1 floor shortfall(s) billed."),
        "{stdout}"
    );
    assert!(
        stdout.contains("[billed] utilization_shortfall"),
        "{stdout}"
    );

    // The JSON document carries the same verdict.
    let (code, stdout, _) = capplan(&[
        "plan".as_ref(),
        root().join("models/tutorial.toml").as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let c = &doc["compliance"];
    assert_eq!(c["status"], "shortfall_billed");
    assert_eq!(
        (c["violations"].as_u64(), c["shortfalls"].as_u64()),
        (Some(0), Some(1))
    );
    let penalty = doc["costs"]["utilization_penalty_usd"].as_f64().unwrap();
    assert!(penalty > 0.0);
    assert_close("billed", c["billed_usd"].as_f64().unwrap(), penalty);
}

#[test]
fn rounded_schedule_raises_no_false_violation() {
    // A spreadsheet keeps 3 decimals: every shipped plan, and a hand-made case whose rounding
    // loses 0.0004 chip-hours x 1,200.6 PFLOP = 0.48 PFLOP of a 4,999.78 PFLOP job (a fixed
    // 0.01 PFLOP allowance would call that "work incomplete") and 4 of 41,644 requests.
    let mut cases: Vec<(PathBuf, String)> = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for model in shipped_models() {
        let sub = dir.path().join(model.file_stem().unwrap());
        plan_out(&model, &sub);
        let mut reader = csv::Reader::from_path(sub.join("schedule.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        let col = header.iter().position(|h| h == "chip_hours").unwrap();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&header).unwrap();
        for r in reader.records() {
            let r = r.unwrap();
            let rounded: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if i == col {
                        format!("{:.3}", v.parse::<f64>().unwrap())
                    } else {
                        v.to_string()
                    }
                })
                .collect();
            writer.write_record(&rounded).unwrap();
        }
        cases.push((
            model,
            String::from_utf8(writer.into_inner().unwrap()).unwrap(),
        ));
    }
    cases.push((
        data("check-roundoff.toml"),
        "period,cluster,workload,chip_hours\n1,trn2,eval,4.164\n1,trn2,api,4.164\n".to_string(),
    ));
    for (i, (model, text)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("rounded-{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let (code, doc) = check_json(model, &path, &[]);
        assert_eq!(
            doc.compliance.violations,
            0,
            "{}: {:#?}",
            model.display(),
            doc.findings
        );
        assert_eq!(code, 0);
    }
}

/// One row of an allocation CSV.
type Row = (usize, String, String, f64);

fn base_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(data("check-rules-base.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].to_string(),
                f[2].to_string(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

fn write_rows(dir: &Path, name: &str, rows: &[Row]) -> PathBuf {
    let mut text = String::from("period,cluster,workload,chip_hours\n");
    for (p, c, w, h) in rows {
        text.push_str(&format!("{p},{c},{w},{h}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Sets the chip-hours of an existing row.
fn set(rows: &mut [Row], period: usize, cluster: &str, workload: &str, chip_hours: f64) {
    let r = rows
        .iter_mut()
        .find(|r| r.0 == period && r.1 == cluster && r.2 == workload)
        .unwrap_or_else(|| panic!("no base row {period},{cluster},{workload}"));
    r.3 = chip_hours;
}

/// Moves an existing row to another period and cluster, with new chip-hours.
fn relocate(rows: &mut [Row], from: (usize, &str, &str), to: (usize, &str), chip_hours: f64) {
    let r = rows
        .iter_mut()
        .find(|r| (r.0, r.1.as_str(), r.2.as_str()) == from)
        .unwrap_or_else(|| panic!("no base row {from:?}"));
    (r.0, r.1, r.3) = (to.0, to.1.to_string(), chip_hours);
}

fn add(rows: &mut Vec<Row>, period: usize, cluster: &str, workload: &str, chip_hours: f64) {
    rows.push((
        period,
        cluster.to_string(),
        workload.to_string(),
        chip_hours,
    ));
}

fn remove(rows: &mut Vec<Row>, period: usize, cluster: &str, workload: &str) {
    let before = rows.len();
    rows.retain(|r| !(r.0 == period && r.1 == cluster && r.2 == workload));
    assert_eq!(
        rows.len(),
        before - 1,
        "no base row {period},{cluster},{workload}"
    );
}

struct Expected {
    rule: &'static str,
    workload: Option<&'static str>,
    cluster: Option<&'static str>,
    contract: Option<&'static str>,
    periods: &'static [usize],
    amount: f64,
    unit: &'static str,
}

fn matches(f: &Finding, e: &Expected) -> bool {
    f.rule == e.rule
        && f.workload.as_deref() == e.workload
        && f.cluster.as_deref() == e.cluster
        && f.contract.as_deref() == e.contract
        && f.periods == e.periods
        && close(f.amount, e.amount)
        && f.unit == e.unit
}

#[test]
fn base_allocation_is_compliant() {
    let (code, doc) = check_json(
        &data("check-rules.toml"),
        &data("check-rules-base.csv"),
        &["--fail-on-shortfall"],
    );
    assert_eq!(
        (code, doc.status.as_str()),
        (0, "compliant"),
        "{:#?}",
        doc.findings
    );
    // a-ded 4 x 1,680 x $1.50 + a-use 1,400 x $1.50 + b-use 200 x $1.00.
    assert_close("total", doc.total_cost_usd, 10_080.0 + 2_100.0 + 200.0);
}

#[test]
fn tampering_is_caught_with_rule_ids_and_amount() {
    // Base (tests/data/check-rules-base.csv): a-ded has 1,680 chip-hours a week and carries
    // serve 900 every week plus pretrain 750 in weeks 1 and 2 (pretrain: 1,500 chip-hours x
    // 1,800 PFLOP = all its work, done in week 2, its deadline); finetune (after pretrain) runs
    // 500 on a-use in weeks 3 and 4; eval (release week 3, provider "other" only) 200 on b-use
    // in week 3; batch 100 on a-use every week.
    type Tamper = fn(&mut Vec<Row>);
    let cases: Vec<(&str, Tamper, Vec<Expected>, bool)> = vec![
        (
            // 1,000 + 750 on a 1,680 chip-hour week: 70 over.
            "capacity",
            |r| set(r, 1, "a-ded", "serve", 1_000.0),
            vec![Expected {
                rule: "capacity",
                workload: None,
                cluster: Some("a-ded"),
                contract: None,
                periods: &[1],
                amount: 70.0,
                unit: "chip-hours",
            }],
            true,
        ),
        (
            // pretrain completes in week 2, so finetune may start in week 3 at the earliest.
            "dependency",
            |r| relocate(r, (3, "a-use", "finetune"), (2, "a-use"), 500.0),
            vec![Expected {
                rule: "dependency",
                workload: Some("finetune"),
                cluster: None,
                contract: None,
                periods: &[2],
                amount: 500.0,
                unit: "chip-hours",
            }],
            true,
        ),
        (
            // The same work on "other": 750 x 1,800 / 900 PFLOP = 1,500 chip-hours.
            "placement",
            |r| relocate(r, (2, "a-ded", "pretrain"), (2, "b-use"), 1_500.0),
            vec![Expected {
                rule: "placement",
                workload: Some("pretrain"),
                cluster: Some("b-use"),
                contract: Some("acme-deal"),
                periods: &[2],
                amount: 1_500.0,
                unit: "chip-hours",
            }],
            true,
        ),
        (
            // Week 3 is past pretrain's deadline: 750 chip-hours late, 750 x 1,800 = 1,350,000
            // PFLOP missing by week 2, and finetune then starts before pretrain is done.
            "after deadline",
            |r| relocate(r, (2, "a-ded", "pretrain"), (3, "a-ded"), 750.0),
            vec![
                Expected {
                    rule: "after_deadline",
                    workload: Some("pretrain"),
                    cluster: None,
                    contract: None,
                    periods: &[3],
                    amount: 750.0,
                    unit: "chip-hours",
                },
                Expected {
                    rule: "work_incomplete",
                    workload: Some("pretrain"),
                    cluster: None,
                    contract: None,
                    periods: &[2],
                    amount: 1_350_000.0,
                    unit: "PFLOP",
                },
                Expected {
                    rule: "dependency",
                    workload: Some("finetune"),
                    cluster: None,
                    contract: None,
                    periods: &[3],
                    amount: 500.0,
                    unit: "chip-hours",
                },
            ],
            true,
        ),
        (
            "before release",
            |r| relocate(r, (3, "b-use", "eval"), (2, "b-use"), 200.0),
            vec![Expected {
                rule: "before_release",
                workload: Some("eval"),
                cluster: None,
                contract: None,
                periods: &[2],
                amount: 200.0,
                unit: "chip-hours",
            }],
            true,
        ),
        (
            // 850 chip-hours x 1 Mreq serve 850 of 900 Mreq.
            "must-serve demand",
            |r| set(r, 2, "a-ded", "serve", 850.0),
            vec![Expected {
                rule: "demand_unserved",
                workload: Some("serve"),
                cluster: None,
                contract: None,
                periods: &[2],
                amount: 50.0,
                unit: "Mreq",
            }],
            true,
        ),
        (
            // 100 of serve moves to a-use: a-ded uses 800 of the 840 its hard floor needs.
            "hard utilization floor",
            |r| {
                set(r, 4, "a-ded", "serve", 800.0);
                add(r, 4, "a-use", "serve", 100.0);
            },
            vec![Expected {
                rule: "utilization_floor",
                workload: None,
                cluster: Some("a-ded"),
                contract: Some("acme-deal"),
                periods: &[4],
                amount: 40.0,
                unit: "chip-hours",
            }],
            true,
        ),
        (
            // max_chips 10 x 168 h = 1,680; 750 + 1,000 = 1,750.
            "max chips",
            |r| add(r, 1, "a-use", "pretrain", 1_000.0),
            vec![Expected {
                rule: "max_chips",
                workload: Some("pretrain"),
                cluster: None,
                contract: None,
                periods: &[1],
                amount: 70.0,
                unit: "chip-hours",
            }],
            true,
        ),
        (
            // eval may run on provider "other" only.
            "not allowed",
            |r| add(r, 3, "a-use", "eval", 50.0),
            vec![Expected {
                rule: "not_allowed",
                workload: Some("eval"),
                cluster: Some("a-use"),
                contract: None,
                periods: &[3],
                amount: 50.0,
                unit: "chip-hours",
            }],
            true,
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, tamper, expected, only)) in cases.into_iter().enumerate() {
        let mut rows = base_rows();
        tamper(&mut rows);
        let path = write_rows(dir.path(), &format!("case-{i}.csv"), &rows);
        let (code, doc) = check_json(&data("check-rules.toml"), &path, &[]);
        assert_eq!(code, 1, "{name}: exit {code}; {:#?}", doc.findings);
        assert_eq!(doc.status, "violations", "{name}");
        for e in &expected {
            assert!(
                doc.findings.iter().any(|f| matches(f, e)),
                "{name}: no {} finding for {:?}/{:?} periods {:?} amount {}; got {:#?}",
                e.rule,
                e.workload,
                e.cluster,
                e.periods,
                e.amount,
                doc.findings
            );
        }
        if only {
            assert_eq!(
                doc.findings.len(),
                expected.len(),
                "{name}: {:#?}",
                doc.findings
            );
        }
        assert!(
            doc.findings.iter().all(|f| f.severity == "violation"),
            "{name}"
        );
    }
}

#[test]
fn spend_floor_shortfall_is_billed_and_fails_only_on_request() {
    // Deleting batch's rows in weeks 3 and 4 removes 2 x 100 x $1.50 = $300 of a-use spend:
    // $10,080 reserved + 1,200 x $1.50 + $400 forecast = $12,280, $220 under the $12,500 floor.
    // Batch's demand is soft: 200 Mreq unserved x $2 = $400 of penalties, no violation.
    let mut rows = base_rows();
    remove(&mut rows, 3, "a-use", "batch");
    remove(&mut rows, 4, "a-use", "batch");
    let dir = tempfile::tempdir().unwrap();
    let path = write_rows(dir.path(), "short.csv", &rows);
    let model = data("check-rules.toml");

    let (code, doc) = check_json(&model, &path, &[]);
    assert_eq!(code, 0, "a billed shortfall alone is not a violation");
    assert_eq!(
        (
            doc.status.as_str(),
            doc.compliance.violations,
            doc.compliance.shortfalls
        ),
        ("shortfall_billed", 0, 1)
    );
    let expected = Expected {
        rule: "spend_shortfall",
        workload: None,
        cluster: None,
        contract: Some("acme-deal"),
        periods: &[1, 2, 3, 4],
        amount: 220.0,
        unit: "USD",
    };
    assert!(
        doc.findings.iter().any(|f| matches(f, &expected)),
        "{:#?}",
        doc.findings
    );
    assert_eq!(doc.findings[0].severity, "billed");
    assert_close(
        "in horizon",
        doc.spend_floors[0].in_horizon_usd,
        12_280.0 - 400.0,
    );
    assert!(!doc.spend_floors[0].met);
    assert_close("unmet penalty", doc.costs.unmet_penalty_usd, 400.0);
    // Compute $10,080 + $1,800 + eval's $200, the shortfall and the penalty.
    assert_close(
        "total",
        doc.total_cost_usd,
        10_080.0 + 1_800.0 + 200.0 + 220.0 + 400.0,
    );

    let (code, doc) = check_json(&model, &path, &["--fail-on-shortfall"]);
    assert_eq!(code, 1);
    assert_eq!(doc.status, "shortfall_billed");

    // The same finding as CSV.
    let (code, stdout, _) = capplan(&[
        "check".as_ref(),
        model.as_os_str(),
        path.as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "rule", "severity", "workload", "cluster", "contract", "periods", "amount", "unit",
            "message"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(
        (&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[7]),
        (
            "spend_shortfall",
            "billed",
            "",
            "",
            "acme-deal",
            "1;2;3;4",
            "USD"
        )
    );
    assert_close("csv amount", r[6].parse().unwrap(), 220.0);
}

#[test]
fn hand_written_allocation_known_totals() {
    // tests/data/check-small.toml, one week of 168 h; tests/data/check-small.csv (periods by
    // date and by number, header in mixed case with spaces, an extra "note" column):
    //   train 500 chip-hours on trn2-ded (reserved, 4 chips = 672 chip-hours, $5.00 public, 20%
    //   off: $4.00), 300 on trn2-use (per-use, $4.00), 100 on h100 (per-use, $10.00, public).
    let (code, doc) = check_json(&data("check-small.toml"), &data("check-small.csv"), &[]);
    assert_eq!(code, 0);
    assert_eq!(doc.compliance.violations, 0, "{:#?}", doc.findings);

    // Costs: reserved 672 x $4 = $2,688 (idle 172 x $4 = $688); per-use 300 x $4 + 100 x $10
    // = $2,200.
    assert_close("reserved", doc.costs.reserved_usd, 2_688.0);
    assert_close("idle", doc.costs.reserved_idle_usd, 688.0);
    assert_close("usage", doc.costs.usage_usd, 2_200.0);
    // Spend floor: $2,000 before + ($2,688 + $1,200) in the horizon + $1,000 after = $6,888;
    // the floor is $10,000: $3,112 shortfall billed.
    let f = &doc.spend_floors[0];
    assert_eq!(f.contract, "aws-deal");
    assert_close("floor", f.floor_usd, 10_000.0);
    assert_close("before", f.spent_before_usd, 2_000.0);
    assert_close("in horizon", f.in_horizon_usd, 3_888.0);
    assert_close("after", f.forecast_after_usd, 1_000.0);
    assert_close("shortfall", f.shortfall_usd, 3_112.0);
    assert_close("shortfall cost", doc.costs.spend_shortfall_usd, 3_112.0);
    assert!(!f.met);
    assert_eq!(
        (doc.status.as_str(), doc.compliance.shortfalls),
        ("shortfall_billed", 1)
    );
    // Total: $2,688 + $2,200 + $3,112 = $8,000.
    assert_close("total", doc.total_cost_usd, 8_000.0);

    // Work: 800 x (667 x 0.5 x 3.6 = 1,200.6) + 100 x (989 x 0.4 x 3.6 = 1,424.16)
    // = 960,480 + 142,416 = 1,102,896 PFLOP.
    assert_eq!(doc.training[0].workload, "train");
    assert_close("done", doc.training[0].done_pflop, 1_102_896.0);

    let aws = doc.prices.iter().find(|p| p.provider == "aws").unwrap();
    // Paid $2,688 + $1,200 = $3,888 for 800 chip-hours; public 800 x $5 = $4,000.
    assert_close("aws chip-hours", aws.chip_hours, 800.0);
    assert_close("aws spend", aws.spend_usd, 3_888.0);
    assert_close("aws public", aws.public_usd, 4_000.0);
    assert_close("aws $/chip-hour", aws.usd_per_chip_hour, 3_888.0 / 800.0); // $4.86
    assert_close("aws public $/chip-hour", aws.public_usd_per_chip_hour, 5.0);
    // Discount achieved: 1 - 3,888 / 4,000 = 2.8% (the idle $688 eats most of the 20%).
    assert_close("aws discount", aws.discount_achieved, 0.028);
    // Peak: 800 chip-hours x 667 TFLOPS x 3.6 = 1,920,960 PFLOP.
    assert_close(
        "aws $/peak PFLOP",
        aws.usd_per_peak_pflop,
        3_888.0 / 1_920_960.0,
    );
    assert_close(
        "aws public $/peak PFLOP",
        aws.public_usd_per_peak_pflop,
        4_000.0 / 1_920_960.0,
    );
    // At 50% MFU: 800 x 1,200.6 = 960,480 PFLOP, at the $4.00 rate paid: $3,200.
    assert_close(
        "aws $/training PFLOP",
        aws.usd_per_training_pflop.unwrap(),
        3_200.0 / 960_480.0,
    );
    assert_close(
        "aws public $/training PFLOP",
        aws.public_usd_per_training_pflop.unwrap(),
        4_000.0 / 960_480.0,
    );

    let azure = doc.prices.iter().find(|p| p.provider == "azure").unwrap();
    // 100 chip-hours at $10, public: no discount; peak 100 x 989 x 3.6 = 356,040 PFLOP;
    // at 40% MFU 142,416 PFLOP.
    assert_close("azure spend", azure.spend_usd, 1_000.0);
    assert_close("azure discount", azure.discount_achieved, 0.0);
    assert_close(
        "azure $/peak PFLOP",
        azure.usd_per_peak_pflop,
        1_000.0 / 356_040.0,
    );
    assert_close(
        "azure $/training PFLOP",
        azure.usd_per_training_pflop.unwrap(),
        1_000.0 / 142_416.0,
    );

    // The dedicated cluster's utilization is reported although it has no floor: 500 / 672.
    assert_eq!(doc.utilization.len(), 1);
    assert_close(
        "utilization",
        doc.utilization[0]["fraction"].as_f64().unwrap(),
        500.0 / 672.0,
    );
    assert!(doc.utilization[0]["floor_fraction"].is_null());
    assert_eq!(doc.schedule.len(), 3);
    assert!(doc.inference.is_empty());

    // The table shows the same, with the status first.
    let (code, stdout, _) = capplan(&[
        "check".as_ref(),
        data("check-small.toml").as_os_str(),
        data("check-small.csv").as_os_str(),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Status: shortfall_billed"), "{stdout}");
    assert!(stdout.contains("$3,112 shortfall billed"), "{stdout}");
}

/// Runs check on CSV `text` for the rules scenario; returns exit code and stderr.
fn check_bad(name: &str, text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let (code, stdout, stderr) = capplan(&[
        "check".as_ref(),
        data("check-rules.toml").as_os_str(),
        path.as_os_str(),
    ]);
    assert!(
        stdout.is_empty(),
        "{name}: printed a report for bad input: {stdout}"
    );
    assert!(
        stderr.contains(name),
        "{name}: the error does not name the file: {stderr}"
    );
    (code, stderr)
}

#[test]
fn bad_csv_rows_are_all_listed_with_their_lines() {
    let text = "\
period,cluster,workload,chip_hours
1,a-ded,serve,900
1,nowhere,serve,10
2,a-ded,ghost,10
9,a-ded,serve,10
2026-12-01,a-ded,serve,10
2,a-ded,serve,-5
2,a-ded,serve,NaN
2,a-ded,serve,lots
3,a-ded
";
    let (code, stderr) = check_bad("bad-rows.csv", text);
    assert_eq!(code, 2, "{stderr}");
    for (line, what) in [
        (3, "unknown cluster \"nowhere\""),
        (4, "unknown workload \"ghost\""),
        (5, "period 9 is outside the horizon"),
        (6, "2026-12-01 is outside the horizon"),
        (7, "chip_hours -5 is negative"),
        (8, "chip_hours \"NaN\" is not a number"),
        (9, "chip_hours \"lots\" is not a number"),
        (10, "no \"workload\" value"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("line {line}, ")) && l.contains(what)),
            "line {line} ({what}) missing from:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("line 2,"),
        "the good row is blamed:\n{stderr}"
    );
    assert!(stderr.contains("8 rows"), "{stderr}");
    assert!(stderr.contains("help: use a cluster id from"), "{stderr}");
}

#[test]
fn bad_csv_files_are_refused() {
    for (name, text, line, what) in [
        ("empty.csv", "", 1, "the file is empty"),
        ("blank.csv", "\n  \n", 1, "the file is empty"),
        (
            "no-hours.csv",
            "period,cluster,workload\n1,a-ded,serve\n",
            1,
            "missing column(s) \"chip_hours\"",
        ),
        (
            "twice.csv",
            "period,cluster,workload,chip_hours,Chip Hours\n",
            1,
            "column \"chip_hours\" appears 2 times",
        ),
    ] {
        let (code, stderr) = check_bad(name, text);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("line {line}: ")) && stderr.contains(what),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("help: "), "{name}: {stderr}");
    }
}

#[test]
fn bad_plan_json_entries_are_listed_with_their_lines() {
    let text = r#"{
  "status": "optimal",
  "schedule": [
    { "period": 1, "cluster": "a-ded", "workload": "serve", "chip_hours": 900.0 },
    { "period": 7, "cluster": "a-ded", "workload": "serve", "chip_hours": 1.0 },
    {
      "period": 1,
      "cluster": "a-ded",
      "workload": "nobody",
      "chip_hours": -1.0
    }
  ]
}"#;
    let (code, stderr) = check_bad("plan.json", text);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("line 5, column 7: schedule[1].period: period 7 is outside"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 9, column 7: schedule[2].workload: unknown workload \"nobody\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 10, column 7: schedule[2].chip_hours: chip_hours -1.0 is negative"),
        "{stderr}"
    );

    let (code, stderr) = check_bad(
        "infeasible.json",
        r#"{ "status": "infeasible", "schedule": [] }"#,
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("holds no plan"), "{stderr}");
}

#[test]
fn bad_model_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("broken.toml");
    std::fs::write(&model, "[horizon]\nstart = \"2027-01-04\"\n").unwrap();
    let (code, _, stderr) = capplan(&[
        "check".as_ref(),
        model.as_os_str(),
        data("check-rules-base.csv").as_os_str(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("broken.toml"), "{stderr}");
}

#[test]
fn missing_allocation_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.csv");
    let (code, stdout, stderr) = capplan(&[
        "check".as_ref(),
        data("check-rules.toml").as_os_str(),
        missing.as_os_str(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("nowhere.csv: cannot read"), "{stderr}");
}

/// `check` reads the `schedule` of a plan.json of either format_version: its entries did not
/// change between 1 and 2 (docs/json.md), so an older plan can still be audited.
#[test]
fn check_reads_the_schedule_of_a_format_version_1_plan_json() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("models/tutorial.toml");
    let (code, _, stderr) = capplan(&[
        "plan".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap()).unwrap();
    // The version 1 shape: floors and utilization under `contracts`, no `kind`.
    let mut v1 = doc.as_object().unwrap().clone();
    v1.insert("format_version".into(), 1.into());
    v1.remove("kind");
    let floors = v1.remove("spend_floors").unwrap();
    let utilization = v1.remove("utilization").unwrap();
    v1.insert(
        "contracts".into(),
        serde_json::json!({"spend_floors": floors, "utilization": utilization}),
    );
    let old = dir.path().join("old-plan.json");
    std::fs::write(&old, serde_json::to_vec(&v1).unwrap()).unwrap();
    let (code, checked) = check_json(&model, &old, &[]);
    assert_eq!(code, 0);
    assert_eq!(checked.compliance.violations, 0);
    assert_close(
        "total",
        checked.total_cost_usd,
        doc["total_cost_usd"].as_f64().unwrap(),
    );
}
