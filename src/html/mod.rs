//! `report.html`: one self-contained page (inline CSS and SVG, no external fonts or scripts) that
//! shows a plan or a check as charts, drawn here in Rust so they show without JavaScript.
//!
//! The page is rendered from the JSON document alone (`plan.json`, `check --format json`), so a
//! saved document can be rendered again later with `capplan report`. Reading the document is in
//! [`view`]; SVG primitives (scales, axes, escaping) in [`svg`]; one function per chart in
//! [`charts`]; the page around them in [`page`].

use serde::{Deserialize, Serialize};

use crate::model::Scenario;
use crate::schema::Billing;

mod charts;
mod gantt;
mod page;
pub mod svg;
pub mod view;

/// A document that cannot be rendered, or a page that cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The document cannot be read.
    #[error("cannot read {0}: {1}; give a plan.json from `capplan plan --out DIR` or the output of `capplan check --format json`")]
    Read(String, String),
    /// Not JSON, or not the shape of a plan or check document.
    #[error("{0} is not a capplan plan.json or check JSON document: {1}")]
    NotADocument(String, String),
    /// A document of another `format_version` (the message names the file and the fix).
    #[error("{0}")]
    Version(String),
    /// The page cannot be written (the error names the path and a fix).
    #[error(transparent)]
    Write(#[from] crate::output::OutputError),
}

/// `capplan report`: renders the document at `document` into `output` (default: `report.html`
/// beside the document), written atomically; returns the page's path.
pub fn write_report(
    document: &std::path::Path,
    output: Option<&std::path::Path>,
) -> Result<std::path::PathBuf, ReportError> {
    let name = document.display().to_string();
    let doc: serde_json::Value = std::fs::read(document)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        .map_err(|e| ReportError::Read(name.clone(), e))?;
    let html = render(&doc, &name)?;
    let out = output.map_or_else(
        || {
            let dir = document.parent().unwrap_or(std::path::Path::new("."));
            dir.join("report.html")
        },
        |p| p.to_path_buf(),
    );
    crate::output::write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

/// Renders a plan or check document (as written by `capplan plan --out` or `capplan check
/// --format json`) into one self-contained HTML page. `source` names the document in errors.
pub fn render(doc: &serde_json::Value, source: &str) -> Result<String, ReportError> {
    if doc.is_object() {
        crate::report::read_format_version(doc, source).map_err(ReportError::Version)?;
    }
    let v = view::View::read(doc)
        .map_err(|e| ReportError::NotADocument(source.to_string(), e.to_string()))?;
    Ok(page::page(&v))
}

/// Periods, clusters and workloads of the scenario: what the charts are drawn against, carried in
/// the JSON documents so that a saved document can be rendered without its scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Calendar {
    /// The horizon's periods, in order.
    pub periods: Vec<CalendarPeriod>,
    /// Clusters with their chips per period.
    pub clusters: Vec<CalendarCluster>,
    /// Workloads with their windows and predecessors.
    pub workloads: Vec<CalendarWorkload>,
}

/// One period of the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CalendarPeriod {
    /// Period number (1-based).
    pub period: usize,
    /// First day.
    pub start: String,
    /// First day of the next period.
    pub end: String,
    /// Hours in the period.
    pub hours: f64,
    /// Date label (`2027-W05`, `2027-03`, `2028-Q2`, `2027-03-15`); empty in documents written
    /// before labels existed.
    #[serde(default)]
    pub label: String,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CalendarCluster {
    /// Identifier.
    pub id: String,
    /// Provider.
    pub provider: String,
    /// Chip type.
    pub chip: String,
    /// `reserved` or `per-use`.
    pub billing: String,
    /// Chips available in each period.
    pub chips: Vec<f64>,
}

/// One workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CalendarWorkload {
    /// Identifier.
    pub id: String,
    /// Kind (`pre-training`, ..., `inference`).
    pub kind: String,
    /// First period (1-based) it may receive compute.
    pub release: usize,
    /// Last period (1-based) it may receive compute (training-type workloads).
    pub deadline: Option<usize>,
    /// Workloads it waits for.
    pub after: Vec<String>,
}

impl Calendar {
    /// The calendar of a scenario.
    pub fn of(s: &Scenario) -> Calendar {
        Calendar {
            periods: s
                .horizon
                .periods
                .iter()
                .map(|p| CalendarPeriod {
                    period: p.number,
                    start: p.start.to_string(),
                    end: p.end.to_string(),
                    hours: p.hours,
                    label: p.label(),
                })
                .collect(),
            clusters: s
                .clusters
                .iter()
                .map(|c| CalendarCluster {
                    id: c.id.clone(),
                    provider: c.provider.clone(),
                    chip: s.chips[c.chip].id.clone(),
                    billing: match c.billing {
                        Billing::Reserved => "reserved",
                        Billing::PerUse => "per-use",
                    }
                    .to_string(),
                    chips: c.chips.clone(),
                })
                .collect(),
            workloads: s
                .workloads
                .iter()
                .map(|w| CalendarWorkload {
                    id: w.id.clone(),
                    kind: w.kind.as_str().to_string(),
                    release: w.release + 1,
                    deadline: w.kind.is_training().then_some(w.deadline + 1),
                    after: w
                        .after
                        .iter()
                        .map(|p| s.workloads[p.0].id.clone())
                        .collect(),
                })
                .collect(),
        }
    }
}
