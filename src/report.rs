//! Rendering outcomes for people (tables) and programs (JSON, CSV), and writing files safely.
//!
//! Outcomes are data ([`crate::plan::PlanOutcome`], [`crate::audit::AuditReport`]); this module is
//! the one place that turns them into text.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::audit::{
    AuditReport, Bill, Costs, Finding, InferenceStatus, ProviderPrice, ScheduleRow, Severity,
    SpendFloorStatus, Tolerance, TrainingStatus, UtilizationStatus,
};
use crate::format::fmt_num;
use crate::html::Calendar;
use crate::model::Scenario;
use crate::plan::{PlanOutcome, SolverInfo, Unmeetable};

/// The JSON document `capplan plan --format json` prints and `--out` writes as `plan.json`.
#[derive(Debug, Serialize)]
pub struct PlanDocument<'a> {
    /// Format version of this document.
    pub format_version: u32,
    /// Scenario file.
    pub scenario: String,
    /// `optimal`, `gap_limit`, `time_limit`, `infeasible`, `time_limit_no_plan` or `failed`.
    pub status: &'static str,
    /// Total cost, USD (plans only).
    pub total_cost_usd: Option<f64>,
    /// Solver details.
    pub solver: &'a SolverInfo,
    /// Cost by part (plans only).
    pub costs: Option<&'a Costs>,
    /// Floors and their compliance (plans only).
    pub contracts: Option<ContractsSection<'a>>,
    /// Training progress (plans only).
    pub training: &'a [TrainingStatus],
    /// Inference service (plans only).
    pub inference: &'a [InferenceStatus],
    /// Effective prices per provider (plans only).
    pub prices: &'a [ProviderPrice],
    /// The audit's verdict on the plan (plans only).
    pub compliance: Option<Compliance>,
    /// Audit findings (billed shortfalls; a plan never has violations).
    pub findings: &'a [Finding],
    /// What an infeasible scenario cannot meet.
    pub unmeetable: &'a [Unmeetable],
    /// The schedule.
    pub schedule: &'a [ScheduleRow],
    /// The bill per period, provider and contract, by month, floors over time, discounts
    /// (plans only).
    pub bill: Option<&'a Bill>,
    /// Periods, clusters and workloads: what `capplan report` draws the charts against.
    pub calendar: Calendar,
    /// Shadow prices of the binding terms (plans, unless `--sensitivity off`): built by
    /// [`crate::sensitivity`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<&'a crate::sensitivity::Sensitivity>,
}

/// Contract floors.
#[derive(Debug, Serialize)]
pub struct ContractsSection<'a> {
    /// Spend floors.
    pub spend_floors: &'a [SpendFloorStatus],
    /// Utilization per cluster with a floor and period.
    pub utilization: &'a [UtilizationStatus],
}

/// Builds the JSON document for an outcome.
pub fn plan_document<'a>(scenario: &Scenario, outcome: &'a PlanOutcome) -> PlanDocument<'a> {
    let (solver, audit, unmeetable): (&SolverInfo, Option<&AuditReport>, &[Unmeetable]) =
        match outcome {
            PlanOutcome::Planned { solver, audit } => (solver, Some(audit), &[]),
            PlanOutcome::Infeasible { solver, unmeetable } => (solver, None, unmeetable),
            PlanOutcome::NoPlan { solver } => (solver, None, &[]),
        };
    PlanDocument {
        format_version: 1,
        scenario: scenario.file.display().to_string(),
        status: solver.status.as_str(),
        total_cost_usd: audit.map(|a| a.costs.total_usd),
        solver,
        costs: audit.map(|a| &a.costs),
        contracts: audit.map(|a| ContractsSection {
            spend_floors: &a.spend_floors,
            utilization: &a.utilization,
        }),
        training: audit.map_or(&[], |a| &a.training),
        inference: audit.map_or(&[], |a| &a.inference),
        prices: audit.map_or(&[], |a| &a.prices),
        compliance: audit.map(Compliance::of),
        findings: audit.map_or(&[], |a| &a.findings),
        unmeetable,
        schedule: audit.map_or(&[], |a| &a.schedule),
        bill: audit.map(|a| &a.bill),
        calendar: Calendar::of(scenario),
        sensitivity: audit.and(solver.sensitivity.as_ref()),
    }
}

