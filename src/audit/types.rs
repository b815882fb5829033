//! What the audit returns: findings about the rules, and the status of every floor, workload,
//! price and allocation row it looked at.

use std::collections::BTreeMap;

use serde::Serialize;

/// Which rule a finding is about (stable names, used in JSON and CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The workload may not run on the cluster (its chips, providers or regions).
    NotAllowed,
    /// More chip-hours than the cluster has in the period.
    Capacity,
    /// Compute before the workload's release period.
    BeforeRelease,
    /// Compute after the training workload's deadline.
    AfterDeadline,
    /// Training work not done by the deadline.
    WorkIncomplete,
    /// A successor ran before a predecessor was done.
    Dependency,
    /// More chips at once than the workload's `max_chips`.
    MaxChips,
    /// A large training run off the provider a contract's placement rule requires.
    Placement,
    /// A hard utilization floor not met.
    UtilizationFloor,
    /// Must-serve inference demand not served.
    DemandUnserved,
    /// A spend floor not met: the shortfall is billed.
    SpendShortfall,
    /// A soft utilization floor not met: the stated penalty is billed.
    UtilizationShortfall,
}

impl Rule {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NotAllowed => "not_allowed",
            Rule::Capacity => "capacity",
            Rule::BeforeRelease => "before_release",
            Rule::AfterDeadline => "after_deadline",
            Rule::WorkIncomplete => "work_incomplete",
            Rule::Dependency => "dependency",
            Rule::MaxChips => "max_chips",
            Rule::Placement => "placement",
            Rule::UtilizationFloor => "utilization_floor",
            Rule::DemandUnserved => "demand_unserved",
            Rule::SpendShortfall => "spend_shortfall",
            Rule::UtilizationShortfall => "utilization_shortfall",
        }
    }

    /// Whether breaking the rule is a violation (as opposed to a shortfall the contract bills).
    pub fn severity(self) -> Severity {
        match self {
            Rule::SpendShortfall | Rule::UtilizationShortfall => Severity::Billed,
            _ => Severity::Violation,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A hard rule is broken: the allocation cannot be carried out as is.
    Violation,
    /// A floor is not met and the contract bills the shortfall (take-or-pay, stated penalty).
    Billed,
}

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// Violation or billed shortfall.
    pub severity: Severity,
    /// Workload involved, if any.
    pub workload: Option<String>,
    /// Cluster involved, if any.
    pub cluster: Option<String>,
    /// Contract involved, if any.
    pub contract: Option<String>,
    /// Period numbers involved (1-based).
    pub periods: Vec<usize>,
    /// By how much the rule is missed.
    pub amount: f64,
    /// Unit of `amount`.
    pub unit: String,
    /// One sentence in the model's terms.
    pub message: String,
}

/// Status of one spend floor.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SpendFloorStatus {
    /// Contract.
    pub contract: String,
    /// Floor label.
    pub name: String,
    /// Floor, USD.
    pub floor_usd: f64,
    /// Spend before the horizon, USD.
    pub spent_before_usd: f64,
    /// Spend at contract prices inside the horizon, USD.
    pub in_horizon_usd: f64,
    /// Forecast spend after the horizon, USD.
    pub forecast_after_usd: f64,
    /// Shortfall billed, USD (0 for a floor outside the horizon).
    pub shortfall_usd: f64,
    /// Whether the floor is met (for a floor outside the horizon: by the spend before and the
    /// forecast after).
    pub met: bool,
    /// Whether no horizon period starts inside the floor's term: nothing the plan does counts
    /// toward it, and it is no part of the plan's cost.
    pub outside_horizon: bool,
    /// For a floor outside the horizon, the spend it lacks beyond `spent_before_usd +
    /// forecast_after_usd`: what the forecast needs, USD (0 inside the horizon or when met).
    pub forecast_needed_usd: f64,
}

/// Utilization of one cluster in one period: every cluster with a utilization floor, and every
/// dedicated (`reserved`) cluster, whose idle chip-hours are paid.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct UtilizationStatus {
    /// Contract whose floor applies; for a dedicated cluster without a floor, its covering
    /// contract, if any.
    pub contract: Option<String>,
    /// Cluster.
    pub cluster: String,
    /// Period number (1-based).
    pub period: usize,
    /// Chip-hours used.
    pub used_chip_hours: f64,
    /// Chip-hours available.
    pub available_chip_hours: f64,
    /// Used fraction.
    pub fraction: f64,
    /// Floor fraction; `None` for a dedicated cluster without a floor.
    pub floor_fraction: Option<f64>,
    /// Chip-hours under the floor.
    pub short_chip_hours: f64,
    /// Penalty billed, USD (soft floors).
    pub penalty_usd: f64,
    /// Whether the floor is hard.
    pub hard: bool,
}

/// Progress of one training-type workload.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TrainingStatus {
    /// Workload.
    pub workload: String,
    /// Work to do, PFLOP.
    pub work_pflop: f64,
    /// Work done by the deadline, PFLOP.
    pub done_pflop: f64,
    /// Period (1-based) in which the work completes, if it does.
    pub finish_period: Option<usize>,
    /// Deadline period (1-based).
    pub deadline_period: usize,
    /// Chip-hours used.
    pub chip_hours: f64,
}

