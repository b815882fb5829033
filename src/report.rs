//! Rendering outcomes for people (tables) and programs (JSON, CSV), and writing files safely.
//!
//! Outcomes are data ([`crate::plan::PlanOutcome`], [`crate::audit::AuditReport`]); this module is
//! the one place that turns them into text.

use std::fmt::Write as _;
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::audit::{
    AuditReport, Bill, Costs, Finding, InferenceStatus, ProviderPrice, ScheduleRow, Severity,
    SpendFloorStatus, Tolerance, TrainingStatus, UtilizationStatus,
};
use crate::deadlines::DeadlineWhatifs;
use crate::format::fmt_num;
use crate::html::Calendar;
use crate::model::Scenario;
use crate::overrides::Applied;
use crate::plan::{PlanOutcome, SolverInfo, Unmeetable};
use crate::replan::ReplanSummary;
use crate::solver::SolveStatus;

/// The `format_version` of plan and check documents. It changes when a key is renamed, moved or
/// removed or its meaning changes; a new key does not change it (docs/json.md).
pub const FORMAT_VERSION: u32 = 2;

/// The JSON document of a plan (`capplan plan --format json`, `plan.json` in `--out`) or of a
/// check (`capplan check --format json`): one shape for both, described by
/// `schema/plan-output.schema.json` ([`crate::output_schema`]) and docs/json.md. Every key is
/// always written; what one kind or outcome does not have is `null` (a single value) or `[]` (a
/// list). The audit's sections (costs, floors, utilization, ..., bill) are the same in both.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Document<'a> {
    /// Version of this shape: 2.
    #[schemars(schema_with = "format_version_schema")]
    pub format_version: u32,
    /// `plan` or `check`.
    pub kind: DocumentKind,
    /// Scenario file, as given.
    pub scenario: String,
    /// Allocation file checked (checks); `null` for plans.
    pub allocation: Option<String>,
    /// How the solve ended (plans: `optimal`, `gap_limit`, `time_limit`, `infeasible`,
    /// `time_limit_no_plan`, `failed`); the audit's verdict (checks: `compliant`,
    /// `shortfall_billed`, `violations`).
    pub status: DocumentStatus,
    /// Total cost, USD; `null` without a plan.
    pub total_cost_usd: Option<f64>,
    /// The audit's verdict; `null` without a plan.
    pub compliance: Option<Compliance>,
    /// Round-off the audit allowed each allocation row; `null` without a plan.
    pub tolerance: Option<Tolerance>,
    /// What was solved and how (plans); `null` for checks.
    pub solver: Option<&'a SolverInfo>,
    /// Cost by part; `null` without a plan.
    pub costs: Option<&'a Costs>,
    /// Every spend floor: required, spent, shortfall billed.
    pub spend_floors: &'a [SpendFloorStatus],
    /// Utilization of dedicated clusters and clusters with floors, per period.
    pub utilization: &'a [UtilizationStatus],
    /// Training progress.
    pub training: &'a [TrainingStatus],
    /// Inference service.
    pub inference: &'a [InferenceStatus],
    /// Effective prices per provider against the public rates.
    pub prices: &'a [ProviderPrice],
    /// Violations of hard rules first, then billed shortfalls (a plan has no violations).
    pub findings: &'a [Finding],
    /// What an infeasible scenario cannot meet (infeasible plans).
    pub unmeetable: &'a [Unmeetable],
    /// The plan or the allocation, merged per (period, cluster, workload) and priced.
    pub schedule: &'a [ScheduleRow],
    /// The bill per period, provider and contract, by month, floors over time, discounts;
    /// `null` without a plan.
    pub bill: Option<&'a Bill>,
    /// Periods, clusters and workloads: what `capplan report` draws the charts against.
    pub calendar: Calendar,
    /// `--set` overrides applied, in order.
    pub overrides: &'a [Applied],
    /// Shadow prices of the binding terms (plans with a plan, unless `--sensitivity off`):
    /// built by [`crate::sensitivity`]; `null` otherwise.
    pub sensitivity: Option<&'a crate::sensitivity::Sensitivity>,
    /// What moving each binding deadline or release one period would save (plans with
    /// `--deadlines`); `null` otherwise.
    pub deadline_whatifs: Option<&'a DeadlineWhatifs>,
    /// What a re-plan fixed and found (`capplan replan`): the as-of date, the actuals, work and
    /// floor spend of the fixed past, its history; `null` for plans and checks.
    pub replan: Option<&'a ReplanSummary>,
}

