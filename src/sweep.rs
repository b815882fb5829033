//! Sweeps: one scenario planned at many points, each point a set of `--set` overrides.
//!
//! Points come from a grid (`--vary PATH=V1,V2,...` or `--vary PATH=A..B/STEP`, the cartesian
//! product with the first axis varying slowest) or from a CSV file with one column per path.
//! Every point is planned exactly as `capplan plan MODEL --set ...` plans it: the same loader
//! ([`crate::overrides::load`]) and the same pipeline ([`crate::plan::plan`]). Points run in
//! parallel on a rayon pool, each solve single-threaded; rows come back in the grid's order.
//!
//! `--shard K/N` keeps the points whose index is K modulo N (0-based K), so shards are balanced
//! across the grid and any N job-array tasks cover it exactly once; [`crate::sweep_output`]
//! renders rows and merges shard outputs back into the bytes one unsharded run writes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::AuditReport;
use crate::overrides::{self, Op, OverriddenLoadError, Override, OverrideError};
use crate::plan::{plan, PlanError, PlanOptions, PlanOutcome};

/// One varied path and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The path and operation; its value is replaced by each of `values`.
    pub template: Override,
    /// The values, in order.
    pub values: Vec<String>,
}

/// Why a sweep cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--vary`, `--set` or `--points` entry is malformed or names no field.
    #[error(transparent)]
    Override(#[from] OverrideError),
    /// The scenario file cannot be read, or the overrides do not fit it.
    #[error(transparent)]
    Load(#[from] OverriddenLoadError),
    /// The points file or a shard argument is unusable.
    #[error("{0}")]
    Input(String),
}

impl Axis {
    /// Parses `PATH=V1,V2,...` or `PATH=A..B/STEP` (also with `*=` or `+=`).
    pub fn parse(spec: &str) -> Result<Axis, OverrideError> {
        let template = Override::parse_template(spec)?;
        let values = match parse_range(&template.value) {
            Some(r) => r.map_err(|m| {
                template_error(
                    &template,
                    m,
                    "write A..B/STEP with numbers and a positive STEP: 0.1..0.5/0.1",
                )
            })?,
            None => split_top_level(&template.value),
        };
        for v in &values {
            // Relative forms need numbers; catch a bad one before any point runs.
            Override::parse(&template.with_value(v).spec)?;
        }
        Ok(Axis { template, values })
    }

    /// Column title: the path, with its operator when not `=` (`clusters.x.chips*=`).
    pub fn header(&self) -> String {
        header_of(&self.template)
    }
}

fn header_of(o: &Override) -> String {
    match o.op {
        Op::Set => o.path.clone(),
        Op::Mul => format!("{}*=", o.path),
        Op::Add => format!("{}+=", o.path),
    }
}

fn template_error(t: &Override, message: String, help: &str) -> OverrideError {
    OverrideError {
        spec: t.spec.clone(),
        message,
        help: help.to_string(),
    }
}

/// `A..B/STEP` as its values; `None` if the text is not a range.
fn parse_range(text: &str) -> Option<Result<Vec<String>, String>> {
    let (a, rest) = text.split_once("..")?;
    let Some((b, step)) = rest.split_once('/') else {
        return Some(Err(format!("range `{text}` has no /STEP")));
    };
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(a), Some(b), Some(step)) = (num(a), num(b), num(step)) else {
        return Some(Err(format!("range `{text}` is not three numbers")));
    };
    if step <= 0.0 || b < a {
        return Some(Err(format!("range `{text}` needs STEP > 0 and A <= B")));
    }
    let n = ((b - a) / step + 1e-9).floor() as usize + 1;
    if n > 1_000_000 {
        return Some(Err(format!("range `{text}` has {n} values")));
    }
    Some(Ok((0..n)
        .map(|i| number_text(a + i as f64 * step))
        .collect()))
}

