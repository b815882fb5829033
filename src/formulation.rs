//! The capacity plan as a linear / mixed-integer program.
//!
//! [`Formulation::build`] owns the variables and writes one family of constraints per method;
//! [`Formulation::allocation`] reads solver values back into an [`Allocation`]. Variables and
//! rows keep domain keys so an exported model reads in the scenario's own ids.
//!
//! Units inside the program: allocations are in thousands of chip-hours and money in thousands
//! of dollars; every row is scaled by its largest coefficient ([`LinearProgram::add_row`]).
//!
//! In *elastic* mode (used to explain an infeasible plan) every hard requirement that could be
//! the cause (training work, must-serve demand, hard utilization floors) gets a slack measured as
//! a fraction of the requirement, and the objective becomes the total of those fractions. That
//! program is always feasible (allocating nothing meets every other row), and its slacks say what
//! cannot be met and by how much.
//!
//! A *re-plan* ([`Formulation::build_replan`]) fixes the periods before an as-of period to what
//! actually ran ([`FixedPast`]). The past gets no columns: what it used, delivered and spent is a
//! constant in every row that spans it (work, completion gates, spend floors) and in the
//! objective (per-use compute, revenue share, unmet demand and soft utilization penalties), so
//! the program's cost covers the whole horizon. Rows that concern a past period alone (capacity,
//! demand, `max_chips`, utilization floors, dependency gates) are not written: a breach there
//! already happened, and the audit reports it as history rather than the plan working around it.

use crate::allocation::{AllocRow, Allocation};
use crate::lp::{Col, LinearProgram, Row};
use crate::model::{ClusterId, ContractId, Demand, Scenario, WorkloadId};
use crate::schema::Billing;

/// What ran before the first open period of a re-plan, read once for every row family.
#[derive(Debug, Clone, Default)]
pub struct FixedPast {
    /// First period (0-based) the program plans; every period before it is fixed.
    pub end: usize,
    /// Output (PFLOP or demand units) per workload and period, on clusters it may run on.
    output: Vec<Vec<f64>>,
    /// Chip-hours per cluster and period.
    on_cluster: Vec<Vec<f64>>,
    /// Per-use compute and inference revenue share of the past, USD.
    usage_usd: f64,
}

impl FixedPast {
    /// The past of `actuals` before period `end` (0-based); rows from `end` on are not read.
    pub fn new(s: &Scenario, actuals: &Allocation, end: usize) -> FixedPast {
        let periods = s.horizon.len();
        let mut past = FixedPast {
            end: end.min(periods),
            output: vec![vec![0.0; periods]; s.workloads.len()],
            on_cluster: vec![vec![0.0; periods]; s.clusters.len()],
            usage_usd: 0.0,
        };
        for r in actuals.rows.iter().filter(|r| r.period < past.end) {
            let (w, cl) = (&s.workloads[r.workload.0], &s.clusters[r.cluster.0]);
            let yield_ = w.yield_per_chip_hour[r.cluster.0].unwrap_or(0.0);
            past.output[r.workload.0][r.period] += r.chip_hours * yield_;
            past.on_cluster[r.cluster.0][r.period] += r.chip_hours;
            if cl.billing == Billing::PerUse {
                past.usage_usd += cl.rate * r.chip_hours;
            }
            if let (
                Demand::Inference {
                    revenue_per_unit, ..
                },
                Some(k),
            ) = (&w.demand, cl.contract)
            {
                past.usage_usd += s.contracts[k.0].inference_revenue_share
                    * revenue_per_unit
                    * r.chip_hours
                    * yield_;
            }
        }
        past
    }

    /// Output of workload `k` in the fixed periods up to and including `t`.
    pub fn output_through(&self, k: usize, t: usize) -> f64 {
        self.output
            .get(k)
            .map_or(0.0, |o| o[..(t + 1).min(self.end)].iter().sum())
    }

    /// Output of workload `k` in all the fixed periods.
    pub fn output_done(&self, k: usize) -> f64 {
        self.output
            .get(k)
            .map_or(0.0, |o| o[..self.end].iter().sum())
    }

    /// Chip-hours used on cluster `c` in period `t` if `t` is fixed, else 0.
    pub fn chip_hours_on(&self, c: usize, t: usize) -> f64 {
        if t < self.end {
            self.on_cluster.get(c).map_or(0.0, |v| v[t])
        } else {
            0.0
        }
    }
}

