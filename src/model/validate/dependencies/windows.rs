//! Windows through the dependency DAG from each training run's fastest possible pace.
//!
//! A successor receives compute in period `t` only once every predecessor's work is complete by
//! the end of period `t - 1` (the `Done` gates of [`crate::formulation`]). So a predecessor that
//! cannot finish before period `f` keeps its successors out of every period up to `f`, and a
//! successor that needs the periods from `l` on to do its own work needs its predecessors done by
//! `l - 1`. Both are found from the most output a workload can get in each period on its own:
//! all the chip-hours of every cluster it may use, within its `max_chips`, best yield first.
//! That ignores every other workload, so it is a relaxation: no feasible plan is cut. Work is
//! counted as complete at `1 - SLACK` of it, which keeps every window larger, never smaller,
//! than exact arithmetic would (and forgives solver round-off the same way).

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::model::{Demand, Scenario, WorkloadId};

/// Work counts as complete once this fraction short of it at most (windows stay larger).
pub(super) const SLACK: f64 = 1e-6;

/// Windows of every workload, from the release, deadline and dependencies.
pub(super) struct DagWindows {
    /// Number of periods; `earliest_finish` at or past it means "not within the horizon".
    pub periods: usize,
    /// First period each workload may receive compute (capped at `periods`).
    pub earliest_start: Vec<usize>,
    /// First period by whose end its work can be complete (training; `periods` if never).
    pub earliest_finish: Vec<usize>,
    /// Last period by which its work must be complete (negative: before the horizon).
    pub latest_finish: Vec<i64>,
    /// The predecessor that sets `earliest_start`, when one does (not the release).
    binding_pred: Vec<Option<usize>>,
    /// The training successor that sets `latest_finish`, when one does (not the deadline).
    binding_succ: Vec<Option<usize>>,
    /// Most output per period of each training workload in the DAG (empty elsewhere).
    pub most: Vec<Vec<f64>>,
}

/// Most output (PFLOP, or demand units) workload `k` can get in each period with every
/// chip-hour it may use to itself: the best yields first, within `max_chips`.
pub(crate) fn most_output(s: &Scenario, k: usize) -> Vec<f64> {
    let w = &s.workloads[k];
    let rules = s.placement_rules_for(w);
    let mut options: Vec<(f64, usize)> = s
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, cl)| {
            rules
                .iter()
                .all(|(ci, _)| s.contracts[ci.0].provider == cl.provider)
        })
        .filter_map(|(c, _)| w.yield_per_chip_hour[c].map(|y| (y, c)))
        .collect();
    options.sort_by(|a, b| b.0.total_cmp(&a.0));
    (0..s.horizon.len())
        .map(|t| {
            let mut left = w
                .max_chips
                .map_or(f64::INFINITY, |m| m * s.horizon.periods[t].hours);
            let mut out = 0.0;
            for &(y, c) in &options {
                let take = s.clusters[c].capacity[t].min(left).max(0.0);
                out += take * y;
                left -= take;
            }
            out
        })
        .collect()
}

/// First period from `start` by whose end `work` can be done at `most` per period; `most.len()`
/// when not within the horizon.
pub(super) fn fastest_finish(most: &[f64], work: f64, start: usize) -> usize {
    let target = work * (1.0 - SLACK);
    let mut done = 0.0;
    for (t, m) in most.iter().enumerate().skip(start) {
        done += m;
        if done >= target {
            return t;
        }
    }
    most.len()
}

/// Last period from which `work` can still be done by the end of `finish` at `most` per
/// period; negative when not even from the first period.
fn latest_start(most: &[f64], work: f64, finish: i64) -> i64 {
    let target = work * (1.0 - SLACK);
    if work <= 0.0 {
        return finish;
    }
    let mut done = 0.0;
    let mut t = finish;
    while t >= 0 {
        done += most[t as usize];
        if done >= target {
            return t;
        }
        t -= 1;
    }
    finish.min(0) - 1
}

