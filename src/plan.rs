//! Planning: build the program, solve it, read the plan back, audit it.
//!
//! Every outcome is data: a plan (optimal, or stopped by a limit with its gap), an infeasible
//! scenario with what cannot be met in the model's own terms, or no plan within the time limit.

use std::time::Instant;

use serde::Serialize;

use crate::allocation::Allocation;
use crate::audit::{audit, slack, AuditReport, Finding};
use crate::format::fmt_num;
use crate::formulation::{ColKey, FixedPast, Formulation};
use crate::model::{ClusterId, ContractId, Demand, Scenario, WorkloadId};
use crate::sensitivity::Sensitivity;
use crate::solver::{self, Algorithm, Backend, SolveOptions, SolveStatus, SolverError};

/// Seconds spent in each phase.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Timings {
    /// Reading and validating the scenario.
    pub load_seconds: f64,
    /// Building the program.
    pub build_seconds: f64,
    /// Handing the program to the backend.
    pub backend_load_seconds: f64,
    /// Solving.
    pub solve_seconds: f64,
    /// Reading the solution back.
    pub extract_seconds: f64,
    /// Auditing the plan.
    pub audit_seconds: f64,
    /// Writing outputs.
    pub write_seconds: f64,
}

/// What was solved and how.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SolverInfo {
    /// Backend.
    pub backend: Backend,
    /// Algorithm.
    pub algorithm: String,
    /// Status.
    pub status: SolveStatus,
    /// Relative MIP gap reached (0 when proven optimal; absent where the backend does not say).
    pub gap: Option<f64>,
    /// Columns.
    pub variables: usize,
    /// Rows.
    pub constraints: usize,
    /// Nonzero matrix entries.
    pub nonzeros: usize,
    /// Integer columns.
    pub integer_variables: usize,
    /// Objective of the solver's solution, USD.
    pub objective_usd: Option<f64>,
    /// Time per phase.
    pub timings: Timings,
    /// The backend's message, when it failed.
    pub message: Option<String>,
    /// Shadow prices of the plan, when asked for ([`SolveOptions::duals`]). Not part of the
    /// `solver` section: plan.json has them as its own top-level `sensitivity` section.
    #[serde(skip)]
    pub sensitivity: Option<crate::sensitivity::Sensitivity>,
}

/// Something an infeasible scenario cannot meet, found by the least-violation program.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Unmeetable {
    /// `work`, `demand` or `utilization_floor`.
    pub kind: String,
    /// Workload, for work and demand.
    pub workload: Option<String>,
    /// Cluster, for utilization floors.
    pub cluster: Option<String>,
    /// Contract, for utilization floors.
    pub contract: Option<String>,
    /// Periods involved (1-based).
    pub periods: Vec<usize>,
    /// How much cannot be met.
    pub amount: f64,
    /// Unit of `amount`.
    pub unit: String,
    /// One sentence in the model's terms.
    pub message: String,
}

/// The outcome of planning.
#[derive(Debug, Clone)]
pub enum PlanOutcome {
    /// A plan that keeps every hard term (optimal or stopped by a limit).
    Planned {
        /// Solver details.
        solver: SolverInfo,
        /// The plan's audit: schedule, costs, floors.
        audit: Box<AuditReport>,
    },
    /// No plan keeps every hard term; what cannot be met, and by how much.
    Infeasible {
        /// Solver details.
        solver: SolverInfo,
        /// What cannot be met, least total violation first.
        unmeetable: Vec<Unmeetable>,
    },
    /// The solver stopped without a plan (time limit, numerical failure).
    NoPlan {
        /// Solver details.
        solver: SolverInfo,
    },
}

/// Planning settings.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Backend; `None` picks automatically.
    pub backend: Option<Backend>,
    /// Limits.
    pub solve: SolveOptions,
}

