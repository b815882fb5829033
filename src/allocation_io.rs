//! Reading an allocation from a file: the `schedule.csv` or `plan.json` that `capplan plan --out`
//! writes, or any CSV with the same key columns, written by hand or by a spreadsheet.
//!
//! # CSV
//! The header names the columns; names are trimmed, case-insensitive, and `-` or a space count as
//! `_` (`Chip-Hours` is `chip_hours`). Four columns are required, in any order, and any other
//! column is ignored:
//!
//! | column | meaning |
//! |---|---|
//! | `period` | period number (1 is the first) or a `YYYY-MM-DD` date inside the period |
//! | `cluster` | cluster id from the scenario |
//! | `workload` | workload id from the scenario |
//! | `chip_hours` | chip-hours, a number from 0 to 10^11 |
//!
//! Several rows for the same (period, cluster, workload) add up. A header with no rows is the
//! allocation that runs nothing.
//!
//! # plan.json
//! The `schedule` array of the document `capplan plan --out` writes; each entry carries the same
//! four fields (`period` as a number).
//!
//! Every bad row is reported, with its line, not just the first ([`AllocationError::Rows`]): the
//! first [`MAX_LISTED_PROBLEMS`] problems are listed and the rest counted.

use std::path::{Path, PathBuf};

use crate::allocation::{AllocRow, Allocation};
use crate::error::{fmt_value, Problem};
use crate::format::fmt_num;
use crate::model::{ClusterId, Scenario, WorkloadId};

/// The columns an allocation CSV must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["period", "cluster", "workload", "chip_hours"];

/// Why an allocation file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AllocationError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Nothing in the file, not even a header.
    #[error("{}: line 1: the file is empty\n    help: write a header line `period,cluster,workload,chip_hours` and one row per workload, cluster and period (or pass the schedule.csv that `capplan plan --out` writes)", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// The header lacks required columns.
    #[error("{}: line 1: missing column(s) {}; the header has {}\n    help: the header must name the columns {} (any order, any case; other columns are ignored){}", file.display(), quoted(missing), quoted(found), REQUIRED_COLUMNS.join(", "), separator_hint(found))]
    MissingColumns {
        /// The file.
        file: PathBuf,
        /// Required columns not found.
        missing: Vec<String>,
        /// Column names found (normalized).
        found: Vec<String>,
    },
    /// A required column appears twice in the header.
    #[error("{}: line 1: column \"{column}\" appears {count} times in the header\n    help: keep one column of each name", file.display())]
    DuplicateColumn {
        /// The file.
        file: PathBuf,
        /// The column (normalized).
        column: String,
        /// How often it appears.
        count: usize,
    },
    /// Not a CSV or JSON document capplan can read (the parser's message, with its line).
    #[error("{}: {message}\n    help: {help}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The parser's message.
        message: String,
        /// What to do about it.
        help: String,
    },
    /// Rows that name unknown ids or periods, or carry bad numbers: the first
    /// [`MAX_LISTED_PROBLEMS`] are listed, the rest counted.
    #[error("{}", render_rows(file, problems, *more, *bad_rows))]
    Rows {
        /// The file.
        file: PathBuf,
        /// One problem per bad value, in file order (line, column, field name): the first
        /// [`MAX_LISTED_PROBLEMS`].
        problems: Vec<Problem>,
        /// Problems found after those, counted but not kept.
        more: usize,
        /// Rows with at least one problem.
        bad_rows: usize,
    },
    /// Most rows name clusters or workloads the scenario does not have: the allocation is for
    /// another scenario, said once instead of a problem per row.
    #[error("{}", render_other_scenario(file, scenario, *foreign, *rows, examples, planned_for))]
    OtherScenario {
        /// The file.
        file: PathBuf,
        /// The scenario it was checked against.
        scenario: PathBuf,
        /// Rows whose cluster or workload the scenario does not have.
        foreign: usize,
        /// All rows.
        rows: usize,
        /// The first few of those problems.
        examples: Vec<Problem>,
        /// The scenario a plan.json says it was planned for.
        planned_for: Option<String>,
    },
}

