//! Dependency gates: a successor receives compute in period `t` only once every predecessor's
//! work is complete by the end of period `t - 1`.
//!
//! Each training workload in the DAG gets *progress* columns, its cumulative output through each
//! period of its window (one equality row each: the previous progress plus the period's
//! output). A predecessor `p` gets a binary `Done(p, t)`, nondecreasing in `t`, that may be 1
//! only once `p`'s progress reaches its work. A training successor's progress through `t` is at
//! most its work times `Done(p, t - 1)`: in the relaxation, its fraction done can never run
//! ahead of its predecessor's fraction done a period earlier, which binds far more than a
//! per-period big-M (the successor could otherwise do half its work in a period where the
//! predecessor is half done, and the other half in the next). An inference successor keeps a
//! per-period gate ([`Formulation::gated_terms`]).
//!
//! In a re-plan, progress counts only the open periods' columns: a predecessor's work done in
//! the fixed past enters its `Done` rows as a constant, and a successor's gate bounds only what
//! it does from the as-of date on, so a past breach (a successor that ran early) never makes
//! the rest infeasible.
//!
//! Gates are created only in the periods some successor reads: from the period before the
//! first successor's first column to the period before the last gated one (never at or after
//! `p`'s latest finish, by which `p` is complete in every feasible plan).

use super::{ColKey, Formulation, RowKey};
use crate::lp::Col;
use crate::model::{Demand, WorkloadId};

/// Progress gets columns of its own when spelling it out in every row that reads it would take
/// more than this many times the nonzeros ([`Formulation::progress_pays`]).
const PROGRESS_COLUMNS_FROM: usize = 4;

/// First period and the progress column of each period from it (a workload's window).
pub(super) type Progress = Option<(usize, Vec<Col>)>;

