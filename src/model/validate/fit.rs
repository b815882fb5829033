//! Whole-scenario checks once every table is valid: the model's size, and work or demand that
//! no allocation could meet.

use super::Validator;
use crate::format::fmt_num;
use crate::model::{Demand, Scenario, MAX_CELLS};
use crate::schema::ScenarioFile;

impl Validator<'_> {
    /// Refuses models whose variable count would exhaust memory.
    pub(super) fn check_sizes(&mut self, s: &Scenario) {
        let cells = s.workloads.len() as u64 * s.clusters.len() as u64 * s.horizon.len() as u64;
        if cells > MAX_CELLS {
            self.push(
                "",
                None,
                format!(
                    "{} workloads x {} clusters x {} periods = {cells} possible allocations, more than the {MAX_CELLS} one plan can hold",
                    s.workloads.len(),
                    s.clusters.len(),
                    s.horizon.len()
                ),
                "use longer periods, fewer clusters, or split the fleet into several scenarios",
            );
        }
    }

    /// Work or must-serve demand that no allocation could meet, even with every allowed
    /// chip-hour to itself.
    pub(super) fn check_fit(&mut self, f: &ScenarioFile, s: &Scenario) {
        for (k, w) in s.workloads.iter().enumerate() {
            let at = self.src.at(f.workloads[k].id.span());
            let rules = s.placement_rules_for(w);
            let usable = |c: usize| {
                rules
                    .iter()
                    .all(|(ci, _)| s.clusters[c].provider == s.contracts[ci.0].provider)
            };
            let best = |t: usize| -> f64 {
                let mut options: Vec<(f64, f64)> = s
                    .clusters
                    .iter()
                    .enumerate()
                    .filter_map(|(c, cl)| {
                        w.yield_per_chip_hour[c]
                            .filter(|_| usable(c))
                            .map(|y| (y, cl.capacity[t]))
                    })
                    .collect();
                options.sort_by(|a, b| b.0.total_cmp(&a.0));
                let mut chip_hours_left = w
                    .max_chips
                    .map_or(f64::INFINITY, |m| m * s.horizon.periods[t].hours);
                let mut out = 0.0;
                for (y, cap) in options {
                    let take = cap.min(chip_hours_left);
                    out += take * y;
                    chip_hours_left -= take;
                }
                out
            };
            match &w.demand {
                Demand::Training { work_pflop } => {
                    let possible: f64 = (w.earliest_start..=w.latest_finish.max(w.earliest_start))
                        .map(best)
                        .sum();
                    if possible < *work_pflop * (1.0 - 1e-9) {
                        let rule_note = if rules.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (placement rules keep it on {})",
                                rules
                                    .iter()
                                    .map(|(c, _)| s.contracts[c.0].provider.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        self.push(
                            format!("workloads[{k}].work_pflop"),
                            at,
                            format!(
                                "workload \"{}\" needs {} PFLOP by period {} but all capacity it may use{rule_note} from period {} delivers at most {} PFLOP: {} PFLOP ({:.1}%) short",
                                w.id,
                                fmt_num(*work_pflop),
                                w.deadline + 1,
                                w.release + 1,
                                fmt_num(possible),
                                fmt_num(work_pflop - possible),
                                100.0 * (work_pflop - possible) / work_pflop
                            ),
                            "move the deadline later, allow more chips or clusters, raise max_chips, or reduce the work",
                        );
                    }
                }
                Demand::Inference {
                    demand,
                    unmet_penalty: None,
                    unit,
                    ..
                } => {
                    for (t, d) in demand.iter().enumerate() {
                        let possible = if t >= w.earliest_start { best(t) } else { 0.0 };
                        if possible < d * (1.0 - 1e-9) {
                            self.push(
                                format!("workloads[{k}].demand"),
                                at,
                                format!(
                                    "must-serve workload \"{}\" needs {} {unit} in period {} but all capacity it may use serves at most {}: {} {unit} short",
                                    w.id,
                                    fmt_num(*d),
                                    t + 1,
                                    fmt_num(possible),
                                    fmt_num(d - possible)
                                ),
                                "lower the demand, allow more chips or clusters, or give unmet_penalty_usd",
                            );
                            break;
                        }
                    }
                }
                Demand::Inference { .. } => {}
            }
        }
    }
}