fn render_other_scenario(
    file: &Path,
    scenario: &Path,
    foreign: usize,
    rows: usize,
    examples: &[Problem],
    planned_for: &Option<String>,
) -> String {
    let mut out = format!(
        "{}: {foreign} of {} name a cluster or workload that {} does not have: this allocation looks like it is for another scenario",
        file.display(),
        crate::report::count_s(rows, "row"),
        scenario.display(),
    );
    if let Some(p) = planned_for {
        out.push_str(&format!(" (the plan says it was planned for {p})"));
    }
    for e in examples {
        let line = e.line.map_or(String::new(), |l| format!("line {l}: "));
        out.push_str(&format!("\n  for example, {line}{}", e.message));
    }
    out.push_str("\n    help: check the allocation against the scenario it was planned for, or fix its cluster and workload ids");
    out
}

impl AllocationError {
    /// The file the error is about.
    pub fn file(&self) -> &Path {
        match self {
            AllocationError::OtherScenario { file, .. } => file,
            AllocationError::Io { file, .. }
            | AllocationError::Empty { file }
            | AllocationError::MissingColumns { file, .. }
            | AllocationError::DuplicateColumn { file, .. }
            | AllocationError::Syntax { file, .. }
            | AllocationError::Rows { file, .. } => file,
        }
    }
}

/// A spreadsheet set to another locale may separate fields with `;` or a tab.
fn separator_hint(found: &[String]) -> &'static str {
    match found {
        [one] if one.contains(';') || one.contains('\t') => {
            "; the fields seem separated by ';' or a tab: save the file with commas"
        }
        _ => "",
    }
}