/// A number as a value: whole numbers without a decimal point, others without the last-bit
/// noise of `A + i * STEP` (12 significant digits).
fn number_text(x: f64) -> String {
    let x: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Splits on commas outside brackets and braces (values may be lists: `[1,2],[3,4]`).
fn split_top_level(text: &str) -> Vec<String> {
    let (mut out, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for ch in text.chars() {
        match ch {
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    out.push(cur.trim().to_string());
    out
}

/// The points of a sweep: column titles and, per point, its overrides (one per column).
#[derive(Debug, Clone)]
pub struct Points {
    /// Column titles (paths, with `*=`/`+=` where relative).
    pub columns: Vec<String>,
    /// Overrides per point, in the sweep's order.
    pub points: Vec<Vec<Override>>,
}

impl Points {
    /// The cartesian product of `axes`, the first axis varying slowest.
    pub fn grid(axes: &[Axis]) -> Points {
        let mut points: Vec<Vec<Override>> = vec![Vec::new()];
        for axis in axes {
            points = points
                .iter()
                .flat_map(|p| {
                    axis.values.iter().map(move |v| {
                        let mut p = p.clone();
                        p.push(axis.template.with_value(v));
                        p
                    })
                })
                .collect();
        }
        Points {
            columns: axes.iter().map(Axis::header).collect(),
            points,
        }
    }

    /// Reads points from CSV: a header of paths (`PATH`, `PATH*=` or `PATH+=`), one row per point.
    pub fn from_csv(path: &Path) -> Result<Points, SweepError> {
        let bad = |m: String| SweepError::Input(format!("{}: {m}", path.display()));
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| bad(format!("cannot read: {e}")))?;
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if columns.is_empty() || columns.iter().any(String::is_empty) {
            return Err(bad("the header must name one path per column".into()));
        }
        let mut points = Vec::new();
        for (n, record) in reader.records().enumerate() {
            let record = record.map_err(|e| bad(e.to_string()))?;
            let mut point = Vec::with_capacity(columns.len());
            for (title, value) in columns.iter().zip(record.iter()) {
                let spec = if title.ends_with('=') {
                    format!("{title}{value}")
                } else {
                    format!("{title}={value}")
                };
                point
                    .push(Override::parse(&spec).map_err(|e| bad(format!("line {}: {e}", n + 2)))?);
            }
            points.push(point);
        }
        if points.is_empty() {
            return Err(bad("no points (one row per point after the header)".into()));
        }
        Ok(Points { columns, points })
    }
}

/// A slice of a sweep for one job-array task: the points whose index is `index` mod `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based, below `count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (0 <= K < N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let help = "write K/N with 0 <= K < N, e.g. --shard $JOB_COMPLETION_INDEX/8";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: no `/`; {help}"))?;
        match (k.trim().parse::<usize>(), n.trim().parse::<usize>()) {
            (Ok(index), Ok(count)) if index < count => Ok(Shard { index, count }),
            _ => Err(format!("--shard {text}: {help}")),
        }
    }

    /// Whether point `i` is in this shard.
    pub fn contains(self, i: usize) -> bool {
        i % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The cost parts of a plan (the scalars of [`crate::audit::Costs`]), USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostParts {
    /// Total.
    pub total_usd: f64,
    /// Per-use chip-hours.
    pub usage_usd: f64,
    /// Reserved capacity, used or not.
    pub reserved_usd: f64,
    /// Of which idle.
    pub reserved_idle_usd: f64,
    /// Spend-floor shortfall billed.
    pub spend_shortfall_usd: f64,
    /// Soft utilization floor penalties.
    pub utilization_penalty_usd: f64,
    /// Unmet inference demand penalties.
    pub unmet_penalty_usd: f64,
    /// Inference revenue share owed.
    pub revenue_share_usd: f64,
}

impl CostParts {
    /// The parts after the point's values in every output, in column order: total, usage,
    /// reserved, idle, spend shortfall, utilization penalty, unmet penalty, revenue share.
    pub fn in_order(&self) -> [f64; 8] {
        [
            self.total_usd,
            self.usage_usd,
            self.reserved_usd,
            self.reserved_idle_usd,
            self.spend_shortfall_usd,
            self.utilization_penalty_usd,
            self.unmet_penalty_usd,
            self.revenue_share_usd,
        ]
    }
}

/// A spend floor left short at a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorShort {
    /// Contract.
    pub contract: String,
    /// Floor name.
    pub name: String,
    /// Shortfall billed, USD.
    pub shortfall_usd: f64,
}

/// A cluster left under its utilization floor at a point, summed over periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtilizationShort {
    /// Cluster.
    pub cluster: String,
    /// Periods under the floor (1-based).
    pub periods: Vec<usize>,
    /// Chip-hours under the floor.
    pub short_chip_hours: f64,
}

/// The outcome of one point.
///
/// Rows are plain data so that sweep outputs can be read back and merged; a later column (the
/// top binding terms, once plans carry shadow prices) is one more optional field here and one
/// more column in [`crate::sweep_output`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// 0-based index of the point in the sweep.
    pub point: usize,
    /// The values varied, one per column.
    pub values: Vec<String>,
    /// A plan's solve status (`optimal`, `gap_limit`, `time_limit`), or `infeasible`,
    /// `time_limit_no_plan`, `failed`, `invalid` (the point's scenario does not validate),
    /// `unsupported` (the backend chosen cannot solve it: clarabel on a MILP) or `error` (the
    /// plan failed its own audit: a bug).
    pub status: String,
    /// Cost by part (plans only).
    pub costs: Option<CostParts>,
    /// Spend floors left short (plans only).
    pub spend_floors_short: Vec<FloorShort>,
    /// Utilization floors left short (plans only).
    pub utilization_short: Vec<UtilizationShort>,
    /// Why there is no plan: what cannot be met, the validation problems, the solver's message.
    pub message: Option<String>,
    /// The three largest shadow prices of the plan (plans, when the sweep asks for them:
    /// [`crate::sensitivity::top_binding`]).
    #[serde(default)]
    pub top_binding: Option<String>,
}

