//! An allocation: chip-hours of workloads on clusters per period, whoever produced it.
//!
//! The planner produces one; finance brings one from a spreadsheet. The audit
//! ([`crate::audit`]) judges both the same way.

use crate::model::{ClusterId, WorkloadId};

/// Chip-hours of one workload on one cluster in one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AllocRow {
    /// Period, 0-based.
    pub period: usize,
    /// Cluster.
    pub cluster: ClusterId,
    /// Workload.
    pub workload: WorkloadId,
    /// Chip-hours.
    pub chip_hours: f64,
}

/// A set of allocation rows. Several rows for the same (period, cluster, workload) add up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Allocation {
    /// The rows.
    pub rows: Vec<AllocRow>,
}