fn quoted(v: &[String]) -> String {
    if v.is_empty() {
        return "none".to_string();
    }
    v.iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_rows(file: &Path, problems: &[Problem], more: usize, bad_rows: usize) -> String {
    let total = problems.len() + more;
    let mut out = format!(
        "{}: {} in {}",
        file.display(),
        crate::report::count_s(total, "problem"),
        crate::report::count_s(bad_rows, "row"),
    );
    for p in problems {
        out.push_str(&format!("\n{p}"));
    }
    if more > 0 {
        out.push_str(&format!(
            "\n... and {more} more problem{} (only the first {MAX_LISTED_PROBLEMS} are listed; fix these and check again)",
            if more == 1 { "" } else { "s" },
        ));
    }
    out
}

/// Reads an allocation for `scenario` from `path`: `plan.json` (a `.json` name, or content that
/// starts with `{`) or CSV.
pub fn read_allocation(scenario: &Scenario, path: &Path) -> Result<Allocation, AllocationError> {
    let bytes = std::fs::read(path).map_err(|source| AllocationError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let text = utf8(bytes, path)?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if is_json {
        allocation_from_plan_json(scenario, &text, path)
    } else {
        allocation_from_csv(scenario, &text, path)
    }
}

/// The text of a file, or where it stops being UTF-8 and how to save it as UTF-8.
fn utf8(bytes: Vec<u8>, file: &Path) -> Result<String, AllocationError> {
    let help = "save the file as UTF-8 (in a spreadsheet: Save As, \"CSV UTF-8\")".to_string();
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let order = if bytes[0] == 0xFF { "LE" } else { "BE" };
        return Err(AllocationError::Syntax {
            file: file.to_path_buf(),
            message: format!(
                "line 1: the file is UTF-16 ({order}; it starts with the bytes {:02X} {:02X}), not UTF-8",
                bytes[0], bytes[1]
            ),
            help,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = std::str::from_utf8(&bytes[..bad]).unwrap_or_default();
        let (line, column) = LineIndex::new(valid).position(bad);
        AllocationError::Syntax {
            file: file.to_path_buf(),
            message: format!(
                "line {line}, column {column} (byte {}): not valid UTF-8 (byte {:#04X})",
                bad + 1,
                bytes[bad]
            ),
            help,
        }
    })
}

/// Normalizes a header name: trimmed, lower case, `-` and spaces as `_`, a byte-order mark
/// dropped.
fn normalize(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace(['-', ' '], "_")
}

/// Parses allocation CSV text; `file` names it in messages.
pub fn allocation_from_csv(
    scenario: &Scenario,
    text: &str,
    file: &Path,
) -> Result<Allocation, AllocationError> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(AllocationError::Empty {
            file: file.to_path_buf(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let raw_header = reader.headers().map_err(|e| csv_syntax(file, &e))?.clone();
    if let Some(column) = raw_header.iter().position(|f| f.contains('\n')) {
        return Err(unclosed_quote(file, 1, column, &raw_header, 0));
    }
    let header: Vec<String> = raw_header.iter().map(normalize).collect();
    let mut index = [0usize; 4];
    let mut missing = Vec::new();
    for (k, name) in REQUIRED_COLUMNS.iter().enumerate() {
        let at: Vec<usize> = (0..header.len()).filter(|&i| header[i] == *name).collect();
        match at.len() {
            0 => missing.push(name.to_string()),
            1 => index[k] = at[0],
            count => {
                return Err(AllocationError::DuplicateColumn {
                    file: file.to_path_buf(),
                    column: name.to_string(),
                    count,
                })
            }
        }
    }
    if !missing.is_empty() {
        return Err(AllocationError::MissingColumns {
            file: file.to_path_buf(),
            missing,
            found: header,
        });
    }
    let resolver = Resolver::new(scenario);
    let mut rows = Rows::default();
    for record in reader.records() {
        let record = record.map_err(|e| csv_syntax(file, &e))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        check_quotes(file, text, &record, header.len(), &index)?;
        let fields: Vec<Option<&str>> = index.iter().map(|&i| record.get(i)).collect();
        let at = |k: usize| Some((line, index[k] + 1));
        let mut row_problems = Vec::new();
        for (k, f) in fields.iter().enumerate() {
            if f.is_none() {
                row_problems.push(Problem::new(
                    REQUIRED_COLUMNS[k],
                    at(k),
                    format!(
                        "the row has {} and no \"{}\" value (column {} of the header)",
                        crate::report::count_s(record.len(), "field"),
                        REQUIRED_COLUMNS[k],
                        index[k] + 1
                    ),
                    "give every row as many fields as the header",
                ));
            }
        }
        if !row_problems.is_empty() {
            rows.bad_row(row_problems);
            continue;
        }
        let get = |k: usize| fields[k].unwrap_or_default();
        let period = resolver
            .period(get(0))
            .map_err(|(m, h)| Problem::new("period", at(0), m, h));
        let cluster = resolver
            .cluster(get(1))
            .map_err(|(m, h)| Problem::new("cluster", at(1), m, h));
        let workload = resolver
            .workload(get(2))
            .map_err(|(m, h)| Problem::new("workload", at(2), m, h));
        let chip_hours =
            parse_chip_hours(get(3)).map_err(|(m, h)| Problem::new("chip_hours", at(3), m, h));
        rows.push(period, cluster, workload, chip_hours);
    }
    rows.finish(file, &scenario.file, None)
}

/// Refuses a record that shows a quote opened and never closed, rather than reporting the
/// missing columns that follow from it.
fn check_quotes(
    file: &Path,
    text: &str,
    record: &csv::StringRecord,
    expected: usize,
    required: &[usize],
) -> Result<(), AllocationError> {
    let line = record.position().map_or(0, |p| p.line() as usize);
    // A field over several lines in a required column, or in a row that then comes up short.
    if let Some(column) = record.iter().position(|f| f.contains('\n')) {
        if record.len() < expected || required.contains(&column) {
            return Err(unclosed_quote(file, line, column, record, expected));
        }
    }
    // On the last line, the field an unclosed quote opens ends with the file (its newline
    // trimmed): an odd number of quotes on a short row's line says so.
    if record.len() < expected {
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let own = text
            .get(start..)
            .unwrap_or("")
            .split('\n')
            .next()
            .unwrap_or("");
        if own.matches('"').count() % 2 == 1 {
            let column = own[..own.find('"').unwrap_or(0)].matches(',').count();
            return Err(unclosed_quote(file, line, column, record, expected));
        }
    }
    Ok(())
}

/// Most problems an [`AllocationError::Rows`] keeps and lists; the rest are counted. A file of
/// bad rows must not cost memory in proportion to its problems' messages.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// The rows read so far and the problems found, for both readers: every bad value is reported
/// (the first [`MAX_LISTED_PROBLEMS`] listed, the rest counted), not just the first.
#[derive(Default)]
struct Rows {
    rows: Vec<AllocRow>,
    problems: Vec<Problem>,
    more: usize,
    bad_rows: usize,
    /// Rows whose cluster or workload does not resolve, and the first few of those problems.
    foreign: usize,
    foreign_examples: Vec<Problem>,
}

/// Rows naming ids the scenario lacks, from this many on and more than half of all rows, mean
/// the allocation is for another scenario.
const FOREIGN_ROWS: usize = 3;

impl Rows {
    fn push(
        &mut self,
        period: Result<usize, Problem>,
        cluster: Result<ClusterId, Problem>,
        workload: Result<WorkloadId, Problem>,
        chip_hours: Result<f64, Problem>,
    ) {
        match (period, cluster, workload, chip_hours) {
            (Ok(period), Ok(cluster), Ok(workload), Ok(chip_hours)) => self.rows.push(AllocRow {
                period,
                cluster,
                workload,
                chip_hours,
            }),
            (p, c, w, h) => {
                if c.is_err() || w.is_err() {
                    self.foreign += 1;
                    if self.foreign_examples.len() < FOREIGN_ROWS {
                        self.foreign_examples
                            .extend(c.as_ref().err().or(w.as_ref().err()).cloned());
                    }
                }
                self.bad_row([p.err(), c.err(), w.err(), h.err()].into_iter().flatten())
            }
        }
    }

    /// Records the problems of one bad row.
    fn bad_row(&mut self, problems: impl IntoIterator<Item = Problem>) {
        self.bad_rows += 1;
        for p in problems {
            if self.problems.len() < MAX_LISTED_PROBLEMS {
                self.problems.push(p);
            } else {
                self.more += 1;
            }
        }
    }

    /// The allocation, or why not; `scenario` is the file checked against and `planned_for`
    /// the one a plan.json says it was planned for.
    fn finish(
        self,
        file: &Path,
        scenario: &Path,
        planned_for: Option<String>,
    ) -> Result<Allocation, AllocationError> {
        let total = self.rows.len() + self.bad_rows;
        if self.problems.is_empty() {
            Ok(Allocation { rows: self.rows })
        } else if self.foreign >= FOREIGN_ROWS && 2 * self.foreign > total {
            Err(AllocationError::OtherScenario {
                file: file.to_path_buf(),
                scenario: scenario.to_path_buf(),
                foreign: self.foreign,
                rows: total,
                examples: self.foreign_examples,
                planned_for,
            })
        } else {
            Err(AllocationError::Rows {
                file: file.to_path_buf(),
                problems: self.problems,
                more: self.more,
                bad_rows: self.bad_rows,
            })
        }
    }
}

fn csv_syntax(file: &Path, e: &csv::Error) -> AllocationError {
    let line = e
        .position()
        .map_or(String::new(), |p| format!("line {}: ", p.line()));
    AllocationError::Syntax {
        file: file.to_path_buf(),
        message: format!("{line}not readable as CSV: {e}"),
        help: "save the file as UTF-8 CSV with a header line".to_string(),
    }
}

/// The error for a quote opened in field `column` (0-based) of the record on `line` and never
/// closed, so that the field ran on over the next lines.
fn unclosed_quote(
    file: &Path,
    line: usize,
    column: usize,
    record: &csv::StringRecord,
    expected: usize,
) -> AllocationError {
    let swallowed = record
        .iter()
        .map(|f| f.matches('\n').count())
        .sum::<usize>();
    let short = if expected > record.len() {
        format!(", and the row has {} of {expected} fields", record.len())
    } else {
        String::new()
    };
    // On the last line, the field runs to the end of the file rather than over any next line.
    let runs = if swallowed == 0 {
        "runs to the end of the file".to_string()
    } else {
        format!(
            "runs on over the next {}",
            crate::report::count_s(swallowed, "line")
        )
    };
    AllocationError::Syntax {
        file: file.to_path_buf(),
        message: format!(
            "line {line}, column {}: a quote `\"` opens a field that {runs}{short}: the quote is probably never closed",
            column + 1,
        ),
        help: "close the quote (`\"like this\"`) or remove it; a quote inside a quoted field is written twice (`\"\"`)".to_string(),
    }
}

/// Parses the `schedule` array of a `plan.json` document; `file` names it in messages.
pub fn allocation_from_plan_json(
    scenario: &Scenario,
    text: &str,
    file: &Path,
) -> Result<Allocation, AllocationError> {
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    struct PlanFile<'a> {
        #[serde(default)]
        status: Option<String>,
        #[serde(default)]
        scenario: Option<String>,
        #[serde(borrow)]
        schedule: Option<Vec<&'a RawValue>>,
    }
    let syntax = |message: String, help: &str| AllocationError::Syntax {
        file: file.to_path_buf(),
        message,
        help: help.to_string(),
    };
    if text.trim().is_empty() {
        return Err(AllocationError::Empty {
            file: file.to_path_buf(),
        });
    }
    let doc: PlanFile = serde_json::from_str(text).map_err(|e| {
        syntax(
            format!(
                "line {}, column {}: not a plan.json document: {e}",
                e.line(),
                e.column()
            ),
            "pass the plan.json that `capplan plan --out` writes, or a CSV",
        )
    })?;
    let Some(schedule) = doc.schedule else {
        return Err(syntax(
            "line 1: the document has no \"schedule\" array".to_string(),
            "pass the plan.json that `capplan plan --out` writes, or a CSV",
        ));
    };
    if let Some(status) = doc.status.as_deref() {
        if matches!(status, "infeasible" | "time_limit_no_plan" | "failed") {
            return Err(syntax(
                format!("line 1: the document holds no plan (status \"{status}\"), so there is no schedule to check"),
                "plan a scenario that has a plan, or check a CSV allocation",
            ));
        }
    }
    let planned_for = doc.scenario;
    let resolver = Resolver::new(scenario);
    let lines = LineIndex::new(text);
    let mut rows = Rows::default();
    for (i, raw) in schedule.iter().enumerate() {
        json_entry(&resolver, &lines, text, i, raw, &mut rows);
    }
    rows.finish(file, &scenario.file, planned_for)
}

/// Reads entry `i` of a plan.json `schedule` into `rows`. The entry's fields are kept as raw
/// text, not parsed into numbers, so `1e400` is reported as a chip_hours that is not finite,
/// and each field's offset in `text` gives its line.
fn json_entry(
    resolver: &Resolver<'_>,
    lines: &LineIndex<'_>,
    text: &str,
    i: usize,
    raw: &serde_json::value::RawValue,
    rows: &mut Rows,
) {
    let offset_of = |s: &str| s.as_ptr() as usize - text.as_ptr() as usize;
    let at = Some(lines.position(offset_of(raw.get())));
    let path = |field: &str| format!("schedule[{i}].{field}");
    let entry: std::collections::HashMap<String, &serde_json::value::RawValue> =
        match serde_json::from_str(raw.get()) {
            Ok(m) => m,
            Err(_) => {
                rows.bad_row([Problem::new(
                    format!("schedule[{i}]"),
                    at,
                    "the entry is not an object",
                    "each schedule entry is an object with period, cluster, workload and chip_hours",
                )]);
                return;
            }
        };
    // A field's place is its key's.
    let at_field = |field: &str| {
        raw.get()
            .find(&format!("\"{field}\""))
            .map_or(at, |k| Some(lines.position(offset_of(raw.get()) + k)))
    };
    let text_of = |field: &str| -> Result<String, Problem> {
        match entry.get(field) {
            // A string's text without its quotes and escapes; any other value as written.
            Some(v) => {
                Ok(serde_json::from_str::<String>(v.get()).unwrap_or_else(|_| v.get().to_string()))
            }
            None => Err(Problem::new(
                path(field),
                at,
                format!("the entry has no \"{field}\""),
                "each schedule entry needs period, cluster, workload and chip_hours",
            )),
        }
    };
    let period = text_of("period").and_then(|v| {
        resolver
            .period(&v)
            .map_err(|(m, h)| Problem::new(path("period"), at_field("period"), m, h))
    });
    let cluster = text_of("cluster").and_then(|v| {
        resolver
            .cluster(&v)
            .map_err(|(m, h)| Problem::new(path("cluster"), at_field("cluster"), m, h))
    });
    let workload = text_of("workload").and_then(|v| {
        resolver
            .workload(&v)
            .map_err(|(m, h)| Problem::new(path("workload"), at_field("workload"), m, h))
    });
    let chip_hours = text_of("chip_hours").and_then(|v| {
        parse_chip_hours(&v)
            .map_err(|(m, h)| Problem::new(path("chip_hours"), at_field("chip_hours"), m, h))
    });
    rows.push(period, cluster, workload, chip_hours);
}

/// Line and column of byte offsets in a text: the line starts are found once, each position
/// by binary search (counting newlines from the start for every entry made `check` of a large
/// plan.json quadratic).
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of every line.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 1-based line and column (in characters) of byte offset `at`.
    pub fn position(&self, at: usize) -> (usize, usize) {
        let at = at.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= at);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..at)
            .map_or(at - start, |t| t.chars().count());
        (line, column + 1)
    }
}

