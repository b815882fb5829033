//! Sweep outputs (table, CSV, JSON) and `capplan sweep merge`.
//!
//! Outputs hold no timings, so the same sweep writes the same bytes whatever the threads did,
//! and shard outputs merge into exactly the bytes one unsharded run writes: JSON documents are
//! read back into [`SweepDocument`] and written again; CSV rows are kept as read and reordered.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::format::fmt_num;
use crate::report::Table;
use crate::sweep::{Row, Shard};

/// The JSON document `capplan sweep --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepDocument {
    /// Format version of this document.
    pub format_version: u32,
    /// Scenario file, as given.
    pub scenario: String,
    /// `--set` overrides applied at every point, as typed.
    pub set: Vec<String>,
    /// The paths varied (with `*=`/`+=` where relative): the order of each row's `values`.
    pub columns: Vec<String>,
    /// Points in the whole sweep (all shards).
    pub points: usize,
    /// The slice this document holds (`K/N`); absent for a whole sweep.
    pub shard: Option<String>,
    /// One row per point, in the sweep's order.
    pub rows: Vec<Row>,
}

impl SweepDocument {
    /// A document for `rows` of a sweep of `points` points.
    pub fn new(
        scenario: &Path,
        set: Vec<String>,
        columns: Vec<String>,
        points: usize,
        shard: Option<Shard>,
        rows: Vec<Row>,
    ) -> SweepDocument {
        SweepDocument {
            format_version: 1,
            scenario: scenario.display().to_string(),
            set,
            columns,
            points,
            shard: shard.map(|s| s.to_string()),
            rows,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn json(&self) -> Vec<u8> {
        // Numbers as plan.json writes them, so a row equals its `plan --set` run.
        crate::report::json_pretty(self).expect("rows serialize")
    }

    /// CSV: `point`, the varied columns, status, the cost parts, floors short, message.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["point".to_string()];
        header.extend(self.columns.iter().cloned());
        header.extend(CSV_TAIL.iter().map(|s| s.to_string()));
        let _ = w.write_record(&header);
        for r in &self.rows {
            let _ = w.write_record(csv_record(r));
        }
        w.into_inner().unwrap_or_default()
    }

    /// Aligned text for a terminal; messages follow the table, one per point.
    pub fn table(&self) -> String {
        let mut out = format!("capplan sweep: {}, {} points", self.scenario, self.points);
        if let Some(s) = &self.shard {
            let _ = write!(out, ", shard {s} ({} here)", self.rows.len());
        }
        out.push('\n');
        if !self.set.is_empty() {
            let _ = writeln!(out, "Overrides at every point: {}", self.set.join("; "));
        }
        let mut header: Vec<&str> = vec!["#"];
        header.extend(self.columns.iter().map(String::as_str));
        header.extend([
            "status",
            "total",
            "usage",
            "reserved",
            "idle",
            "floor shortfall",
            "util. penalty",
            "unmet penalty",
            "rev. share",
            "floors short",
        ]);
        let mut t = Table::new(&header);
        for r in &self.rows {
            let mut cells = vec![r.point.to_string()];
            cells.extend(r.values.iter().cloned());
            cells.push(r.status.clone());
            match &r.costs {
                Some(c) => cells.extend(c.in_order().map(|x| format!("${}", fmt_num(x)))),
                None => cells.extend(std::iter::repeat_n("-".to_string(), 8)),
            }
            cells.push(floors_short_text(r));
            t.row(cells);
        }
        out.push('\n');
        out.push_str(&t.render());
        let binding: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.top_binding.is_some())
            .collect();
        if !binding.is_empty() {
            out.push_str("\nWhat binds most (shadow prices, USD per one more unit):\n");
            for r in binding {
                let _ = writeln!(
                    out,
                    "  #{}: {}",
                    r.point,
                    r.top_binding.as_deref().unwrap_or_default()
                );
            }
        }
        let notes: Vec<&Row> = self.rows.iter().filter(|r| r.message.is_some()).collect();
        if !notes.is_empty() {
            out.push_str("\nWhy some points have no plan:\n");
            for r in notes {
                let _ = writeln!(
                    out,
                    "  #{} ({}): {}",
                    r.point,
                    r.status,
                    r.message.as_deref().unwrap_or_default()
                );
            }
        }
        out
    }
}

const CSV_TAIL: [&str; 13] = [
    "status",
    "total_usd",
    "usage_usd",
    "reserved_usd",
    "reserved_idle_usd",
    "spend_shortfall_usd",
    "utilization_penalty_usd",
    "unmet_penalty_usd",
    "revenue_share_usd",
    "spend_floors_short",
    "utilization_short_chip_hours",
    "top_binding",
    "message",
];

fn csv_record(r: &Row) -> Vec<String> {
    let mut rec = vec![r.point.to_string()];
    rec.extend(r.values.iter().cloned());
    rec.push(r.status.clone());
    match &r.costs {
        Some(c) => rec.extend(
            c.in_order()
                .map(|x| crate::report::round_sig(x).to_string()),
        ),
        None => rec.extend(std::iter::repeat_n(String::new(), 8)),
    }
    rec.push(
        r.spend_floors_short
            .iter()
            .map(|f| format!("{}/{}", f.contract, f.name))
            .collect::<Vec<_>>()
            .join(";"),
    );
    rec.push(if r.costs.is_some() {
        r.utilization_short
            .iter()
            .fold(0.0, |sum, u| sum + u.short_chip_hours)
            .to_string()
    } else {
        String::new()
    });
    rec.push(r.top_binding.clone().unwrap_or_default());
    rec.push(r.message.clone().unwrap_or_default());
    rec
}

