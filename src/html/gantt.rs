//! The timeline of training runs: each run's window (release to deadline), the periods it gets
//! compute in, its deadline, and arrows from each predecessor's finish to its successor's start.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::charts::Figure;
use super::svg::{self, colour, day, esc, legend, Frame};
use super::view::View;
use super::CalendarWorkload;

const ROW: f64 = 30.0;

/// Where each training run sits on the chart: row, first and last day it runs (or its window).
struct Run {
    row: usize,
    start: f64,
    finish: f64,
}

/// The timeline (Gantt) of training-type workloads; `None` without any.
pub fn gantt(v: &View) -> Option<Figure> {
    let first = day(&v.calendar.periods.first()?.start)?;
    let last = day(&v.calendar.periods.last()?.end)?;
    let runs: Vec<_> = v
        .calendar
        .workloads
        .iter()
        .filter(|w| w.kind != "inference")
        .collect();
    if runs.is_empty() {
        return None;
    }
    let mut ran: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for r in v.schedule.iter().filter(|r| r.chip_hours > 0.0) {
        ran.entry(r.workload.as_str()).or_default().push(r.period);
    }
    let mut f = Frame::new(
        900.0,
        60.0 + ROW * runs.len() as f64,
        (first, last),
        (0.0, runs.len() as f64),
    );
    f.left = 150.0;
    f.top = 10.0;
    let desc = "Each training run's allowed window (light), the periods it receives compute in (dark), its deadline (red mark) and arrows from each run to the runs that wait for it.";
    let mut s = svg::open("gantt", &f, "Timeline of training runs", desc);
    s.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#333\"/></marker></defs>");
    s.push_str(&svg::date_axis(&f, "date (period start)"));
    let mut placed: BTreeMap<&str, Run> = BTreeMap::new();
    let mut rows = Vec::new();
    for (i, w) in runs.iter().enumerate() {
        let mut periods = ran.get(w.id.as_str()).cloned().unwrap_or_default();
        periods.sort_unstable();
        periods.dedup();
        let (run, row) = run_row(v, &f, i, w, &periods, &mut s);
        placed.insert(w.id.as_str(), run);
        rows.push(row);
    }
    s.push_str(&arrows(v, &f, &placed));
    s.push_str("</svg>");
    let mut items = vec![("window (release to deadline)".to_string(), "#cfe3f3", false)];
    if !ran.is_empty() {
        items.push((
            "receives compute (in its colour under Chips in use)".into(),
            "#0072B2",
            false,
        ));
    }
    items.push(("deadline".into(), "#D55E00", false));
    if runs.iter().any(|w| !w.after.is_empty()) {
        items.push(("waits for (arrow from predecessor)".into(), "#333", false));
    }
    s.push_str(&legend(&items));
    Some(Figure {
        id: "gantt".into(),
        caption: "Timeline of training runs".into(),
        body: s,
        header: [
            "workload",
            "kind",
            "release",
            "deadline",
            "starts",
            "finishes",
            "waits for",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    })
}

/// Start and end day of period `p` (1-based).
fn period(v: &View, p: usize) -> Option<(f64, f64)> {
    let x = v.calendar.periods.get(p.wrapping_sub(1))?;
    Some((day(&x.start)?, day(&x.end)?))
}

/// Draws one run's row (label, window, periods with compute, deadline); returns where it sits
/// and its data-table row.
fn run_row(
    v: &View,
    f: &Frame,
    i: usize,
    w: &CalendarWorkload,
    periods: &[usize],
    s: &mut String,
) -> (Run, Vec<String>) {
    let y = f.top + ROW * i as f64;
    let (wa, wb) = (
        period(v, w.release).map_or(f.x0, |p| p.0),
        w.deadline.and_then(|d| period(v, d)).map_or(f.x1, |p| p.1),
    );
    let from = v
        .calendar
        .periods
        .get(w.release - 1)
        .map_or("", |p| p.start.as_str());
    let to = w
        .deadline
        .and_then(|d| v.calendar.periods.get(d - 1))
        .map_or("", |p| p.end.as_str());
    let _ = write!(s, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect class=\"window\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}: may run from {} until {}</title></rect>", f.left - 8.0, y + ROW / 2.0 + 4.0, esc(&w.id), f.x(wa), y + 6.0, f.x(wb) - f.x(wa), ROW - 12.0, esc(&w.id), esc(from), esc(to));
    let fill = colour(
        v.calendar
            .workloads
            .iter()
            .position(|x| x.id == w.id)
            .unwrap_or(0),
    );
    for &p in periods {
        if let Some((a, b)) = period(v, p) {
            let _ = write!(s, "<rect class=\"run\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{} runs in period {p}</title></rect>", f.x(a), y + 9.0, (f.x(b) - f.x(a)).max(1.0), ROW - 18.0, esc(&w.id));
        }
    }
    let xd = f.x(wb);
    let _ = write!(s, "<path class=\"deadline\" d=\"M{xd:.1} {:.1} L{xd:.1} {:.1}\"><title>{} deadline</title></path>", y + 2.0, y + ROW - 2.0, esc(&w.id));
    let finish = v
        .training
        .iter()
        .find(|t| t.workload == w.id)
        .and_then(|t| t.finish_period);
    let run = Run {
        row: i,
        start: periods
            .first()
            .and_then(|&p| period(v, p))
            .map_or(wa, |p| p.0),
        finish: finish.and_then(|p| period(v, p)).map_or(wb, |p| p.1),
    };
    let not_done = if v.schedule.is_empty() {
        "-"
    } else {
        "not done"
    };
    let row = vec![
        w.id.clone(),
        w.kind.clone(),
        format!("period {}", w.release),
        w.deadline.map_or("-".into(), |d| format!("period {d}")),
        periods
            .first()
            .map_or("-".into(), |p| format!("period {p}")),
        finish.map_or(not_done.into(), |p| format!("period {p}")),
        if w.after.is_empty() {
            "-".into()
        } else {
            w.after.join(", ")
        },
    ];
    (run, row)
}

/// An arrow from each predecessor's finish to its successor's start.
fn arrows(v: &View, f: &Frame, placed: &BTreeMap<&str, Run>) -> String {
    let mut s = String::new();
    for w in &v.calendar.workloads {
        let Some(to) = placed.get(w.id.as_str()) else {
            continue;
        };
        for p in &w.after {
            let Some(from) = placed.get(p.as_str()) else {
                continue;
            };
            let (x1, y1) = (f.x(from.finish), f.top + ROW * from.row as f64 + ROW / 2.0);
            let (x2, y2) = (f.x(to.start), f.top + ROW * to.row as f64 + ROW / 2.0);
            let mid = (x1 + x2) / 2.0;
            let _ = write!(s, "<path class=\"dep\" d=\"M{x1:.1} {y1:.1} C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}\" marker-end=\"url(#arrow)\"><title>{} waits for {}</title></path>", esc(&w.id), esc(p));
        }
    }
    s
}
