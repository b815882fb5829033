//! The contract audit: judges any allocation against the scenario's rules and prices it.
//!
//! This is a second, independent implementation of the rules. It must not use the LP
//! formulation or any solver (it imports neither [`crate::formulation`], [`crate::lp`] nor
//! [`crate::solver`]): it walks the allocation directly, so that a bug in the planner's model is
//! caught here instead of being repeated. It shares only the validated scenario (capacities per
//! period, prices after discount, output per chip-hour), which both sides read the same way.
//!
//! # Tolerance
//! Allocations come back from solvers and CSV round trips with round-off. Each allocation row may
//! carry up to [`ROW_ROUNDOFF`] chip-hours of it (a spreadsheet rounding to 3 decimals moves a
//! row by at most 0.0005). A quantity breaks a limit `L` only when it misses it by more than
//! `max(TOL_REL * |L|, TOL_ABS, carried)`, in the limit's own unit (chip-hours, PFLOP, demand
//! units, USD), where `carried` is the round-off the rows behind the quantity may carry:
//! `ROW_ROUNDOFF` chip-hours per row, converted into the limit's unit at that row's output per
//! chip-hour (PFLOP, demand units) or price (USD). A workload received compute in a cell when it
//! got more than `max(TOL_ABS, carried)` chip-hours there. Converting the allowance per row
//! matters: one chip-hour of a fast chip is over a thousand PFLOP, so a fixed allowance in PFLOP
//! would turn a rounded spreadsheet into a false "work incomplete".

use std::collections::BTreeMap;

use serde::Serialize;

use crate::allocation::Allocation;
use crate::model::{fmt_num, Demand, Scenario};
use crate::schema::Billing;

/// Relative tolerance of every comparison.
pub const TOL_REL: f64 = 1e-6;
/// Smallest slack of every comparison, in the compared quantity's unit.
pub const TOL_ABS: f64 = 1e-2;
/// Round-off each allocation row may carry, chip-hours: twice what rounding to 3 decimals moves.
pub const ROW_ROUNDOFF: f64 = 1e-3;

/// Slack allowed when comparing against `limit` a quantity whose rows may carry `carried`
/// round-off (in the limit's unit; see the module documentation).
pub fn slack(limit: f64, carried: f64) -> f64 {
    (TOL_REL * limit.abs()).max(TOL_ABS).max(carried)
}

/// Which rule a finding is about (stable names, used in JSON and CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The workload may not run on the cluster (its chips, providers or regions).
    NotAllowed,
    /// More chip-hours than the cluster has in the period.
    Capacity,
    /// Compute before the workload's release period.
    BeforeRelease,
    /// Compute after the training workload's deadline.
    AfterDeadline,
    /// Training work not done by the deadline.
    WorkIncomplete,
    /// A successor ran before a predecessor was done.
    Dependency,
    /// More chips at once than the workload's `max_chips`.
    MaxChips,
    /// A large training run off the provider a contract's placement rule requires.
    Placement,
    /// A hard utilization floor not met.
    UtilizationFloor,
    /// Must-serve inference demand not served.
    DemandUnserved,
    /// A spend floor not met: the shortfall is billed.
    SpendShortfall,
    /// A soft utilization floor not met: the stated penalty is billed.
    UtilizationShortfall,
}

impl Rule {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NotAllowed => "not_allowed",
            Rule::Capacity => "capacity",
            Rule::BeforeRelease => "before_release",
            Rule::AfterDeadline => "after_deadline",
            Rule::WorkIncomplete => "work_incomplete",
            Rule::Dependency => "dependency",
            Rule::MaxChips => "max_chips",
            Rule::Placement => "placement",
            Rule::UtilizationFloor => "utilization_floor",
            Rule::DemandUnserved => "demand_unserved",
            Rule::SpendShortfall => "spend_shortfall",
            Rule::UtilizationShortfall => "utilization_shortfall",
        }
    }

    /// Whether breaking the rule is a violation (as opposed to a shortfall the contract bills).
    pub fn severity(self) -> Severity {
        match self {
            Rule::SpendShortfall | Rule::UtilizationShortfall => Severity::Billed,
            _ => Severity::Violation,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A hard rule is broken: the allocation cannot be carried out as is.
    Violation,
    /// A floor is not met and the contract bills the shortfall (take-or-pay, stated penalty).
    Billed,
}

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// Violation or billed shortfall.
    pub severity: Severity,
    /// Workload involved, if any.
    pub workload: Option<String>,
    /// Cluster involved, if any.
    pub cluster: Option<String>,
    /// Contract involved, if any.
    pub contract: Option<String>,
    /// Period numbers involved (1-based).
    pub periods: Vec<usize>,
    /// By how much the rule is missed.
    pub amount: f64,
    /// Unit of `amount`.
    pub unit: String,
    /// One sentence in the model's terms.
    pub message: String,
}