impl DagWindows {
    /// Propagates windows through `dag` (acyclic): from the fastest pace of each training run
    /// when `tight`, or one period per dependency otherwise.
    pub fn new(
        s: &Scenario,
        dag: &DiGraph<WorkloadId, ()>,
        order: &[NodeIndex],
        tight: bool,
    ) -> Self {
        let n = s.workloads.len();
        let periods = s.horizon.len();
        let mut d = DagWindows {
            periods,
            earliest_start: s.workloads.iter().map(|w| w.release.min(periods)).collect(),
            earliest_finish: vec![periods; n],
            latest_finish: s.workloads.iter().map(|w| w.deadline as i64).collect(),
            binding_pred: vec![None; n],
            binding_succ: vec![None; n],
            most: vec![Vec::new(); n],
        };
        for &node in order {
            let k = dag[node].0;
            let w = &s.workloads[k];
            let in_dag = dag.neighbors_undirected(node).next().is_some();
            if tight && in_dag && w.kind.is_training() {
                d.most[k] = most_output(s, k);
            }
            for p in dag.neighbors_directed(node, Direction::Incoming) {
                let p = dag[p].0;
                let start = (d.earliest_finish[p] + 1).min(periods);
                if start > d.earliest_start[k]
                    || (start == d.earliest_start[k] && d.binding_pred[k].is_some_and(|b| p < b))
                {
                    d.earliest_start[k] = start;
                    d.binding_pred[k] = Some(p);
                }
            }
            d.earliest_finish[k] = d.finish_from(s, k, d.earliest_start[k], tight);
        }
        let mut latest_start = vec![0i64; n];
        for &node in order.iter().rev() {
            let k = dag[node].0;
            for succ in dag.neighbors_directed(node, Direction::Outgoing) {
                let succ = dag[succ].0;
                if !s.workloads[succ].kind.is_training() {
                    continue;
                }
                let finish = latest_start[succ] - 1;
                if finish < d.latest_finish[k]
                    || (finish == d.latest_finish[k] && d.binding_succ[k].is_some_and(|b| succ < b))
                {
                    d.latest_finish[k] = finish;
                    d.binding_succ[k] = Some(succ);
                }
            }
            latest_start[k] = match (&s.workloads[k].demand, tight) {
                (Demand::Training { work_pflop }, true) if !d.most[k].is_empty() => {
                    self::latest_start(&d.most[k], *work_pflop, d.latest_finish[k])
                }
                _ => d.latest_finish[k],
            };
        }
        d
    }

    /// Earliest finish of training workload `k` starting in `start` (the start itself when not
    /// `tight`: one period per dependency).
    fn finish_from(&self, s: &Scenario, k: usize, start: usize, tight: bool) -> usize {
        match &s.workloads[k].demand {
            Demand::Training { work_pflop } if tight && !self.most[k].is_empty() => {
                fastest_finish(&self.most[k], *work_pflop, start)
            }
            Demand::Training { .. } => start.min(self.periods),
            Demand::Inference { .. } => self.periods,
        }
    }

    /// Whether training workload `k` has no room for its work in its window.
    pub fn fails(&self, s: &Scenario, k: usize) -> bool {
        s.workloads[k].kind.is_training() && self.earliest_finish[k] as i64 > self.latest_finish[k]
    }

    /// Whether training workload `k` cannot do its work between its own release and deadline,
    /// dependencies aside (the whole-scenario fit check reports that).
    pub fn fails_alone(&self, s: &Scenario, k: usize) -> bool {
        let w = &s.workloads[k];
        match &w.demand {
            Demand::Training { work_pflop } if !self.most[k].is_empty() => {
                fastest_finish(&self.most[k], *work_pflop, w.release) > w.deadline
            }
            _ => false,
        }
    }

    /// The shortest chain of dependencies that leaves failing workload `k` no room: it starts at
    /// a workload whose release binds and ends at the first one, run one after the other as
    /// fast as each can go, that misses its own deadline. With each member, the periods it
    /// would occupy: (workload, first period, earliest finish; `periods` if past the horizon).
    pub fn chain(&self, s: &Scenario, k: usize, tight: bool) -> Vec<(usize, usize, usize)> {
        let mut back = vec![k];
        while let Some(p) = self.binding_pred[*back.last().expect("non-empty")] {
            back.push(p);
        }
        back.reverse();
        let mut chain = Vec::new();
        for &x in &back {
            chain.push((x, self.earliest_start[x], self.earliest_finish[x]));
            if self.earliest_finish[x] > s.workloads[x].deadline {
                return chain;
            }
        }
        // `k` fits its own deadline: a successor's latest start binds it. Follow those, each
        // started right after the one before it could finish, until one misses its deadline.
        let mut x = k;
        let mut finish = self.earliest_finish[k];
        while let Some(succ) = self.binding_succ[x] {
            let start = s.workloads[succ].release.max(finish + 1).min(self.periods);
            finish = self.finish_from(s, succ, start, tight);
            chain.push((succ, start, finish));
            if finish > s.workloads[succ].deadline {
                break;
            }
            x = succ;
        }
        chain
    }
}

#[cfg(test)]
thread_local! {
    /// Tests only: windows narrowed by one period per dependency, as before the fastest pace
    /// was used (see [`with_one_period_windows`]).
    static ONE_PERIOD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether windows follow each run's fastest pace (always, outside tests).
pub(super) fn tighten() -> bool {
    #[cfg(test)]
    if ONE_PERIOD.with(std::cell::Cell::get) {
        return false;
    }
    true
}

/// Tests only: runs `f` with scenarios loaded on this thread narrowing windows by one period
/// per dependency (the relaxation the fastest pace tightens), to compare plans.
#[cfg(test)]
pub(crate) fn with_one_period_windows<T>(f: impl FnOnce() -> T) -> T {
    ONE_PERIOD.with(|c| c.set(true));
    let out = f();
    ONE_PERIOD.with(|c| c.set(false));
    out
}
