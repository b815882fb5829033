//! The validated scenario's types: what the planner and the audit work on. Ids are indices;
//! per-period quantities are expanded; prices are after discount.

use std::path::PathBuf;

use chrono::{Datelike, Months, NaiveDate};
use petgraph::graph::DiGraph;

use crate::schema::{Billing, PeriodLength, Precision, PriceBasis, WorkloadKind};

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
    /// Length of the period.
    pub length: PeriodLength,
}

impl Period {
    /// The period's date label: the day (`2027-03-15`), the ISO week (`2027-W05`), the month
    /// (`2027-03`) or the calendar quarter (`2028-Q2`) its first day falls in.
    pub fn label(&self) -> String {
        let d = self.start;
        match self.length {
            PeriodLength::Day => d.format("%Y-%m-%d").to_string(),
            PeriodLength::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            PeriodLength::Month => d.format("%Y-%m").to_string(),
            PeriodLength::Quarter => format!("{}-Q{}", d.year(), d.month0() / 3 + 1),
        }
    }
}

/// The planning horizon, expanded into periods.
#[derive(Debug, Clone)]
pub struct Horizon {
    /// The runs of periods of one length, in order: (length, count).
    pub segments: Vec<(PeriodLength, usize)>,
    /// The periods, in order; index 0 is period number 1.
    pub periods: Vec<Period>,
}

impl Horizon {
    /// Expands `count` periods of `length` from `start`.
    pub fn new(start: NaiveDate, length: PeriodLength, count: u32) -> Option<Self> {
        Self::segmented(start, &[(length, count)])
    }

    /// Expands runs of periods, each run from the day the previous one ended. Months and
    /// quarters count calendar months from their run's first day (from 31 January: 28 February,
    /// then 31 March). `None` past the calendar's end.
    pub fn segmented(start: NaiveDate, segments: &[(PeriodLength, u32)]) -> Option<Self> {
        let total: usize = segments.iter().map(|&(_, n)| n as usize).sum();
        let mut periods = Vec::with_capacity(total);
        let mut begin = start;
        for &(length, count) in segments {
            let first = begin;
            for k in 1..=count {
                let end = match length {
                    PeriodLength::Day => begin.succ_opt()?,
                    PeriodLength::Week => begin.checked_add_days(chrono::Days::new(7))?,
                    PeriodLength::Month => first.checked_add_months(Months::new(k))?,
                    PeriodLength::Quarter => {
                        first.checked_add_months(Months::new(k.checked_mul(3)?))?
                    }
                };
                periods.push(Period {
                    number: periods.len() + 1,
                    start: begin,
                    end,
                    hours: (end - begin).num_days() as f64 * 24.0,
                    length,
                });
                begin = end;
            }
        }
        let segments = segments.iter().map(|&(l, n)| (l, n as usize)).collect();
        Some(Horizon { segments, periods })
    }

    /// The period lengths in words: `13 weeks, 9 months, 8 quarters` (`1 week` for one).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|&(l, n)| {
                let word = l.as_str();
                if n == 1 {
                    format!("1 {word}")
                } else {
                    format!("{n} {word}s")
                }
            })
            .collect();
        parts.join(", ")
    }

    /// Number of periods.
    pub fn len(&self) -> usize {
        self.periods.len()
    }

    /// Whether there are no periods.
    pub fn is_empty(&self) -> bool {
        self.periods.is_empty()
    }

    /// The same days as whole weeks from the first day, then the days left over: the all-weekly
    /// twin of this horizon (13 weeks, 9 months, 8 quarters from 2027-01-04, 1,097 days, give
    /// 156 weeks and 5 days).
    pub fn weekly_twin(&self) -> Vec<(PeriodLength, u32)> {
        let (Some(first), Some(last)) = (self.periods.first(), self.periods.last()) else {
            return Vec::new();
        };
        let days = u32::try_from((last.end - first.start).num_days()).unwrap_or(u32::MAX);
        [
            (PeriodLength::Week, days / 7),
            (PeriodLength::Day, days % 7),
        ]
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .collect()
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
    /// The `[replan]` table, if the file keeps a re-plan.
    pub replan: Option<Replan>,
}

/// A re-plan kept in the scenario file (`[replan]`), its paths resolved against the file's
/// folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Replan {
    /// First day planned.
    pub as_of: NaiveDate,
    /// First period (0-based) planned; the ones before it are fixed.
    pub first_open: usize,
    /// The actuals file.
    pub actuals: PathBuf,
    /// The previous plan, if named.
    pub previous: Option<PathBuf>,
}

impl Scenario {
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
