//! `capplan diff A B`: what changed between two plans (`plan.json` files or `--out` folders).
//!
//! The comparison reads only the plan documents, never the scenarios: status, the total and
//! each cost part, chip-hours per cluster and period, spend floors (met, shortfall),
//! utilization per cluster and period, and the training workloads whose finish period moved.
//! Numbers that agree within solver noise (1e-4 absolute, 1e-7 relative) are the same.
//! Two identical plans diff to nothing. Where both plans carry shadow prices (`sensitivity`,
//! [`crate::sensitivity`]), the terms that started or stopped binding are listed too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::format::fmt_num;
use crate::report::Table;

/// The parts of a plan document a diff reads.
#[derive(Debug, Clone, Deserialize)]
struct PlanDoc {
    status: String,
    total_cost_usd: Option<f64>,
    costs: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    spend_floors: Vec<FloorDoc>,
    #[serde(default)]
    utilization: Vec<UtilizationDoc>,
    #[serde(default)]
    training: Vec<TrainingDoc>,
    #[serde(default)]
    schedule: Vec<ScheduleDoc>,
    #[serde(default)]
    overrides: Vec<OverrideDoc>,
    #[serde(default)]
    sensitivity: Option<SensitivityDoc>,
}

#[derive(Debug, Clone, Deserialize)]
struct SensitivityDoc {
    #[serde(default)]
    terms: Vec<TermDoc>,
}

/// A binding term, named by what it binds: kind, contract, floor, cluster, workload, period.
#[derive(Debug, Clone, Deserialize)]
struct TermDoc {
    kind: String,
    contract: Option<String>,
    floor: Option<String>,
    cluster: Option<String>,
    workload: Option<String>,
    period: Option<usize>,
    usd_per_unit: f64,
    unit: String,
}

impl TermDoc {
    /// What the term binds, as one line: `capacity trn2-dedicated, period 5`.
    fn place(&self) -> String {
        let names = [&self.contract, &self.floor, &self.cluster, &self.workload];
        let place = crate::sensitivity::place_in_document(names, self.period);
        format!("{} {place}", self.kind)
    }
}

#[derive(Debug, Clone, Deserialize)]
struct FloorDoc {
    contract: String,
    name: String,
    shortfall_usd: f64,
    met: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct UtilizationDoc {
    cluster: String,
    period: usize,
    fraction: f64,
}

#[derive(Debug, Clone, Deserialize)]
struct TrainingDoc {
    workload: String,
    finish_period: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
struct ScheduleDoc {
    period: usize,
    cluster: String,
    chip_hours: f64,
}

#[derive(Debug, Clone, Deserialize)]
struct OverrideDoc {
    set: String,
}

/// A value in plan A and in plan B.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Change<T> {
    /// In A.
    pub a: T,
    /// In B.
    pub b: T,
}

/// A number that changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NumberChange {
    /// What (a cost part: `total_usd`, `usage_usd`, ...).
    pub name: String,
    /// In A (absent where A has no plan).
    pub a: Option<f64>,
    /// In B.
    pub b: Option<f64>,
    /// `b - a` where both exist.
    pub delta: Option<f64>,
}

/// Chip-hours of one cluster in one period that changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CellChange {
    /// Cluster.
    pub cluster: String,
    /// Period (1-based).
    pub period: usize,
    /// In A.
    pub a: f64,
    /// In B.
    pub b: f64,
    /// `b - a`.
    pub delta: f64,
}

/// A spend floor whose status or shortfall changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FloorChange {
    /// Contract.
    pub contract: String,
    /// Floor name.
    pub name: String,
    /// Met in A, B (absent where that plan does not have the floor).
    pub met: Change<Option<bool>>,
    /// Shortfall billed in A, B, USD.
    pub shortfall_usd: Change<Option<f64>>,
}

/// A cluster's used fraction in a period that changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct UtilizationChange {
    /// Cluster.
    pub cluster: String,
    /// Period (1-based).
    pub period: usize,
    /// Used fraction in A, B.
    pub fraction: Change<Option<f64>>,
}

/// A training workload whose finish period moved.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FinishChange {
    /// Workload.
    pub workload: String,
    /// Finish period in A, B (absent: does not finish, or not in that plan).
    pub finish_period: Change<Option<usize>>,
}

/// A term binding in one plan and not in the other (its shadow price is zero there).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct BindingChange {
    /// The term: its kind and what it binds (`capacity trn2-dedicated, period 5`).
    pub term: String,
    /// Unit of the price: USD per one more of it.
    pub unit: String,
    /// Shadow price in A, B, USD per unit (absent where the term does not bind).
    pub usd_per_unit: Change<Option<f64>>,
}