/// Status of one spend floor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendFloorStatus {
    /// Contract.
    pub contract: String,
    /// Floor label.
    pub name: String,
    /// Floor, USD.
    pub floor_usd: f64,
    /// Spend before the horizon, USD.
    pub spent_before_usd: f64,
    /// Spend at contract prices inside the horizon, USD.
    pub in_horizon_usd: f64,
    /// Forecast spend after the horizon, USD.
    pub forecast_after_usd: f64,
    /// Shortfall billed, USD.
    pub shortfall_usd: f64,
    /// Whether the floor is met.
    pub met: bool,
}

/// Utilization of one cluster in one period: every cluster with a utilization floor, and every
/// dedicated (`reserved`) cluster, whose idle chip-hours are paid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UtilizationStatus {
    /// Contract whose floor applies; for a dedicated cluster without a floor, its covering
    /// contract, if any.
    pub contract: Option<String>,
    /// Cluster.
    pub cluster: String,
    /// Period number (1-based).
    pub period: usize,
    /// Chip-hours used.
    pub used_chip_hours: f64,
    /// Chip-hours available.
    pub available_chip_hours: f64,
    /// Used fraction.
    pub fraction: f64,
    /// Floor fraction; `None` for a dedicated cluster without a floor.
    pub floor_fraction: Option<f64>,
    /// Chip-hours under the floor.
    pub short_chip_hours: f64,
    /// Penalty billed, USD (soft floors).
    pub penalty_usd: f64,
    /// Whether the floor is hard.
    pub hard: bool,
}

/// Progress of one training-type workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingStatus {
    /// Workload.
    pub workload: String,
    /// Work to do, PFLOP.
    pub work_pflop: f64,
    /// Work done by the deadline, PFLOP.
    pub done_pflop: f64,
    /// Period (1-based) in which the work completes, if it does.
    pub finish_period: Option<usize>,
    /// Deadline period (1-based).
    pub deadline_period: usize,
    /// Chip-hours used.
    pub chip_hours: f64,
}

/// Demand of one inference workload over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferenceStatus {
    /// Workload.
    pub workload: String,
    /// Unit.
    pub unit: String,
    /// Total demand.
    pub demand: f64,
    /// Total served (at most the demand in each period).
    pub served: f64,
    /// Total unmet.
    pub unmet: f64,
    /// Penalty for unmet demand, USD.
    pub penalty_usd: f64,
    /// Whether every unit had to be served.
    pub must_serve: bool,
}

/// What a provider's compute really cost against its public rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderPrice {
    /// Provider.
    pub provider: String,
    /// Chip-hours used.
    pub chip_hours: f64,
    /// What was paid for compute (per-use usage plus whole reserved bills), USD.
    pub spend_usd: f64,
    /// What the chip-hours used would cost at the public rates, USD.
    pub public_usd: f64,
    /// Paid per chip-hour used.
    pub usd_per_chip_hour: f64,
    /// Public rate per chip-hour used (the baseline each cluster quotes).
    pub public_usd_per_chip_hour: f64,
    /// Paid per PFLOP of peak (BF16) throughput of the chip-hours used.
    pub usd_per_peak_pflop: f64,
    /// Public rate per PFLOP of peak (BF16) throughput of the chip-hours used.
    pub public_usd_per_peak_pflop: f64,
    /// Paid per PFLOP of training work delivered at the workloads' efficiencies (training only),
    /// at the rate paid per chip-hour used (the contract rate; idle reserved capacity is not in it).
    pub usd_per_training_pflop: Option<f64>,
    /// Public rate per PFLOP of training work for the same chip-hours.
    pub public_usd_per_training_pflop: Option<f64>,
    /// `1 - spend / public`: the discount achieved, idle reserved capacity included.
    pub discount_achieved: f64,
}

