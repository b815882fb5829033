//! Re-plans: the periods before an as-of date fixed to what actually ran, the rest planned again.
//!
//! `capplan replan MODEL --actuals USAGE.csv --as-of DATE` (or a `[replan]` table in the file)
//! reads the actuals with the reader `check` uses ([`crate::allocation_io`]), fixes every period
//! before DATE to them ([`crate::formulation::FixedPast`]) and plans the rest. The plan's total
//! covers the whole horizon: a re-plan from the actuals of a plan's own first periods costs what
//! that plan cost. The audit judges the whole horizon as for any plan; what it finds wrong
//! entirely within the fixed past (an overused cluster, unmet must-serve demand, a missed hard
//! floor) is history ([`split_history`]): reported, never planned around, never a reason to
//! refuse the plan.
//!
//! Choices, documented in `docs/replan.md`:
//! - DATE must be the first day of a period (or the day after the horizon); another date is
//!   refused with the boundaries on either side.
//! - Actuals rows in periods on or after DATE are ignored with a warning: the file a billing
//!   export grows week by week may run past the as-of date, and those periods are what is planned.
//! - A fixed period with no actuals row ran nothing; the output lists those periods.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Serialize;

use crate::allocation::Allocation;
use crate::allocation_io::{read_allocation, AllocationError};
use crate::audit::{AuditReport, Finding, Rule, Severity};
use crate::format::fmt_num;
use crate::model::{Demand, Horizon, Scenario};
use crate::report::{count_s, Table};
use crate::schema::Billing;

/// The first period (0-based) a re-plan from `date` plans: `date` must be the first day of a
/// period, or the day after the horizon (everything fixed). The error says which boundaries
/// lie on either side.
pub fn as_of_period(horizon: &Horizon, date: NaiveDate) -> Result<usize, String> {
    let periods = &horizon.periods;
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Err("the horizon has no periods".into());
    };
    if let Some(i) = periods.iter().position(|p| p.start == date) {
        return Ok(i);
    }
    if date == last.end {
        return Ok(periods.len());
    }
    let why = if date < first.start {
        format!(
            "is before the horizon, which starts on {} (period 1)",
            first.start
        )
    } else if date > last.end {
        format!(
            "is after the horizon, which ends with period {} on {} (the last boundary is {})",
            last.number,
            last.end.pred_opt().unwrap_or(last.end),
            last.end
        )
    } else {
        let i = horizon
            .index_of_date(date)
            .expect("inside the horizon and not a start");
        let p = &periods[i];
        format!(
            "is inside period {} ({} to {}); the nearest period boundaries are {} (start of period {}) and {} ({})",
            p.number,
            p.start,
            p.end.pred_opt().unwrap_or(p.end),
            p.start,
            p.number,
            p.end,
            periods
                .get(i + 1)
                .map_or("the end of the horizon".to_string(), |n| format!(
                    "start of period {}",
                    n.number
                ))
        )
    };
    Err(format!(
        "as-of date {date} {why}\n    help: a re-plan fixes whole periods: give the first day of a period (the periods run from {} to {})",
        first.start, last.end
    ))
}

/// Actuals read for a re-plan: the rows before the as-of period, and what was left out.
#[derive(Debug, Clone)]
pub struct Actuals {
    /// The file.
    pub file: PathBuf,
    /// Rows in the fixed periods.
    pub allocation: Allocation,
    /// Rows on or after the as-of date, ignored.
    pub ignored_rows: usize,
    /// Their periods (1-based), ascending.
    pub ignored_periods: Vec<usize>,
    /// Fixed periods (1-based) without a single row: counted as zero usage.
    pub periods_without_actuals: Vec<usize>,
}

/// Reads the actuals at `file` for a re-plan from period `end` (0-based).
pub fn read_actuals(s: &Scenario, file: &Path, end: usize) -> Result<Actuals, AllocationError> {
    let all = read_allocation(s, file)?;
    let (fixed, later): (Vec<_>, Vec<_>) = all.rows.into_iter().partition(|r| r.period < end);
    let mut ignored_periods: Vec<usize> = later.iter().map(|r| r.period + 1).collect();
    ignored_periods.sort_unstable();
    ignored_periods.dedup();
    let periods_without_actuals = (0..end)
        .filter(|&t| !fixed.iter().any(|r| r.period == t))
        .map(|t| t + 1)
        .collect();
    Ok(Actuals {
        file: file.to_path_buf(),
        allocation: Allocation { rows: fixed },
        ignored_rows: later.len(),
        ignored_periods,
        periods_without_actuals,
    })
}