/// Demand of one inference workload over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct InferenceStatus {
    /// Workload.
    pub workload: String,
    /// Unit.
    pub unit: String,
    /// Total demand.
    pub demand: f64,
    /// Total served (at most the demand in each period).
    pub served: f64,
    /// Total unmet: everything not served, including what the tolerance lets pass.
    pub unmet: f64,
    /// Penalty for unmet demand, USD.
    pub penalty_usd: f64,
    /// Whether every unit had to be served.
    pub must_serve: bool,
}

/// What a provider's compute really cost against its public rates.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ProviderPrice {
    /// Provider.
    pub provider: String,
    /// Chip-hours used.
    pub chip_hours: f64,
    /// What was paid for compute (per-use usage plus whole reserved bills), USD.
    pub spend_usd: f64,
    /// What the chip-hours used would cost at the public rates, USD.
    pub public_usd: f64,
    /// Paid per chip-hour used.
    pub usd_per_chip_hour: f64,
    /// Public rate per chip-hour used (the baseline each cluster quotes).
    pub public_usd_per_chip_hour: f64,
    /// Paid per PFLOP of peak (BF16) throughput of the chip-hours used.
    pub usd_per_peak_pflop: f64,
    /// Public rate per PFLOP of peak (BF16) throughput of the chip-hours used.
    pub public_usd_per_peak_pflop: f64,
    /// Paid per PFLOP of training work delivered at the workloads' efficiencies (training only),
    /// at the rate paid per chip-hour used (the contract rate; idle reserved capacity is not in it).
    pub usd_per_training_pflop: Option<f64>,
    /// Public rate per PFLOP of training work for the same chip-hours.
    pub public_usd_per_training_pflop: Option<f64>,
    /// `1 - spend / public`: the discount achieved, idle reserved capacity included.
    pub discount_achieved: f64,
}

/// The cost of the allocation, by part.
#[derive(Debug, Clone, PartialEq, Serialize, Default, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Costs {
    /// Total, USD.
    pub total_usd: f64,
    /// Per-use chip-hours at contract or public rates, USD.
    pub usage_usd: f64,
    /// Reserved capacity, used or not, USD.
    pub reserved_usd: f64,
    /// Of which idle, USD.
    pub reserved_idle_usd: f64,
    /// Spend-floor shortfall billed, USD.
    pub spend_shortfall_usd: f64,
    /// Soft utilization floor penalties, USD.
    pub utilization_penalty_usd: f64,
    /// Unmet inference demand penalties, USD.
    pub unmet_penalty_usd: f64,
    /// Inference revenue share owed to providers, USD.
    pub revenue_share_usd: f64,
    /// Compute cost by provider (usage and reserved), USD.
    pub by_provider: BTreeMap<String, f64>,
    /// Compute cost by cluster (usage and reserved), USD.
    pub by_cluster: BTreeMap<String, f64>,
    /// Compute cost attributed to workloads (chip-hours at the rate paid), USD.
    pub by_workload: BTreeMap<String, f64>,
}

/// One allocation row, priced.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ScheduleRow {
    /// Period number (1-based).
    pub period: usize,
    /// First day of the period.
    pub period_start: String,
    /// Date label of the period (`2027-W05`, `2027-03`, `2028-Q2`, `2027-03-15`).
    pub period_label: String,
    /// Cluster.
    pub cluster: String,
    /// Provider.
    pub provider: String,
    /// Chip type.
    pub chip: String,
    /// Workload.
    pub workload: String,
    /// Chip-hours.
    pub chip_hours: f64,
    /// Chip-hours at the rate paid (for reserved clusters, the used share of the bill), USD.
    pub cost_usd: f64,
}

/// The audit of one allocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Round-off allowed per allocation row in every rule.
    pub tolerance: super::Tolerance,
    /// Date label of each horizon period, in order (`2027-W05`, `2027-03`, `2028-Q2`,
    /// `2027-03-15`): index 0 is period 1.
    pub period_labels: Vec<String>,
    /// Violations of hard rules, then billed shortfalls.
    pub findings: Vec<Finding>,
    /// Costs.
    pub costs: Costs,
    /// Spend floors.
    pub spend_floors: Vec<SpendFloorStatus>,
    /// Utilization of clusters with floors.
    pub utilization: Vec<UtilizationStatus>,
    /// Training progress.
    pub training: Vec<TrainingStatus>,
    /// Inference service.
    pub inference: Vec<InferenceStatus>,
    /// Effective prices per provider.
    pub prices: Vec<ProviderPrice>,
    /// The allocation, merged per (period, cluster, workload) and priced.
    pub schedule: Vec<ScheduleRow>,
    /// The bill per period, provider and contract, with floors over time and discounts.
    pub bill: super::Bill,
}

impl AuditReport {
    /// The date label of period `number` (1-based); empty outside the horizon.
    pub fn period_label(&self, number: usize) -> String {
        number
            .checked_sub(1)
            .and_then(|t| self.period_labels.get(t))
            .cloned()
            .unwrap_or_default()
    }

    /// Number of hard-rule violations.
    pub fn violations(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Violation)
            .count()
    }

    /// Number of billed shortfalls.
    pub fn shortfalls(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Billed)
            .count()
    }
}