impl Row {
    /// Whether the point failed inside capplan (a bug or a solver failure, not the scenario).
    pub fn is_internal_error(&self) -> bool {
        matches!(self.status.as_str(), "error" | "failed")
    }

    /// Whether the backend chosen cannot solve the point (bad input to the sweep).
    pub fn is_unsupported(&self) -> bool {
        self.status == "unsupported"
    }
}

/// How many shadow prices a row's `top_binding` names.
pub const TOP_BINDING: usize = 3;

/// How a sweep runs.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Planning settings; each solve is made single-threaded.
    pub plan: PlanOptions,
    /// Points planned at once (0: one per core).
    pub jobs: usize,
    /// Only this slice of the points.
    pub shard: Option<Shard>,
    /// Print a progress line on stderr.
    pub progress: bool,
    /// Keep each point's own log lines (`-vv`); otherwise a sweep logs its progress line only.
    pub point_logs: bool,
}

/// Plans every point (of the shard) of a sweep of scenario `text` (named `file`), with the
/// `base` overrides first; rows in the points' order.
pub fn run(
    text: &str,
    file: &Path,
    base: &[Override],
    points: &Points,
    opts: &SweepOptions,
) -> Result<Vec<Row>, SweepError> {
    check_paths(text, file, base, points)?;
    if let Some(b) = opts.plan.backend.filter(|b| !b.is_compiled()) {
        return Err(SweepError::Input(
            crate::solver::SolverError::NotCompiled(b.as_str()).to_string(),
        ));
    }
    let mut plan_opts = opts.plan.clone();
    plan_opts.solve.threads = Some(1);
    plan_opts.solve.verbose = false;
    let chosen: Vec<usize> = (0..points.points.len())
        .filter(|&i| opts.shard.is_none_or(|s| s.contains(i)))
        .collect();
    let progress = Progress::new(chosen.len(), opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|e| SweepError::Input(format!("cannot start {} threads: {e}", opts.jobs)))?;
    let rows = pool.install(|| {
        chosen
            .par_iter()
            // One point per rayon job. By default rayon cuts 64 points on 2 threads into runs of
            // 16 that a thread folds one after another and nobody can steal from, so a run of
            // slow points (a grid's last values are often its largest) kept one core busy while
            // the other sat idle; a point is a whole solve, far above a job's cost.
            .with_max_len(1)
            .map(|&i| {
                let run = || run_point(text, file, base, i, &points.points[i], &plan_opts);
                let row = if opts.point_logs {
                    run()
                } else {
                    tracing::dispatcher::with_default(&tracing::Dispatch::none(), run)
                };
                progress.done(&row);
                row
            })
            .collect()
    });
    progress.finish();
    Ok(rows)
}

