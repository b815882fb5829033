//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use capplan::audit::{audit, AuditReport};
use capplan::model::Scenario;
use capplan::plan::{plan, PlanOptions, PlanOutcome};
use capplan::solver::Backend;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.toml` file in `models/`, sorted.
pub fn shipped_models() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("models"))
        .expect("models/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// Parses a scenario or panics with its problems.
pub fn load(toml: &str) -> Scenario {
    Scenario::from_toml(toml, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Every backend compiled in that can solve the scenario (clarabel only for pure LPs).
pub fn backends(s: &Scenario) -> Vec<Backend> {
    let mut v = vec![Backend::Microlp];
    if !s.has_dependencies() {
        v.push(Backend::Clarabel);
    }
    if Backend::Highs.is_compiled() {
        v.push(Backend::Highs);
    }
    v
}

/// Plans with `backend`; panics unless a plan comes back. Re-audits the plan independently.
pub fn plan_with(s: &Scenario, backend: Backend) -> Box<AuditReport> {
    let opts = PlanOptions {
        backend: Some(backend),
        ..PlanOptions::default()
    };
    match plan(s, &opts).unwrap_or_else(|e| panic!("{backend:?}: {e}")) {
        PlanOutcome::Planned { audit: report, .. } => {
            let again = audit(s, &rebuild(s, &report));
            assert_eq!(again.violations(), 0, "{backend:?}: {:?}", again.findings);
            report
        }
        PlanOutcome::Infeasible { unmeetable, .. } => {
            panic!("{backend:?}: infeasible: {unmeetable:?}")
        }
        PlanOutcome::NoPlan { solver } => panic!("{backend:?}: no plan: {solver:?}"),
    }
}

/// The allocation behind a priced schedule (to audit it again from scratch).
pub fn rebuild(s: &Scenario, a: &AuditReport) -> capplan::allocation::Allocation {
    capplan::allocation::Allocation {
        rows: a
            .schedule
            .iter()
            .map(|r| capplan::allocation::AllocRow {
                period: r.period - 1,
                cluster: s.cluster_by_id(&r.cluster).expect("cluster"),
                workload: s.workload_by_id(&r.workload).expect("workload"),
                chip_hours: r.chip_hours,
            })
            .collect(),
    }
}

/// Asserts `got` is `want` within solver round-off (dollars).
#[track_caller]
pub fn assert_usd(got: f64, want: f64, what: &str) {
    let tol = 1e-6 * want.abs() + 1e-3;
    assert!(
        (got - want).abs() <= tol,
        "{what}: got ${got}, want ${want}"
    );
}

/// Chip-hours of `workload` on `cluster` (any period) in a plan.
pub fn chip_hours(a: &AuditReport, workload: &str, cluster: Option<&str>) -> f64 {
    a.schedule
        .iter()
        .filter(|r| r.workload == workload && cluster.is_none_or(|c| r.cluster == c))
        .map(|r| r.chip_hours)
        .sum()
}

/// Runs the `capplan` binary with `args` from the repository root.
pub fn capplan(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

/// `capplan plan FILE ARGS --format json`, which must exit 0 (a plan that passed the audit):
/// its JSON.
pub fn plan_json(file: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["plan", file.to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    all.extend(["--format", "json"]);
    let out = capplan(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("plan --format json prints JSON")
}

/// The exit code of a finished run.
pub fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exited normally")
}

/// What a run printed on stderr.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether `CAPPLAN_SCHEMA=overwrite` asks the schema tests to rewrite the shipped files.
pub fn overwrite_schema() -> bool {
    std::env::var("CAPPLAN_SCHEMA").is_ok_and(|v| v == "overwrite")
}

/// The shipped `schema/FILE` is `generated` (rewritten first under `CAPPLAN_SCHEMA=overwrite`);
/// the message names the `source` it comes from and the `test` that rewrites it.
pub fn assert_shipped_schema(file: &str, generated: &str, source: &str, test: &str) {
    let path = root().join("schema").join(file);
    if overwrite_schema() {
        std::fs::write(&path, generated).expect("schema/ is writable");
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == generated,
        "{} differs from what {source} generates: run \
         CAPPLAN_SCHEMA=overwrite cargo test --release --test {test}",
        path.display()
    );
}

/// The validator of the shipped `schema/FILE`, so the file, not only the code, is what is tested
/// (while it is being rewritten, of the code's, `generated`).
pub fn shipped_validator(file: &str, generated: impl FnOnce() -> String) -> jsonschema::Validator {
    let text = if overwrite_schema() {
        generated()
    } else {
        std::fs::read_to_string(root().join("schema").join(file)).expect("the schema is shipped")
    };
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}