impl Formulation<'_> {
    /// Progress columns and gates for every dependency, then the rows that gate successors.
    pub(super) fn dependency_rows(&mut self) {
        let s = self.scenario;
        let n = s.workloads.len();
        let mut in_dag = vec![false; n];
        for (k, w) in s.workloads.iter().enumerate() {
            for p in &w.after {
                in_dag[k] = true;
                in_dag[p.0] = true;
            }
        }
        let spans = self.gate_spans();
        for k in (0..n).filter(|&k| in_dag[k]) {
            if self.progress_pays(k, spans[k]) {
                self.progress_columns(k);
            }
        }
        for (p, span) in spans.into_iter().enumerate() {
            if let Some((lo, hi)) = span {
                self.done_gates(p, lo, hi);
            }
        }
        for (k, w) in s.workloads.iter().enumerate() {
            for p in &w.after {
                if s.workloads[p.0].work_pflop().is_none() {
                    // Validation refuses inference predecessors; nothing to gate on.
                    continue;
                }
                match w.demand {
                    Demand::Training { work_pflop } => self.progress_gates(k, p.0, work_pflop),
                    Demand::Inference { .. } => self.period_gates(k, p.0),
                }
            }
        }
    }

    /// First and last period with an allocation column of workload `k`.
    fn column_periods(&self, k: usize) -> Option<(usize, usize)> {
        let periods = self.alloc[k].iter().map(|&(_, t, _)| t);
        Some((periods.clone().min()?, periods.max()?))
    }

    /// The periods `t` whose gate `Done(p, t - 1)` successor `k` reads: from its first column
    /// (at least period 1) to its last, up to `p`'s latest finish.
    fn read_periods(&self, k: usize, p: usize) -> std::ops::RangeInclusive<usize> {
        let lf = self.scenario.workloads[p].latest_finish;
        match self.column_periods(k) {
            Some((first, last)) => first.max(1)..=last.min(lf),
            // Empty: no columns, nothing to gate.
            None => std::ops::RangeInclusive::new(1, 0),
        }
    }

    /// For each training predecessor, the periods of the gates its successors read.
    fn gate_spans(&self) -> Vec<Option<(usize, usize)>> {
        let s = self.scenario;
        let mut spans: Vec<Option<(usize, usize)>> = vec![None; s.workloads.len()];
        for (k, w) in s.workloads.iter().enumerate() {
            for p in &w.after {
                if s.workloads[p.0].work_pflop().is_none() {
                    continue;
                }
                let read = self.read_periods(k, p.0);
                if read.is_empty() {
                    continue;
                }
                let (lo, hi) = (read.start() - 1, read.end() - 1);
                let span = &mut spans[p.0];
                *span = Some(span.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
            }
        }
        spans
    }

    /// Whether workload `k`'s progress is worth columns of its own: when the rows that read it
    /// (its gates over `span`, its own gated periods) would otherwise repeat its allocation
    /// columns many times over. Measured: on a 13-week quarter (200 runs, 100 edges) progress
    /// columns made microlp's relaxations 5x slower; on 26 weeks (500 runs, 300 edges)
    /// spelling progress out made HiGHS's presolve twice as slow and its root LP miss 60 s.
    fn progress_pays(&self, k: usize, span: Option<(usize, usize)>) -> bool {
        let Some((first, last)) = self.column_periods(k) else {
            return false;
        };
        let mut reads: Vec<usize> = span.map_or(Vec::new(), |(lo, hi)| (lo..=hi).collect());
        for p in &self.scenario.workloads[k].after {
            reads.extend(self.read_periods(k, p.0));
        }
        let mut per_period = vec![0usize; last - first + 1];
        for &(_, t, _) in &self.alloc[k] {
            per_period[t - first] += 1;
        }
        let through =
            |t: usize| -> usize { per_period.iter().take((t + 1).saturating_sub(first)).sum() };
        let spelled: usize = reads.iter().map(|&t| through(t)).sum();
        let columns = self.alloc[k].len() + 2 * per_period.len() + reads.len();
        spelled > PROGRESS_COLUMNS_FROM * columns
    }

    /// Progress columns of training workload `k` over its window, each the one before plus the
    /// period's output.
    fn progress_columns(&mut self, k: usize) {
        let Some(work) = self.scenario.workloads[k].work_pflop() else {
            return;
        };
        let Some((first, last)) = self.column_periods(k) else {
            return;
        };
        let mut by_period: Vec<Vec<(Col, f64)>> = vec![Vec::new(); last - first + 1];
        for &(c, t, col) in &self.alloc[k] {
            by_period[t - first].push((col, -self.yield_of(k, c) * super::CHIP_HOURS_PER_UNIT));
        }
        let mut cols = Vec::with_capacity(by_period.len());
        for (i, mut terms) in by_period.into_iter().enumerate() {
            let t = first + i;
            let col = self.col(ColKey::Progress(WorkloadId(k), t), 0.0, 0.0, work, false);
            terms.push((col, 1.0));
            if let Some(&prev) = cols.last() {
                terms.push((prev, -1.0));
            }
            self.row(RowKey::Progress(WorkloadId(k), t), terms, 0.0, 0.0);
            cols.push(col);
        }
        self.progress[k] = Some((first, cols));
    }

    /// Workload `k`'s progress column through period `t`; `None` before its window (nothing
    /// done yet).
    fn progress_at(&self, k: usize, t: usize) -> Option<Col> {
        let (first, cols) = self.progress[k].as_ref()?;
        let i = t.checked_sub(*first)?;
        Some(cols[i.min(cols.len() - 1)])
    }

    /// Workload `k`'s output through period `t`: its progress column, or the sum of its
    /// allocation columns through `t` where it has none; empty when nothing can be done yet.
    fn progress_terms(&self, k: usize, t: usize) -> Vec<(Col, f64)> {
        if self.progress[k].is_some() {
            return self
                .progress_at(k, t)
                .map(|x| (x, 1.0))
                .into_iter()
                .collect();
        }
        self.alloc[k]
            .iter()
            .filter(|&&(_, tau, _)| tau <= t)
            .map(|&(c, _, col)| (col, self.yield_of(k, c) * super::CHIP_HOURS_PER_UNIT))
            .collect()
    }

    /// `Done(p, t)` for `t` in `lo..=hi`: binary, nondecreasing, 1 only once `p`'s progress
    /// reaches its work.
    fn done_gates(&mut self, p: usize, lo: usize, hi: usize) {
        let Some(work) = self.scenario.workloads[p].work_pflop() else {
            return;
        };
        let periods = self.scenario.horizon.len();
        self.done[p] = vec![None; periods];
        for t in lo..=hi {
            let mut terms = self.progress_terms(p, t);
            // A re-plan's fixed past is a constant on the left, moved to the bound.
            let before = self.past.counted_done(self.past.output_through(p, t), work);
            // Before p's first column, and with its work not done in the past, the gate stays
            // shut; done in the past, it is free.
            let upper = if terms.is_empty() && before < work {
                0.0
            } else {
                1.0
            };
            let d = self.col(ColKey::Done(WorkloadId(p), t), 0.0, 0.0, upper, true);
            self.done[p][t] = Some(d);
            if !terms.is_empty() {
                terms.push((d, -work));
                if let Some(g) = self.work_gap[p] {
                    terms.push((g, work));
                }
                self.row(
                    RowKey::DoneWhenComplete(WorkloadId(p), t),
                    terms,
                    // Not -0.0: an exported program reads as before.
                    if before > 0.0 { -before } else { 0.0 },
                    f64::INFINITY,
                );
            }
            if t > lo {
                let prev = self.done[p][t - 1].expect("created in the previous iteration");
                self.row(
                    RowKey::DoneMonotone(WorkloadId(p), t),
                    [(prev, 1.0), (d, -1.0)],
                    f64::NEG_INFINITY,
                    0.0,
                );
            }
        }
    }

    /// Gate `Done(p, t - 1)`, created by [`Self::done_gates`] for every period some successor
    /// reads.
    fn gate(&self, p: usize, t: usize) -> Col {
        self.done[p]
            .get(t - 1)
            .copied()
            .flatten()
            .expect("gates exist in every period a successor reads")
    }

    /// Training successor `k`'s progress through `t` is at most `work` times `Done(p, t - 1)`.
    fn progress_gates(&mut self, k: usize, p: usize, work: f64) {
        for t in self.read_periods(k, p) {
            let mut terms = self.progress_terms(k, t);
            if terms.is_empty() {
                continue;
            }
            terms.push((self.gate(p, t), -work));
            self.row(
                RowKey::After(WorkloadId(k), WorkloadId(p), t),
                terms,
                f64::NEG_INFINITY,
                0.0,
            );
        }
    }

    /// Inference successor `k` is served in period `t` only if `Done(p, t - 1)`.
    fn period_gates(&mut self, k: usize, p: usize) {
        let periods = self.scenario.horizon.len();
        let mut by_period: Vec<Vec<Col>> = vec![Vec::new(); periods];
        for &(_, t, col) in &self.alloc[k] {
            by_period[t].push(col);
        }
        for t in self.read_periods(k, p) {
            let cols = std::mem::take(&mut by_period[t]);
            if cols.is_empty() {
                continue;
            }
            let gate = self.gate(p, t);
            let terms = self.gated_terms(k, t, cols, gate);
            self.row(
                RowKey::After(WorkloadId(k), WorkloadId(p), t),
                terms,
                f64::NEG_INFINITY,
                0.0,
            );
        }
    }
}
