//! The validated scenario: what the planner and the audit work on.
//!
//! [`Scenario::from_file`] / [`Scenario::from_toml`] is the one door from the file format
//! ([`crate::schema`]) into this model. It resolves ids into indices, expands per-period
//! quantities, applies contract discounts to public rates, and checks every rule it can without
//! solving anything. It reports all the problems it finds at once, each with its place in the file
//! and what to do about it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::{LoadError, Problem, SourceText};
use crate::format::fmt_num;
use crate::schema::{
    Billing, ChipSpec, ClusterSpec, ContractSpec, PerPeriod, PeriodLength, PeriodRef, Precision,
    PriceBasis, ReferenceData, ScenarioFile, WorkloadKind, WorkloadSpec,
};

/// The reference chip data shipped in `data/chips.toml`.
pub const REFERENCE_DATA: &str = include_str!("../data/chips.toml");

/// Largest horizon accepted, in periods.
pub const MAX_PERIODS: u32 = 10_000;
/// Largest number of (workload, cluster, period) triples accepted: each may become a variable.
pub const MAX_CELLS: u64 = 50_000_000;

/// Index of a cluster in [`Scenario::clusters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterId(pub usize);
/// Index of a workload in [`Scenario::workloads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadId(pub usize);
/// Index of a contract in [`Scenario::contracts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContractId(pub usize);

/// One planning period.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// Period number as users see it (1-based).
    pub number: usize,
    /// First day.
    pub start: NaiveDate,
    /// First day of the next period.
    pub end: NaiveDate,
    /// Hours in the period.
    pub hours: f64,
}

/// The planning horizon, expanded into periods.
#[derive(Debug, Clone)]
pub struct Horizon {
    /// Period length.
    pub length: PeriodLength,
    /// The periods, in order; index 0 is period number 1.
    pub periods: Vec<Period>,
}

impl Horizon {
    /// Expands `count` periods of `length` from `start`.
    pub fn new(start: NaiveDate, length: PeriodLength, count: u32) -> Option<Self> {
        let mut periods = Vec::with_capacity(count as usize);
        let mut begin = start;
        for number in 1..=count as usize {
            let end = match length {
                PeriodLength::Day => begin.succ_opt()?,
                PeriodLength::Week => begin.checked_add_days(chrono::Days::new(7))?,
                PeriodLength::Month => start.checked_add_months(Months::new(number as u32))?,
            };
            let hours = (end - begin).num_days() as f64 * 24.0;
            periods.push(Period {
                number,
                start: begin,
                end,
                hours,
            });
            begin = end;
        }
        Some(Horizon { length, periods })
    }

    /// Number of periods.
    pub fn len(&self) -> usize {
        self.periods.len()
    }

    /// Whether there are no periods.
    pub fn is_empty(&self) -> bool {
        self.periods.is_empty()
    }

    /// The period (0-based index) containing `date`, if any.
    pub fn index_of_date(&self, date: NaiveDate) -> Option<usize> {
        self.periods
            .iter()
            .position(|p| p.start <= date && date < p.end)
    }
}

/// A chip type with its reference figures.
#[derive(Debug, Clone)]
pub struct Chip {
    /// Identifier.
    pub id: String,
    /// Family.
    pub family: String,
    /// Peak dense BF16 TFLOPS.
    pub bf16_tflops: f64,
    /// Peak dense FP8 TFLOPS, where published.
    pub fp8_tflops: Option<f64>,
    /// Default training MFU of the family, where published.
    pub default_mfu: Option<f64>,
    /// Source key.
    pub source: String,
}

impl Chip {
    /// Peak TFLOPS at a precision, if known.
    pub fn peak_tflops(&self, precision: Precision) -> Option<f64> {
        match precision {
            Precision::Bf16 => Some(self.bf16_tflops),
            Precision::Fp8 => self.fp8_tflops,
        }
    }
}