impl FixedPast {
    /// Work done in the past, counted as complete when within the audit's own slack of the
    /// total ([`crate::audit::slack`]): actuals rounded in a file still satisfy a successor
    /// the audit lets run. A plan of the whole horizon (no past) counts nothing.
    fn counted_done(&self, done: f64, work: f64) -> f64 {
        if self.end > 0 && done > 0.0 && done >= work - crate::audit::slack(work, 0.0) {
            work.max(done)
        } else {
            done
        }
    }
}

mod gates;

/// Chip-hours per unit of an allocation column.
pub const CHIP_HOURS_PER_UNIT: f64 = 1_000.0;
/// Dollars per unit of the objective.
pub const USD_PER_UNIT: f64 = 1_000.0;

/// What a column stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColKey {
    /// Chip-hours of a workload on a cluster in a period.
    Alloc(WorkloadId, ClusterId, usize),
    /// 1 once a predecessor's work is complete by the end of a period.
    Done(WorkloadId, usize),
    /// A training workload's cumulative output (PFLOP) through a period (dependencies only).
    Progress(WorkloadId, usize),
    /// Inference demand not served (penalized).
    Unmet(WorkloadId, usize),
    /// Chip-hours under a soft utilization floor.
    UtilShort(ContractId, usize, usize),
    /// Dollars under a spend floor (billed).
    SpendShort(ContractId, usize),
    /// Elastic: fraction of a training workload's work not done.
    WorkGap(WorkloadId),
    /// Elastic: fraction of must-serve demand not served in a period.
    DemandGap(WorkloadId, usize),
    /// Elastic: fraction of a hard utilization floor not met in a period.
    UtilGap(ContractId, usize, usize),
}

/// What a row stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RowKey {
    /// Chip-hours used on a cluster in a period stay within what it has.
    Capacity(ClusterId, usize),
    /// A training workload's work is done exactly, within its window.
    Work(WorkloadId),
    /// Inference demand in a period is served (or counted unmet).
    Demand(WorkloadId, usize),
    /// A workload's chips at once in a period.
    MaxChips(WorkloadId, usize),
    /// Utilization floor of a cluster in a period.
    Utilization(ContractId, usize, usize),
    /// Spend floor of a contract period.
    Spend(ContractId, usize),
    /// A training workload's progress through a period is the one before plus the period's
    /// output.
    Progress(WorkloadId, usize),
    /// `Done(p, t)` only once p's cumulative work is complete.
    DoneWhenComplete(WorkloadId, usize),
    /// `Done(p, t)` stays 1 once reached.
    DoneMonotone(WorkloadId, usize),
    /// The successor receives compute in a period (a training successor: any compute up to it)
    /// only if the predecessor was done before it.
    After(WorkloadId, WorkloadId, usize),
}

/// The program for one scenario, with the keys of its columns and rows.
pub struct Formulation<'s> {
    /// The scenario.
    pub scenario: &'s Scenario,
    /// The program.
    pub lp: LinearProgram,
    /// Key of every column.
    pub cols: Vec<ColKey>,
    /// Key of every row.
    pub rows: Vec<RowKey>,
    /// Whether this is the elastic (explanation) program.
    pub elastic: bool,
    /// Allocation columns by workload, then (cluster, period, column); built once, read often.
    alloc: Vec<Vec<(ClusterId, usize, Col)>>,
    /// `Done` columns per workload by period (only for predecessors inside their window).
    done: Vec<Vec<Option<Col>>>,
    /// Progress columns of training workloads in the DAG ([`gates`]).
    progress: Vec<gates::Progress>,
    /// Work gap column per workload (elastic only).
    work_gap: Vec<Option<Col>>,
    /// Dollars that reserved capacity costs whatever the plan.
    pub reserved_usd: f64,
    /// Dollars of spend-floor shortfall owed whatever the plan: floors that even every per-use
    /// chip-hour bought at its rate cannot reach.
    pub unreachable_floor_usd: f64,
    /// The fixed past of a re-plan (`end` 0 for a plan of the whole horizon).
    pub past: FixedPast,
    /// Dollars the fixed past costs whatever the plan: its compute, revenue share and the
    /// penalties it incurred (unmet demand, soft utilization floors).
    pub past_usd: f64,
    /// The spend floors of [`Self::unreachable_floor_usd`] (contract, floor): each dollar more
    /// of them is a dollar more of shortfall.
    pub unreachable_floors: Vec<(ContractId, usize)>,
}

