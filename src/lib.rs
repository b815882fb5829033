//! capplan: cost-minimizing compute-capacity plans under multi-year accelerator contracts.
//!
//! A scenario (TOML, see [`schema`]) describes accelerator clusters, training and inference
//! workloads with their dependencies, and contract terms (discounts, spend and utilization
//! floors, placement rules). [`plan::plan`] turns it into a linear or mixed-integer program
//! ([`formulation`]), solves it ([`solver`]), and audits the result with an independent checker
//! ([`audit`]) before anything is written. The same audit checks any allocation read from a file
//! by [`allocation_io`] (a plan's `schedule.csv` or `plan.json`, or a spreadsheet): `capplan check`.
//!
//! ```
//! use capplan::model::Scenario;
//! use capplan::plan::{plan, PlanOptions, PlanOutcome};
//!
//! let toml = r#"
//! [horizon]
//! start = "2027-01-04"
//! period = "week"
//! periods = 2
//!
//! [[clusters]]
//! id = "h100-spot"
//! provider = "aws"
//! chip = "h100"
//! chips = 8
//! billing = "per-use"
//! usd_per_chip_hour = 6.88
//! price_basis = "on-demand"
//!
//! [[workloads]]
//! id = "finetune"
//! kind = "post-training"
//! work_chip_hours = { chip = "h100", chip_hours = 1000 }
//! "#;
//! let scenario = Scenario::from_toml(toml, "example.toml".as_ref()).unwrap();
//! let PlanOutcome::Planned { audit, .. } = plan(&scenario, &PlanOptions::default()).unwrap() else {
//!     panic!("expected a plan");
//! };
//! // 1,000 H100 chip-hours at $6.88.
//! assert!((audit.costs.total_usd - 6_880.0).abs() < 1e-3);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Quantities are kept per period in parallel vectors (capacity, usage, demand); indexing them by
// the period number reads closer to the model than zipped iterators do.
#![allow(clippy::needless_range_loop)]

pub mod allocation;
pub mod allocation_io;
pub mod audit;
pub mod branch;
pub mod deadlines;
pub mod diff;
pub mod document;
pub mod duals;
pub mod error;
pub mod export;
pub mod finance;
pub mod format;
pub mod formulation;
pub mod generate;
pub mod heuristic;
pub mod html;
pub mod lp;
pub mod model;
pub mod output;
pub mod output_schema;
pub mod overrides;
pub mod plan;
pub mod replan;
pub mod report;
pub mod scenario_schema;
pub mod schema;
pub mod sensitivity;
pub mod sifting;
pub mod solver;
pub mod sweep;
pub mod sweep_output;
pub mod validation;