/// A message and a fix.
type Bad = (String, String);

/// Turns ids and period references into indices, with messages that list what exists.
struct Resolver<'a> {
    s: &'a Scenario,
    clusters: std::collections::HashMap<&'a str, ClusterId>,
    workloads: std::collections::HashMap<&'a str, WorkloadId>,
}

impl<'a> Resolver<'a> {
    fn new(s: &'a Scenario) -> Self {
        Resolver {
            s,
            clusters: s
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), ClusterId(i)))
                .collect(),
            workloads: s
                .workloads
                .iter()
                .enumerate()
                .map(|(i, w)| (w.id.as_str(), WorkloadId(i)))
                .collect(),
        }
    }

    fn cluster(&self, v: &str) -> Result<ClusterId, Bad> {
        lookup(&self.clusters, v).ok_or_else(|| {
            (
                format!("unknown cluster \"{v}\""),
                format!(
                    "use a cluster id from {}: {}",
                    self.s.file.display(),
                    listing(self.s.clusters.iter().map(|c| c.id.as_str()))
                ),
            )
        })
    }

    fn workload(&self, v: &str) -> Result<WorkloadId, Bad> {
        lookup(&self.workloads, v).ok_or_else(|| {
            (
                format!("unknown workload \"{v}\""),
                format!(
                    "use a workload id from {}: {}",
                    self.s.file.display(),
                    listing(self.s.workloads.iter().map(|w| w.id.as_str()))
                ),
            )
        })
    }

    fn period(&self, v: &str) -> Result<usize, Bad> {
        let h = &self.s.horizon;
        let n = h.len();
        let first = h.periods[0].start;
        let last_day = h.periods[n - 1]
            .end
            .pred_opt()
            .unwrap_or(h.periods[n - 1].end);
        let help = format!(
            "give a period number from 1 to {n} or a YYYY-MM-DD date from {first} to {last_day}"
        );
        if v.is_empty() {
            return Err(("the period is empty".to_string(), help));
        }
        // Spreadsheets may write a period number as `3.0`.
        let number = v.parse::<i64>().ok().or_else(|| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.fract() == 0.0 && x.abs() < 1e15)
                .map(|x| x as i64)
        });
        if let Some(p) = number {
            return if (1..=n as i64).contains(&p) {
                Ok(p as usize - 1)
            } else {
                Err((
                    format!("period {p} is outside the horizon (1 to {n})"),
                    help,
                ))
            };
        }
        match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => h.index_of_date(d).ok_or_else(|| {
                (
                    format!("{d} is outside the horizon ({first} to {last_day})"),
                    help,
                )
            }),
            Err(_) => Err((
                format!("\"{v}\" is neither a period number nor a YYYY-MM-DD date"),
                help,
            )),
        }
    }
}

