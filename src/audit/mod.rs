//! The contract audit: judges any allocation against the scenario's rules and prices it.
//!
//! This is a second, independent implementation of the rules. It must not use the LP
//! formulation or any solver (it imports neither [`crate::formulation`], [`crate::lp`] nor
//! [`crate::solver`]): it walks the allocation directly, so that a bug in the planner's model is
//! caught here instead of being repeated. It shares only the validated scenario (capacities per
//! period, prices after discount, output per chip-hour), which both sides read the same way.
//!
//! # Tolerance
//! Allocations come back from solvers and CSV round trips with round-off, and people round the
//! schedules they edit. Each allocation row may carry up to [`Tolerance::row_chip_hours`] of it:
//! [`Tolerance::PLAN`] ([`ROW_ROUNDOFF`], a spreadsheet rounding to 3 decimals moves a row by at
//! most 0.0005) for the planner's own audit, which must stay strict enough to catch a wrong
//! plan; [`Tolerance::WHOLE_CHIP_HOURS`] (0.5, what rounding each row to a whole chip-hour moves
//! it by) for `capplan check` of a schedule a person may have rounded. A quantity breaks a limit `L` only when it misses it by more than
//! `max(TOL_REL * |L|, TOL_ABS, carried)`, in the limit's own unit (chip-hours, PFLOP, demand
//! units, USD), where `carried` is the round-off the rows behind the quantity may carry:
//! `ROW_ROUNDOFF` chip-hours per row, converted into the limit's unit at that row's output per
//! chip-hour (PFLOP, demand units) or price (USD). A workload received compute in a cell when it
//! got more than `max(TOL_ABS, carried)` chip-hours there. Converting the allowance per row
//! matters: one chip-hour of a fast chip is over a thousand PFLOP, so a fixed allowance in PFLOP
//! would turn a rounded spreadsheet into a false "work incomplete".

use std::collections::BTreeMap;

use crate::allocation::Allocation;
use crate::model::Scenario;

mod bill;
mod costs;
mod rules;
mod types;

pub use bill::{
    Bill, BillLine, FloorPeriod, FloorTimeline, MonthBill, MonthParts, ProviderDiscount,
};
pub use types::{
    AuditReport, Costs, Finding, InferenceStatus, ProviderPrice, Rule, ScheduleRow, Severity,
    SpendFloorStatus, TrainingStatus, UtilizationStatus,
};

/// Relative tolerance of every comparison.
pub const TOL_REL: f64 = 1e-6;
/// Smallest slack of every comparison, in the compared quantity's unit.
pub const TOL_ABS: f64 = 1e-2;
/// Round-off each allocation row may carry, chip-hours: twice what rounding to 3 decimals moves.
pub const ROW_ROUNDOFF: f64 = 1e-3;

/// How much round-off the audit allows each allocation row (see "Tolerance"); the same in every
/// rule, converted into the rule's unit at each row's output per chip-hour or price. Reported
/// with the audit so a reader knows what "met" meant.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Tolerance {
    /// Chip-hours each allocation row may be off by.
    pub row_chip_hours: f64,
}

impl Tolerance {
    /// The planner's self-audit: solver round-off and 3-decimal files only.
    pub const PLAN: Tolerance = Tolerance {
        row_chip_hours: ROW_ROUNDOFF,
    };
    /// `capplan check`: each row may have been rounded to a whole chip-hour.
    pub const WHOLE_CHIP_HOURS: Tolerance = Tolerance {
        row_chip_hours: 0.5,
    };
}

/// Slack allowed when comparing against `limit` a quantity whose rows may carry `carried`
/// round-off (in the limit's unit; see the module documentation).
pub fn slack(limit: f64, carried: f64) -> f64 {
    (TOL_REL * limit.abs()).max(TOL_ABS).max(carried)
}

/// Audits `alloc` against `s` with the planner's tight [`Tolerance::PLAN`].
pub fn audit(s: &Scenario, alloc: &Allocation) -> AuditReport {
    audit_with(s, alloc, Tolerance::PLAN)
}

/// Audits `alloc` against `s`, allowing each row `tolerance`, one rule family after the other;
/// the findings are then ordered by severity and rule.
pub fn audit_with(s: &Scenario, alloc: &Allocation, tolerance: Tolerance) -> AuditReport {
    let mut a = Audit::new(s, alloc, tolerance);
    a.allowed_clusters();
    a.capacity();
    a.release_windows();
    a.max_chips();
    let complete_by = a.completion();
    let training = a.deadlines_and_work(&complete_by);
    a.dependencies(&complete_by);
    a.placement();
    let inference = a.demand();
    let schedule = a.usage_costs();
    a.reserved_costs();
    let mut utilization = a.utilization_floors();
    utilization.extend(a.dedicated_utilization());
    let spend_floors = a.spend_floors();
    a.total_cost();
    let prices = a.provider_prices();
    let bill = a.bill(&utilization, &spend_floors, &prices);
    // Stable: within a rule, findings keep the order the rule found them in.
    a.findings.sort_by_key(|f| (f.severity, f.rule));
    AuditReport {
        tolerance,
        period_labels: s.horizon.periods.iter().map(|p| p.label()).collect(),
        findings: a.findings,
        costs: a.costs,
        spend_floors,
        utilization,
        training,
        inference,
        prices,
        schedule,
        bill,
    }
}