/// What changed from plan A to plan B; every list holds changes only.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PlanDiff {
    /// Plan A's file.
    pub a: String,
    /// Plan B's file.
    pub b: String,
    /// Whether nothing below changed.
    pub identical: bool,
    /// Status, where it changed.
    pub status: Option<Change<String>>,
    /// `--set` overrides each plan was made with, where they differ.
    pub overrides: Option<Change<Vec<String>>>,
    /// Total and cost parts that changed.
    pub costs: Vec<NumberChange>,
    /// Chip-hours per cluster and period that changed.
    pub chip_hours: Vec<CellChange>,
    /// Spend floors that changed.
    pub spend_floors: Vec<FloorChange>,
    /// Utilization that changed.
    pub utilization: Vec<UtilizationChange>,
    /// Workloads whose finish period moved.
    pub finish: Vec<FinishChange>,
    /// Terms that started or stopped binding (where both plans carry shadow prices).
    pub binding: Vec<BindingChange>,
}

/// Why two plans cannot be compared.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DiffError(String);

/// The `plan.json` a path names: the file, or `plan.json` inside an `--out` folder.
fn plan_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("plan.json")
    } else {
        path.to_path_buf()
    }
}

fn read(path: &Path) -> Result<(PathBuf, PlanDoc), DiffError> {
    let file = plan_file(path);
    let text = std::fs::read_to_string(&file)
        .map_err(|e| DiffError(format!("{}: cannot read: {e}", file.display())))?;
    let not_a_plan = |e: serde_json::Error| {
        DiffError(format!(
            "{}: not a plan document (`capplan plan --format json` or --out's plan.json): {e}",
            file.display()
        ))
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not_a_plan)?;
    if value.is_object() {
        crate::report::read_format_version(&value, &file.display().to_string())
            .map_err(DiffError)?;
    }
    let doc = PlanDoc::deserialize(&value).map_err(not_a_plan)?;
    Ok((file, doc))
}

/// Compares the plans at `a` and `b`.
pub fn diff_files(a: &Path, b: &Path) -> Result<PlanDiff, DiffError> {
    let (fa, da) = read(a)?;
    let (fb, db) = read(b)?;
    Ok(diff(&fa, &da, &fb, &db))
}

/// Compares the saved plan at `a` with a plan document held in memory (`b`, its JSON bytes),
/// named `b_name` in the output: what `capplan replan --previous` says changed.
pub fn diff_with_document(a: &Path, b_name: &str, b: &[u8]) -> Result<PlanDiff, DiffError> {
    let (fa, da) = read(a)?;
    let db: PlanDoc = serde_json::from_slice(b)
        .map_err(|e| DiffError(format!("{b_name}: not a plan document: {e}")))?;
    Ok(diff(&fa, &da, Path::new(b_name), &db))
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4_f64.max(1e-7 * a.abs().max(b.abs()))
}

fn same_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

fn diff(fa: &Path, a: &PlanDoc, fb: &Path, b: &PlanDoc) -> PlanDiff {
    let overrides = |d: &PlanDoc| {
        d.overrides
            .iter()
            .map(|o| o.set.clone())
            .collect::<Vec<_>>()
    };
    let (oa, ob) = (overrides(a), overrides(b));
    let mut d = PlanDiff {
        a: fa.display().to_string(),
        b: fb.display().to_string(),
        identical: false,
        status: (a.status != b.status).then(|| Change {
            a: a.status.clone(),
            b: b.status.clone(),
        }),
        overrides: (oa != ob).then_some(Change { a: oa, b: ob }),
        costs: costs(a, b),
        chip_hours: chip_hours(a, b),
        spend_floors: floors(a, b),
        utilization: utilization(a, b),
        finish: finish(a, b),
        binding: binding(a, b),
    };
    d.identical = d.status.is_none()
        && d.overrides.is_none()
        && d.costs.is_empty()
        && d.chip_hours.is_empty()
        && d.spend_floors.is_empty()
        && d.utilization.is_empty()
        && d.finish.is_empty()
        && d.binding.is_empty();
    d
}