/// A cluster, with capacity and price expanded per period.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Identifier.
    pub id: String,
    /// Provider.
    pub provider: String,
    /// Region.
    pub region: Option<String>,
    /// Chip type (index into [`Scenario::chips`]).
    pub chip: usize,
    /// Chips available in each period.
    pub chips: Vec<f64>,
    /// Chip-hours available in each period (`chips x hours`).
    pub capacity: Vec<f64>,
    /// Billing.
    pub billing: Billing,
    /// Public rate, USD per chip-hour.
    pub public_rate: f64,
    /// What the public rate is.
    pub price_basis: PriceBasis,
    /// Covering contract.
    pub contract: Option<ContractId>,
    /// Rate paid, USD per chip-hour: the public rate less the contract discount.
    pub rate: f64,
}

/// What a workload asks for.
#[derive(Debug, Clone)]
pub enum Demand {
    /// A finite amount of work.
    Training {
        /// Work, PFLOP.
        work_pflop: f64,
    },
    /// Demand per period.
    Inference {
        /// Unit of demand.
        unit: String,
        /// Demand in each period.
        demand: Vec<f64>,
        /// USD per unit not served; `None` means every unit must be served.
        unmet_penalty: Option<f64>,
        /// Revenue per unit served, USD.
        revenue_per_unit: f64,
    },
}

/// A workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Identifier.
    pub id: String,
    /// Kind.
    pub kind: WorkloadKind,
    /// Billions of parameters.
    pub params_billion: Option<f64>,
    /// First period (0-based) it may receive compute.
    pub release: usize,
    /// Last period (0-based) it may receive compute.
    pub deadline: usize,
    /// First period (0-based) it can receive compute once its predecessors' earliest finishes
    /// are taken into account (a successor runs only in periods after every predecessor is done).
    pub earliest_start: usize,
    /// Last period (0-based) by which its work can be done and still leave each training-type
    /// successor a period before that successor's deadline.
    pub latest_finish: usize,
    /// Output per chip-hour on each cluster (PFLOP for training, demand units for inference);
    /// `None` where the workload's own restrictions (chips, providers, regions) rule it out.
    pub yield_per_chip_hour: Vec<Option<f64>>,
    /// Most chips at once.
    pub max_chips: Option<f64>,
    /// Predecessors.
    pub after: Vec<WorkloadId>,
    /// What it needs.
    pub demand: Demand,
}

impl Workload {
    /// Work in PFLOP for training-type workloads.
    pub fn work_pflop(&self) -> Option<f64> {
        match self.demand {
            Demand::Training { work_pflop } => Some(work_pflop),
            Demand::Inference { .. } => None,
        }
    }
}

/// A spend floor over one contract period.
#[derive(Debug, Clone)]
pub struct SpendFloor {
    /// Label.
    pub name: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Minimum spend, USD.
    pub floor_usd: f64,
    /// Spend before the horizon, USD.
    pub spent_before_usd: f64,
    /// Forecast spend after the horizon, USD.
    pub forecast_after_usd: f64,
    /// Horizon periods (0-based) whose first day falls in the contract period.
    pub periods: Vec<usize>,
}

/// A utilization floor on one cluster.
#[derive(Debug, Clone)]
pub struct UtilizationFloor {
    /// Cluster.
    pub cluster: ClusterId,
    /// Fraction of available chip-hours.
    pub min_fraction: f64,
    /// USD per chip-hour short; `None` means hard.
    pub penalty_usd_per_chip_hour: Option<f64>,
}