/// How an allocation fares: the `status` of [`CheckDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// The audit's verdict in a plan document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compliance {
    /// `compliant` or `shortfall_billed` (a plan with violations is never written).
    pub status: CheckStatus,
    /// Number of hard-rule violations.
    pub violations: usize,
    /// Number of billed shortfalls.
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

/// The JSON document `capplan check --format json` prints.
#[derive(Debug, Serialize)]
pub struct CheckDocument<'a> {
    /// Format version of this document.
    pub format_version: u32,
    /// Scenario file.
    pub scenario: String,
    /// Allocation file.
    pub allocation: String,
    /// `compliant`, `shortfall_billed` or `violations`.
    pub status: CheckStatus,
    /// Round-off allowed per allocation row in every rule (`row_chip_hours`).
    pub tolerance: Tolerance,
    /// Number of hard-rule violations.
    pub violations: usize,
    /// Number of billed shortfalls (spend floors, soft utilization floors).
    pub shortfalls: usize,
    /// Total cost, USD.
    pub total_cost_usd: f64,
    /// Violations first, then billed shortfalls.
    pub findings: &'a [Finding],
    /// Cost by part.
    pub costs: &'a Costs,
    /// Every spend floor.
    pub spend_floors: &'a [SpendFloorStatus],
    /// Utilization of dedicated clusters and clusters with floors, per period.
    pub utilization: &'a [UtilizationStatus],
    /// Training progress.
    pub training: &'a [TrainingStatus],
    /// Inference service.
    pub inference: &'a [InferenceStatus],
    /// Effective prices per provider against the public rates.
    pub prices: &'a [ProviderPrice],
    /// The allocation, merged per (period, cluster, workload) and priced.
    pub schedule: &'a [ScheduleRow],
    /// The bill per period, provider and contract, by month, floors over time, discounts.
    pub bill: &'a Bill,
    /// Periods, clusters and workloads: what `capplan report` draws the charts against.
    pub calendar: Calendar,
}

/// Builds the JSON document for a check.
pub fn check_document<'a>(
    scenario: &Scenario,
    allocation: &Path,
    a: &'a AuditReport,
) -> CheckDocument<'a> {
    CheckDocument {
        format_version: 1,
        scenario: scenario.file.display().to_string(),
        allocation: allocation.display().to_string(),
        status: CheckStatus::of(a),
        tolerance: a.tolerance,
        violations: a.violations(),
        shortfalls: a.shortfalls(),
        total_cost_usd: a.costs.total_usd,
        findings: &a.findings,
        costs: &a.costs,
        spend_floors: &a.spend_floors,
        utilization: &a.utilization,
        training: &a.training,
        inference: &a.inference,
        prices: &a.prices,
        schedule: &a.schedule,
        bill: &a.bill,
        calendar: Calendar::of(scenario),
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

/// The schedule as CSV: `period,period_start,cluster,provider,chip,workload,chip_hours,cost_usd`;
/// numbers rounded to 12 significant digits ([`round_sig`]).
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
                yes_no(f.met),
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
                w.finish_period
                    .map_or("not done".into(), |p| format!("period {p}")),
                format!("period {}", w.deadline_period),
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
    let _ = writeln!(
        out,
        "Horizon: {} of one {} from {}\n",
        count_s(h.len(), "period"),
        h.length.as_str(),
        h.periods[0].start
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
        "\nChips in use (average per period; '.' = idle):\n{}",
        t.render()
    )
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