fn format_version_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "integer", "const": FORMAT_VERSION })
}

/// Whether this capplan can read a saved plan or check document: its `format_version` must be
/// [`FORMAT_VERSION`]. The error names `file`, what is wrong and the fix (write it again).
pub fn read_format_version(doc: &serde_json::Value, file: &str) -> Result<(), String> {
    let rerun = "re-run `capplan plan SCENARIO --out DIR` (or `capplan check SCENARIO ALLOCATION --format json`) to write it again (docs/json.md)";
    match doc.get("format_version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(FORMAT_VERSION) => Ok(()),
        Some(v) if v < u64::from(FORMAT_VERSION) => Err(format!(
            "{file}: format_version {v} was written by an older capplan; this one reads format_version {FORMAT_VERSION}\n    help: {rerun}"
        )),
        Some(v) => Err(format!(
            "{file}: format_version {v} was written by a newer capplan; this one reads format_version {FORMAT_VERSION}\n    help: use that capplan, or {rerun}"
        )),
        None => Err(format!(
            "{file}: no \"format_version\": not a capplan plan or check document\n    help: give a plan.json from `capplan plan --out DIR` or the output of `capplan check --format json`"
        )),
    }
}

/// What a [`Document`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A plan from `capplan plan` (feasible or not).
    Plan,
    /// An allocation audited by `capplan check`.
    Check,
}

/// The `status` of a [`Document`]: a solve status for a plan, a verdict for a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DocumentStatus {
    /// How the plan's solve ended.
    Solve(SolveStatus),
    /// How the checked allocation fares.
    Check(CheckStatus),
}

/// Builds the document of a plan outcome, made with the overrides `applied`.
pub fn plan_document<'a>(
    scenario: &Scenario,
    outcome: &'a PlanOutcome,
    applied: &'a [Applied],
) -> Document<'a> {
    let (solver, audit, unmeetable): (&SolverInfo, Option<&AuditReport>, &[Unmeetable]) =
        match outcome {
            PlanOutcome::Planned { solver, audit } => (solver, Some(audit), &[]),
            PlanOutcome::Infeasible { solver, unmeetable } => (solver, None, unmeetable),
            PlanOutcome::NoPlan { solver } => (solver, None, &[]),
        };
    let status = DocumentStatus::Solve(solver.status);
    let mut doc = audit_document(scenario, DocumentKind::Plan, status, audit, applied);
    doc.solver = Some(solver);
    doc.unmeetable = unmeetable;
    doc.sensitivity = audit.and(solver.sensitivity.as_ref());
    doc
}

/// Builds the document of a check of the allocation in `allocation`.
pub fn check_document<'a>(
    scenario: &Scenario,
    allocation: &Path,
    a: &'a AuditReport,
    applied: &'a [Applied],
) -> Document<'a> {
    let status = DocumentStatus::Check(CheckStatus::of(a));
    let mut doc = audit_document(scenario, DocumentKind::Check, status, Some(a), applied);
    doc.allocation = Some(allocation.display().to_string());
    doc
}

/// The sections plans and checks share, from the audit where there is one.
fn audit_document<'a>(
    scenario: &Scenario,
    kind: DocumentKind,
    status: DocumentStatus,
    audit: Option<&'a AuditReport>,
    applied: &'a [Applied],
) -> Document<'a> {
    Document {
        format_version: FORMAT_VERSION,
        kind,
        scenario: scenario.file.display().to_string(),
        allocation: None,
        status,
        total_cost_usd: audit.map(|a| a.costs.total_usd),
        compliance: audit.map(Compliance::of),
        tolerance: audit.map(|a| a.tolerance),
        solver: None,
        costs: audit.map(|a| &a.costs),
        spend_floors: audit.map_or(&[], |a| &a.spend_floors),
        utilization: audit.map_or(&[], |a| &a.utilization),
        training: audit.map_or(&[], |a| &a.training),
        inference: audit.map_or(&[], |a| &a.inference),
        prices: audit.map_or(&[], |a| &a.prices),
        findings: audit.map_or(&[], |a| &a.findings),
        unmeetable: &[],
        schedule: audit.map_or(&[], |a| &a.schedule),
        bill: audit.map(|a| &a.bill),
        calendar: Calendar::of(scenario),
        overrides: applied,
        sensitivity: None,
        deadline_whatifs: None,
        replan: None,
    }
}