fn floors_short_text(r: &Row) -> String {
    let mut parts: Vec<String> = r
        .spend_floors_short
        .iter()
        .map(|f| format!("{}/{}", f.contract, f.name))
        .collect();
    parts.extend(r.utilization_short.iter().map(|u| {
        format!(
            "{} ({} chip-h in {} period{})",
            u.cluster,
            fmt_num(u.short_chip_hours),
            u.periods.len(),
            if u.periods.len() == 1 { "" } else { "s" }
        )
    }));
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

/// Why shard outputs cannot be merged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(String);

/// Joins shard outputs (all JSON or all CSV, in any order) into the output of the whole sweep.
pub fn merge(files: &[PathBuf]) -> Result<Vec<u8>, MergeError> {
    let mut texts = Vec::with_capacity(files.len());
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| MergeError(format!("{}: cannot read: {e}", f.display())))?;
        texts.push((f.as_path(), text));
    }
    let json = |t: &str| t.trim_start().starts_with('{');
    match texts.first() {
        None => Err(MergeError(
            "nothing to merge: give the shard outputs".into(),
        )),
        Some((_, t)) if json(t) => {
            if let Some((f, _)) = texts.iter().find(|(_, t)| !json(t)) {
                return Err(MergeError(format!(
                    "{}: not JSON, unlike {}: merge outputs of one --format",
                    f.display(),
                    texts[0].0.display()
                )));
            }
            merge_json(&texts)
        }
        Some(_) => merge_csv(&texts),
    }
}

fn merge_json(texts: &[(&Path, String)]) -> Result<Vec<u8>, MergeError> {
    let mut merged: Option<SweepDocument> = None;
    for (f, t) in texts {
        let doc: SweepDocument = serde_json::from_str(t).map_err(|e| {
            MergeError(format!(
                "{}: not a capplan sweep JSON output: {e}",
                f.display()
            ))
        })?;
        match &mut merged {
            None => merged = Some(doc),
            Some(m) => {
                let same = (m.format_version, &m.scenario, &m.set, &m.columns, m.points)
                    == (
                        doc.format_version,
                        &doc.scenario,
                        &doc.set,
                        &doc.columns,
                        doc.points,
                    );
                if !same {
                    return Err(MergeError(format!(
                        "{}: another sweep (scenario, --set, columns or point count differ from {})",
                        f.display(),
                        texts[0].0.display()
                    )));
                }
                m.rows.extend(doc.rows);
            }
        }
    }
    let mut doc = merged.expect("at least one file");
    doc.rows.sort_by_key(|r| r.point);
    let found: Vec<usize> = doc.rows.iter().map(|r| r.point).collect();
    check_complete(&found, Some(doc.points))?;
    doc.shard = None;
    Ok(doc.json())
}

fn merge_csv(texts: &[(&Path, String)]) -> Result<Vec<u8>, MergeError> {
    let mut header: Option<csv::StringRecord> = None;
    let mut rows: Vec<(usize, csv::StringRecord)> = Vec::new();
    for (f, t) in texts {
        let mut r = csv::Reader::from_reader(t.as_bytes());
        let h = r
            .headers()
            .map_err(|e| MergeError(format!("{}: {e}", f.display())))?
            .clone();
        if h.get(0) != Some("point") {
            return Err(MergeError(format!(
                "{}: not a capplan sweep CSV output (its first column is not `point`)",
                f.display()
            )));
        }
        match &header {
            None => header = Some(h),
            Some(first) if *first != h => {
                return Err(MergeError(format!(
                    "{}: its columns differ from {}'s: another sweep",
                    f.display(),
                    texts[0].0.display()
                )))
            }
            Some(_) => {}
        }
        for (n, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| MergeError(format!("{}: {e}", f.display())))?;
            let point = rec.get(0).and_then(|p| p.parse().ok()).ok_or_else(|| {
                MergeError(format!("{}: line {}: no point number", f.display(), n + 2))
            })?;
            rows.push((point, rec));
        }
    }
    rows.sort_by_key(|(p, _)| *p);
    let found: Vec<usize> = rows.iter().map(|(p, _)| *p).collect();
    check_complete(&found, None)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| MergeError(format!("cannot write CSV: {e}"));
    w.write_record(header.as_ref().expect("at least one file"))
        .map_err(io)?;
    for (_, rec) in &rows {
        w.write_record(rec).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| MergeError(format!("cannot write CSV: {e}")))
}

/// `found` (sorted) must be 0, 1, ... each once, up to `points` where known.
fn check_complete(found: &[usize], points: Option<usize>) -> Result<(), MergeError> {
    if let Some(w) = found.windows(2).find(|w| w[0] == w[1]) {
        return Err(MergeError(format!(
            "point {} is in more than one input: give each shard once",
            w[0]
        )));
    }
    let expected = points.unwrap_or_else(|| found.last().map_or(0, |l| l + 1));
    let missing: Vec<String> = (0..expected)
        .filter(|p| found.binary_search(p).is_err())
        .take(10)
        .map(|p| p.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError(format!(
            "points missing (first: {}): is a shard missing or unfinished?",
            missing.join(", ")
        )));
    }
    Ok(())
}
