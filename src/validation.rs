//! What `capplan validate` found, as one document: for people (the text line) and for CI
//! pipelines (`--format json`).

use std::path::Path;

use serde::Serialize;

use crate::error::{LoadError, Problem};
use crate::model::Scenario;

/// Version of the `validate --format json` document; raised when a field changes meaning or
/// goes away (adding one does not).
pub const FORMAT_VERSION: u32 = 1;

/// The result of validating one scenario file.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationDocument {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The file, as given on the command line.
    pub file: String,
    /// Whether the file can be planned on (no problem found).
    pub valid: bool,
    /// Every problem found, in the order the text output lists them; empty when valid.
    pub problems: Vec<Problem>,
    /// What the scenario holds; `null` when it is not valid (the model is only built from a
    /// valid file).
    pub summary: Option<Summary>,
}

/// Counts of what a valid scenario holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Planning periods.
    pub periods: usize,
    /// Clusters.
    pub clusters: usize,
    /// Workloads, training-type and inference.
    pub workloads: usize,
    /// Dependency edges between workloads (`after`).
    pub dependencies: usize,
    /// Contracts.
    pub contracts: usize,
}

impl Summary {
    /// The counts of `s`.
    pub fn of(s: &Scenario) -> Self {
        Summary {
            periods: s.horizon.len(),
            clusters: s.clusters.len(),
            workloads: s.workloads.len(),
            dependencies: s.dag.edge_count(),
            contracts: s.contracts.len(),
        }
    }
}

/// The document for `file`, given what loading it gave.
pub fn validation_document(
    file: &Path,
    loaded: &Result<Scenario, LoadError>,
) -> ValidationDocument {
    let (problems, summary) = match loaded {
        Ok(s) => (Vec::new(), Some(Summary::of(s))),
        Err(e) => (e.problems(), None),
    };
    ValidationDocument {
        format_version: FORMAT_VERSION,
        file: file.display().to_string(),
        valid: loaded.is_ok(),
        problems,
        summary,
    }
}

/// The one line `capplan validate` prints for a valid file.
pub fn summary_line(file: &Path, s: &Summary) -> String {
    use crate::report::{count, count_s};
    format!(
        "{}: valid: {}, {}, {} ({}), {}",
        file.display(),
        count_s(s.periods, "period"),
        count_s(s.clusters, "cluster"),
        count_s(s.workloads, "workload"),
        count(s.dependencies, "dependency", "dependencies"),
        count_s(s.contracts, "contract")
    )
}