impl<'s> Formulation<'s> {
    /// Builds the program: the cost-minimizing plan, or (`elastic`) the least-violation one.
    pub fn build(scenario: &'s Scenario, elastic: bool) -> Self {
        Self::build_replan(scenario, elastic, FixedPast::default())
    }

    /// Builds the program of a re-plan: the periods before `past.end` fixed to what ran, the
    /// rest planned (see the module documentation).
    pub fn build_replan(scenario: &'s Scenario, elastic: bool, past: FixedPast) -> Self {
        let n = scenario.workloads.len();
        let mut f = Formulation {
            scenario,
            lp: LinearProgram::new(),
            cols: Vec::new(),
            rows: Vec::new(),
            elastic,
            alloc: vec![Vec::new(); n],
            done: vec![Vec::new(); n],
            progress: vec![None; n],
            work_gap: vec![None; n],
            reserved_usd: 0.0,
            unreachable_floor_usd: 0.0,
            past_usd: past.usage_usd,
            past,
            unreachable_floors: Vec::new(),
        };
        f.allocation_columns();
        f.capacity_rows();
        f.work_rows();
        f.demand_rows();
        f.max_chips_rows();
        f.utilization_rows();
        f.spend_rows();
        f.dependency_rows();
        if !elastic {
            f.lp.obj_offset =
                (f.reserved_usd + f.unreachable_floor_usd + f.past_usd) / USD_PER_UNIT;
        }
        f
    }

    fn col(&mut self, key: ColKey, obj: f64, lower: f64, upper: f64, integer: bool) -> Col {
        self.cols.push(key);
        self.lp.add_col(obj, lower, upper, integer)
    }

    fn row(
        &mut self,
        key: RowKey,
        terms: impl IntoIterator<Item = (Col, f64)>,
        lower: f64,
        upper: f64,
    ) -> Row {
        self.rows.push(key);
        self.lp.add_row(terms, lower, upper)
    }

    /// Objective weight in the cost program, zero in the elastic one.
    fn cost(&self, usd_per_unit: f64) -> f64 {
        if self.elastic {
            0.0
        } else {
            usd_per_unit
        }
    }

    /// One column per (workload, allowed cluster, period in the workload's window).
    fn allocation_columns(&mut self) {
        let s = self.scenario;
        for (k, w) in s.workloads.iter().enumerate() {
            let rules = s.placement_rules_for(w);
            let (first, last) = match &w.demand {
                Demand::Training { .. } => (w.earliest_start, w.latest_finish),
                Demand::Inference { .. } => (w.earliest_start, s.horizon.len() - 1),
            };
            for (c, cl) in s.clusters.iter().enumerate() {
                let Some(yield_) = w.yield_per_chip_hour[c] else {
                    continue;
                };
                if !rules
                    .iter()
                    .all(|(ci, _)| s.contracts[ci.0].provider == cl.provider)
                {
                    continue;
                }
                let marginal = match cl.billing {
                    Billing::PerUse => cl.rate,
                    Billing::Reserved => 0.0,
                };
                let share = match (&w.demand, cl.contract) {
                    (
                        Demand::Inference {
                            revenue_per_unit, ..
                        },
                        Some(ci),
                    ) => s.contracts[ci.0].inference_revenue_share * revenue_per_unit * yield_,
                    _ => 0.0,
                };
                let obj = self.cost((marginal + share) * CHIP_HOURS_PER_UNIT / USD_PER_UNIT);
                for t in first.max(self.past.end)..=last.min(s.horizon.len() - 1) {
                    let mut upper = cl.capacity[t];
                    if let Some(m) = w.max_chips {
                        upper = upper.min(m * s.horizon.periods[t].hours);
                    }
                    if upper <= 0.0 {
                        continue;
                    }
                    let col = self.col(
                        ColKey::Alloc(WorkloadId(k), ClusterId(c), t),
                        obj,
                        0.0,
                        upper / CHIP_HOURS_PER_UNIT,
                        false,
                    );
                    self.alloc[k].push((ClusterId(c), t, col));
                }
            }
        }
        for cl in &s.clusters {
            if cl.billing == Billing::Reserved {
                self.reserved_usd += cl.rate * cl.capacity.iter().sum::<f64>();
            }
        }
    }