/// The cost of the allocation, by part.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Costs {
    /// Total, USD.
    pub total_usd: f64,
    /// Per-use chip-hours at contract or public rates, USD.
    pub usage_usd: f64,
    /// Reserved capacity, used or not, USD.
    pub reserved_usd: f64,
    /// Of which idle, USD.
    pub reserved_idle_usd: f64,
    /// Spend-floor shortfall billed, USD.
    pub spend_shortfall_usd: f64,
    /// Soft utilization floor penalties, USD.
    pub utilization_penalty_usd: f64,
    /// Unmet inference demand penalties, USD.
    pub unmet_penalty_usd: f64,
    /// Inference revenue share owed to providers, USD.
    pub revenue_share_usd: f64,
    /// Compute cost by provider (usage and reserved), USD.
    pub by_provider: BTreeMap<String, f64>,
    /// Compute cost by cluster (usage and reserved), USD.
    pub by_cluster: BTreeMap<String, f64>,
    /// Compute cost attributed to workloads (chip-hours at the rate paid), USD.
    pub by_workload: BTreeMap<String, f64>,
}

/// One allocation row, priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRow {
    /// Period number (1-based).
    pub period: usize,
    /// First day of the period.
    pub period_start: String,
    /// Cluster.
    pub cluster: String,
    /// Provider.
    pub provider: String,
    /// Chip type.
    pub chip: String,
    /// Workload.
    pub workload: String,
    /// Chip-hours.
    pub chip_hours: f64,
    /// Chip-hours at the rate paid (for reserved clusters, the used share of the bill), USD.
    pub cost_usd: f64,
}

/// The audit of one allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Violations of hard rules, then billed shortfalls.
    pub findings: Vec<Finding>,
    /// Costs.
    pub costs: Costs,
    /// Spend floors.
    pub spend_floors: Vec<SpendFloorStatus>,
    /// Utilization of clusters with floors.
    pub utilization: Vec<UtilizationStatus>,
    /// Training progress.
    pub training: Vec<TrainingStatus>,
    /// Inference service.
    pub inference: Vec<InferenceStatus>,
    /// Effective prices per provider.
    pub prices: Vec<ProviderPrice>,
    /// The allocation, merged per (period, cluster, workload) and priced.
    pub schedule: Vec<ScheduleRow>,
}

impl AuditReport {
    /// Number of hard-rule violations.
    pub fn violations(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Violation)
            .count()
    }

    /// Number of billed shortfalls.
    pub fn shortfalls(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Billed)
            .count()
    }
}