fn costs(a: &PlanDoc, b: &PlanDoc) -> Vec<NumberChange> {
    let part = |d: &PlanDoc, name: &str| {
        if name == "total_usd" {
            return d.total_cost_usd;
        }
        d.costs.as_ref()?.get(name)?.as_f64()
    };
    // The scalar parts, in the plan document's order; per-provider maps are left to the report.
    let names = [
        "total_usd",
        "usage_usd",
        "reserved_usd",
        "reserved_idle_usd",
        "spend_shortfall_usd",
        "utilization_penalty_usd",
        "unmet_penalty_usd",
        "revenue_share_usd",
    ];
    names
        .iter()
        .filter_map(|n| {
            let (x, y) = (part(a, n), part(b, n));
            (!same_opt(x, y)).then(|| NumberChange {
                name: n.to_string(),
                a: x,
                b: y,
                delta: x.zip(y).map(|(x, y)| y - x),
            })
        })
        .collect()
}

fn chip_hours(a: &PlanDoc, b: &PlanDoc) -> Vec<CellChange> {
    let mut cells: BTreeMap<(String, usize), (f64, f64)> = BTreeMap::new();
    for r in &a.schedule {
        cells.entry((r.cluster.clone(), r.period)).or_default().0 += r.chip_hours;
    }
    for r in &b.schedule {
        cells.entry((r.cluster.clone(), r.period)).or_default().1 += r.chip_hours;
    }
    cells
        .into_iter()
        .filter(|(_, (x, y))| !same(*x, *y))
        .map(|((cluster, period), (x, y))| CellChange {
            cluster,
            period,
            a: x,
            b: y,
            delta: y - x,
        })
        .collect()
}

fn floors(a: &PlanDoc, b: &PlanDoc) -> Vec<FloorChange> {
    type Pair<'a> = (Option<&'a FloorDoc>, Option<&'a FloorDoc>);
    let mut all: BTreeMap<(String, String), Pair> = BTreeMap::new();
    for f in &a.spend_floors {
        all.entry((f.contract.clone(), f.name.clone()))
            .or_default()
            .0 = Some(f);
    }
    for f in &b.spend_floors {
        all.entry((f.contract.clone(), f.name.clone()))
            .or_default()
            .1 = Some(f);
    }
    all.into_iter()
        .filter_map(|((contract, name), (x, y))| {
            let met = Change {
                a: x.map(|f| f.met),
                b: y.map(|f| f.met),
            };
            let shortfall_usd = Change {
                a: x.map(|f| f.shortfall_usd),
                b: y.map(|f| f.shortfall_usd),
            };
            (met.a != met.b || !same_opt(shortfall_usd.a, shortfall_usd.b)).then_some(FloorChange {
                contract,
                name,
                met,
                shortfall_usd,
            })
        })
        .collect()
}

fn utilization(a: &PlanDoc, b: &PlanDoc) -> Vec<UtilizationChange> {
    let mut all: BTreeMap<(String, usize), (Option<f64>, Option<f64>)> = BTreeMap::new();
    for u in &a.utilization {
        all.entry((u.cluster.clone(), u.period)).or_default().0 = Some(u.fraction);
    }
    for u in &b.utilization {
        all.entry((u.cluster.clone(), u.period)).or_default().1 = Some(u.fraction);
    }
    all.into_iter()
        .filter(|(_, (x, y))| match (x, y) {
            // Fractions: 1e-6 is a thousandth of a percent.
            (Some(x), Some(y)) => (x - y).abs() > 1e-6,
            (x, y) => x.is_some() || y.is_some(),
        })
        .map(|((cluster, period), (x, y))| UtilizationChange {
            cluster,
            period,
            fraction: Change { a: x, b: y },
        })
        .collect()
}

fn finish(a: &PlanDoc, b: &PlanDoc) -> Vec<FinishChange> {
    let mut all: BTreeMap<&str, (Option<usize>, Option<usize>)> = BTreeMap::new();
    for t in &a.training {
        all.entry(&t.workload).or_default().0 = t.finish_period;
    }
    for t in &b.training {
        all.entry(&t.workload).or_default().1 = t.finish_period;
    }
    all.into_iter()
        .filter(|(_, (x, y))| x != y)
        .map(|(w, (x, y))| FinishChange {
            workload: w.to_string(),
            finish_period: Change { a: x, b: y },
        })
        .collect()
}

/// Terms binding in one plan only; nothing unless both plans carry shadow prices.
fn binding(a: &PlanDoc, b: &PlanDoc) -> Vec<BindingChange> {
    let (Some(sa), Some(sb)) = (&a.sensitivity, &b.sensitivity) else {
        return Vec::new();
    };
    let mut all: BTreeMap<String, (String, Option<f64>, Option<f64>)> = BTreeMap::new();
    for t in &sa.terms {
        all.entry(t.place())
            .or_insert((t.unit.clone(), None, None))
            .1 = Some(t.usd_per_unit);
    }
    for t in &sb.terms {
        all.entry(t.place())
            .or_insert((t.unit.clone(), None, None))
            .2 = Some(t.usd_per_unit);
    }
    all.into_iter()
        .filter(|(_, (_, x, y))| x.is_none() != y.is_none())
        .map(|(term, (unit, x, y))| BindingChange {
            term,
            unit,
            usd_per_unit: Change { a: x, b: y },
        })
        .collect()
}