    /// Whether workload `w` may run on cluster `c`: its chips, providers and regions allow it
    /// (it has an output per chip-hour there) and no placement rule sends it elsewhere.
    pub fn may_run_on(&self, w: WorkloadId, c: ClusterId) -> bool {
        let s = self.scenario;
        let wl = &s.workloads[w.0];
        wl.yield_per_chip_hour[c.0].is_some()
            && s.placement_rules_for(wl)
                .iter()
                .all(|(ci, _)| s.contracts[ci.0].provider == s.clusters[c.0].provider)
    }

    /// Columns of each (cluster, period), in workload order.
    fn by_cluster_period(&self) -> Vec<Vec<Vec<Col>>> {
        let s = self.scenario;
        let mut out = vec![vec![Vec::new(); s.horizon.len()]; s.clusters.len()];
        for cols in &self.alloc {
            for &(c, t, col) in cols {
                out[c.0][t].push(col);
            }
        }
        out
    }

    fn capacity_rows(&mut self) {
        let s = self.scenario;
        let groups = self.by_cluster_period();
        for (c, per_period) in groups.into_iter().enumerate() {
            for (t, cols) in per_period.into_iter().enumerate() {
                // One column alone is already bounded by the capacity.
                if cols.len() > 1 {
                    let cap = s.clusters[c].capacity[t] / CHIP_HOURS_PER_UNIT;
                    for x in &cols {
                        let j = x.0 as usize;
                        self.lp.upper_implied[j] |= self.lp.col_upper[j] >= cap;
                    }
                    self.row(
                        RowKey::Capacity(ClusterId(c), t),
                        cols.into_iter().map(|x| (x, 1.0)),
                        f64::NEG_INFINITY,
                        cap,
                    );
                }
            }
        }
    }

    fn yield_of(&self, k: usize, c: ClusterId) -> f64 {
        self.scenario.workloads[k].yield_per_chip_hour[c.0]
            .expect("columns exist only where the workload may run")
    }

    fn work_rows(&mut self) {
        let s = self.scenario;
        for (k, w) in s.workloads.iter().enumerate() {
            let Demand::Training { work_pflop } = w.demand else {
                continue;
            };
            let mut terms: Vec<(Col, f64)> = self.alloc[k]
                .iter()
                .map(|&(c, _, col)| (col, self.yield_of(k, c) * CHIP_HOURS_PER_UNIT))
                .collect();
            // A re-plan asks for what is left; a run whose window is over keeps what it got
            // (work left undone there is history, reported by the audit).
            let left = work_pflop - self.past.counted_done(self.past.output_done(k), work_pflop);
            let left = left.max(0.0);
            if self.past.end > 0 && terms.is_empty() {
                continue;
            }
            if self.elastic && left > 0.0 {
                let gap = self.col(ColKey::WorkGap(WorkloadId(k)), 1.0, 0.0, 1.0, false);
                self.work_gap[k] = Some(gap);
                terms.push((gap, work_pflop));
            }
            self.row(RowKey::Work(WorkloadId(k)), terms, left, left);
        }
    }

    fn demand_rows(&mut self) {
        let s = self.scenario;
        let periods = s.horizon.len();
        for (k, w) in s.workloads.iter().enumerate() {
            let Demand::Inference {
                demand,
                unmet_penalty,
                ..
            } = &w.demand
            else {
                continue;
            };
            let mut by_period: Vec<Vec<(Col, f64)>> = vec![Vec::new(); periods];
            for &(c, t, col) in &self.alloc[k] {
                by_period[t].push((col, self.yield_of(k, c) * CHIP_HOURS_PER_UNIT));
            }
            for (t, mut terms) in by_period.into_iter().enumerate() {
                let d = demand[t];
                if t < self.past.end {
                    // What the past left unserved is billed as it is.
                    let unmet = (d - self.past.output[k][t]).max(0.0);
                    self.past_usd += unmet_penalty.map_or(0.0, |p| p * unmet);
                    continue;
                }
                if d <= 0.0 {
                    // Serving more than the demand is never required; with no demand the
                    // workload receives nothing.
                    for (col, _) in terms {
                        self.lp.col_upper[col.0 as usize] = 0.0;
                        self.lp.upper_implied[col.0 as usize] = false;
                    }
                    continue;
                }
                match unmet_penalty {
                    Some(p) => {
                        // Unmet demand in thousands of units.
                        let u = self.col(
                            ColKey::Unmet(WorkloadId(k), t),
                            self.cost(p * 1_000.0 / USD_PER_UNIT),
                            0.0,
                            d / 1_000.0,
                            false,
                        );
                        terms.push((u, 1_000.0));
                    }
                    None if self.elastic => {
                        let g = self.col(ColKey::DemandGap(WorkloadId(k), t), 1.0, 0.0, 1.0, false);
                        terms.push((g, d));
                    }
                    None => {}
                }
                self.row(RowKey::Demand(WorkloadId(k), t), terms, d, d);
            }
        }
    }