/// Moves out of `report` the violations that lie in the fixed past (every period before `end`,
/// 0-based) and returns them: history, reported but not held against the plan. A dependency
/// finding counts as history too when a predecessor's window closed in the past with its work
/// short (the successor can only follow a run that will never complete).
pub fn split_history(report: &mut AuditReport, s: &Scenario, end: usize) -> Vec<Finding> {
    if end == 0 {
        return Vec::new();
    }
    let unfinished_in_past = |w: usize| {
        let wl = &s.workloads[w];
        let status = report.training.iter().find(|t| t.workload == wl.id);
        wl.deadline < end && status.is_some_and(|t| t.finish_period.is_none_or(|f| f > end))
    };
    let follows_past_breach = |f: &Finding| {
        f.rule == Rule::Dependency
            && f.workload
                .as_deref()
                .and_then(|id| s.workload_by_id(id))
                .is_some_and(|w| {
                    s.workloads[w.0]
                        .after
                        .iter()
                        .any(|p| unfinished_in_past(p.0))
                })
    };
    let in_past = |f: &Finding| {
        f.severity == Severity::Violation
            && ((!f.periods.is_empty() && f.periods.iter().all(|&p| p <= end))
                || follows_past_breach(f))
    };
    let (history, kept): (Vec<Finding>, Vec<Finding>) =
        report.findings.drain(..).partition(|f| in_past(f));
    report.findings = kept;
    history
}

/// Training work before the as-of date.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WorkDone {
    /// Workload.
    pub workload: String,
    /// All its work, PFLOP.
    pub work_pflop: f64,
    /// Delivered in the fixed periods, PFLOP.
    pub done_before_pflop: f64,
    /// Left for the re-planned periods, PFLOP (0 when done).
    pub remaining_pflop: f64,
}

/// A spend floor's spend in the fixed periods.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FloorSpend {
    /// Contract.
    pub contract: String,
    /// Floor name.
    pub name: String,
    /// Spend at contract prices in the fixed periods that fall in the floor's term (reserved
    /// bills and per-use compute), USD.
    pub spent_in_fixed_periods_usd: f64,
}

/// What a re-plan fixed and found, beside the plan: the `replan` key of its JSON document.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReplanSummary {
    /// The as-of date.
    pub as_of: String,
    /// Periods fixed to the actuals (the first `fixed_periods` periods).
    pub fixed_periods: usize,
    /// The actuals file.
    pub actuals: String,
    /// Fixed periods (1-based) without actuals: counted as zero usage.
    pub periods_without_actuals: Vec<usize>,
    /// Actuals rows on or after the as-of date, ignored.
    pub ignored_rows: usize,
    /// Their periods (1-based).
    pub ignored_periods: Vec<usize>,
    /// Training work delivered before the as-of date and left after it.
    pub work: Vec<WorkDone>,
    /// Spend-floor spend in the fixed periods.
    pub spend: Vec<FloorSpend>,
    /// Breaches in the fixed periods: reported, not planned around. Absent when there is no
    /// plan: the fixed past is audited together with one.
    pub history: Option<Vec<Finding>>,
    /// What changed against `--previous` (absent without it).
    pub changes: Option<crate::diff::PlanDiff>,
}

impl ReplanSummary {
    /// The summary of a re-plan of `s` from `as_of` (period `end`, 0-based) with `actuals`.
    pub fn new(
        s: &Scenario,
        as_of: NaiveDate,
        end: usize,
        actuals: &Actuals,
        history: Option<Vec<Finding>>,
    ) -> Self {
        ReplanSummary {
            as_of: as_of.to_string(),
            fixed_periods: end,
            actuals: actuals.file.display().to_string(),
            periods_without_actuals: actuals.periods_without_actuals.clone(),
            ignored_rows: actuals.ignored_rows,
            ignored_periods: actuals.ignored_periods.clone(),
            work: work_done(s, &actuals.allocation),
            spend: floor_spend(s, &actuals.allocation, end),
            history,
            changes: None,
        }
    }
}

fn work_done(s: &Scenario, past: &Allocation) -> Vec<WorkDone> {
    let mut out = Vec::new();
    for (k, w) in s.workloads.iter().enumerate() {
        let Demand::Training { work_pflop } = w.demand else {
            continue;
        };
        let done: f64 = past
            .rows
            .iter()
            .filter(|r| r.workload.0 == k)
            .map(|r| r.chip_hours * w.yield_per_chip_hour[r.cluster.0].unwrap_or(0.0))
            .sum::<f64>()
            + 0.0; // an empty sum is -0.0
        out.push(WorkDone {
            workload: w.id.clone(),
            work_pflop,
            done_before_pflop: done,
            remaining_pflop: (work_pflop - done).max(0.0),
        });
    }
    out
}