/// Paths are the same at every point: a bad one (or a file that does not parse) stops the
/// sweep before any point runs. Values may be bad at one point only: those are rows.
fn check_paths(
    text: &str,
    file: &Path,
    base: &[Override],
    points: &Points,
) -> Result<(), SweepError> {
    let Some(first) = points.points.first() else {
        return Err(SweepError::Input("the sweep has no points".into()));
    };
    if let Err(e @ crate::error::LoadError::Syntax { .. }) =
        crate::model::Scenario::from_toml(text, file)
    {
        return Err(OverriddenLoadError::Load(e).into());
    }
    let all: Vec<Override> = base.iter().chain(first).cloned().collect();
    overrides::resolve_paths(text, &all).map_err(|error| {
        OverriddenLoadError::Override {
            file: file.into(),
            error,
        }
        .into()
    })
}

/// Plans one point.
pub fn run_point(
    text: &str,
    file: &Path,
    base: &[Override],
    index: usize,
    point: &[Override],
    opts: &PlanOptions,
) -> Row {
    let mut row = Row {
        point: index,
        values: point.iter().map(|o| o.value.clone()).collect(),
        status: String::new(),
        costs: None,
        spend_floors_short: Vec::new(),
        utilization_short: Vec::new(),
        message: None,
        top_binding: None,
    };
    let all: Vec<Override> = base.iter().chain(point).cloned().collect();
    let scenario = match overrides::load(text, file, &all) {
        Ok((s, _)) => s,
        Err(e) => {
            row.status = "invalid".into();
            row.message = Some(e.to_string());
            return row;
        }
    };
    match plan(&scenario, opts) {
        Ok(PlanOutcome::Planned { solver, audit }) => {
            row.status = solver.status.as_str().into();
            fill_plan(&mut row, &audit);
            row.top_binding = solver
                .sensitivity
                .as_ref()
                .filter(|s| s.unavailable.is_none())
                .map(|s| crate::sensitivity::top_binding(&scenario, s, TOP_BINDING));
        }
        Ok(PlanOutcome::Infeasible { solver, unmeetable }) => {
            row.status = solver.status.as_str().into();
            let what: Vec<&str> = unmeetable.iter().map(|u| u.message.as_str()).collect();
            row.message = Some(if what.is_empty() {
                "no plan keeps every hard term".into()
            } else {
                what.join("; ")
            });
        }
        Ok(PlanOutcome::NoPlan { solver }) => {
            row.status = solver.status.as_str().into();
            row.message = solver
                .message
                .clone()
                .or(Some("the solver stopped without a plan".into()));
        }
        Err(e @ PlanError::Solver(_)) => {
            row.status = "unsupported".into();
            row.message = Some(e.to_string());
        }
        Err(e @ (PlanError::SelfAudit { .. } | PlanError::CostMismatch { .. })) => {
            row.status = "error".into();
            row.message = Some(e.to_string());
        }
    }
    row
}