/// The id `v` names: itself, or, for a cell that capplan escaped against formula injection
/// (`'=x` for the id `=x`, see [`crate::report::csv_text`]), the id without the `'`.
fn lookup<T: Copy>(ids: &std::collections::HashMap<&str, T>, v: &str) -> Option<T> {
    ids.get(v).copied().or_else(|| {
        v.strip_prefix('\'')
            .filter(|rest| rest.starts_with(crate::report::FORMULA_STARTS))
            .and_then(|rest| ids.get(rest).copied())
    })
}

/// Up to 10 ids, then how many more.
fn listing<'b>(ids: impl Iterator<Item = &'b str>) -> String {
    let ids: Vec<&str> = ids.collect();
    let mut out = ids
        .iter()
        .take(10)
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > 10 {
        out.push_str(&format!(" and {} more", ids.len() - 10));
    }
    out
}

/// The most chip-hours one row may hold: 10^7 chips (the most a cluster may have) for a year.
const MAX_ROW_CHIP_HOURS: f64 = 1e11;

fn parse_chip_hours(v: &str) -> Result<f64, Bad> {
    let help = "give chip-hours as a plain number >= 0 (no thousands separators or units)";
    if v.is_empty() {
        return Err(("chip_hours is empty".to_string(), help.to_string()));
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_nan() => Err((
            format!("chip_hours \"{v}\" is not a number"),
            help.to_string(),
        )),
        Ok(x) if x.is_infinite() => Err((
            format!("chip_hours \"{v}\" is not finite"),
            help.to_string(),
        )),
        Ok(x) if x < 0.0 => Err((format!("chip_hours {v} is negative"), help.to_string())),
        // A row is one cluster's period: no cluster comes near 10^7 chips for a year. Refused
        // here, a row of 1e308 would make the totals `inf` and the prices `NaN`.
        Ok(x) if x > MAX_ROW_CHIP_HOURS => Err((
            format!(
                "chip_hours {} is above the {} chip-hours no cluster delivers in a period",
                fmt_value(x),
                fmt_num(MAX_ROW_CHIP_HOURS)
            ),
            "give one cluster's chip-hours for one period: a larger figure is most likely a unit mistake (seconds, or thousands)".to_string(),
        )),
        Ok(x) => Ok(x),
        Err(_) => Err((
            format!("chip_hours \"{v}\" is not a number"),
            help.to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_bad_rows_list_the_first_hundred_problems_and_count_the_rest() {
        let s = scenario();
        let mut text = String::from("period,cluster,workload,chip_hours\n");
        for i in 0..1000 {
            text.push_str(&format!("{},h100,ft,x{i}\n", i + 3));
        }
        let e = allocation_from_csv(&s, &text, "a.csv".as_ref()).unwrap_err();
        let AllocationError::Rows {
            problems,
            more,
            bad_rows,
            ..
        } = &e
        else {
            panic!("expected row problems: {e}");
        };
        assert_eq!((problems.len(), *more, *bad_rows), (100, 1900, 1000));
        // The first fifty rows, two problems each, in file order.
        assert_eq!(problems[99].line, Some(51));
        let text = e.to_string();
        assert!(
            text.starts_with("a.csv: 2000 problems in 1000 rows"),
            "{text}"
        );
        assert!(text.ends_with("... and 1900 more problems (only the first 100 are listed; fix these and check again)"), "{text}");
    }

    #[test]
    fn line_index_gives_lines_and_columns_in_characters() {
        let text = "ab\n\nçd\nx";
        let lines = LineIndex::new(text);
        assert_eq!(lines.position(0), (1, 1));
        assert_eq!(lines.position(2), (1, 3));
        assert_eq!(lines.position(3), (2, 1));
        assert_eq!(lines.position(4), (3, 1));
        // `ç` is two bytes, one character.
        assert_eq!(lines.position(6), (3, 2));
        assert_eq!(lines.position(8), (4, 1));
        assert_eq!(lines.position(100), (4, 2));
    }

    const MODEL: &str = r#"
[horizon]
start = "2027-01-04"
period = "week"
periods = 2

[[clusters]]
id = "h100"
provider = "aws"
chip = "h100"
chips = 8
billing = "per-use"
usd_per_chip_hour = 6.88
price_basis = "on-demand"

[[workloads]]
id = "ft"
kind = "post-training"
work_pflop = 1000
"#;

    fn scenario() -> Scenario {
        Scenario::from_toml(MODEL, "m.toml".as_ref()).unwrap()
    }

    #[test]
    fn periods_by_number_float_and_date() {
        let s = scenario();
        let text = "PERIOD,cluster,Workload, chip hours \n2,h100,ft,1\n2.0,h100,ft,2\n2027-01-11,h100,ft,3\n2027-01-10,h100,ft,4\n";
        let a = allocation_from_csv(&s, text, "a.csv".as_ref()).unwrap();
        let periods: Vec<usize> = a.rows.iter().map(|r| r.period).collect();
        // 2027-01-10 is the Sunday that ends week 1.
        assert_eq!(periods, [1, 1, 1, 0]);
        assert_eq!(a.rows[3].chip_hours, 4.0);
    }

    #[test]
    fn semicolon_separated_file_gets_a_hint() {
        let s = scenario();
        let text = "period;cluster;workload;chip_hours\n1;h100;ft;1\n";
        let e = allocation_from_csv(&s, text, "a.csv".as_ref()).unwrap_err();
        assert!(matches!(e, AllocationError::MissingColumns { .. }));
        assert!(e.to_string().contains("save the file with commas"), "{e}");
    }

    #[test]
    fn rows_for_the_same_cell_add_up_in_the_audit() {
        let s = scenario();
        let text = "period,cluster,workload,chip_hours\n1,h100,ft,10\n1,h100,ft,5.5\n";
        let a = allocation_from_csv(&s, text, "a.csv".as_ref()).unwrap();
        let report = crate::audit::audit(&s, &a);
        assert_eq!(report.schedule.len(), 1);
        assert_eq!(report.schedule[0].chip_hours, 15.5);
        assert!((report.costs.usage_usd - 15.5 * 6.88).abs() < 1e-9);
    }

    #[test]
    fn a_short_row_and_a_bad_value_are_both_reported() {
        let s = scenario();
        let text = "period,cluster,workload,chip_hours\n1,h100\n3,h100,ft,1\n";
        let Err(AllocationError::Rows { problems, .. }) =
            allocation_from_csv(&s, text, "a.csv".as_ref())
        else {
            panic!("expected row problems");
        };
        let places: Vec<(Option<usize>, &str)> =
            problems.iter().map(|p| (p.line, p.path.as_str())).collect();
        assert_eq!(
            places,
            [
                (Some(2), "workload"),
                (Some(2), "chip_hours"),
                (Some(3), "period")
            ]
        );
    }
}