fn floor_spend(s: &Scenario, past: &Allocation, end: usize) -> Vec<FloorSpend> {
    let mut out = Vec::new();
    for (k, contract) in s.contracts.iter().enumerate() {
        for floor in &contract.spend_floors {
            let mut usd = 0.0;
            for (c, cl) in s.clusters.iter().enumerate() {
                if cl.contract.map(|x| x.0) != Some(k) {
                    continue;
                }
                for &t in floor.periods.iter().filter(|&&t| t < end) {
                    usd += match cl.billing {
                        Billing::Reserved => cl.rate * cl.capacity[t],
                        Billing::PerUse => past
                            .rows
                            .iter()
                            .filter(|r| r.cluster.0 == c && r.period == t)
                            .map(|r| cl.rate * r.chip_hours)
                            .sum(),
                    };
                }
            }
            out.push(FloorSpend {
                contract: contract.id.clone(),
                name: floor.name.clone(),
                spent_in_fixed_periods_usd: usd,
            });
        }
    }
    out
}

/// "1, 2, 3" for period numbers.
fn join(ps: &[usize]) -> String {
    ps.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The re-plan's own section for a terminal: what was fixed, the work and spend it counted, the
/// history; the plan follows it.
pub fn summary_text(s: &Scenario, r: &ReplanSummary) -> String {
    let mut out = String::new();
    let h = &s.horizon;
    let open = if r.fixed_periods < h.len() {
        format!(
            "periods {}-{} planned",
            r.fixed_periods + 1,
            h.periods.len()
        )
    } else {
        "nothing left to plan".to_string()
    };
    let _ = writeln!(
        out,
        "Re-plan as of {}: {} fixed to the actuals in {}; {open}.",
        r.as_of,
        match r.fixed_periods {
            0 => "no period".to_string(),
            1 => "period 1".to_string(),
            n => format!("periods 1-{n}"),
        },
        r.actuals
    );
    if !r.periods_without_actuals.is_empty() {
        let _ = writeln!(
            out,
            "  no actuals for period(s) {}: counted as zero usage",
            join(&r.periods_without_actuals)
        );
    }
    if r.ignored_rows > 0 {
        let _ = writeln!(
            out,
            "  {} of period(s) {} (on or after {}) ignored: those periods are planned",
            count_s(r.ignored_rows, "actuals row"),
            join(&r.ignored_periods),
            r.as_of
        );
    }
    work_and_spend_text(&mut out, r);
    let _ = writeln!(out);
    match &r.history {
        None => {
            let _ = writeln!(
                out,
                "History: not audited (the fixed past is audited together with a plan, and there is none)."
            );
        }
        Some(h) if h.is_empty() => {
            let _ = writeln!(out, "History: no rule broken before {}.", r.as_of);
        }
        Some(h) => {
            let _ = writeln!(
                out,
                "History: {} before {} (reported, not planned around):",
                crate::report::count(h.len(), "breach", "breaches"),
                r.as_of
            );
            for f in h {
                let _ = writeln!(out, "  [history] {}: {}", f.rule.as_str(), f.message);
            }
        }
    }
    let _ = writeln!(out);
    out
}

fn work_and_spend_text(out: &mut String, r: &ReplanSummary) {
    if !r.work.is_empty() {
        let _ = writeln!(out, "\nTraining work before {}:", r.as_of);
        let mut t = Table::new(&["workload", "work PFLOP", "done PFLOP", "left PFLOP"]);
        for w in &r.work {
            t.row(vec![
                w.workload.clone(),
                fmt_num(w.work_pflop),
                fmt_num(w.done_before_pflop),
                fmt_num(w.remaining_pflop),
            ]);
        }
        out.push_str(&t.render());
    }
    if !r.spend.is_empty() {
        let _ = writeln!(out, "\nSpend toward floors in the fixed periods:");
        let mut t = Table::new(&["contract", "floor", "spent USD"]);
        for f in &r.spend {
            t.row(vec![
                f.contract.clone(),
                f.name.clone(),
                format!("${}", fmt_num(f.spent_in_fixed_periods_usd)),
            ]);
        }
        out.push_str(&t.render());
    }
}