/// How an allocation fares: the `status` of a check [`Document`] and of its [`Compliance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Every rule kept and every floor met.
    Compliant,
    /// Every hard rule kept, but a floor is short and the contract bills the shortfall.
    ShortfallBilled,
    /// At least one hard rule broken.
    Violations,
}

impl CheckStatus {
    /// The status of an audit.
    pub fn of(a: &AuditReport) -> Self {
        if a.violations() > 0 {
            CheckStatus::Violations
        } else if a.shortfalls() > 0 {
            CheckStatus::ShortfallBilled
        } else {
            CheckStatus::Compliant
        }
    }

    /// The spelling used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Compliant => "compliant",
            CheckStatus::ShortfallBilled => "shortfall_billed",
            CheckStatus::Violations => "violations",
        }
    }
}

/// The audit's verdict on a plan or an allocation.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Compliance {
    /// `compliant`, `shortfall_billed` or `violations` (a plan never has violations).
    pub status: CheckStatus,
    /// Number of hard-rule violations.
    pub violations: usize,
    /// Number of billed shortfalls (spend floors, soft utilization floors).
    pub shortfalls: usize,
    /// Spend-floor shortfalls and soft utilization penalties billed, USD.
    pub billed_usd: f64,
}

impl Compliance {
    /// The verdict of an audit.
    pub fn of(a: &AuditReport) -> Self {
        Compliance {
            status: CheckStatus::of(a),
            violations: a.violations(),
            shortfalls: a.shortfalls(),
            billed_usd: a.costs.spend_shortfall_usd + a.costs.utilization_penalty_usd,
        }
    }
}

/// The findings as CSV: `rule,severity,workload,cluster,contract,periods,amount,unit,message`;
/// `periods` is a `;`-separated list of period numbers, absent ids are empty.
pub fn findings_csv(findings: &[Finding]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "rule", "severity", "workload", "cluster", "contract", "periods", "amount", "unit",
        "message",
    ])
    .expect("writing CSV to memory cannot fail");
    for f in findings {
        let periods = f
            .periods
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(";");
        let severity = match f.severity {
            Severity::Violation => "violation",
            Severity::Billed => "billed",
        };
        w.write_record([
            f.rule.as_str(),
            severity,
            &csv_text(f.workload.as_deref().unwrap_or("")),
            &csv_text(f.cluster.as_deref().unwrap_or("")),
            &csv_text(f.contract.as_deref().unwrap_or("")),
            &periods,
            &round_sig(f.amount).to_string(),
            &csv_text(&f.unit),
            &csv_text(&f.message),
        ])
        .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("writing CSV to memory cannot fail")
}

/// A check for a terminal: what was checked, then the audit sections.
pub fn check_text(scenario: &Scenario, allocation: &Path, a: &AuditReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "capplan check: {} against {}",
        allocation.display(),
        scenario.file.display()
    );
    let c = &a.costs;
    let billed = c.spend_shortfall_usd + c.utilization_penalty_usd;
    let _ = writeln!(
        out,
        "Status: {}: {} violation(s) of hard rules; {} floor shortfall(s) billed, {} ({} spend floors, {} utilization floors)\n",
        CheckStatus::of(a).as_str(),
        a.violations(),
        a.shortfalls(),
        usd(billed),
        usd(c.spend_shortfall_usd),
        usd(c.utilization_penalty_usd),
    );
    let _ = writeln!(
        out,
        "Tolerance: each allocation row may be off by {} chip-hour(s) (rounding), in every rule\n",
        a.tolerance.row_chip_hours
    );
    out.push_str(&audit_text(a));
    out
}