    fn max_chips_rows(&mut self) {
        let s = self.scenario;
        for (k, w) in s.workloads.iter().enumerate() {
            let Some(m) = w.max_chips else { continue };
            let mut by_period: Vec<Vec<Col>> = vec![Vec::new(); s.horizon.len()];
            for &(_, t, col) in &self.alloc[k] {
                by_period[t].push(col);
            }
            for (t, cols) in by_period.into_iter().enumerate() {
                let limit = m * s.horizon.periods[t].hours / CHIP_HOURS_PER_UNIT;
                let most: f64 = cols.iter().map(|c| self.lp.col_upper[c.0 as usize]).sum();
                if cols.len() > 1 && most > limit {
                    for x in &cols {
                        let j = x.0 as usize;
                        self.lp.upper_implied[j] |= self.lp.col_upper[j] >= limit;
                    }
                    self.row(
                        RowKey::MaxChips(WorkloadId(k), t),
                        cols.into_iter().map(|c| (c, 1.0)),
                        f64::NEG_INFINITY,
                        limit,
                    );
                }
            }
        }
    }

    fn utilization_rows(&mut self) {
        let s = self.scenario;
        let groups = self.by_cluster_period();
        for (ci, contract) in s.contracts.iter().enumerate() {
            for (j, u) in contract.utilization_floors.iter().enumerate() {
                let c = u.cluster.0;
                for t in 0..s.horizon.len() {
                    let need = u.min_fraction * s.clusters[c].capacity[t] / CHIP_HOURS_PER_UNIT;
                    if t < self.past.end {
                        let short =
                            (need * CHIP_HOURS_PER_UNIT - self.past.chip_hours_on(c, t)).max(0.0);
                        self.past_usd += u.penalty_usd_per_chip_hour.map_or(0.0, |p| p * short);
                        continue;
                    }
                    if need <= 0.0 {
                        continue;
                    }
                    let mut terms: Vec<(Col, f64)> =
                        groups[c][t].iter().map(|&x| (x, 1.0)).collect();
                    match u.penalty_usd_per_chip_hour {
                        Some(p) => {
                            let short = self.col(
                                ColKey::UtilShort(ContractId(ci), j, t),
                                self.cost(p * CHIP_HOURS_PER_UNIT / USD_PER_UNIT),
                                0.0,
                                need,
                                false,
                            );
                            terms.push((short, 1.0));
                        }
                        None if self.elastic => {
                            let g = self.col(
                                ColKey::UtilGap(ContractId(ci), j, t),
                                1.0,
                                0.0,
                                1.0,
                                false,
                            );
                            terms.push((g, need));
                        }
                        None => {}
                    }
                    self.row(
                        RowKey::Utilization(ContractId(ci), j, t),
                        terms,
                        need,
                        f64::INFINITY,
                    );
                }
            }
        }
    }

    fn spend_rows(&mut self) {
        let s = self.scenario;
        let groups = self.by_cluster_period();
        for (ci, contract) in s.contracts.iter().enumerate() {
            for (j, floor) in contract.spend_floors.iter().enumerate() {
                if floor.periods.is_empty() {
                    // Wholly outside the horizon: nothing in the plan changes it, so it is no
                    // part of the plan's cost (the audit reports what the forecast needs).
                    continue;
                }
                let mut fixed = floor.spent_before_usd + floor.forecast_after_usd;
                let mut reach = 0.0;
                let mut terms: Vec<(Col, f64)> = Vec::new();
                for (c, cl) in s.clusters.iter().enumerate() {
                    if cl.contract != Some(ContractId(ci)) {
                        continue;
                    }
                    for &t in &floor.periods {
                        match cl.billing {
                            Billing::Reserved => fixed += cl.rate * cl.capacity[t],
                            Billing::PerUse if t < self.past.end => {
                                fixed += cl.rate * self.past.chip_hours_on(c, t)
                            }
                            Billing::PerUse => {
                                reach += cl.rate * cl.capacity[t] / USD_PER_UNIT;
                                terms.extend(
                                    groups[c][t].iter().map(|&x| {
                                        (x, cl.rate * CHIP_HOURS_PER_UNIT / USD_PER_UNIT)
                                    }),
                                )
                            }
                        }
                    }
                }
                let need = (floor.floor_usd - fixed) / USD_PER_UNIT;
                if need <= 0.0 {
                    continue;
                }
                if need > reach * (1.0 + 1e-9) {
                    if !self.elastic {
                        self.unreachable_floors.push((ContractId(ci), j));
                    }
                    self.unreachable_floor(need, &terms);
                    continue;
                }
                let short = self.col(
                    ColKey::SpendShort(ContractId(ci), j),
                    self.cost(1.0),
                    0.0,
                    need,
                    false,
                );
                terms.push((short, 1.0));
                self.row(RowKey::Spend(ContractId(ci), j), terms, need, f64::INFINITY);
            }
        }
    }