fn money(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("${}", fmt_num(x)))
}

fn signed(x: Option<f64>, unit: &str) -> String {
    match x {
        None => "-".into(),
        Some(x) if x >= 0.0 => format!("+{unit}{}", fmt_num(x)),
        Some(x) => format!("-{unit}{}", fmt_num(-x)),
    }
}

fn opt<T: ToString>(x: &Option<T>) -> String {
    x.as_ref().map_or("-".into(), T::to_string)
}

impl PlanDiff {
    /// Aligned text for a terminal.
    pub fn text(&self) -> String {
        let mut out = format!("capplan diff: {} -> {}\n", self.a, self.b);
        if self.identical {
            out.push_str("No differences: the two plans are the same.\n");
            return out;
        }
        if let Some(s) = &self.status {
            let _ = writeln!(out, "Status: {} -> {}", s.a, s.b);
        }
        if let Some(o) = &self.overrides {
            let show = |v: &[String]| {
                if v.is_empty() {
                    "none".into()
                } else {
                    v.join("; ")
                }
            };
            let _ = writeln!(out, "Overrides: {} -> {}", show(&o.a), show(&o.b));
        }
        if !self.costs.is_empty() {
            let mut t = Table::new(&["cost part", "A", "B", "change"]);
            for c in &self.costs {
                t.row(vec![
                    c.name.clone(),
                    money(c.a),
                    money(c.b),
                    signed(c.delta, "$"),
                ]);
            }
            let _ = write!(out, "\nCosts that changed:\n{}", t.render());
        }
        if !self.chip_hours.is_empty() {
            let mut t = Table::new(&["cluster", "period", "A chip-h", "B chip-h", "change"]);
            for c in &self.chip_hours {
                t.row(vec![
                    c.cluster.clone(),
                    c.period.to_string(),
                    fmt_num(c.a),
                    fmt_num(c.b),
                    signed(Some(c.delta), ""),
                ]);
            }
            let _ = write!(out, "\nChip-hours that changed:\n{}", t.render());
        }
        if !self.spend_floors.is_empty() {
            let mut t = Table::new(&[
                "contract",
                "floor",
                "A met",
                "B met",
                "A shortfall",
                "B shortfall",
            ]);
            for f in &self.spend_floors {
                t.row(vec![
                    f.contract.clone(),
                    f.name.clone(),
                    opt(&f.met.a),
                    opt(&f.met.b),
                    money(f.shortfall_usd.a),
                    money(f.shortfall_usd.b),
                ]);
            }
            let _ = write!(out, "\nSpend floors that changed:\n{}", t.render());
        }
        if !self.utilization.is_empty() {
            let pct = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.2}%", 100.0 * x));
            let mut t = Table::new(&["cluster", "period", "A used", "B used"]);
            for u in &self.utilization {
                t.row(vec![
                    u.cluster.clone(),
                    u.period.to_string(),
                    pct(u.fraction.a),
                    pct(u.fraction.b),
                ]);
            }
            let _ = write!(out, "\nUtilization that changed:\n{}", t.render());
        }
        if !self.finish.is_empty() {
            let mut t = Table::new(&["workload", "A finishes", "B finishes"]);
            for f in &self.finish {
                t.row(vec![
                    f.workload.clone(),
                    opt(&f.finish_period.a),
                    opt(&f.finish_period.b),
                ]);
            }
            let _ = write!(
                out,
                "\nWorkloads whose finish period moved:\n{}",
                t.render()
            );
        }
        out.push_str(&self.binding_text());
        out
    }

    /// The terms that started or stopped binding, as a table; empty when there are none.
    fn binding_text(&self) -> String {
        if self.binding.is_empty() {
            return String::new();
        }
        let mut t = Table::new(&["term", "unit", "A USD per unit", "B USD per unit"]);
        for c in &self.binding {
            t.row(vec![
                c.term.clone(),
                c.unit.clone(),
                signed(c.usd_per_unit.a, "$"),
                signed(c.usd_per_unit.b, "$"),
            ]);
        }
        format!(
            "\nTerms that started or stopped binding (shadow prices; - where it does not bind):\n{}",
            t.render()
        )
    }
}