/// A text cell for a CSV file that a spreadsheet may open: a cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return would be read as a formula (formula injection), so it
/// gets a leading `'`, as OWASP recommends; `capplan check` strips it when reading ids back
/// ([`crate::allocation_io`]).
pub fn csv_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_STARTS) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// First characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The schedule as CSV:
/// `period,period_start,cluster,provider,chip,workload,chip_hours,cost_usd,period_label` (the
/// label last, so that readers of the older eight columns by position still work); numbers rounded to 12 significant digits ([`round_sig`]).
pub fn schedule_csv(rows: &[ScheduleRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "period",
        "period_start",
        "cluster",
        "provider",
        "chip",
        "workload",
        "chip_hours",
        "cost_usd",
        "period_label",
    ])
    .expect("writing CSV to memory cannot fail");
    for r in rows {
        w.write_record([
            r.period.to_string().as_str(),
            &r.period_start,
            &csv_text(&r.cluster),
            &csv_text(&r.provider),
            &csv_text(&r.chip),
            &csv_text(&r.workload),
            &round_sig(r.chip_hours).to_string(),
            &round_sig(r.cost_usd).to_string(),
            &r.period_label,
        ])
        .expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("writing CSV to memory cannot fail")
}

/// A JSON document, pretty-printed, with every fractional number rounded to 12 significant
/// digits ([`round_sig`]): `5.373`, not `5.372999999999999`; integers are left alone.
pub fn json_pretty<T: Serialize>(doc: &T) -> serde_json::Result<Vec<u8>> {
    fn tidy(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) if n.is_f64() => {
                if let Some(x) = n
                    .as_f64()
                    .and_then(|x| serde_json::Number::from_f64(round_sig(x)))
                {
                    *n = x;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(tidy),
            serde_json::Value::Object(map) => map.values_mut().for_each(tidy),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(doc)?;
    tidy(&mut value);
    let mut out = serde_json::to_vec_pretty(&value)?;
    out.push(b'\n');
    Ok(out)
}

/// A plain text table with aligned columns; numeric-looking cells are right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with two leading spaces.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut width = vec![0; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(n) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let numeric = |s: &str| {
            s == "."
                || !s.is_empty()
                    && s.trim_start_matches(['-', '$'])
                        .starts_with(|c: char| c.is_ascii_digit())
        };
        let mut out = String::new();
        let line = |out: &mut String, r: &[String], header: bool| {
            out.push_str("  ");
            for (i, c) in r.iter().enumerate().take(n) {
                let pad = width[i] - c.chars().count();
                if !header && numeric(c) {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(c);
                } else {
                    out.push_str(c);
                    if i + 1 < n {
                        out.push_str(&" ".repeat(pad));
                    }
                }
                if i + 1 < n {
                    out.push_str("  ");
                }
            }
            out.truncate(out.trim_end_matches(' ').len());
            out.push('\n');
        };
        line(&mut out, &self.header, true);
        line(
            &mut out,
            &width.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
            true,
        );
        for r in &self.rows {
            line(&mut out, r, false);
        }
        out
    }
}