    /// A floor no plan can reach (`need` above all the per-use spend there can be) is short by
    /// exactly `need` minus the spend: that is a constant plus a rebate on each covered
    /// chip-hour, not a row. Kept as a row, a floor of $1e13 would swamp the objective's other
    /// terms below the solvers' tolerances (a $10 trillion floor gave a plan $394 too dear).
    fn unreachable_floor(&mut self, need: f64, terms: &[(Col, f64)]) {
        if self.elastic {
            return;
        }
        self.unreachable_floor_usd += need * USD_PER_UNIT;
        for &(x, a) in terms {
            let c = &mut self.lp.obj[x.0 as usize];
            let net = *c - a;
            // A covered chip-hour's rate and its rebate cancel: exactly zero, not round-off.
            *c = if net.abs() <= 1e-12 * c.abs() {
                0.0
            } else {
                net
            };
        }
    }

    /// The terms of `sum(cols) <= M gate` for workload `k`'s columns `cols` in period `t`, in
    /// the tighter of two forms: chip-hours against what the period can hold, or the
    /// workload's output (PFLOP, demand units) against all it needs (its work, the period's
    /// demand). A tight gate makes a tight relaxation: fewer branch-and-bound nodes.
    fn gated_terms(&self, k: usize, t: usize, cols: Vec<Col>, gate: Col) -> Vec<(Col, f64)> {
        let s = self.scenario;
        let w = &s.workloads[k];
        let upper = |c: Col| self.lp.col_upper[c.0 as usize];
        let mut big_m: f64 = cols.iter().map(|&c| upper(c)).sum();
        if let Some(m) = w.max_chips {
            big_m = big_m.min(m * s.horizon.periods[t].hours / CHIP_HOURS_PER_UNIT);
        }
        let yields: Vec<f64> = cols
            .iter()
            .map(|&c| match self.cols[c.0 as usize] {
                ColKey::Alloc(_, cl, _) => self.yield_of(k, cl) * CHIP_HOURS_PER_UNIT,
                _ => unreachable!("gated columns are allocations"),
            })
            .collect();
        let need = match &w.demand {
            Demand::Training { work_pflop } => *work_pflop,
            Demand::Inference { demand, .. } => demand[t],
        };
        let most_output: f64 = cols.iter().zip(&yields).map(|(&c, y)| y * upper(c)).sum();
        let mut terms: Vec<(Col, f64)>;
        if need > 0.0
            && need < most_output
            && need / most_output < big_m / cols.iter().map(|&c| upper(c)).sum::<f64>()
        {
            terms = cols.into_iter().zip(yields).collect();
            terms.push((gate, -need));
        } else {
            terms = cols.into_iter().map(|c| (c, 1.0)).collect();
            terms.push((gate, -big_m));
        }
        terms
    }

    /// Reads solver values into an allocation (chip-hours). The solver maps its round-off to
    /// exact zeros relative to each column's own unit ([`crate::lp::Scaled::unscale`]), so every
    /// positive value is kept: a 1e-6 PFLOP job's 7e-10 chip-hours are its schedule.
    pub fn allocation(&self, x: &[f64]) -> Allocation {
        let mut rows = Vec::new();
        for (k, cols) in self.alloc.iter().enumerate() {
            for &(c, t, col) in cols {
                let chip_hours = x[col.0 as usize] * CHIP_HOURS_PER_UNIT;
                if chip_hours > 0.0 {
                    rows.push(AllocRow {
                        period: t,
                        cluster: c,
                        workload: WorkloadId(k),
                        chip_hours,
                    });
                }
            }
        }
        rows.sort_by_key(|r| (r.period, r.cluster, r.workload));
        Allocation { rows }
    }