/// A cell of the allocation: (workload, cluster, period) indices.
type Cell = (usize, usize, usize);

/// What every rule reads: the allocation merged per cell and summed per cluster and per
/// workload, each with the round-off the rows behind it may carry (see "Tolerance").
struct Usage {
    /// Chip-hours per cell.
    used: BTreeMap<Cell, f64>,
    /// Round-off the rows behind each cell may carry, chip-hours.
    carried: BTreeMap<Cell, f64>,
    /// Chip-hours per cluster and period.
    on_cluster: Vec<Vec<f64>>,
    /// Round-off carried by `on_cluster`.
    on_cluster_carried: Vec<Vec<f64>>,
    /// Chip-hours per workload and period.
    of_workload: Vec<Vec<f64>>,
    /// Round-off carried by `of_workload`.
    of_workload_carried: Vec<Vec<f64>>,
    /// Output (PFLOP or demand units) per workload and period.
    output: Vec<Vec<f64>>,
    /// Round-off carried by `output`, in its unit.
    output_carried: Vec<Vec<f64>>,
}

impl Usage {
    fn new(s: &Scenario, alloc: &Allocation, tolerance: Tolerance) -> Usage {
        let periods = s.horizon.len();
        let (nw, nc) = (s.workloads.len(), s.clusters.len());
        let mut used: BTreeMap<Cell, f64> = BTreeMap::new();
        let mut carried: BTreeMap<Cell, f64> = BTreeMap::new();
        for r in &alloc.rows {
            let key = (r.workload.0, r.cluster.0, r.period);
            *used.entry(key).or_insert(0.0) += r.chip_hours;
            *carried.entry(key).or_insert(0.0) += tolerance.row_chip_hours;
        }
        let mut u = Usage {
            used,
            carried,
            on_cluster: vec![vec![0.0; periods]; nc],
            on_cluster_carried: vec![vec![0.0; periods]; nc],
            of_workload: vec![vec![0.0; periods]; nw],
            of_workload_carried: vec![vec![0.0; periods]; nw],
            output: vec![vec![0.0; periods]; nw],
            output_carried: vec![vec![0.0; periods]; nw],
        };
        for (&(w, c, t), &ch) in &u.used {
            let r = u.carried[&(w, c, t)];
            u.on_cluster[c][t] += ch;
            u.on_cluster_carried[c][t] += r;
            u.of_workload[w][t] += ch;
            u.of_workload_carried[w][t] += r;
            if let Some(y) = s.workloads[w].yield_per_chip_hour[c] {
                u.output[w][t] += ch * y;
                u.output_carried[w][t] += r * y;
            }
        }
        u
    }

    /// Whether the cell got more chip-hours than its rows' round-off.
    fn received(&self, cell: Cell, chip_hours: f64) -> bool {
        chip_hours > self.carried[&cell].max(TOL_ABS)
    }

    /// Whether workload `w` received compute in period `t`.
    fn ran(&self, w: usize, t: usize) -> bool {
        self.of_workload[w][t] > self.of_workload_carried[w][t].max(TOL_ABS)
    }
}

/// An audit under way: the scenario, the shared usage, and what the rules found and billed.
/// One method per rule family, in `rules` (hard rules) and `costs` (bills and floors).
struct Audit<'a> {
    s: &'a Scenario,
    periods: usize,
    u: Usage,
    findings: Vec<Finding>,
    costs: Costs,
    /// Unmet-demand penalty per workload and period, USD (for the bill).
    unmet_penalty: Vec<Vec<f64>>,
}

impl<'a> Audit<'a> {
    fn new(s: &'a Scenario, alloc: &Allocation, tolerance: Tolerance) -> Audit<'a> {
        Audit {
            s,
            periods: s.horizon.len(),
            u: Usage::new(s, alloc, tolerance),
            findings: Vec::new(),
            costs: Costs::default(),
            unmet_penalty: vec![vec![0.0; s.horizon.len()]; s.workloads.len()],
        }
    }

    fn wid(&self, w: usize) -> Option<String> {
        Some(self.s.workloads[w].id.clone())
    }

    fn cid(&self, c: usize) -> Option<String> {
        Some(self.s.clusters[c].id.clone())
    }
}

fn join(ps: &[usize]) -> String {
    ps.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