/// Why planning failed outright.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The solver could not be used.
    #[error(transparent)]
    Solver(#[from] SolverError),
    /// The plan broke rules it was built to keep: a bug in the planner or a solver tolerance
    /// problem, caught by the independent audit.
    #[error("internal error: the plan from {backend} fails its own audit ({violations} violation(s)); first: {first}. Please report this with the scenario file.")]
    SelfAudit {
        /// Backend.
        backend: &'static str,
        /// Number of violations.
        violations: usize,
        /// The first violation.
        first: String,
    },
    /// The audit's cost disagrees with the solver's objective.
    #[error("internal error: the audit prices the plan at ${audit} but the solver's objective is ${solver}. Please report this with the scenario file.")]
    CostMismatch {
        /// Audit total, USD.
        audit: String,
        /// Solver objective, USD.
        solver: String,
    },
}

/// Plans `scenario`.
pub fn plan(scenario: &Scenario, opts: &PlanOptions) -> Result<PlanOutcome, PlanError> {
    plan_inspecting(scenario, opts, |_| {})
}

/// Plans `scenario`, handing the built program to `inspect` before it is solved (to export
/// it, for instance); the seconds `inspect` takes are not counted in any phase.
pub fn plan_inspecting(
    scenario: &Scenario,
    opts: &PlanOptions,
    inspect: impl FnOnce(&Formulation<'_>),
) -> Result<PlanOutcome, PlanError> {
    plan_core(scenario, opts, None, inspect).map(|(outcome, _)| outcome)
}

/// Re-plans `scenario` from period `end` (0-based) on, the periods before it fixed to what
/// `actuals` says ran there ([`FixedPast`]; rows from `end` on are not read). Returns the outcome,
/// whose audit and total cover the whole horizon, and the audit's findings about the fixed past
/// (history: reported, not held against the plan; see [`crate::replan::split_history`]).
pub fn plan_from_past(
    scenario: &Scenario,
    opts: &PlanOptions,
    actuals: &Allocation,
    end: usize,
) -> Result<(PlanOutcome, Vec<Finding>), PlanError> {
    plan_core(scenario, opts, Some((actuals, end)), |_| {})
}

/// Builds, solves, reads back and audits; `past` fixes the periods before its end.
fn plan_core(
    scenario: &Scenario,
    opts: &PlanOptions,
    past: Option<(&Allocation, usize)>,
    inspect: impl FnOnce(&Formulation<'_>),
) -> Result<(PlanOutcome, Vec<Finding>), PlanError> {
    let started = Instant::now();
    let fixed = past.map_or_else(FixedPast::default, |(a, end)| {
        FixedPast::new(scenario, a, end)
    });
    let formulation = Formulation::build_replan(scenario, false, fixed.clone());
    let build_seconds = started.elapsed().as_secs_f64();
    inspect(&formulation);
    let has_integers = formulation.lp.num_integers() > 0;
    let backend = opts.backend.unwrap_or_else(|| Backend::auto(has_integers));
    tracing::info!(
        backend = backend.as_str(),
        variables = formulation.lp.num_cols(),
        constraints = formulation.lp.num_rows(),
        integers = formulation.lp.num_integers(),
        build_seconds,
        "built the program"
    );
    let result = solver::solve(&formulation.lp, backend, &opts.solve)?;
    tracing::info!(
        status = result.status.as_str(),
        solve_seconds = result.solve_seconds,
        "solved"
    );
    let mut info = SolverInfo {
        backend,
        algorithm: result.algorithm.clone(),
        status: result.status,
        gap: result.gap,
        variables: formulation.lp.num_cols(),
        constraints: formulation.lp.num_rows(),
        nonzeros: formulation.lp.num_nonzeros(),
        integer_variables: formulation.lp.num_integers(),
        objective_usd: None,
        timings: Timings {
            build_seconds,
            backend_load_seconds: result.load_seconds,
            solve_seconds: result.solve_seconds,
            ..Timings::default()
        },
        message: result.message.clone(),
        sensitivity: None,
    };
    match (result.status, result.x) {
        (status, Some(x)) if status.has_plan() => {
            let priced = Instant::now();
            info.sensitivity = Sensitivity::of_solve(&formulation, &x, result.duals.as_ref());
            tracing::debug!(
                seconds = priced.elapsed().as_secs_f64(),
                "priced the binding terms"
            );
            let (audit, history) = audited(&formulation, &x, past, &mut info)?;
            let planned = PlanOutcome::Planned {
                solver: info,
                audit: Box::new(audit),
            };
            Ok((planned, history))
        }
        (SolveStatus::Infeasible, _) => {
            let unmeetable = explain_infeasible(scenario, backend, &opts.solve, fixed)?;
            let infeasible = PlanOutcome::Infeasible {
                solver: info,
                unmeetable,
            };
            Ok((infeasible, Vec::new()))
        }
        (status, _) => {
            if status.has_plan() {
                info.status = SolveStatus::Failed;
            }
            Ok((PlanOutcome::NoPlan { solver: info }, Vec::new()))
        }
    }
}

/// Reads the solution back (with the fixed past, if any), audits it and checks the audit
/// against the solver's objective; returns the audit and its findings about the fixed past.
fn audited(
    formulation: &Formulation<'_>,
    x: &[f64],
    past: Option<(&Allocation, usize)>,
    info: &mut SolverInfo,
) -> Result<(AuditReport, Vec<Finding>), PlanError> {
    let scenario = formulation.scenario;
    let t = Instant::now();
    let mut allocation = formulation.allocation(x);
    if let Some((actuals, end)) = past {
        let fixed = actuals.rows.iter().filter(|r| r.period < end);
        allocation.rows.splice(0..0, fixed.copied());
    }
    let objective = formulation.cost_usd(x);
    info.objective_usd = Some(objective);
    info.timings.extract_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut report = audit(scenario, &allocation);
    let history = match past {
        Some((_, end)) => crate::replan::split_history(&mut report, scenario, end),
        None => Vec::new(),
    };
    info.timings.audit_seconds = t.elapsed().as_secs_f64();
    if report.violations() > 0 {
        let first = report
            .findings
            .iter()
            .find(|f| f.severity == crate::audit::Severity::Violation)
            .map(|f| f.message.clone())
            .unwrap_or_default();
        return Err(PlanError::SelfAudit {
            backend: info.backend.as_str(),
            violations: report.violations(),
            first,
        });
    }
    check_cost(scenario, info.status, report.costs.total_usd, objective)?;
    Ok((report, history))
}

/// The audit's total must agree with the solver's objective: to a cent or 1e-4 of the total,
/// plus what the audit forgives (a shortfall under its tolerance is not billed, and a plan of
/// tiny amounts can be made of those). An incumbent stopped by a limit may carry shortfall
/// columns (spend, utilization, unmet demand) above what its allocation owes; the audit bills
/// what is owed, so there it may only come out lower.
fn check_cost(
    scenario: &Scenario,
    status: SolveStatus,
    total: f64,
    objective: f64,
) -> Result<(), PlanError> {
    let tolerance = (1e-4 * total.abs().max(objective.abs())).max(0.01);
    let below = objective - total;
    let mismatch = if status == SolveStatus::Optimal {
        total - objective > tolerance || below > tolerance + forgiven_usd(scenario)
    } else {
        total - objective > tolerance
    };
    if mismatch {
        return Err(PlanError::CostMismatch {
            audit: fmt_num(total),
            solver: fmt_num(objective),
        });
    }
    Ok(())
}

/// Most the audit can leave unbilled: every soft shortfall just under its tolerance.
fn forgiven_usd(s: &Scenario) -> f64 {
    let mut usd = 0.0;
    for w in &s.workloads {
        if let Demand::Inference {
            demand,
            unmet_penalty: Some(p),
            ..
        } = &w.demand
        {
            usd += demand.iter().map(|&d| p * slack(d, 0.0)).sum::<f64>();
        }
    }
    for c in &s.contracts {
        for u in &c.utilization_floors {
            if let Some(p) = u.penalty_usd_per_chip_hour {
                let cap = &s.clusters[u.cluster.0].capacity;
                usd += cap
                    .iter()
                    .map(|&a| p * slack(u.min_fraction * a, 0.0))
                    .sum::<f64>();
            }
        }
        usd += c
            .spend_floors
            .iter()
            .map(|f| slack(f.floor_usd, 0.0))
            .sum::<f64>();
    }
    usd
}

/// Solves the least-violation program and says what cannot be met.
fn explain_infeasible(
    scenario: &Scenario,
    backend: Backend,
    opts: &SolveOptions,
    past: FixedPast,
) -> Result<Vec<Unmeetable>, PlanError> {
    let elastic = Formulation::build_replan(scenario, true, past);
    let backend = if backend == Backend::Clarabel && elastic.lp.num_integers() > 0 {
        Backend::auto(true)
    } else {
        backend
    };
    let opts = SolveOptions {
        algorithm: Algorithm::Auto,
        ..opts.clone()
    };
    let result = solver::solve(&elastic.lp, backend, &opts)?;
    let Some(x) = result.x else {
        return Ok(Vec::new());
    };
    let s = scenario;
    // Chip-hours booked per (cluster, period) in the least-violation plan: the clusters that are
    // full where a short workload could have run are the bottleneck to name.
    let mut booked = vec![vec![0.0; s.horizon.len()]; s.clusters.len()];
    for r in elastic.allocation(&x).rows {
        booked[r.cluster.0][r.period] += r.chip_hours;
    }
    let full = |c: usize, t: usize| booked[c][t] >= s.clusters[c].capacity[t] * (1.0 - 1e-6) - 1e-3;
    let mut out: Vec<Unmeetable> = Vec::new();
    for (key, fraction) in elastic.gaps(&x) {
        match key {
            ColKey::WorkGap(w) => out.push(work_gap(&elastic, w, fraction, &full)),
            ColKey::DemandGap(w, t) => demand_gap(s, &mut out, w, t, fraction),
            ColKey::UtilGap(k, j, t) => utilization_gap(s, &mut out, k, j, t, fraction),
            _ => {}
        }
    }
    for u in &mut out {
        describe(&elastic, u, &full);
    }
    Ok(out)
}

/// What a training workload's work gap leaves undone.
fn work_gap(
    elastic: &Formulation,
    w: WorkloadId,
    fraction: f64,
    full: &impl Fn(usize, usize) -> bool,
) -> Unmeetable {
    let s = elastic.scenario;
    let wl = &s.workloads[w.0];
    let work = wl.work_pflop().unwrap_or(0.0);
    let short = fraction * work;
    let bottleneck = bottlenecks(
        s,
        wl.earliest_start..=wl.latest_finish,
        |c| elastic.may_run_on(w, ClusterId(c)),
        full,
    );
    Unmeetable {
        kind: "work".into(),
        workload: Some(wl.id.clone()),
        cluster: None,
        contract: None,
        periods: vec![wl.deadline + 1],
        amount: short,
        unit: "PFLOP".into(),
        message: format!(
            "training \"{}\" cannot get {} of its {} PFLOP ({:.1}%) done by period {}{bottleneck}",
            wl.id,
            fmt_num(short),
            fmt_num(work),
            100.0 * fraction,
            wl.latest_finish + 1
        ),
    }
}

/// Adds an inference workload's demand gap in period `t` to its entry in `out`.
fn demand_gap(s: &Scenario, out: &mut Vec<Unmeetable>, w: WorkloadId, t: usize, fraction: f64) {
    let wl = &s.workloads[w.0];
    let Demand::Inference { demand, unit, .. } = &wl.demand else {
        return;
    };
    let short = fraction * demand[t];
    match out
        .iter_mut()
        .find(|u| u.kind == "demand" && u.workload.as_deref() == Some(wl.id.as_str()))
    {
        Some(u) => {
            u.periods.push(t + 1);
            u.amount += short;
        }
        None => out.push(Unmeetable {
            kind: "demand".into(),
            workload: Some(wl.id.clone()),
            cluster: None,
            contract: None,
            periods: vec![t + 1],
            amount: short,
            unit: unit.clone(),
            message: String::new(),
        }),
    }
}

/// Adds a hard utilization floor's gap in period `t` to its entry in `out`.
fn utilization_gap(
    s: &Scenario,
    out: &mut Vec<Unmeetable>,
    k: ContractId,
    j: usize,
    t: usize,
    fraction: f64,
) {
    let contract = &s.contracts[k.0];
    let floor = &contract.utilization_floors[j];
    let cl = &s.clusters[floor.cluster.0];
    let short = fraction * floor.min_fraction * cl.capacity[t];
    match out
        .iter_mut()
        .find(|u| u.kind == "utilization_floor" && u.cluster.as_deref() == Some(cl.id.as_str()))
    {
        Some(u) => {
            u.periods.push(t + 1);
            u.amount += short;
        }
        None => out.push(Unmeetable {
            kind: "utilization_floor".into(),
            workload: None,
            cluster: Some(cl.id.clone()),
            contract: Some(contract.id.clone()),
            periods: vec![t + 1],
            amount: short,
            unit: "chip-hours".into(),
            message: format!("{:.1}%", 100.0 * floor.min_fraction),
        }),
    }
}

/// Writes the message of a demand or utilization-floor entry once all its periods are in.
fn describe(elastic: &Formulation, u: &mut Unmeetable, full: &impl Fn(usize, usize) -> bool) {
    let s = elastic.scenario;
    let periods = u
        .periods
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match u.kind.as_str() {
        "demand" => {
            let w = s
                .workload_by_id(u.workload.as_deref().unwrap_or(""))
                .expect("named from the scenario");
            let wl = &s.workloads[w.0];
            let bottleneck = bottlenecks(
                s,
                u.periods.iter().map(|p| p - 1),
                |c| elastic.may_run_on(w, ClusterId(c)),
                full,
            );
            u.message = format!(
                "must-serve \"{}\" cannot be served {} {} in period(s) {periods}{bottleneck}",
                wl.id,
                fmt_num(u.amount),
                u.unit
            );
        }
        "utilization_floor" => {
            u.message = format!(
                "the hard {} utilization floor on \"{}\" (contract \"{}\") cannot be met: {} chip-hours of work short in period(s) {periods}",
                u.message,
                u.cluster.as_deref().unwrap_or(""),
                u.contract.as_deref().unwrap_or(""),
                fmt_num(u.amount)
            );
        }
        _ => {}
    }
}

/// `; the clusters it may use are fully booked: "a" (period 1, 2)` for the clusters a workload may use that are
/// full in the given periods, or `` when none is.
fn bottlenecks(
    s: &Scenario,
    periods: impl IntoIterator<Item = usize>,
    allowed: impl Fn(usize) -> bool,
    full: &impl Fn(usize, usize) -> bool,
) -> String {
    let periods: Vec<usize> = periods.into_iter().collect();
    let mut parts = Vec::new();
    for c in (0..s.clusters.len()).filter(|&c| allowed(c)) {
        let busy: Vec<String> = periods
            .iter()
            .filter(|&&t| t < s.horizon.len() && s.clusters[c].capacity[t] > 0.0 && full(c, t))
            .map(|t| (t + 1).to_string())
            .collect();
        if !busy.is_empty() {
            parts.push(format!(
                "\"{}\" (period {})",
                s.clusters[c].id,
                busy.join(", ")
            ));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(
            "; the clusters it may use are fully booked: {}",
            parts.join(", ")
        )
    }
}