    /// Objective value of `x` in dollars (cost program).
    pub fn cost_usd(&self, x: &[f64]) -> f64 {
        self.lp.objective_value(x) * USD_PER_UNIT
    }

    /// A readable, solver-safe name for a column.
    pub fn col_name(&self, j: usize) -> String {
        let s = self.scenario;
        let w = |k: WorkloadId| safe(&s.workloads[k.0].id);
        let c = |k: ClusterId| safe(&s.clusters[k.0].id);
        let ct = |k: ContractId| safe(&s.contracts[k.0].id);
        match self.cols[j] {
            ColKey::Alloc(k, cl, t) => format!("x_{}_{}_p{}", w(k), c(cl), t + 1),
            ColKey::Done(k, t) => format!("done_{}_p{}", w(k), t + 1),
            ColKey::Progress(k, t) => format!("progress_{}_p{}", w(k), t + 1),
            ColKey::Unmet(k, t) => format!("unmet_{}_p{}", w(k), t + 1),
            ColKey::UtilShort(k, f, t) => format!(
                "utilshort_{}_{}_p{}",
                ct(k),
                c(s.contracts[k.0].utilization_floors[f].cluster),
                t + 1
            ),
            ColKey::SpendShort(k, f) => format!(
                "spendshort_{}_{}",
                ct(k),
                safe(&s.contracts[k.0].spend_floors[f].name)
            ),
            ColKey::WorkGap(k) => format!("workgap_{}", w(k)),
            ColKey::DemandGap(k, t) => format!("demandgap_{}_p{}", w(k), t + 1),
            ColKey::UtilGap(k, f, t) => format!(
                "utilgap_{}_{}_p{}",
                ct(k),
                c(s.contracts[k.0].utilization_floors[f].cluster),
                t + 1
            ),
        }
    }

    /// A readable, solver-safe name for a row.
    pub fn row_name(&self, i: usize) -> String {
        let s = self.scenario;
        let w = |k: WorkloadId| safe(&s.workloads[k.0].id);
        let c = |k: ClusterId| safe(&s.clusters[k.0].id);
        let ct = |k: ContractId| safe(&s.contracts[k.0].id);
        match self.rows[i] {
            RowKey::Capacity(cl, t) => format!("capacity_{}_p{}", c(cl), t + 1),
            RowKey::Work(k) => format!("work_{}", w(k)),
            RowKey::Demand(k, t) => format!("demand_{}_p{}", w(k), t + 1),
            RowKey::MaxChips(k, t) => format!("maxchips_{}_p{}", w(k), t + 1),
            RowKey::Utilization(k, f, t) => format!(
                "utilization_{}_{}_p{}",
                ct(k),
                c(s.contracts[k.0].utilization_floors[f].cluster),
                t + 1
            ),
            RowKey::Spend(k, f) => format!(
                "spend_{}_{}",
                ct(k),
                safe(&s.contracts[k.0].spend_floors[f].name)
            ),
            RowKey::Progress(k, t) => format!("progress_{}_p{}", w(k), t + 1),
            RowKey::DoneWhenComplete(k, t) => format!("done_{}_p{}", w(k), t + 1),
            RowKey::DoneMonotone(k, t) => format!("donemono_{}_p{}", w(k), t + 1),
            RowKey::After(k, p, t) => format!("after_{}_{}_p{}", w(k), w(p), t + 1),
        }
    }

    /// What the elastic program could not meet: (requirement, fraction short).
    pub fn gaps(&self, x: &[f64]) -> Vec<(ColKey, f64)> {
        self.cols
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                matches!(
                    k,
                    ColKey::WorkGap(_) | ColKey::DemandGap(..) | ColKey::UtilGap(..)
                )
            })
            .map(|(j, k)| (*k, x[j]))
            .filter(|(_, v)| *v > 1e-7)
            .collect()
    }
}

/// Keeps letters, digits, `_`, `-` and `.`; anything else becomes `_` (MPS and LP names).
pub fn safe(id: &str) -> String {
    id.chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.') {
                ch
            } else {
                '_'
            }
        })
        .collect()
}