/// Audits `alloc` against `s`.
pub fn audit(s: &Scenario, alloc: &Allocation) -> AuditReport {
    let periods = s.horizon.len();
    let (nw, nc) = (s.workloads.len(), s.clusters.len());
    // used[w][c][t], merged from rows.
    let mut used: BTreeMap<(usize, usize, usize), f64> = BTreeMap::new();
    // Round-off the rows behind each merged cell may carry, chip-hours (see "Tolerance").
    let mut carried: BTreeMap<(usize, usize, usize), f64> = BTreeMap::new();
    for r in &alloc.rows {
        let key = (r.workload.0, r.cluster.0, r.period);
        *used.entry(key).or_insert(0.0) += r.chip_hours;
        *carried.entry(key).or_insert(0.0) += ROW_ROUNDOFF;
    }
    let mut findings = Vec::new();
    let mut on_cluster = vec![vec![0.0; periods]; nc];
    let mut on_cluster_carried = vec![vec![0.0; periods]; nc];
    let mut of_workload = vec![vec![0.0; periods]; nw];
    let mut of_workload_carried = vec![vec![0.0; periods]; nw];
    let mut output = vec![vec![0.0; periods]; nw];
    let mut output_carried = vec![vec![0.0; periods]; nw];
    for (&(w, c, t), &ch) in &used {
        let r = carried[&(w, c, t)];
        on_cluster[c][t] += ch;
        on_cluster_carried[c][t] += r;
        of_workload[w][t] += ch;
        of_workload_carried[w][t] += r;
        if let Some(y) = s.workloads[w].yield_per_chip_hour[c] {
            output[w][t] += ch * y;
            output_carried[w][t] += r * y;
        }
    }
    let ran = |w: usize, t: usize| of_workload[w][t] > of_workload_carried[w][t].max(TOL_ABS);
    let wid = |w: usize| Some(s.workloads[w].id.clone());
    let cid = |c: usize| Some(s.clusters[c].id.clone());

    // Where each workload may run.
    for (&(w, c, t), &ch) in &used {
        let wl = &s.workloads[w];
        let cl = &s.clusters[c];
        if ch > carried[&(w, c, t)].max(TOL_ABS) && wl.yield_per_chip_hour[c].is_none() {
            findings.push(Finding {
                rule: Rule::NotAllowed,
                severity: Severity::Violation,
                workload: wid(w),
                cluster: cid(c),
                contract: None,
                periods: vec![t + 1],
                amount: ch,
                unit: "chip-hours".into(),
                message: format!("\"{}\" received {} chip-hours on \"{}\" ({} {}) in period {}, which its chips, providers or regions do not allow", wl.id, fmt_num(ch), cl.id, cl.provider, s.chips[cl.chip].id, t + 1),
            });
        }
    }
    // Capacity.
    for (c, cl) in s.clusters.iter().enumerate() {
        for t in 0..periods {
            let over = on_cluster[c][t] - cl.capacity[t];
            if over > slack(cl.capacity[t], on_cluster_carried[c][t]) {
                findings.push(Finding {
                    rule: Rule::Capacity,
                    severity: Severity::Violation,
                    workload: None,
                    cluster: cid(c),
                    contract: None,
                    periods: vec![t + 1],
                    amount: over,
                    unit: "chip-hours".into(),
                    message: format!(
                        "\"{}\" is booked for {} chip-hours in period {} but has {}: {} over",
                        cl.id,
                        fmt_num(on_cluster[c][t]),
                        t + 1,
                        fmt_num(cl.capacity[t]),
                        fmt_num(over)
                    ),
                });
            }
        }
    }
    // Windows, work, max chips.
    let mut training = Vec::new();
    let mut complete_by: Vec<Option<usize>> = vec![None; nw];
    for (w, wl) in s.workloads.iter().enumerate() {
        let early: Vec<usize> = (0..wl.release)
            .filter(|&t| ran(w, t))
            .map(|t| t + 1)
            .collect();
        if !early.is_empty() {
            let amount: f64 = (0..wl.release).map(|t| of_workload[w][t]).sum();
            findings.push(Finding {
                rule: Rule::BeforeRelease,
                severity: Severity::Violation,
                workload: wid(w),
                cluster: None,
                contract: None,
                message: format!(
                    "\"{}\" received {} chip-hours in period(s) {} before its release in period {}",
                    wl.id,
                    fmt_num(amount),
                    join(&early),
                    wl.release + 1
                ),
                periods: early,
                amount,
                unit: "chip-hours".into(),
            });
        }
        if let Some(m) = wl.max_chips {
            for t in 0..periods {
                let limit = m * s.horizon.periods[t].hours;
                let over = of_workload[w][t] - limit;
                if over > slack(limit, of_workload_carried[w][t]) {
                    findings.push(Finding {
                        rule: Rule::MaxChips,
                        severity: Severity::Violation,
                        workload: wid(w),
                        cluster: None,
                        contract: None,
                        periods: vec![t + 1],
                        amount: over,
                        unit: "chip-hours".into(),
                        message: format!("\"{}\" used {} chip-hours in period {}, more than max_chips {} allows ({}): {} over", wl.id, fmt_num(of_workload[w][t]), t + 1, fmt_num(m), fmt_num(limit), fmt_num(over)),
                    });
                }
            }
        }
        let Demand::Training { work_pflop } = wl.demand else {
            continue;
        };
        let late: Vec<usize> = (wl.deadline + 1..periods)
            .filter(|&t| ran(w, t))
            .map(|t| t + 1)
            .collect();
        if !late.is_empty() {
            let amount: f64 = (wl.deadline + 1..periods).map(|t| of_workload[w][t]).sum();
            findings.push(Finding {
                rule: Rule::AfterDeadline,
                severity: Severity::Violation,
                workload: wid(w),
                cluster: None,
                contract: None,
                message: format!(
                    "\"{}\" received {} chip-hours in period(s) {} after its deadline in period {}",
                    wl.id,
                    fmt_num(amount),
                    join(&late),
                    wl.deadline + 1
                ),
                periods: late,
                amount,
                unit: "chip-hours".into(),
            });
        }
        let (mut cumulative, mut cumulative_carried) = (0.0, 0.0);
        for t in 0..periods {
            cumulative += output[w][t];
            cumulative_carried += output_carried[w][t];
            if complete_by[w].is_none()
                && cumulative >= work_pflop - slack(work_pflop, cumulative_carried)
            {
                complete_by[w] = Some(t);
            }
        }
        let done: f64 = (0..=wl.deadline).map(|t| output[w][t]).sum();
        let done_carried: f64 = (0..=wl.deadline).map(|t| output_carried[w][t]).sum();
        if done < work_pflop - slack(work_pflop, done_carried) {
            let short = work_pflop - done;
            findings.push(Finding {
                rule: Rule::WorkIncomplete,
                severity: Severity::Violation,
                workload: wid(w),
                cluster: None,
                contract: None,
                periods: vec![wl.deadline + 1],
                amount: short,
                unit: "PFLOP".into(),
                message: format!("\"{}\" has {} of {} PFLOP done by its deadline (period {}): {} PFLOP ({:.2}%) short", wl.id, fmt_num(done), fmt_num(work_pflop), wl.deadline + 1, fmt_num(short), 100.0 * short / work_pflop),
            });
        }
        training.push(TrainingStatus {
            workload: wl.id.clone(),
            work_pflop,
            done_pflop: done,
            finish_period: complete_by[w].map(|t| t + 1),
            deadline_period: wl.deadline + 1,
            chip_hours: of_workload[w].iter().sum(),
        });
    }
    // Dependencies: a successor may run in period t only if each predecessor completed by t-1.
    for (w, wl) in s.workloads.iter().enumerate() {
        for p in &wl.after {
            let pw = &s.workloads[p.0];
            let bad: Vec<usize> = (0..periods)
                .filter(|&t| ran(w, t) && complete_by[p.0].is_none_or(|done| done >= t))
                .collect();
            if bad.is_empty() {
                continue;
            }
            let amount: f64 = bad.iter().map(|&t| of_workload[w][t]).sum();
            let status = match complete_by[p.0] {
                Some(done) => format!("completes in period {}", done + 1),
                None => "never completes".to_string(),
            };
            findings.push(Finding {
                rule: Rule::Dependency,
                severity: Severity::Violation,
                workload: wid(w),
                cluster: None,
                contract: None,
                periods: bad.iter().map(|t| t + 1).collect(),
                amount,
                unit: "chip-hours".into(),
                message: format!("\"{}\" ran in period(s) {} ({} chip-hours) but its predecessor \"{}\" {status}", wl.id, join(&bad.iter().map(|t| t + 1).collect::<Vec<_>>()), fmt_num(amount), pw.id),
            });
        }
    }
    // Placement rules.
    for (w, wl) in s.workloads.iter().enumerate() {
        if !wl.kind.is_training() {
            continue;
        }
        let Some(params) = wl.params_billion else {
            continue;
        };
        for contract in &s.contracts {
            for &threshold in &contract.placement_min_params_billion {
                if params <= threshold {
                    continue;
                }
                // One finding per off-provider cluster, so that the ids say where it ran.
                let mut off: BTreeMap<usize, (Vec<usize>, f64)> = BTreeMap::new();
                // Keys start with the workload: its cells are one contiguous range.
                for (&(uw, c, t), &ch) in used.range((w, 0, 0)..(w + 1, 0, 0)) {
                    if ch > carried[&(uw, c, t)].max(TOL_ABS)
                        && s.clusters[c].provider != contract.provider
                    {
                        let e = off.entry(c).or_default();
                        e.0.push(t + 1);
                        e.1 += ch;
                    }
                }
                for (c, (mut ps, ch)) in off {
                    ps.sort_unstable();
                    ps.dedup();
                    let provider = &s.clusters[c].provider;
                    findings.push(Finding {
                        rule: Rule::Placement,
                        severity: Severity::Violation,
                        workload: wid(w),
                        cluster: cid(c),
                        contract: Some(contract.id.clone()),
                        message: format!("\"{}\" ({} B parameters, above {} B) ran {} chip-hours on \"{}\" ({provider}) in period(s) {}; contract \"{}\" requires {}", wl.id, fmt_num(params), fmt_num(threshold), fmt_num(ch), s.clusters[c].id, join(&ps), contract.id, contract.provider),
                        periods: ps,
                        amount: ch,
                        unit: "chip-hours".into(),
                    });
                }
            }
        }
    }
    // Inference demand.
    let mut inference = Vec::new();
    let mut unmet_penalty_usd = 0.0;
    for (w, wl) in s.workloads.iter().enumerate() {
        let Demand::Inference {
            unit,
            demand,
            unmet_penalty,
            ..
        } = &wl.demand
        else {
            continue;
        };
        let (mut total, mut served, mut unmet_total, mut penalty) = (0.0, 0.0, 0.0, 0.0);
        let mut short_periods = Vec::new();
        for t in 0..periods {
            let d = demand[t];
            let got = output[w][t].min(d);
            let unmet = (d - output[w][t]).max(0.0);
            total += d;
            served += got;
            if unmet > slack(d, output_carried[w][t]) {
                unmet_total += unmet;
                short_periods.push(t + 1);
                if let Some(p) = unmet_penalty {
                    penalty += p * unmet;
                }
            }
        }
        if unmet_penalty.is_none() && !short_periods.is_empty() {
            findings.push(Finding {
                rule: Rule::DemandUnserved,
                severity: Severity::Violation,
                workload: wid(w),
                cluster: None,
                contract: None,
                message: format!(
                    "must-serve \"{}\" left {} {unit} unserved in period(s) {}",
                    wl.id,
                    fmt_num(unmet_total),
                    join(&short_periods)
                ),
                periods: short_periods,
                amount: unmet_total,
                unit: unit.clone(),
            });
        }
        unmet_penalty_usd += penalty;
        inference.push(InferenceStatus {
            workload: wl.id.clone(),
            unit: unit.clone(),
            demand: total,
            served,
            unmet: unmet_total,
            penalty_usd: penalty,
            must_serve: unmet_penalty.is_none(),
        });
    }
    // Costs and schedule.
    let mut costs = Costs::default();
    let mut schedule = Vec::with_capacity(used.len());
    for (&(w, c, t), &ch) in &used {
        let cl = &s.clusters[c];
        let cost = ch * cl.rate;
        *costs
            .by_workload
            .entry(s.workloads[w].id.clone())
            .or_insert(0.0) += cost;
        if cl.billing == Billing::PerUse {
            costs.usage_usd += cost;
            *costs.by_cluster.entry(cl.id.clone()).or_insert(0.0) += cost;
            *costs.by_provider.entry(cl.provider.clone()).or_insert(0.0) += cost;
        }
        if let (
            Demand::Inference {
                revenue_per_unit, ..
            },
            Some(k),
        ) = (&s.workloads[w].demand, cl.contract)
        {
            let units = ch * s.workloads[w].yield_per_chip_hour[c].unwrap_or(0.0);
            costs.revenue_share_usd +=
                s.contracts[k.0].inference_revenue_share * revenue_per_unit * units;
        }
        schedule.push(ScheduleRow {
            period: t + 1,
            period_start: s.horizon.periods[t].start.to_string(),
            cluster: cl.id.clone(),
            provider: cl.provider.clone(),
            chip: s.chips[cl.chip].id.clone(),
            workload: s.workloads[w].id.clone(),
            chip_hours: ch,
            cost_usd: cost,
        });
    }
    schedule.sort_by(|a, b| {
        (a.period, &a.cluster, &a.workload).cmp(&(b.period, &b.cluster, &b.workload))
    });
    for (c, cl) in s.clusters.iter().enumerate() {
        if cl.billing != Billing::Reserved {
            continue;
        }
        let bill: f64 = cl.capacity.iter().sum::<f64>() * cl.rate;
        let idle: f64 = (0..periods)
            .map(|t| (cl.capacity[t] - on_cluster[c][t]).max(0.0) * cl.rate)
            .sum();
        costs.reserved_usd += bill;
        costs.reserved_idle_usd += idle;
        *costs.by_cluster.entry(cl.id.clone()).or_insert(0.0) += bill;
        *costs.by_provider.entry(cl.provider.clone()).or_insert(0.0) += bill;
    }
    // Utilization floors.
    let mut utilization = Vec::new();
    for contract in &s.contracts {
        for u in &contract.utilization_floors {
            let c = u.cluster.0;
            let cl = &s.clusters[c];
            let mut bad = Vec::new();
            let mut short_total = 0.0;
            for t in 0..periods {
                let available = cl.capacity[t];
                let need = u.min_fraction * available;
                let short = (need - on_cluster[c][t]).max(0.0);
                let counted = if short > slack(need, on_cluster_carried[c][t]) {
                    short
                } else {
                    0.0
                };
                let penalty = u.penalty_usd_per_chip_hour.map_or(0.0, |p| p * counted);
                if counted > 0.0 {
                    bad.push(t + 1);
                    short_total += counted;
                }
                costs.utilization_penalty_usd += penalty;
                utilization.push(UtilizationStatus {
                    contract: Some(contract.id.clone()),
                    cluster: cl.id.clone(),
                    period: t + 1,
                    used_chip_hours: on_cluster[c][t],
                    available_chip_hours: available,
                    fraction: if available > 0.0 {
                        on_cluster[c][t] / available
                    } else {
                        0.0
                    },
                    floor_fraction: Some(u.min_fraction),
                    short_chip_hours: counted,
                    penalty_usd: penalty,
                    hard: u.penalty_usd_per_chip_hour.is_none(),
                });
            }
            if !bad.is_empty() {
                let (rule, tail) = match u.penalty_usd_per_chip_hour {
                    None => (Rule::UtilizationFloor, "a hard floor".to_string()),
                    Some(p) => (
                        Rule::UtilizationShortfall,
                        format!(
                            "billed at ${}/chip-hour: ${}",
                            fmt_num(p),
                            fmt_num(p * short_total)
                        ),
                    ),
                };
                findings.push(Finding {
                    rule,
                    severity: rule.severity(),
                    workload: None,
                    cluster: cid(c),
                    contract: Some(contract.id.clone()),
                    message: format!("\"{}\" is {} chip-hours under its {:.1}% utilization floor (contract \"{}\") in period(s) {}; {tail}", cl.id, fmt_num(short_total), 100.0 * u.min_fraction, contract.id, join(&bad)),
                    periods: bad,
                    amount: short_total,
                    unit: "chip-hours".into(),
                });
            }
        }
    }
    // Dedicated clusters without a floor: their idle chip-hours are paid all the same.
    for (c, cl) in s.clusters.iter().enumerate() {
        let has_floor = s
            .contracts
            .iter()
            .any(|k| k.utilization_floors.iter().any(|u| u.cluster.0 == c));
        if cl.billing != Billing::Reserved || has_floor {
            continue;
        }
        for t in 0..periods {
            let available = cl.capacity[t];
            utilization.push(UtilizationStatus {
                contract: cl.contract.map(|k| s.contracts[k.0].id.clone()),
                cluster: cl.id.clone(),
                period: t + 1,
                used_chip_hours: on_cluster[c][t],
                available_chip_hours: available,
                fraction: if available > 0.0 {
                    on_cluster[c][t] / available
                } else {
                    0.0
                },
                floor_fraction: None,
                short_chip_hours: 0.0,
                penalty_usd: 0.0,
                hard: false,
            });
        }
    }
    // Spend floors.
    let mut spend_floors = Vec::new();
    for (k, contract) in s.contracts.iter().enumerate() {
        for floor in &contract.spend_floors {
            let (mut in_horizon, mut in_horizon_carried) = (0.0, 0.0);
            for (c, cl) in s.clusters.iter().enumerate() {
                if cl.contract.map(|x| x.0) != Some(k) {
                    continue;
                }
                for &t in &floor.periods {
                    match cl.billing {
                        Billing::Reserved => in_horizon += cl.rate * cl.capacity[t],
                        Billing::PerUse => {
                            in_horizon += cl.rate * on_cluster[c][t];
                            in_horizon_carried += cl.rate * on_cluster_carried[c][t];
                        }
                    }
                }
            }
            let total = floor.spent_before_usd + in_horizon + floor.forecast_after_usd;
            let short = (floor.floor_usd - total).max(0.0);
            let shortfall = if short > slack(floor.floor_usd, in_horizon_carried) {
                short
            } else {
                0.0
            };
            costs.spend_shortfall_usd += shortfall;
            if shortfall > 0.0 {
                findings.push(Finding {
                    rule: Rule::SpendShortfall,
                    severity: Severity::Billed,
                    workload: None,
                    cluster: None,
                    contract: Some(contract.id.clone()),
                    periods: floor.periods.iter().map(|t| t + 1).collect(),
                    amount: shortfall,
                    unit: "USD".into(),
                    message: format!(
                        "contract \"{}\" floor \"{}\": ${} before + ${} in the horizon + ${} forecast after = ${}, under the ${} floor: ${} shortfall billed",
                        contract.id,
                        floor.name,
                        fmt_num(floor.spent_before_usd),
                        fmt_num(in_horizon),
                        fmt_num(floor.forecast_after_usd),
                        fmt_num(total),
                        fmt_num(floor.floor_usd),
                        fmt_num(shortfall)
                    ),
                });
            }
            spend_floors.push(SpendFloorStatus {
                contract: contract.id.clone(),
                name: floor.name.clone(),
                floor_usd: floor.floor_usd,
                spent_before_usd: floor.spent_before_usd,
                in_horizon_usd: in_horizon,
                forecast_after_usd: floor.forecast_after_usd,
                shortfall_usd: shortfall,
                met: shortfall == 0.0,
            });
        }
    }
    costs.unmet_penalty_usd = unmet_penalty_usd;
    costs.total_usd = costs.usage_usd
        + costs.reserved_usd
        + costs.spend_shortfall_usd
        + costs.utilization_penalty_usd
        + costs.unmet_penalty_usd
        + costs.revenue_share_usd;
    let prices = provider_prices(s, &used, &costs);
    findings.sort_by_key(|f| (f.severity, f.rule));
    AuditReport {
        findings,
        costs,
        spend_floors,
        utilization,
        training,
        inference,
        prices,
        schedule,
    }
}