fn fill_plan(row: &mut Row, audit: &AuditReport) {
    let c = &audit.costs;
    row.costs = Some(CostParts {
        total_usd: c.total_usd,
        usage_usd: c.usage_usd,
        reserved_usd: c.reserved_usd,
        reserved_idle_usd: c.reserved_idle_usd,
        spend_shortfall_usd: c.spend_shortfall_usd,
        utilization_penalty_usd: c.utilization_penalty_usd,
        unmet_penalty_usd: c.unmet_penalty_usd,
        revenue_share_usd: c.revenue_share_usd,
    });
    row.spend_floors_short = audit
        .spend_floors
        .iter()
        .filter(|f| !f.met)
        .map(|f| FloorShort {
            contract: f.contract.clone(),
            name: f.name.clone(),
            shortfall_usd: f.shortfall_usd,
        })
        .collect();
    for u in audit
        .utilization
        .iter()
        .filter(|u| u.short_chip_hours > 0.0)
    {
        match row
            .utilization_short
            .iter_mut()
            .find(|s| s.cluster == u.cluster)
        {
            Some(s) => {
                s.periods.push(u.period);
                s.short_chip_hours += u.short_chip_hours;
            }
            None => row.utilization_short.push(UtilizationShort {
                cluster: u.cluster.clone(),
                periods: vec![u.period],
                short_chip_hours: u.short_chip_hours,
            }),
        }
    }
}

/// A progress line on stderr: points done, infeasible, elapsed, at most a few times a second.
struct Progress {
    total: usize,
    show: bool,
    done: AtomicUsize,
    infeasible: AtomicUsize,
    started: Instant,
    last: Mutex<Instant>,
    terminal: bool,
}

impl Progress {
    fn new(total: usize, show: bool) -> Progress {
        let now = Instant::now();
        Progress {
            total,
            show,
            done: AtomicUsize::new(0),
            infeasible: AtomicUsize::new(0),
            started: now,
            last: Mutex::new(now),
            terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    fn done(&self, row: &Row) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if row.costs.is_none() {
            self.infeasible.fetch_add(1, Ordering::Relaxed);
        }
        if !self.show {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let every = if self.terminal { 0.2 } else { 2.0 };
        if last.elapsed().as_secs_f64() < every && done < self.total {
            return;
        }
        *last = Instant::now();
        let line = format!(
            "sweep: {done}/{} points, {} without a plan, {:.1}s",
            self.total,
            self.infeasible.load(Ordering::Relaxed),
            self.started.elapsed().as_secs_f64()
        );
        // A closed or full stderr only loses the progress line.
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r{line}")
        } else {
            writeln!(err, "{line}")
        };
    }

    fn finish(&self) {
        if self.show && self.terminal {
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}

/// The scenario file's text, for [`run`].
pub fn read_model(path: &Path) -> Result<String, SweepError> {
    std::fs::read_to_string(path).map_err(|source| {
        OverriddenLoadError::Load(crate::error::LoadError::Io {
            file: PathBuf::from(path),
            source,
        })
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists() {
        let a = Axis::parse("clusters.x.chips=0.1..0.5/0.1").unwrap();
        assert_eq!(a.values, ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        let a = Axis::parse("clusters.x.chips=60000..72000/4000").unwrap();
        assert_eq!(a.values, ["60000", "64000", "68000", "72000"]);
        let a = Axis::parse("workloads.w.demand=[1,2],[3,4],5").unwrap();
        assert_eq!(a.values, ["[1,2]", "[3,4]", "5"]);
        assert!(Axis::parse("a.b=5..1/1").is_err());
        assert!(Axis::parse("a.b*=1,x").is_err());
        assert_eq!(Axis::parse("a.b*=1,2").unwrap().header(), "a.b*=");
    }

    #[test]
    fn grid_order_is_first_axis_slowest() {
        let p = Points::grid(&[
            Axis::parse("a.x=1,2").unwrap(),
            Axis::parse("a.y=3,4,5").unwrap(),
        ]);
        let flat: Vec<String> = p
            .points
            .iter()
            .map(|q| {
                q.iter()
                    .map(|o| o.spec.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(flat[0], "a.x=1 a.y=3");
        assert_eq!(flat[2], "a.x=1 a.y=5");
        assert_eq!(flat[3], "a.x=2 a.y=3");
        assert_eq!(flat.len(), 6);
    }

    #[test]
    fn shards_cover_every_point_once() {
        let shards: Vec<Shard> = (0..3)
            .map(|k| Shard::parse(&format!("{k}/3")).unwrap())
            .collect();
        for i in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.contains(i)).count(), 1);
        }
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("1").is_err());
    }
}
