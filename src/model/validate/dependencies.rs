//! The dependency graph: no cycles, no waiting on inference, and each workload's window
//! narrowed by its predecessors and successors.

use std::collections::HashSet;

use petgraph::graph::{DiGraph, NodeIndex};

use super::Validator;
use crate::format::fmt_num;
use crate::model::{Demand, Workload, WorkloadId};
use crate::schema::ScenarioFile;

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

    /// Narrows each workload's window by its dependencies, in topological order, and reports
    /// chains that cannot fit.
    pub(super) fn windows(
        &mut self,
        f: &ScenarioFile,
        dag: &DiGraph<WorkloadId, ()>,
        workloads: &mut [Workload],
    ) {
        let order = petgraph::algo::toposort(dag, None).expect("cycles were reported before");
        for &n in &order {
            let k = dag[n].0;
            let es = dag
                .neighbors_directed(n, petgraph::Direction::Incoming)
                .map(|p| workloads[dag[p].0].earliest_start + 1)
                .fold(workloads[k].release, usize::max);
            workloads[k].earliest_start = es;
        }
        for &n in order.iter().rev() {
            let k = dag[n].0;
            let lf = dag
                .neighbors_directed(n, petgraph::Direction::Outgoing)
                .filter(|s| workloads[dag[*s].0].kind.is_training())
                .map(|s| workloads[dag[s].0].latest_finish.saturating_sub(1))
                .fold(workloads[k].deadline, usize::min);
            workloads[k].latest_finish = lf;
        }
        for (k, w) in workloads.iter().enumerate() {
            let at = self.src.at(f.workloads[k].id.span());
            let preds = w
                .after
                .iter()
                .map(|p| format!("\"{}\"", workloads[p.0].id))
                .collect::<Vec<_>>()
                .join(", ");
            if w.kind.is_training()
                && (w.earliest_start > w.latest_finish || w.latest_finish < w.release)
            {
                let why = if w.earliest_start > w.release {
                    format!(
                        "its predecessors ({preds}) finish in period {} at the earliest, so it cannot start before period {}",
                        w.earliest_start,
                        w.earliest_start + 1
                    )
                } else {
                    format!("it starts in period {}", w.release + 1)
                };
                let succ_note = if w.latest_finish < w.deadline {
                    format!(
                        " and its successors need it done by period {}",
                        w.latest_finish + 1
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
            if let Demand::Inference {
                demand,
                unmet_penalty: None,
                unit,
                ..
            } = &w.demand
            {
                if let Some(t) = (w.release..w.earliest_start).find(|&t| demand[t] > 0.0) {
                    self.push(
                        format!("workloads[{k}].demand"),
                        at,
                        format!(
                            "must-serve workload \"{}\" has {} {unit} of demand in period {} but cannot run before period {} (it comes after {preds})",
                            w.id,
                            fmt_num(demand[t]),
                            t + 1,
                            w.earliest_start + 1
                        ),
                        "give demand 0 until then, or unmet_penalty_usd so demand may go unmet",
                    );
                }
            }
        }
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