fn provider_prices(
    s: &Scenario,
    used: &BTreeMap<(usize, usize, usize), f64>,
    costs: &Costs,
) -> Vec<ProviderPrice> {
    #[derive(Default)]
    struct Acc {
        chip_hours: f64,
        public: f64,
        peak_pflop: f64,
        training_pflop: f64,
        training_spend: f64,
        training_public: f64,
    }
    let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
    for (&(w, c, _), &ch) in used {
        let cl = &s.clusters[c];
        let a = acc.entry(cl.provider.as_str()).or_default();
        a.chip_hours += ch;
        a.public += ch * cl.public_rate;
        a.peak_pflop += ch * s.chips[cl.chip].bf16_tflops * 3.6;
        if let (Demand::Training { .. }, Some(y)) = (
            &s.workloads[w].demand,
            s.workloads[w].yield_per_chip_hour[c],
        ) {
            a.training_pflop += ch * y;
            a.training_spend += ch * cl.rate;
            a.training_public += ch * cl.public_rate;
        }
    }
    acc.into_iter()
        .map(|(provider, a)| {
            let spend = costs.by_provider.get(provider).copied().unwrap_or(0.0);
            let per = |x: f64, d: f64| if d > 0.0 { x / d } else { 0.0 };
            ProviderPrice {
                provider: provider.to_string(),
                chip_hours: a.chip_hours,
                spend_usd: spend,
                public_usd: a.public,
                usd_per_chip_hour: per(spend, a.chip_hours),
                public_usd_per_chip_hour: per(a.public, a.chip_hours),
                usd_per_peak_pflop: per(spend, a.peak_pflop),
                public_usd_per_peak_pflop: per(a.public, a.peak_pflop),
                usd_per_training_pflop: (a.training_pflop > 0.0)
                    .then(|| a.training_spend / a.training_pflop),
                public_usd_per_training_pflop: (a.training_pflop > 0.0)
                    .then(|| a.training_public / a.training_pflop),
                discount_achieved: if a.public > 0.0 {
                    1.0 - spend / a.public
                } else {
                    0.0
                },
            }
        })
        .collect()
}

fn join(ps: &[usize]) -> String {
    ps.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
