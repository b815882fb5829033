//! The dependency graph: no cycles, no waiting on inference, and each workload's window
//! narrowed by its predecessors and successors, from the fastest each training run can go
//! ([`windows`]); chains of dependencies that cannot fit are reported before any solve.

use std::collections::HashSet;

use petgraph::graph::{DiGraph, NodeIndex};

use super::Validator;
use crate::format::fmt_num;
use crate::model::{Demand, Scenario, Workload, WorkloadId, MAX_CELLS};
use crate::schema::ScenarioFile;

#[cfg(test)]
mod tests;
mod windows;

use windows::DagWindows;

impl Validator<'_> {
    /// The dependency DAG; reports `after` entries on inference workloads and cycles.
    pub(super) fn dag(
        &mut self,
        f: &ScenarioFile,
        workloads: &[Workload],
    ) -> DiGraph<WorkloadId, ()> {
        let mut dag = DiGraph::with_capacity(workloads.len(), 0);
        let nodes: Vec<NodeIndex> = (0..workloads.len())
            .map(|k| dag.add_node(WorkloadId(k)))
            .collect();
        for (k, w) in workloads.iter().enumerate() {
            for (j, p) in w.after.iter().enumerate() {
                let pred = &workloads[p.0];
                if !pred.kind.is_training() {
                    let aat = self.src.at(f.workloads[k].after[j].span());
                    self.push(
                        format!("workloads[{k}].after[{j}]"),
                        aat,
                        format!("workload \"{}\" comes after inference workload \"{}\", which never finishes", w.id, pred.id),
                        "depend on a training-type workload only",
                    );
                }
                dag.update_edge(nodes[p.0], nodes[k], ());
            }
        }
        for scc in petgraph::algo::tarjan_scc(&dag) {
            if scc.len() > 1 {
                let cycle = cycle_in(&dag, &scc, workloads);
                let first = dag[scc[0]].0;
                let at = self.src.at(f.workloads[first].id.span());
                self.push(
                    format!("workloads[{first}].after"),
                    at,
                    format!("dependency cycle: {cycle}"),
                    "remove one of these `after` entries",
                );
            }
        }
        dag
    }

    /// Narrows each workload's window through the dependency DAG from each training run's
    /// fastest pace ([`windows`]), and reports chains of dependencies that cannot fit and
    /// must-serve demand before a workload can start.
    pub(super) fn windows(&mut self, f: &ScenarioFile, s: &mut Scenario) {
        let order = petgraph::algo::toposort(&s.dag, None).expect("cycles were reported before");
        let cells = s.workloads.len() as u64 * s.clusters.len() as u64 * s.horizon.len() as u64;
        let tight = windows::tighten() && cells <= MAX_CELLS;
        let mut d = DagWindows::new(s, &s.dag, &order, tight);
        let mut chains: Vec<Vec<(usize, usize, usize)>> = Vec::new();
        if tight {
            for &node in &order {
                let k = s.dag[node].0;
                if !d.fails(s, k) {
                    continue;
                }
                let chain = d.chain(s, k, tight);
                let last = chain.last().map_or(k, |m| m.0);
                // A run that cannot fit even alone is the fit check's to report.
                if chain.len() > 1 && !d.fails_alone(s, last) && !chains.contains(&chain) {
                    chains.push(chain);
                }
            }
            if chains.is_empty() && (0..s.workloads.len()).any(|k| d.fails(s, k)) {
                // Only runs that cannot fit alone: keep the windows the fit check was written
                // for, so that it reports them as it always has.
                d = DagWindows::new(s, &s.dag, &order, false);
            }
        }
        for (k, w) in s.workloads.iter_mut().enumerate() {
            w.earliest_start = d.earliest_start[k];
            w.latest_finish = d.latest_finish[k].max(0) as usize;
        }
        for chain in &chains {
            self.chain_cannot_fit(f, s, &d, chain);
        }
        if chains.is_empty() {
            self.empty_windows(f, s, &d);
        }
        self.must_serve_before_start(f, s);
    }

    /// A chain of dependencies that misses its last member's deadline even with every run as
    /// fast as it can go, one right after the other.
    fn chain_cannot_fit(
        &mut self,
        f: &ScenarioFile,
        s: &Scenario,
        d: &DagWindows,
        chain: &[(usize, usize, usize)],
    ) {
        let (first, last) = (chain[0].0, chain[chain.len() - 1]);
        let names = chain
            .iter()
            .map(|m| format!("\"{}\"", s.workloads[m.0].id))
            .collect::<Vec<_>>()
            .join(" -> ");
        let release = s.workloads[first].release;
        let deadline = s.workloads[last.0].deadline;
        let members = chain
            .iter()
            .map(|&(k, start, finish)| {
                let w = &s.workloads[k];
                let work = fmt_num(w.work_pflop().unwrap_or(0.0));
                if finish >= d.periods {
                    format!(
                        "\"{}\" {work} PFLOP from period {}, not done by the end of the horizon",
                        w.id,
                        start + 1
                    )
                } else {
                    format!(
                        "\"{}\" {work} PFLOP in {}",
                        w.id,
                        period_range(start, finish)
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let need = if last.2 >= d.periods {
            format!(
                "more than the {} periods from period {} to the end of the horizon",
                d.periods - release,
                release + 1
            )
        } else {
            format!(
                "{} periods ({})",
                last.2 + 1 - release,
                period_range(release, last.2)
            )
        };
        let at = self.src.at(f.workloads[last.0].id.span());
        self.push(
            format!("workloads[{}]", last.0),
            at,
            format!(
                "dependency chain {names} cannot finish in time: each run starts only after the one before it is done, and even with all the capacity each may use they need {need} ({members}), but \"{}\" starts in period {} and \"{}\" is due by period {}: {} periods",
                s.workloads[first].id,
                release + 1,
                s.workloads[last.0].id,
                deadline + 1,
                (deadline + 1).saturating_sub(release)
            ),
            "move deadlines later or releases earlier along the chain, allow more chips or clusters, raise max_chips, or reduce the work",
        );
    }

    /// Training workloads left no period at all by their dependencies (one period each).
    fn empty_windows(&mut self, f: &ScenarioFile, s: &Scenario, d: &DagWindows) {
        for (k, w) in s.workloads.iter().enumerate() {
            if !d.fails(s, k) || d.earliest_start[k] as i64 <= d.latest_finish[k] {
                continue;
            }
            let at = self.src.at(f.workloads[k].id.span());
            let why = if w.earliest_start > w.release {
                format!(
                    "its predecessors ({}) finish in period {} at the earliest, so it cannot start before period {}",
                    predecessors(s, k),
                    w.earliest_start,
                    w.earliest_start + 1
                )
            } else {
                format!("it starts in period {}", w.release + 1)
            };
            let succ_note = if d.latest_finish[k] < w.deadline as i64 {
                format!(
                    " and its successors need it done by period {}",
                    d.latest_finish[k] + 1
                )
            } else {
                format!(" and its deadline is period {}", w.deadline + 1)
            };
            self.push(
                format!("workloads[{k}]"),
                at,
                format!(
                    "workload \"{}\" has no period to run in: {why}{succ_note}",
                    w.id
                ),
                "move deadlines later or releases earlier along the dependency chain",
            );
        }
    }

    /// Must-serve demand in a period before the workload's predecessors can be done.
    fn must_serve_before_start(&mut self, f: &ScenarioFile, s: &Scenario) {
        for (k, w) in s.workloads.iter().enumerate() {
            let Demand::Inference {
                demand,
                unmet_penalty: None,
                unit,
                ..
            } = &w.demand
            else {
                continue;
            };
            if let Some(t) = (w.release..w.earliest_start).find(|&t| demand[t] > 0.0) {
                let at = self.src.at(f.workloads[k].id.span());
                self.push(
                    format!("workloads[{k}].demand"),
                    at,
                    format!(
                        "must-serve workload \"{}\" has {} {unit} of demand in period {} but cannot run before period {} (it comes after {})",
                        w.id,
                        fmt_num(demand[t]),
                        t + 1,
                        w.earliest_start + 1,
                        predecessors(s, k)
                    ),
                    "give demand 0 until then, or unmet_penalty_usd so demand may go unmet",
                );
            }
        }
    }
}

/// `"a", "b"`: the predecessors of workload `k`.
fn predecessors(s: &Scenario, k: usize) -> String {
    s.workloads[k]
        .after
        .iter()
        .map(|p| format!("\"{}\"", s.workloads[p.0].id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `period 3` or `periods 3-5` (0-based arguments, 1-based text).
fn period_range(first: usize, last: usize) -> String {
    if first == last {
        format!("period {}", first + 1)
    } else {
        format!("periods {}-{}", first + 1, last + 1)
    }
}

/// A readable cycle through the strongly connected component `scc`: `a -> b -> c -> a`.
fn cycle_in(dag: &DiGraph<WorkloadId, ()>, scc: &[NodeIndex], workloads: &[Workload]) -> String {
    let members: HashSet<NodeIndex> = scc.iter().copied().collect();
    let start = *scc.iter().min().expect("non-empty component");
    // Walk successors inside the component until a node repeats; every node of a strongly
    // connected component has a successor inside it.
    let mut path = vec![start];
    let mut seen = HashSet::from([start]);
    let mut node = start;
    loop {
        let mut next: Vec<NodeIndex> = dag
            .neighbors(node)
            .filter(|n| members.contains(n))
            .collect();
        next.sort();
        let n = next[0];
        if seen.contains(&n) {
            let from = path
                .iter()
                .position(|x| *x == n)
                .expect("seen node is on the path");
            let mut names: Vec<&str> = path[from..]
                .iter()
                .map(|x| workloads[dag[*x].0].id.as_str())
                .collect();
            names.push(&workloads[dag[n].0].id);
            // Edges point predecessor -> successor; print "x after y" order as the file reads.
            return names.join(" -> ");
        }
        seen.insert(n);
        path.push(n);
        node = n;
    }
}