/// A contract.
#[derive(Debug, Clone)]
pub struct Contract {
    /// Identifier.
    pub id: String,
    /// Provider.
    pub provider: String,
    /// First day of the term.
    pub start: NaiveDate,
    /// Last day of the term.
    pub end: NaiveDate,
    /// Discount fraction.
    pub discount: f64,
    /// Basis of the discount.
    pub baseline: PriceBasis,
    /// Share of inference revenue owed on covered clusters.
    pub inference_revenue_share: f64,
    /// Spend floors.
    pub spend_floors: Vec<SpendFloor>,
    /// Utilization floors.
    pub utilization_floors: Vec<UtilizationFloor>,
    /// Placement thresholds, billions of parameters.
    pub placement_min_params_billion: Vec<f64>,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// File it was read from (for messages).
    pub file: PathBuf,
    /// Description.
    pub description: Option<String>,
    /// Horizon.
    pub horizon: Horizon,
    /// Chip types referenced by clusters, and all reference chips.
    pub chips: Vec<Chip>,
    /// Clusters.
    pub clusters: Vec<Cluster>,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// Contracts.
    pub contracts: Vec<Contract>,
    /// Dependency DAG: node weights are workload indices; edges go predecessor -> successor.
    pub dag: DiGraph<WorkloadId, ()>,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses and validates scenario text; `file` names it in messages.
    pub fn from_toml(text: &str, file: &Path) -> Result<Scenario, LoadError> {
        let parsed: ScenarioFile = toml::from_str(text).map_err(|e| LoadError::Syntax {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
        let reference: ReferenceData =
            toml::from_str(REFERENCE_DATA).expect("data/chips.toml is checked by a test");
        let mut v = Validator {
            src: SourceText::new(text),
            problems: Vec::new(),
        };
        let scenario = v.scenario(&parsed, &reference, file);
        match scenario {
            Some(s) if v.problems.is_empty() => Ok(s),
            _ => Err(LoadError::Invalid {
                file: file.to_path_buf(),
                problems: v.problems,
            }),
        }
    }

    /// Cluster by id.
    pub fn cluster_by_id(&self, id: &str) -> Option<ClusterId> {
        self.clusters.iter().position(|c| c.id == id).map(ClusterId)
    }

    /// Workload by id.
    pub fn workload_by_id(&self, id: &str) -> Option<WorkloadId> {
        self.workloads
            .iter()
            .position(|w| w.id == id)
            .map(WorkloadId)
    }

    /// Whether any workload has a predecessor (the plan then needs integer variables).
    pub fn has_dependencies(&self) -> bool {
        self.dag.edge_count() > 0
    }

    /// The contract placement rules that bind a workload: (contract, threshold).
    pub fn placement_rules_for(&self, w: &Workload) -> Vec<(ContractId, f64)> {
        let mut rules = Vec::new();
        if !w.kind.is_training() {
            return rules;
        }
        let Some(params) = w.params_billion else {
            return rules;
        };
        for (k, contract) in self.contracts.iter().enumerate() {
            for &threshold in &contract.placement_min_params_billion {
                if params > threshold {
                    rules.push((ContractId(k), threshold));
                }
            }
        }
        rules
    }
}

struct Validator<'a> {
    src: SourceText<'a>,
    problems: Vec<Problem>,
}

/// `Some(value)` if finite, else records a problem.
fn finite_nonneg(
    problems: &mut Vec<Problem>,
    path: &str,
    at: Option<(usize, usize)>,
    x: f64,
    what: &str,
) -> bool {
    if !x.is_finite() || x < 0.0 {
        problems.push(Problem::new(
            path,
            at,
            format!("{what} is {x}"),
            "give a finite number of 0 or more",
        ));
        false
    } else {
        true
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl<'a> Validator<'a> {
    fn push(
        &mut self,
        path: impl Into<String>,
        at: Option<(usize, usize)>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.problems.push(Problem::new(path, at, msg, help));
    }

    fn scenario(
        &mut self,
        f: &ScenarioFile,
        reference: &ReferenceData,
        file: &Path,
    ) -> Option<Scenario> {
        let horizon = self.horizon(f)?;
        let chips = self.chips(f, reference);
        let chip_index: HashMap<&str, usize> = chips
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let contract_index = self.unique_ids(
            "contracts",
            f.contracts
                .iter()
                .map(|c| (c.id.get_ref().as_str(), c.id.span())),
        );
        let cluster_index = self.unique_ids(
            "clusters",
            f.clusters
                .iter()
                .map(|c| (c.id.get_ref().as_str(), c.id.span())),
        );
        let workload_index = self.unique_ids(
            "workloads",
            f.workloads
                .iter()
                .map(|w| (w.id.get_ref().as_str(), w.id.span())),
        );
        let contracts: Vec<Contract> = f
            .contracts
            .iter()
            .enumerate()
            .map(|(k, c)| self.contract(k, c, &horizon, &cluster_index))
            .collect();
        let clusters: Vec<Cluster> = f
            .clusters
            .iter()
            .enumerate()
            .map(|(k, c)| self.cluster(k, c, &horizon, &chip_index, &contract_index, &f.contracts))
            .collect();
        for (k, c) in contracts.iter().enumerate() {
            for (j, u) in c.utilization_floors.iter().enumerate() {
                if let Some(cl) = clusters.get(u.cluster.0) {
                    if cl.contract != Some(ContractId(k)) {
                        let at = self.src.at(f.contracts[k].id.span());
                        self.push(
                            format!("contracts[{k}].utilization_floors[{j}].cluster"),
                            at,
                            format!("cluster \"{}\" is not covered by contract \"{}\"", cl.id, c.id),
                            format!("set contract = \"{}\" on the cluster, or move the floor to its contract", c.id),
                        );
                    }
                }
            }
        }
        let workloads: Vec<Workload> = f
            .workloads
            .iter()
            .enumerate()
            .map(|(k, w)| {
                self.workload(
                    k,
                    w,
                    &horizon,
                    &chips,
                    &chip_index,
                    &clusters,
                    &workload_index,
                )
            })
            .collect();
        let mut workloads = workloads;
        let dag = self.dag(f, &workloads);
        if self.problems.is_empty() {
            self.windows(f, &dag, &mut workloads);
        }
        let scenario = Scenario {
            file: file.to_path_buf(),
            description: f.description.clone(),
            horizon,
            chips,
            clusters,
            workloads,
            contracts,
            dag,
        };
        if self.problems.is_empty() {
            self.check_sizes(&scenario);
        }
        if self.problems.is_empty() {
            self.check_fit(f, &scenario);
        }
        Some(scenario)
    }

    fn horizon(&mut self, f: &ScenarioFile) -> Option<Horizon> {
        let at = self.src.at(f.horizon.start.span());
        let start = parse_date(f.horizon.start.get_ref());
        if start.is_none() {
            self.push(
                "horizon.start",
                at,
                format!("\"{}\" is not a date", f.horizon.start.get_ref()),
                "write the first day as YYYY-MM-DD",
            );
        }
        let periods = *f.horizon.periods.get_ref();
        if periods == 0 || periods > MAX_PERIODS {
            let at = self.src.at(f.horizon.periods.span());
            self.push(
                "horizon.periods",
                at,
                format!("{periods} periods"),
                format!("give 1 to {MAX_PERIODS} periods (use a longer period length for long horizons)"),
            );
            return None;
        }
        let h = Horizon::new(start?, f.horizon.period, periods);
        if h.is_none() {
            self.push(
                "horizon",
                at,
                "the horizon runs past the calendar",
                "start earlier or use fewer periods",
            );
        }
        h
    }

    fn chips(&mut self, f: &ScenarioFile, reference: &ReferenceData) -> Vec<Chip> {
        let mut families: HashMap<&str, Option<f64>> = HashMap::new();
        for fam in &reference.families {
            families.insert(fam.id.as_str(), fam.default_mfu);
        }
        let make = |c: &ChipSpec| Chip {
            id: c.id.clone(),
            family: c.family.clone(),
            bf16_tflops: c.bf16_tflops,
            fp8_tflops: c.fp8_tflops,
            default_mfu: families.get(c.family.as_str()).copied().flatten(),
            source: c.source.clone(),
        };
        let mut chips: Vec<Chip> = reference.chips.iter().map(make).collect();
        for (k, c) in f.chips.iter().enumerate() {
            let path = format!("chips[{k}]");
            if chips.iter().any(|x| x.id == c.id) {
                self.push(
                    &path,
                    None,
                    format!(
                        "chip \"{}\" is already defined (in data/chips.toml or above)",
                        c.id
                    ),
                    "give the chip a new id",
                );
                continue;
            }
            if !(c.bf16_tflops.is_finite() && c.bf16_tflops > 0.0) {
                self.push(
                    format!("{path}.bf16_tflops"),
                    None,
                    format!("{} TFLOPS", c.bf16_tflops),
                    "give a positive finite number",
                );
            }
            if let Some(fp8) = c.fp8_tflops {
                if !(fp8.is_finite() && fp8 > 0.0) {
                    self.push(
                        format!("{path}.fp8_tflops"),
                        None,
                        format!("{fp8} TFLOPS"),
                        "give a positive finite number or leave it out",
                    );
                }
            }
            chips.push(make(c));
        }
        chips
    }

    fn unique_ids<'s>(
        &mut self,
        table: &str,
        ids: impl Iterator<Item = (&'s str, std::ops::Range<usize>)>,
    ) -> HashMap<String, usize> {
        let mut index = HashMap::new();
        for (k, (id, span)) in ids.enumerate() {
            let at = self.src.at(span);
            if id.is_empty() {
                self.push(
                    format!("{table}[{k}].id"),
                    at,
                    "empty id",
                    "give every entry a non-empty id",
                );
            } else if let Some(first) = index.insert(id.to_string(), k) {
                index.insert(id.to_string(), first);
                self.push(
                    format!("{table}[{k}].id"),
                    at,
                    format!("duplicate id \"{id}\" (also {table}[{first}])"),
                    "give every entry a unique id",
                );
            }
        }
        index
    }

    fn per_period(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        spec: &PerPeriod,
        horizon: &Horizon,
        what: &str,
    ) -> Vec<f64> {
        let n = horizon.len();
        let values = match spec {
            PerPeriod::Constant(x) => vec![*x; n],
            PerPeriod::List(v) => {
                if v.len() != n {
                    self.push(
                        path,
                        at,
                        format!("{} values for {n} periods", v.len()),
                        format!("give one value per period ({n}), a single number, or {{ from = A, to = B }}"),
                    );
                    return vec![0.0; n];
                }
                v.clone()
            }
            PerPeriod::Ramp { from, to } => (0..n)
                .map(|t| {
                    if n == 1 {
                        *from
                    } else {
                        from + (to - from) * t as f64 / (n - 1) as f64
                    }
                })
                .collect(),
        };
        for (t, x) in values.iter().enumerate() {
            if !x.is_finite() || *x < 0.0 {
                self.push(
                    path,
                    at,
                    format!("{what} in period {} is {x}", t + 1),
                    "give finite numbers of 0 or more",
                );
                return vec![0.0; n];
            }
        }
        values
    }

    fn period_ref(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        r: &PeriodRef,
        horizon: &Horizon,
    ) -> Option<usize> {
        let n = horizon.len();
        match r {
            PeriodRef::Index(i) if *i >= 1 && (*i as usize) <= n => Some(*i as usize - 1),
            PeriodRef::Index(i) => {
                self.push(
                    path,
                    at,
                    format!("period {i} is outside the horizon"),
                    format!("give a period from 1 to {n}, or a date inside the horizon"),
                );
                None
            }
            PeriodRef::Date(s) => match parse_date(s).map(|d| horizon.index_of_date(d)) {
                Some(Some(t)) => Some(t),
                Some(None) => {
                    self.push(
                        path,
                        at,
                        format!("{s} is outside the horizon"),
                        format!(
                            "give a date from {} to {}",
                            horizon.periods[0].start,
                            horizon.periods[n - 1]
                                .end
                                .pred_opt()
                                .unwrap_or(horizon.periods[n - 1].end)
                        ),
                    );
                    None
                }
                None => {
                    self.push(
                        path,
                        at,
                        format!("\"{s}\" is not a period"),
                        "give a period number (1 is the first) or a YYYY-MM-DD date",
                    );
                    None
                }
            },
        }
    }

    fn cluster(
        &mut self,
        k: usize,
        c: &ClusterSpec,
        horizon: &Horizon,
        chip_index: &HashMap<&str, usize>,
        contract_index: &HashMap<String, usize>,
        contracts: &[ContractSpec],
    ) -> Cluster {
        let path = format!("clusters[{k}]");
        let at = self.src.at(c.id.span());
        let id = c.id.get_ref().clone();
        let chip = match chip_index.get(c.chip.as_str()) {
            Some(&i) => i,
            None => {
                self.push(
                    format!("{path}.chip"),
                    at,
                    format!("cluster \"{id}\": unknown chip \"{}\"", c.chip),
                    format!(
                        "use one of {} or add a [[chips]] table",
                        list(chip_index.keys().copied())
                    ),
                );
                0
            }
        };
        let chips = self.per_period(
            &format!("{path}.chips"),
            at,
            &c.chips,
            horizon,
            "chips available",
        );
        let capacity = chips
            .iter()
            .zip(&horizon.periods)
            .map(|(n, p)| n * p.hours)
            .collect();
        finite_nonneg(
            &mut self.problems,
            &format!("{path}.usd_per_chip_hour"),
            at,
            c.usd_per_chip_hour,
            "the rate",
        );
        let mut discount = 0.0;
        let contract = match &c.contract {
            None => None,
            Some(name) => match contract_index.get(name) {
                None => {
                    self.push(
                        format!("{path}.contract"),
                        at,
                        format!("cluster \"{id}\": unknown contract \"{name}\""),
                        format!(
                            "use one of {}",
                            list(contract_index.keys().map(String::as_str))
                        ),
                    );
                    None
                }
                Some(&ci) => {
                    let spec = &contracts[ci];
                    if spec.provider != c.provider {
                        self.push(format!("{path}.contract"), at, format!("cluster \"{id}\" is on provider \"{}\" but contract \"{name}\" is with \"{}\"", c.provider, spec.provider), "cover the cluster with a contract of its own provider");
                    }
                    if spec.baseline != c.price_basis {
                        self.push(
                            format!("{path}.price_basis"),
                            at,
                            format!("cluster \"{id}\" quotes a {} rate but contract \"{name}\" discounts the {} rate", c.price_basis.as_str(), spec.baseline.as_str()),
                            format!("give the cluster's {} rate so the discount applies to the right baseline", spec.baseline.as_str()),
                        );
                    }
                    // The discount applies only inside the term: a horizon reaching past it would
                    // be priced wrongly, so say so instead of guessing.
                    if let (Some(ts), Some(te)) = (parse_date(&spec.start), parse_date(&spec.end)) {
                        let outside: Vec<usize> = horizon
                            .periods
                            .iter()
                            .filter(|p| p.start < ts || p.start > te)
                            .map(|p| p.number)
                            .collect();
                        if let (Some(first), Some(last)) = (outside.first(), outside.last()) {
                            self.push(
                                format!("{path}.contract"),
                                at,
                                format!(
                                    "cluster \"{id}\" is priced under contract \"{name}\" (term {ts} to {te}) but periods {first} to {last} of the horizon start outside that term"
                                ),
                                "plan only the term's periods, or model the capacity outside the term as a separate cluster without the contract",
                            );
                        }
                    }
                    discount = spec.discount;
                    Some(ContractId(ci))
                }
            },
        };
        Cluster {
            id,
            provider: c.provider.clone(),
            region: c.region.clone(),
            chip,
            chips,
            capacity,
            billing: c.billing,
            public_rate: c.usd_per_chip_hour,
            price_basis: c.price_basis,
            contract,
            rate: c.usd_per_chip_hour * (1.0 - discount),
        }
    }

    fn contract(
        &mut self,
        k: usize,
        c: &ContractSpec,
        horizon: &Horizon,
        cluster_index: &HashMap<String, usize>,
    ) -> Contract {
        let path = format!("contracts[{k}]");
        let at = self.src.at(c.id.span());
        let id = c.id.get_ref().clone();
        let date = |v: &mut Self, field: &str, s: &str| {
            parse_date(s).unwrap_or_else(|| {
                v.push(
                    format!("{path}.{field}"),
                    at,
                    format!("\"{s}\" is not a date"),
                    "write it as YYYY-MM-DD",
                );
                NaiveDate::MIN
            })
        };
        let start = date(self, "start", &c.start);
        let end = date(self, "end", &c.end);
        if start > end {
            self.push(
                format!("{path}.end"),
                at,
                format!("contract \"{id}\" ends ({end}) before it starts ({start})"),
                "swap or correct the dates",
            );
        }
        if !(0.0..1.0).contains(&c.discount) {
            self.push(
                format!("{path}.discount"),
                at,
                format!("discount {}", c.discount),
                "give a fraction from 0 to below 1 (0.15 = 15%)",
            );
        }
        if !(0.0..=1.0).contains(&c.inference_revenue_share) {
            self.push(
                format!("{path}.inference_revenue_share"),
                at,
                format!("share {}", c.inference_revenue_share),
                "give a fraction from 0 to 1",
            );
        }
        let mut spend_floors = Vec::new();
        for (j, s) in c.spend_floors.iter().enumerate() {
            let p = format!("{path}.spend_floors[{j}]");
            let fs = date(self, &format!("spend_floors[{j}].start"), &s.start);
            let fe = date(self, &format!("spend_floors[{j}].end"), &s.end);
            if fs > fe {
                self.push(
                    &p,
                    at,
                    format!("spend floor \"{}\" ends before it starts", s.name),
                    "correct the dates",
                );
            }
            for (field, x) in [
                ("floor_usd", s.floor_usd),
                ("spent_before_usd", s.spent_before_usd),
                ("forecast_after_usd", s.forecast_after_usd),
            ] {
                finite_nonneg(&mut self.problems, &format!("{p}.{field}"), at, x, field);
            }
            let periods = horizon
                .periods
                .iter()
                .enumerate()
                .filter(|(_, per)| fs <= per.start && per.start <= fe)
                .map(|(t, _)| t)
                .collect();
            spend_floors.push(SpendFloor {
                name: s.name.clone(),
                start: fs,
                end: fe,
                floor_usd: s.floor_usd,
                spent_before_usd: s.spent_before_usd,
                forecast_after_usd: s.forecast_after_usd,
                periods,
            });
        }
        let mut utilization_floors = Vec::new();
        for (j, u) in c.utilization_floors.iter().enumerate() {
            let p = format!("{path}.utilization_floors[{j}]");
            if !(0.0..=1.0).contains(&u.min_fraction) {
                self.push(
                    format!("{p}.min_fraction"),
                    at,
                    format!("fraction {}", u.min_fraction),
                    "give a fraction from 0 to 1 (0.8 = 80%)",
                );
            }
            if let Some(pen) = u.penalty_usd_per_chip_hour {
                finite_nonneg(
                    &mut self.problems,
                    &format!("{p}.penalty_usd_per_chip_hour"),
                    at,
                    pen,
                    "the penalty",
                );
            }
            match cluster_index.get(&u.cluster) {
                Some(&ci) => utilization_floors.push(UtilizationFloor {
                    cluster: ClusterId(ci),
                    min_fraction: u.min_fraction,
                    penalty_usd_per_chip_hour: u.penalty_usd_per_chip_hour,
                }),
                None => self.push(
                    format!("{p}.cluster"),
                    at,
                    format!("unknown cluster \"{}\"", u.cluster),
                    format!(
                        "use one of {}",
                        list(cluster_index.keys().map(String::as_str))
                    ),
                ),
            }
        }
        let mut placement = Vec::new();
        for (j, r) in c.placement.iter().enumerate() {
            if finite_nonneg(
                &mut self.problems,
                &format!("{path}.placement[{j}].min_params_billion"),
                at,
                r.min_params_billion,
                "the threshold",
            ) {
                placement.push(r.min_params_billion);
            }
        }
        Contract {
            id,
            provider: c.provider.clone(),
            start,
            end,
            discount: c.discount,
            baseline: c.baseline,
            inference_revenue_share: c.inference_revenue_share,
            spend_floors,
            utilization_floors,
            placement_min_params_billion: placement,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn workload(
        &mut self,
        k: usize,
        w: &WorkloadSpec,
        horizon: &Horizon,
        chips: &[Chip],
        chip_index: &HashMap<&str, usize>,
        clusters: &[Cluster],
        workload_index: &HashMap<String, usize>,
    ) -> Workload {
        let path = format!("workloads[{k}]");
        let at = self.src.at(w.id.span());
        let id = w.id.get_ref().clone();
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
                    format!("max_chips is {m}"),
                    "give a positive number or leave it out for no limit",
                );
            }
        }
        // Chips this workload names, and what one chip-hour of each delivers.
        let explicit_chips = w.chips.is_some() || !training;
        let mut chip_yield: BTreeMap<usize, f64> = BTreeMap::new();
        if training {
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
                        format!("MFU {m}"),
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
        } else {
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
                                format!("throughput {thr}"),
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
        }
        let allowed = |c: &Cluster| {
            w.providers.as_ref().is_none_or(|p| p.contains(&c.provider))
                && w.regions
                    .as_ref()
                    .is_none_or(|r| c.region.as_ref().is_some_and(|x| r.contains(x)))
        };
        let yield_per_chip_hour: Vec<Option<f64>> = clusters
            .iter()
            .map(|c| {
                if allowed(c) {
                    chip_yield.get(&c.chip).copied()
                } else {
                    None
                }
            })
            .collect();
        let ran_before = self.problems.len();
        if yield_per_chip_hour.iter().all(Option::is_none) && ran_before == self.problems.len() {
            self.push(
                &path,
                at,
                format!("workload \"{id}\" can run on no cluster"),
                "widen its `chips`, `providers` or `regions`, or add a cluster it may use",
            );
        }
        let demand = if training {
            let work = match (&w.work_pflop, &w.work_chip_hours) {
                (Some(p), None) => *p,
                (None, Some(r)) => {
                    match chip_index.get(r.chip.as_str()) {
                        Some(&i) => {
                            let chip = &chips[i];
                            let mfu = w.mfu.get(&chip.id).copied().or(chip.default_mfu);
                            match (chip.peak_tflops(w.precision), mfu) {
                                (Some(peak), Some(mfu)) => r.chip_hours * peak * mfu * 3.6,
                                _ => {
                                    self.push(format!("{path}.work_chip_hours.chip"), at, format!("chip \"{}\" has no peak or MFU figure for this workload", chip.id), format!("give mfu.{} or use work_pflop", chip.id));
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
                    }
                }
                _ => {
                    self.push(
                        &path,
                        at,
                        format!("training-type workload \"{id}\" needs its work"),
                        "give exactly one of work_pflop or work_chip_hours",
                    );
                    0.0
                }
            };
            if !(work.is_finite() && work > 0.0) && self.problems.len() == ran_before {
                self.push(
                    format!("{path}.work_pflop"),
                    at,
                    format!("work is {work} PFLOP"),
                    "give a positive, finite amount of work",
                );
            }
            Demand::Training { work_pflop: work }
        } else {
            let demand = match &w.demand {
                Some(d) => self.per_period(&format!("{path}.demand"), at, d, horizon, "demand"),
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
                    self.push(format!("{path}.unmet_penalty_usd"), at, format!("workload \"{id}\" is must-serve and also gives a penalty for unmet demand"), "remove one: must_serve = true, or unmet_penalty_usd");
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
        };
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
        Workload {
            id,
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

    fn dag(&mut self, f: &ScenarioFile, workloads: &[Workload]) -> DiGraph<WorkloadId, ()> {
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
    fn windows(
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

    /// Refuses models whose variable count would exhaust memory.
    fn check_sizes(&mut self, s: &Scenario) {
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
    fn check_fit(&mut self, f: &ScenarioFile, s: &Scenario) {
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

fn list<'s>(items: impl Iterator<Item = &'s str>) -> String {
    let mut v: Vec<&str> = items.collect();
    v.sort_unstable();
    if v.is_empty() {
        return "(none defined)".to_string();
    }
    v.iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
