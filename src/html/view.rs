//! What the page needs from a plan or check document ([`crate::report::Document`], one shape
//! for both), read leniently: sections a document does not have (an infeasible plan has no
//! schedule and no bill) are empty.

use serde::Deserialize;

use super::Calendar;
use crate::audit::Bill;

/// The document as the page reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct View {
    /// Scenario file.
    pub scenario: String,
    /// Allocation file (check documents).
    pub allocation: Option<String>,
    /// Plan or check status.
    pub status: String,
    /// Total cost, USD.
    pub total_cost_usd: Option<f64>,
    /// The schedule.
    pub schedule: Vec<ScheduleView>,
    /// Training progress.
    pub training: Vec<TrainingView>,
    /// Utilization per cluster and period.
    pub utilization: Vec<UtilizationView>,
    /// The bill.
    pub bill: Option<Bill>,
    /// Periods, clusters, workloads.
    pub calendar: Calendar,
    /// What an infeasible scenario cannot meet.
    pub unmeetable: Vec<MessageView>,
    /// Audit findings.
    pub findings: Vec<FindingView>,
    /// Shadow prices of the binding terms, when the plan carries them.
    pub sensitivity: Option<SensitivityView>,
}

/// One schedule row.
#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleView {
    /// Period (1-based).
    pub period: usize,
    /// Cluster.
    pub cluster: String,
    /// Workload.
    pub workload: String,
    /// Chip-hours.
    pub chip_hours: f64,
}

/// One training workload's progress.
#[derive(Debug, Clone, Deserialize)]
pub struct TrainingView {
    /// Workload.
    pub workload: String,
    /// Period (1-based) its work completes in.
    pub finish_period: Option<usize>,
    /// Deadline period (1-based).
    pub deadline_period: usize,
}

/// Utilization of one cluster in one period.
#[derive(Debug, Clone, Deserialize)]
pub struct UtilizationView {
    /// Cluster.
    pub cluster: String,
    /// Period (1-based).
    pub period: usize,
    /// Used fraction.
    pub fraction: f64,
    /// Floor fraction, if the cluster has one.
    pub floor_fraction: Option<f64>,
}

/// Anything with a message.
#[derive(Debug, Clone, Deserialize)]
pub struct MessageView {
    /// One sentence.
    pub message: String,
}

/// One audit finding.
#[derive(Debug, Clone, Deserialize)]
pub struct FindingView {
    /// `violation` or `billed`.
    pub severity: String,
    /// Rule name.
    pub rule: String,
    /// One sentence.
    pub message: String,
}

/// The `sensitivity` section of a plan ([`crate::sensitivity::Sensitivity`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SensitivityView {
    /// How the prices were found (`lp`, or `lp_with_integers_fixed` for plans with
    /// dependencies), in words.
    pub note: String,
    /// Every binding term.
    pub terms: Vec<TermView>,
}

/// One binding term and its shadow price.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TermView {
    /// Kind: `capacity`, `spend_floor`, `utilization_floor`, `demand`, `work`, `max_chips`.
    pub kind: String,
    /// Contract, floor, cluster and workload it binds, where they apply.
    pub contract: Option<String>,
    /// Spend floor name.
    pub floor: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
    /// Workload.
    pub workload: Option<String>,
    /// Period (1-based).
    pub period: Option<usize>,
    /// Change of the total cost per one more unit, USD.
    pub usd_per_unit: f64,
    /// Unit of the term.
    pub unit: String,
}

impl View {
    /// Reads a plan or check document.
    pub fn read(doc: &serde_json::Value) -> Result<View, serde_json::Error> {
        if !doc.is_object() || doc.get("status").is_none() {
            return Err(serde::de::Error::custom(
                "expected a JSON object with a \"status\"",
            ));
        }
        View::deserialize(doc)
    }

    /// Hours of a period (1-based), from the calendar.
    pub fn hours(&self, period: usize) -> f64 {
        self.calendar
            .periods
            .get(period.wrapping_sub(1))
            .map_or(0.0, |p| p.hours)
    }
}