fn usd(x: f64) -> String {
    format!("${}", fmt_num(x))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The solver section, shared by every outcome.
pub fn solver_text(s: &SolverInfo) -> String {
    let mut out = String::new();
    let gap = s
        .gap
        .map_or("n/a".to_string(), |g| format!("{:.4}%", 100.0 * g));
    let _ = writeln!(
        out,
        "Solver: {} ({}), status {}, gap {gap}",
        s.backend.as_str(),
        s.algorithm,
        s.status.as_str()
    );
    let _ = writeln!(
        out,
        "  model: {} ({} integer), {}, {}",
        count_s(s.variables, "variable"),
        s.integer_variables,
        count_s(s.constraints, "constraint"),
        count_s(s.nonzeros, "nonzero")
    );
    let t = &s.timings;
    let _ = writeln!(
        out,
        "  seconds: load {:.3}, build {:.3}, solver load {:.3}, solve {:.3}, extract {:.3}, audit {:.3}, write {:.3}",
        t.load_seconds, t.build_seconds, t.backend_load_seconds, t.solve_seconds, t.extract_seconds, t.audit_seconds, t.write_seconds
    );
    if let Some(m) = &s.message {
        let _ = writeln!(out, "  solver message: {m}");
    }
    out
}

/// The audit sections (costs, floors, utilization, training, inference, prices, findings).
pub fn audit_text(a: &AuditReport) -> String {
    let mut out = String::new();
    costs_section(&mut out, a);
    spend_floors_section(&mut out, a);
    utilization_section(&mut out, a);
    training_section(&mut out, a);
    inference_section(&mut out, a);
    prices_section(&mut out, a);
    compliance_section(&mut out, a);
    out
}

/// The total cost, its parts, and compute cost by provider, cluster and workload.
fn costs_section(out: &mut String, a: &AuditReport) {
    let c = &a.costs;
    let _ = writeln!(out, "Total cost: {}", usd(c.total_usd));
    let mut t = Table::new(&["part", "USD"]);
    for (name, v) in [
        ("per-use compute", c.usage_usd),
        ("reserved capacity", c.reserved_usd),
        ("  of which idle", c.reserved_idle_usd),
        ("spend-floor shortfall billed", c.spend_shortfall_usd),
        ("utilization penalties", c.utilization_penalty_usd),
        ("unmet demand penalties", c.unmet_penalty_usd),
        ("inference revenue share", c.revenue_share_usd),
    ] {
        t.row(vec![name.to_string(), usd(v)]);
    }
    out.push_str(&t.render());
    for (title, map) in [
        ("provider", &c.by_provider),
        ("cluster", &c.by_cluster),
        ("workload", &c.by_workload),
    ] {
        let _ = writeln!(out, "\nCompute cost by {title}:");
        let mut t = Table::new(&[title, "USD"]);
        for (k, v) in map {
            t.row(vec![k.clone(), usd(*v)]);
        }
        out.push_str(&t.render());
    }
}

/// Whether a floor is met; for one outside the horizon, what its forecast needs.
fn floor_met(f: &SpendFloorStatus) -> String {
    match (f.outside_horizon, f.met) {
        (false, met) => yes_no(met),
        (true, true) => "yes (outside the horizon)".to_string(),
        (true, false) => format!(
            "no: outside the horizon, the forecast needs {} more (not billed here)",
            usd(f.forecast_needed_usd)
        ),
    }
}

/// Each spend floor: what was required, spent and billed.
fn spend_floors_section(out: &mut String, a: &AuditReport) {
    if !a.spend_floors.is_empty() {
        let _ = writeln!(out, "\nSpend floors:");
        let mut t = Table::new(&[
            "contract",
            "floor",
            "required",
            "before",
            "in horizon",
            "forecast after",
            "shortfall",
            "met",
        ]);
        for f in &a.spend_floors {
            t.row(vec![
                f.contract.clone(),
                f.name.clone(),
                usd(f.floor_usd),
                usd(f.spent_before_usd),
                usd(f.in_horizon_usd),
                usd(f.forecast_after_usd),
                usd(f.shortfall_usd),
                floor_met(f),
            ]);
        }
        out.push_str(&t.render());
    }
}

/// Utilization per period of dedicated clusters and clusters with floors.
fn utilization_section(out: &mut String, a: &AuditReport) {
    if !a.utilization.is_empty() {
        let _ = writeln!(
            out,
            "\nUtilization of dedicated clusters and clusters with floors:"
        );
        let mut t = Table::new(&[
            "cluster",
            "period",
            "label",
            "used chip-h",
            "available chip-h",
            "used",
            "floor",
            "short chip-h",
            "penalty",
        ]);
        for u in &a.utilization {
            t.row(vec![
                u.cluster.clone(),
                u.period.to_string(),
                a.period_label(u.period),
                fmt_num(u.used_chip_hours),
                fmt_num(u.available_chip_hours),
                pct(u.fraction),
                u.floor_fraction.map_or("none".to_string(), |f| {
                    format!("{}{}", pct(f), if u.hard { " hard" } else { "" })
                }),
                fmt_num(u.short_chip_hours),
                usd(u.penalty_usd),
            ]);
        }
        out.push_str(&t.render());
    }
}

/// Progress of each training-type workload.
fn training_section(out: &mut String, a: &AuditReport) {
    if !a.training.is_empty() {
        let _ = writeln!(out, "\nTraining:");
        let mut t = Table::new(&[
            "workload",
            "work PFLOP",
            "done PFLOP",
            "chip-hours",
            "finishes",
            "deadline",
        ]);
        for w in &a.training {
            t.row(vec![
                w.workload.clone(),
                fmt_num(w.work_pflop),
                fmt_num(w.done_pflop),
                fmt_num(w.chip_hours),
                w.finish_period.map_or("not done".into(), |p| {
                    format!("period {p} ({})", a.period_label(p))
                }),
                format!(
                    "period {} ({})",
                    w.deadline_period,
                    a.period_label(w.deadline_period)
                ),
            ]);
        }
        out.push_str(&t.render());
    }
}

/// Demand served of each inference workload.
fn inference_section(out: &mut String, a: &AuditReport) {
    if !a.inference.is_empty() {
        let _ = writeln!(out, "\nInference:");
        let mut t = Table::new(&[
            "workload",
            "unit",
            "demand",
            "served",
            "unmet",
            "penalty",
            "must serve",
        ]);
        for w in &a.inference {
            t.row(vec![
                w.workload.clone(),
                w.unit.clone(),
                fmt_num(w.demand),
                fmt_num(w.served),
                fmt_num(w.unmet),
                usd(w.penalty_usd),
                yes_no(w.must_serve),
            ]);
        }
        out.push_str(&t.render());
    }
}

/// Effective prices per provider, paid and public.
fn prices_section(out: &mut String, a: &AuditReport) {
    if !a.prices.is_empty() {
        let _ = writeln!(
            out,
            "\nEffective prices per provider (paid USD includes idle reserved capacity; $/training PFLOP is at the rates paid for the chip-hours used):"
        );
        let mut t = Table::new(&[
            "provider",
            "priced at",
            "chip-hours",
            "USD",
            "$/chip-hour",
            "$/peak PFLOP",
            "$/training PFLOP",
            "discount achieved",
        ]);
        for p in &a.prices {
            let opt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("${v:.4}"));
            t.row(vec![
                p.provider.clone(),
                "paid".to_string(),
                fmt_num(p.chip_hours),
                usd(p.spend_usd),
                format!("${:.3}", p.usd_per_chip_hour),
                format!("${:.5}", p.usd_per_peak_pflop),
                opt(p.usd_per_training_pflop),
                pct(p.discount_achieved),
            ]);
            t.row(vec![
                String::new(),
                "public".to_string(),
                fmt_num(p.chip_hours),
                usd(p.public_usd),
                format!("${:.3}", p.public_usd_per_chip_hour),
                format!("${:.5}", p.public_usd_per_peak_pflop),
                opt(p.public_usd_per_training_pflop),
                String::new(),
            ]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&crate::finance::bill_text(&a.bill));
}

/// The compliance verdict and every finding.
fn compliance_section(out: &mut String, a: &AuditReport) {
    let _ = writeln!(out);
    let (v, b) = (a.violations(), a.shortfalls());
    if v == 0 && b == 0 {
        let _ = writeln!(out, "Compliance: every rule kept and every floor met.");
    } else {
        let _ = writeln!(
            out,
            "Compliance: {v} violation(s) of hard rules, {b} floor shortfall(s) billed."
        );
        for f in &a.findings {
            let tag = match f.severity {
                Severity::Violation => "VIOLATION",
                Severity::Billed => "billed",
            };
            let _ = writeln!(out, "  [{tag}] {}: {}", f.rule.as_str(), f.message);
        }
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The whole plan for a terminal.
pub fn plan_text(scenario: &Scenario, outcome: &PlanOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "capplan plan: {}", scenario.file.display());
    if let Some(d) = &scenario.description {
        let _ = writeln!(out, "{}", d.trim());
    }
    let h = &scenario.horizon;
    let lengths = match h.segments.as_slice() {
        [(length, _)] => format!("of one {}", length.as_str()),
        _ => format!("({})", h.describe()),
    };
    let _ = writeln!(
        out,
        "Horizon: {} {lengths} from {} to {}\n",
        count_s(h.len(), "period"),
        h.periods[0].start,
        h.periods[h.len() - 1].end - chrono::Days::new(1)
    );
    match outcome {
        PlanOutcome::Planned { solver, audit } => {
            out.push_str(&audit_text(audit));
            out.push_str(&chips_in_use_text(scenario, &audit.schedule));
            let _ = writeln!(out);
            out.push_str(&solver_text(solver));
        }
        PlanOutcome::Infeasible { solver, unmeetable } => {
            let _ = writeln!(out, "INFEASIBLE: no plan keeps every hard term. What cannot be met (least total shortfall):");
            for u in unmeetable {
                let _ = writeln!(out, "  - {}", u.message);
            }
            if unmeetable.is_empty() {
                let _ = writeln!(out, "  (the least-violation program found nothing to report; check the solver message)");
            }
            let _ = writeln!(out);
            out.push_str(&solver_text(solver));
        }
        PlanOutcome::NoPlan { solver } => {
            let _ = writeln!(
                out,
                "NO PLAN: the solver stopped ({}) before finding a plan.",
                solver.status.as_str()
            );
            if solver.status == crate::solver::SolveStatus::TimeLimitNoPlan {
                let _ = writeln!(out, "  Raise --time-limit, set --mip-gap, or use a faster backend (--solver highs).");
            }
            let _ = writeln!(out);
            out.push_str(&solver_text(solver));
        }
    }
    out
}

/// Widest horizon the chips-in-use grid is printed for; longer plans are read in the CSV.
const GRID_MAX_PERIODS: usize = 26;

/// Average chips busy per cluster and period, against chips available: the plan at a glance.
pub fn chips_in_use_text(scenario: &Scenario, schedule: &[ScheduleRow]) -> String {
    let periods = scenario.horizon.len();
    if periods > GRID_MAX_PERIODS || schedule.is_empty() {
        return String::new();
    }
    let mut busy = vec![vec![0.0; periods]; scenario.clusters.len()];
    for r in schedule {
        if let Some(c) = scenario.cluster_by_id(&r.cluster) {
            busy[c.0][r.period - 1] += r.chip_hours / scenario.horizon.periods[r.period - 1].hours;
        }
    }
    let mut header = vec!["cluster".to_string(), "chips".to_string()];
    header.extend((1..=periods).map(|p| format!("p{p}")));
    let mut t = Table {
        header,
        rows: Vec::new(),
    };
    for (c, cl) in scenario.clusters.iter().enumerate() {
        let most = cl.chips.iter().copied().fold(0.0, f64::max);
        let mut row = vec![cl.id.clone(), format!("{most:.0}")];
        row.extend(busy[c].iter().map(|b| {
            if *b < 0.5 {
                ".".to_string()
            } else {
                format!("{b:.0}")
            }
        }));
        t.row(row);
    }
    format!(
        "\nChips in use (average per period; '.' = idle):\n{}{}\n",
        t.render(),
        period_legend(&scenario.horizon)
    )
}

/// Which dates the grid's columns are, one run of periods of one length at a time:
/// `p1-p13 = 2027-W01..2027-W13 (weeks), p14-p22 = 2027-04..2027-12 (months)`.
pub fn period_legend(h: &crate::model::Horizon) -> String {
    let mut parts = Vec::new();
    let mut first = 0;
    for &(length, count) in &h.segments {
        let (a, b) = (&h.periods[first], &h.periods[first + count - 1]);
        parts.push(if count == 1 {
            format!("p{} = {} ({})", a.number, a.label(), length.as_str())
        } else {
            format!(
                "p{}-p{} = {}..{} ({}s)",
                a.number,
                b.number,
                a.label(),
                b.label(),
                length.as_str()
            )
        });
        first += count;
    }
    format!("Periods: {}", parts.join(", "))
}

/// A number for people: rounded to 12 significant digits, then printed in its shortest form
/// (`5.373`, not `5.373000000000001`), in exponent form from 1e15 up and below 1e-6 (`1e300`,
/// not 301 digits).
pub fn display_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let r = round_sig(x);
    if (1e-6..1e15).contains(&r.abs()) {
        format!("{r}")
    } else {
        format!("{r:e}")
    }
}

/// `x` rounded to 12 significant digits: the float noise of a sum or a product
/// (`547151.5099999998`) goes, every digit a plan can mean stays.
pub fn round_sig(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// `n` and a noun, singular for one (`1 period`, `2 periods`); `plural` is the noun for every
/// other count.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// `n` and a noun made plural with an `s`.
pub fn count_s(n: usize, singular: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {singular}s")
    }
}
