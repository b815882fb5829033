//! The validated scenario: what the planner and the audit work on.
//!
//! [`Scenario::from_file`] / [`Scenario::from_toml`] is the one door from the file format
//! ([`crate::schema`]) into this model. It resolves ids into indices, expands per-period
//! quantities, applies contract discounts to public rates, and checks every rule it can without
//! solving anything. It reports all the problems it finds at once, each with its place in the file
//! and what to do about it.
//!
//! The types live in `types`; the checking code in `validate`, one file per table.

mod types;
mod validate;

pub use types::{
    Chip, Cluster, ClusterId, Contract, ContractId, Demand, Horizon, Period, Replan, Scenario,
    SpendFloor, UtilizationFloor, Workload, WorkloadId,
};

/// The reference chip data shipped in `data/chips.toml`.
pub const REFERENCE_DATA: &str = include_str!("../../data/chips.toml");

/// Largest horizon accepted, in periods.
pub const MAX_PERIODS: u32 = 10_000;
/// Largest number of (workload, cluster, period) triples accepted: each may become a variable.
pub const MAX_CELLS: u64 = 50_000_000;
