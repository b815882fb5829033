//! The hard rules: where, when and how much each workload may run, and what it must deliver.
//! One method per rule family; each appends its findings in the order it finds them.

use std::collections::BTreeMap;

use super::{join, slack, Audit, Finding, InferenceStatus, Rule, Severity, TrainingStatus};
use crate::format::fmt_num;
use crate::model::Demand;

impl Audit<'_> {
    /// Compute only on clusters whose chips, providers and regions the workload allows.
    pub(super) fn allowed_clusters(&mut self) {
        let s = self.s;
        for (&(w, c, t), &ch) in &self.u.used {
            let wl = &s.workloads[w];
            let cl = &s.clusters[c];
            if self.u.received((w, c, t), ch) && wl.yield_per_chip_hour[c].is_none() {
                self.findings.push(Finding {
                    rule: Rule::NotAllowed,
                    severity: Severity::Violation,
                    workload: self.wid(w),
                    cluster: self.cid(c),
                    contract: None,
                    periods: vec![t + 1],
                    amount: ch,
                    unit: "chip-hours".into(),
                    message: format!("\"{}\" received {} chip-hours on \"{}\" ({} {}) in period {}, which its chips, providers or regions do not allow", wl.id, fmt_num(ch), cl.id, cl.provider, s.chips[cl.chip].id, t + 1),
                });
            }
        }
    }

    /// No cluster booked beyond its chip-hours in a period.
    pub(super) fn capacity(&mut self) {
        for (c, cl) in self.s.clusters.iter().enumerate() {
            for t in 0..self.periods {
                let on = self.u.on_cluster[c][t];
                let over = on - cl.capacity[t];
                if over > slack(cl.capacity[t], self.u.on_cluster_carried[c][t]) {
                    self.findings.push(Finding {
                        rule: Rule::Capacity,
                        severity: Severity::Violation,
                        workload: None,
                        cluster: self.cid(c),
                        contract: None,
                        periods: vec![t + 1],
                        amount: over,
                        unit: "chip-hours".into(),
                        message: format!(
                            "\"{}\" is booked for {} chip-hours in period {} but has {}: {} over",
                            cl.id,
                            fmt_num(on),
                            t + 1,
                            fmt_num(cl.capacity[t]),
                            fmt_num(over)
                        ),
                    });
                }
            }
        }
    }

    /// No compute before a workload's release period.
    pub(super) fn release_windows(&mut self) {
        for (w, wl) in self.s.workloads.iter().enumerate() {
            let early: Vec<usize> = (0..wl.release)
                .filter(|&t| self.u.ran(w, t))
                .map(|t| t + 1)
                .collect();
            if early.is_empty() {
                continue;
            }
            let amount: f64 = (0..wl.release).map(|t| self.u.of_workload[w][t]).sum();
            self.findings.push(Finding {
                rule: Rule::BeforeRelease,
                severity: Severity::Violation,
                workload: self.wid(w),
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
    }

    /// No more chips at once than a workload's `max_chips`.
    pub(super) fn max_chips(&mut self) {
        let s = self.s;
        for (w, wl) in s.workloads.iter().enumerate() {
            let Some(m) = wl.max_chips else {
                continue;
            };
            for t in 0..self.periods {
                let limit = m * s.horizon.periods[t].hours;
                let got = self.u.of_workload[w][t];
                let over = got - limit;
                if over > slack(limit, self.u.of_workload_carried[w][t]) {
                    self.findings.push(Finding {
                        rule: Rule::MaxChips,
                        severity: Severity::Violation,
                        workload: self.wid(w),
                        cluster: None,
                        contract: None,
                        periods: vec![t + 1],
                        amount: over,
                        unit: "chip-hours".into(),
                        message: format!("\"{}\" used {} chip-hours in period {}, more than max_chips {} allows ({}): {} over", wl.id, fmt_num(got), t + 1, fmt_num(m), fmt_num(limit), fmt_num(over)),
                    });
                }
            }
        }
    }

    /// The period (0-based) by which each training-type workload's work is done, if it is.
    pub(super) fn completion(&self) -> Vec<Option<usize>> {
        let mut complete_by = vec![None; self.s.workloads.len()];
        for (w, wl) in self.s.workloads.iter().enumerate() {
            let Demand::Training { work_pflop } = wl.demand else {
                continue;
            };
            let (mut cumulative, mut cumulative_carried) = (0.0, 0.0);
            for t in 0..self.periods {
                cumulative += self.u.output[w][t];
                cumulative_carried += self.u.output_carried[w][t];
                if complete_by[w].is_none()
                    && cumulative >= work_pflop - slack(work_pflop, cumulative_carried)
                {
                    complete_by[w] = Some(t);
                }
            }
        }
        complete_by
    }

    /// Training-type work: no compute after the deadline, and all the work done by it.
    pub(super) fn deadlines_and_work(
        &mut self,
        complete_by: &[Option<usize>],
    ) -> Vec<TrainingStatus> {
        let mut training = Vec::new();
        for (w, wl) in self.s.workloads.iter().enumerate() {
            let Demand::Training { work_pflop } = wl.demand else {
                continue;
            };
            let of_workload = &self.u.of_workload[w];
            let late: Vec<usize> = (wl.deadline + 1..self.periods)
                .filter(|&t| self.u.ran(w, t))
                .map(|t| t + 1)
                .collect();
            if !late.is_empty() {
                let amount: f64 = (wl.deadline + 1..self.periods)
                    .map(|t| of_workload[t])
                    .sum();
                self.findings.push(Finding {
                    rule: Rule::AfterDeadline,
                    severity: Severity::Violation,
                    workload: self.wid(w),
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
            let done: f64 = (0..=wl.deadline).map(|t| self.u.output[w][t]).sum();
            let done_carried: f64 = (0..=wl.deadline).map(|t| self.u.output_carried[w][t]).sum();
            if done < work_pflop - slack(work_pflop, done_carried) {
                let short = work_pflop - done;
                self.findings.push(Finding {
                    rule: Rule::WorkIncomplete,
                    severity: Severity::Violation,
                    workload: self.wid(w),
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
                chip_hours: self.u.of_workload[w].iter().sum(),
            });
        }
        training
    }

    /// A successor may run in period t only if each predecessor completed by t-1.
    pub(super) fn dependencies(&mut self, complete_by: &[Option<usize>]) {
        let s = self.s;
        for (w, wl) in s.workloads.iter().enumerate() {
            for p in &wl.after {
                let pw = &s.workloads[p.0];
                let bad: Vec<usize> = (0..self.periods)
                    .filter(|&t| self.u.ran(w, t) && complete_by[p.0].is_none_or(|done| done >= t))
                    .collect();
                if bad.is_empty() {
                    continue;
                }
                let amount: f64 = bad.iter().map(|&t| self.u.of_workload[w][t]).sum();
                let status = match complete_by[p.0] {
                    Some(done) => format!("completes in period {}", done + 1),
                    None => "never completes".to_string(),
                };
                self.findings.push(Finding {
                    rule: Rule::Dependency,
                    severity: Severity::Violation,
                    workload: self.wid(w),
                    cluster: None,
                    contract: None,
                    periods: bad.iter().map(|t| t + 1).collect(),
                    amount,
                    unit: "chip-hours".into(),
                    message: format!("\"{}\" ran in period(s) {} ({} chip-hours) but its predecessor \"{}\" {status}", wl.id, join(&bad.iter().map(|t| t + 1).collect::<Vec<_>>()), fmt_num(amount), pw.id),
                });
            }
        }
    }

    /// Large training runs only on the provider a contract's placement rule requires.
    pub(super) fn placement(&mut self) {
        let s = self.s;
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
                    for (&(uw, c, t), &ch) in self.u.used.range((w, 0, 0)..(w + 1, 0, 0)) {
                        if self.u.received((uw, c, t), ch)
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
                        self.findings.push(Finding {
                            rule: Rule::Placement,
                            severity: Severity::Violation,
                            workload: self.wid(w),
                            cluster: self.cid(c),
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
    }

    /// Inference demand: must-serve demand served in full; unmet demand with a penalty billed.
    pub(super) fn demand(&mut self) -> Vec<InferenceStatus> {
        let mut inference = Vec::new();
        for (w, wl) in self.s.workloads.iter().enumerate() {
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
            // Everything unmet, within the tolerance or not: the table shows the real figure.
            let mut unmet_all = 0.0;
            let mut short_periods = Vec::new();
            for t in 0..self.periods {
                let d = demand[t];
                let output = self.u.output[w][t];
                let got = output.min(d);
                let unmet = (d - output).max(0.0);
                total += d;
                served += got;
                unmet_all += unmet;
                // Unmet demand is billed as it is; only a must-serve breach needs to exceed the
                // round-off the rows may carry.
                if let Some(p) = unmet_penalty {
                    penalty += p * unmet;
                    self.unmet_penalty[w][t] = p * unmet;
                }
                if unmet > slack(d, self.u.output_carried[w][t]) {
                    unmet_total += unmet;
                    short_periods.push(t + 1);
                }
            }
            if unmet_penalty.is_none() && !short_periods.is_empty() {
                self.findings.push(Finding {
                    rule: Rule::DemandUnserved,
                    severity: Severity::Violation,
                    workload: self.wid(w),
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
            self.costs.unmet_penalty_usd += penalty;
            inference.push(InferenceStatus {
                workload: wl.id.clone(),
                unit: unit.clone(),
                demand: total,
                served,
                unmet: unmet_all,
                penalty_usd: penalty,
                must_serve: unmet_penalty.is_none(),
            });
        }
        inference
    }
}
