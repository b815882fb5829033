//! The `[[workloads]]` tables: kind, window, chips and their yield, work or demand, predecessors.

use std::collections::{BTreeMap, HashMap};

use super::{finite_nonneg, list, Validator};
use crate::error::fmt_value;
use crate::model::{Chip, Cluster, Demand, Horizon, Workload, WorkloadId};
use crate::schema::WorkloadSpec;

/// Where a workload's problems are reported: its path, its place in the file, its id.
struct Entry {
    path: String,
    at: Option<(usize, usize)>,
    id: String,
}

impl Validator<'_> {
    /// Workload `k`, with its window and its output per chip-hour on each cluster.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn workload(
        &mut self,
        k: usize,
        w: &WorkloadSpec,
        horizon: &Horizon,
        chips: &[Chip],
        chip_index: &HashMap<&str, usize>,
        clusters: &[Cluster],
        workload_index: &HashMap<String, usize>,
    ) -> Workload {
        let e = Entry {
            path: format!("workloads[{k}]"),
            at: self.src.at(w.id.span()),
            id: w.id.get_ref().clone(),
        };
        let training = w.kind.is_training();
        self.kind_fields(&e, w);
        let (release, deadline) = self.window(&e, w, horizon);
        // Chips this workload names, and what one chip-hour of each delivers.
        let chip_yield = if training {
            self.training_yield(&e, w, chips, chip_index)
        } else {
            self.inference_yield(&e, w, chip_index)
        };
        let yield_per_chip_hour = yield_per_cluster(w, &chip_yield, clusters);
        let ran_before = self.problems.len();
        if yield_per_chip_hour.iter().all(Option::is_none) && ran_before == self.problems.len() {
            self.push(
                &e.path,
                e.at,
                format!("workload \"{}\" can run on no cluster", e.id),
                "widen its `chips`, `providers` or `regions`, or add a cluster it may use",
            );
        }
        let demand = if training {
            self.training_work(&e, w, chips, chip_index, ran_before)
        } else {
            self.inference_demand(&e, w, horizon)
        };
        let after = self.predecessors(k, &e, w, workload_index);
        Workload {
            id: e.id,
            kind: w.kind,
            params_billion: w.params_billion,
            release,
            deadline,
            earliest_start: release,
            latest_finish: deadline,
            yield_per_chip_hour,
            max_chips: w.max_chips,
            after,
            demand,
        }
    }

    /// Fields that belong to the other kind of workload.
    fn kind_fields(&mut self, e: &Entry, w: &WorkloadSpec) {
        let (path, at, id) = (&e.path, e.at, &e.id);
        let training = w.kind.is_training();
        let wrong_kind = |v: &mut Self, field: &str, set: bool| {
            if set {
                let (is, only) = if training {
                    ("a training-type", "inference")
                } else {
                    ("an inference", "training-type")
                };
                v.push(
                    format!("{path}.{field}"),
                    at,
                    format!(
                        "workload \"{id}\" is {is} workload; `{field}` is for {only} workloads"
                    ),
                    format!("remove `{field}` or change `kind`"),
                );
            }
        };
        if training {
            wrong_kind(self, "demand", w.demand.is_some());
            wrong_kind(self, "demand_unit", w.demand_unit.is_some());
            wrong_kind(self, "throughput", !w.throughput.is_empty());
            wrong_kind(self, "must_serve", w.must_serve.is_some());
            wrong_kind(self, "unmet_penalty_usd", w.unmet_penalty_usd.is_some());
            wrong_kind(
                self,
                "revenue_usd_per_unit",
                w.revenue_usd_per_unit.is_some(),
            );
        } else {
            wrong_kind(self, "work_pflop", w.work_pflop.is_some());
            wrong_kind(self, "work_chip_hours", w.work_chip_hours.is_some());
            wrong_kind(self, "mfu", !w.mfu.is_empty());
            wrong_kind(self, "deadline", w.deadline.is_some());
        }
    }

    /// `params_billion`, the release-to-deadline window (0-based periods) and `max_chips`.
    fn window(&mut self, e: &Entry, w: &WorkloadSpec, horizon: &Horizon) -> (usize, usize) {
        let (path, at, id) = (&e.path, e.at, &e.id);
        if let Some(p) = w.params_billion {
            finite_nonneg(
                &mut self.problems,
                &format!("{path}.params_billion"),
                at,
                p,
                "params_billion",
            );
        }
        let release = match &w.release {
            Some(r) => self
                .period_ref(&format!("{path}.release"), at, r, horizon)
                .unwrap_or(0),
            None => 0,
        };
        let deadline = match &w.deadline {
            Some(r) => self
                .period_ref(&format!("{path}.deadline"), at, r, horizon)
                .unwrap_or(horizon.len() - 1),
            None => horizon.len() - 1,
        };
        if deadline < release {
            self.push(
                format!("{path}.deadline"),
                at,
                format!(
                    "workload \"{id}\": deadline (period {}) is before release (period {})",
                    deadline + 1,
                    release + 1
                ),
                "move the deadline to the release period or later",
            );
        }
        if let Some(m) = w.max_chips {
            if !(m.is_finite() && m > 0.0) {
                self.push(
                    format!("{path}.max_chips"),
                    at,
                    format!("max_chips is {}", fmt_value(m)),
                    "give a positive number or leave it out for no limit",
                );
            }
        }
        (release, deadline)
    }

    /// PFLOP per chip-hour on each chip a training-type workload may use.
    fn training_yield(
        &mut self,
        e: &Entry,
        w: &WorkloadSpec,
        chips: &[Chip],
        chip_index: &HashMap<&str, usize>,
    ) -> BTreeMap<usize, f64> {
        let (path, at, id) = (&e.path, e.at, &e.id);
        let explicit_chips = w.chips.is_some();
        let mut chip_yield: BTreeMap<usize, f64> = BTreeMap::new();
        for (key, m) in &w.mfu {
            if !chip_index.contains_key(key.as_str()) {
                self.push(
                    format!("{path}.mfu.{key}"),
                    at,
                    format!("unknown chip \"{key}\""),
                    format!("use one of {}", list(chip_index.keys().copied())),
                );
            } else if !(m.is_finite() && *m > 0.0 && *m <= 1.0) {
                self.push(
                    format!("{path}.mfu.{key}"),
                    at,
                    format!("MFU {}", fmt_value(*m)),
                    "give a fraction above 0 and at most 1 (0.4 = 40%)",
                );
            }
        }
        let candidates: Vec<usize> = match &w.chips {
            Some(names) => names
                .iter()
                .enumerate()
                .filter_map(|(j, n)| match chip_index.get(n.as_str()) {
                    Some(&i) => Some(i),
                    None => {
                        self.push(
                            format!("{path}.chips[{j}]"),
                            at,
                            format!("unknown chip \"{n}\""),
                            format!("use one of {}", list(chip_index.keys().copied())),
                        );
                        None
                    }
                })
                .collect(),
            None => (0..chips.len()).collect(),
        };
        for i in candidates {
            let chip = &chips[i];
            let mfu = w.mfu.get(&chip.id).copied().or(chip.default_mfu);
            let peak = chip.peak_tflops(w.precision);
            match (peak, mfu) {
                (Some(peak), Some(mfu)) => {
                    // TFLOPS x 3600 s = TFLOP per hour; / 1000 = PFLOP per chip-hour.
                    chip_yield.insert(i, peak * mfu * 3.6);
                }
                _ if !explicit_chips => {}
                (None, _) => self.push(format!("{path}.chips"), at, format!("workload \"{id}\" runs at FP8 but chip \"{}\" has no published FP8 figure", chip.id), "remove the chip from `chips` or use precision = \"bf16\""),
                (_, None) => self.push(format!("{path}.mfu"), at, format!("workload \"{id}\": no MFU for chip \"{}\" (family \"{}\" has no published default)", chip.id, chip.family), format!("add mfu.{} = <fraction> or remove the chip from `chips`", chip.id)),
            }
        }
        chip_yield
    }

    /// Demand units per chip-hour on each chip an inference workload may use.
    fn inference_yield(
        &mut self,
        e: &Entry,
        w: &WorkloadSpec,
        chip_index: &HashMap<&str, usize>,
    ) -> BTreeMap<usize, f64> {
        let (path, at, id) = (&e.path, e.at, &e.id);
        let mut chip_yield: BTreeMap<usize, f64> = BTreeMap::new();
        for (key, thr) in &w.throughput {
            match chip_index.get(key.as_str()) {
                None => self.push(
                    format!("{path}.throughput.{key}"),
                    at,
                    format!("unknown chip \"{key}\""),
                    format!("use one of {}", list(chip_index.keys().copied())),
                ),
                Some(&i) => {
                    if !(thr.is_finite() && *thr > 0.0) {
                        self.push(
                            format!("{path}.throughput.{key}"),
                            at,
                            format!("throughput {}", fmt_value(*thr)),
                            "give a positive number of demand units per chip-hour",
                        );
                    } else if w.chips.as_ref().is_none_or(|names| names.contains(key)) {
                        chip_yield.insert(i, *thr);
                    }
                }
            }
        }
        if w.throughput.is_empty() {
            self.push(format!("{path}.throughput"), at, format!("inference workload \"{id}\" gives no throughput"), "add throughput = { <chip> = <units per chip-hour>, ... } for each chip that may serve it");
        }
        chip_yield
    }

    /// A training-type workload's work, PFLOP (`work_pflop`, or `work_chip_hours` converted).
    /// `ran_before` counts the problems found before it: a zero work caused by one of those is
    /// not reported again.
    fn training_work(
        &mut self,
        e: &Entry,
        w: &WorkloadSpec,
        chips: &[Chip],
        chip_index: &HashMap<&str, usize>,
        ran_before: usize,
    ) -> Demand {
        let (path, at, id) = (&e.path, e.at, &e.id);
        let work = match (&w.work_pflop, &w.work_chip_hours) {
            (Some(p), None) => *p,
            (None, Some(r)) => match chip_index.get(r.chip.as_str()) {
                Some(&i) => {
                    let chip = &chips[i];
                    let mfu = w.mfu.get(&chip.id).copied().or(chip.default_mfu);
                    match (chip.peak_tflops(w.precision), mfu) {
                        (Some(peak), Some(mfu)) => r.chip_hours * peak * mfu * 3.6,
                        _ => {
                            self.push(
                                format!("{path}.work_chip_hours.chip"),
                                at,
                                format!(
                                    "chip \"{}\" has no peak or MFU figure for this workload",
                                    chip.id
                                ),
                                format!("give mfu.{} or use work_pflop", chip.id),
                            );
                            0.0
                        }
                    }
                }
                None => {
                    self.push(
                        format!("{path}.work_chip_hours.chip"),
                        at,
                        format!("unknown chip \"{}\"", r.chip),
                        format!("use one of {}", list(chip_index.keys().copied())),
                    );
                    0.0
                }
            },
            _ => {
                self.push(
                    path,
                    at,
                    format!("training-type workload \"{id}\" needs its work"),
                    "give exactly one of work_pflop or work_chip_hours",
                );
                0.0
            }
        };
        if !(work.is_finite() && work > 0.0) && self.problems.len() == ran_before {
            // Name the field the user wrote: chip-hours are not PFLOP.
            let (field, shown) = match (&w.work_pflop, &w.work_chip_hours) {
                (None, Some(r)) => (
                    "work_chip_hours.chip_hours",
                    format!("work is {} chip-hours", fmt_value(r.chip_hours)),
                ),
                _ => ("work_pflop", format!("work is {} PFLOP", fmt_value(work))),
            };
            self.push(
                format!("{path}.{field}"),
                at,
                shown,
                "give a positive, finite amount of work",
            );
        }
        Demand::Training { work_pflop: work }
    }

    /// An inference workload's demand per period, penalty and revenue.
    fn inference_demand(&mut self, e: &Entry, w: &WorkloadSpec, horizon: &Horizon) -> Demand {
        let (path, at, id) = (&e.path, e.at, &e.id);
        let demand = match &w.demand {
            Some(d) => self.per_period(
                &format!("{path}.demand"),
                at,
                d,
                horizon,
                "demand",
                super::quantities::Meaning::Amount,
            ),
            None => {
                self.push(
                    format!("{path}.demand"),
                    at,
                    format!("inference workload \"{id}\" gives no demand"),
                    "add demand = <units per period> (a number, a list or { from, to })",
                );
                vec![0.0; horizon.len()]
            }
        };
        if let Some(p) = w.unmet_penalty_usd {
            finite_nonneg(
                &mut self.problems,
                &format!("{path}.unmet_penalty_usd"),
                at,
                p,
                "the penalty",
            );
        }
        if let Some(r) = w.revenue_usd_per_unit {
            finite_nonneg(
                &mut self.problems,
                &format!("{path}.revenue_usd_per_unit"),
                at,
                r,
                "the revenue",
            );
        }
        let unmet_penalty = match (w.must_serve, w.unmet_penalty_usd) {
            (Some(true), Some(_)) => {
                self.push(
                    format!("{path}.unmet_penalty_usd"),
                    at,
                    format!(
                        "workload \"{id}\" is must-serve and also gives a penalty for unmet demand"
                    ),
                    "remove one: must_serve = true, or unmet_penalty_usd",
                );
                None
            }
            (Some(false), None) => {
                self.push(
                    format!("{path}.must_serve"),
                    at,
                    format!("workload \"{id}\" may leave demand unmet but gives no penalty"),
                    "add unmet_penalty_usd = <USD per unit>",
                );
                None
            }
            (_, p) => p,
        };
        Demand::Inference {
            unit: w.demand_unit.clone().unwrap_or_else(|| "units".to_string()),
            demand,
            unmet_penalty,
            revenue_per_unit: w.revenue_usd_per_unit.unwrap_or(0.0),
        }
    }

    /// The workloads it comes after.
    fn predecessors(
        &mut self,
        k: usize,
        e: &Entry,
        w: &WorkloadSpec,
        workload_index: &HashMap<String, usize>,
    ) -> Vec<WorkloadId> {
        let (path, id) = (&e.path, &e.id);
        let mut after = Vec::new();
        for (j, a) in w.after.iter().enumerate() {
            let aat = self.src.at(a.span());
            match workload_index.get(a.get_ref()) {
                None => self.push(
                    format!("{path}.after[{j}]"),
                    aat,
                    format!(
                        "workload \"{id}\" comes after unknown workload \"{}\"",
                        a.get_ref()
                    ),
                    "name a workload id from this file",
                ),
                Some(&p) if p == k => self.push(
                    format!("{path}.after[{j}]"),
                    aat,
                    format!("workload \"{id}\" comes after itself"),
                    "remove it from its own `after`",
                ),
                Some(&p) => after.push(WorkloadId(p)),
            }
        }
        after
    }
}

/// Output per chip-hour on each cluster; `None` where the workload's chips, providers or regions
/// rule the cluster out.
fn yield_per_cluster(
    w: &WorkloadSpec,
    chip_yield: &BTreeMap<usize, f64>,
    clusters: &[Cluster],
) -> Vec<Option<f64>> {
    let allowed = |c: &Cluster| {
        w.providers.as_ref().is_none_or(|p| p.contains(&c.provider))
            && w.regions
                .as_ref()
                .is_none_or(|r| c.region.as_ref().is_some_and(|x| r.contains(x)))
    };
    clusters
        .iter()
        .map(|c| {
            if allowed(c) {
                chip_yield.get(&c.chip).copied()
            } else {
                None
            }
        })
        .collect()
}
