//! One function per chart. Each returns [`Figure`]s: the SVG, its legend and the same data as a
//! table, so the page says everything the picture shows in text too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::svg::{self, colour, day, esc, legend, ticks, usd, usd_short, Frame};
use super::view::View;
use crate::audit::FloorTimeline;
use crate::format::fmt_num;

/// A chart with its caption, legend and data table.
pub struct Figure {
    /// Element id of the SVG (unique on the page).
    pub id: String,
    /// Caption above the chart.
    pub caption: String,
    /// The SVG and its legend.
    pub body: String,
    /// Column titles of the data table.
    pub header: Vec<String>,
    /// Rows of the data table.
    pub rows: Vec<Vec<String>>,
}

const W: f64 = 900.0;

/// Span of the horizon in days since 1970: first day to the first day after it.
fn horizon_days(v: &View) -> Option<(f64, f64)> {
    let first = v.calendar.periods.first()?;
    let last = v.calendar.periods.last()?;
    Some((day(&first.start)?, day(&last.end)?))
}

/// Start and end day of period `p` (1-based).
fn period_days(v: &View, p: usize) -> Option<(f64, f64)> {
    let per = v.calendar.periods.get(p.checked_sub(1)?)?;
    Some((day(&per.start)?, day(&per.end)?))
}

/// Colour of a workload: its place in the scenario, the same in every chart.
fn workload_colour(v: &View, id: &str) -> &'static str {
    colour(
        v.calendar
            .workloads
            .iter()
            .position(|w| w.id == id)
            .unwrap_or(0),
    )
}

/// Chips in use per cluster over time, stacked by workload, against chips available.
pub fn chips_in_use(v: &View) -> Vec<Figure> {
    let Some(span) = horizon_days(v) else {
        return Vec::new();
    };
    let mut figures = Vec::new();
    for (ci, cl) in v.calendar.clusters.iter().enumerate() {
        let busy = busy_chips(v, &cl.id);
        if busy.is_empty() {
            continue;
        }
        let most_busy = busy
            .values()
            .map(|m| m.values().sum::<f64>())
            .fold(0.0, f64::max);
        let most = cl.chips.iter().copied().fold(most_busy, f64::max);
        let yt = ticks(most, 4);
        let f = Frame::new(W, 230.0, span, (0.0, *yt.last().unwrap_or(&1.0)));
        let id = format!("chips-{ci}");
        let title = format!(
            "Chips in use on {} ({}, {} {})",
            cl.id, cl.provider, cl.chip, cl.billing
        );
        let desc = format!("Average chips in use per period on {}, stacked by workload, against the chips available (dashed).", cl.id);
        let mut s = svg::open(&id, &f, &title, &desc);
        s.push_str(&svg::y_axis(
            &f,
            &yt,
            &svg::tick_num,
            "chips (average over the period)",
        ));
        s.push_str(&svg::date_axis(&f, "period start (date)"));
        let mut names: Vec<&str> = Vec::new();
        let mut rows = Vec::new();
        for (&p, per) in &busy {
            let Some((a, b)) = period_days(v, p) else {
                continue;
            };
            let mut base = 0.0;
            for (&w, &chips) in per {
                if !names.contains(&w) {
                    names.push(w);
                }
                let (y1, y0) = (f.y(base + chips), f.y(base));
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{y1:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>period {p} ({}), {}: {} chips</title></rect>",
                    f.x(a) + 0.5,
                    (f.x(b) - f.x(a) - 1.0).max(0.5),
                    (y0 - y1).max(0.0),
                    workload_colour(v, w),
                    esc(&v.calendar.periods[p - 1].label),
                    esc(w),
                    fmt_num(chips)
                );
                base += chips;
                rows.push(vec![
                    p.to_string(),
                    v.calendar.periods[p - 1].start.clone(),
                    v.calendar.periods[p - 1].label.clone(),
                    w.to_string(),
                    fmt_num(chips),
                ]);
            }
        }
        s.push_str(&capacity_step(v, &f, &cl.chips));
        s.push_str("</svg>");
        let mut items: Vec<(String, &str, bool)> = names
            .iter()
            .map(|w| (w.to_string(), workload_colour(v, w), false))
            .collect();
        items.push(("chips available".to_string(), "#222", true));
        s.push_str(&legend(&items));
        figures.push(Figure {
            id,
            caption: title,
            body: s,
            header: ["period", "start", "label", "workload", "chips in use"]
                .map(String::from)
                .to_vec(),
            rows,
        });
    }
    figures
}

/// Average chips busy on `cluster` per period (1-based) and workload.
fn busy_chips<'a>(v: &'a View, cluster: &str) -> BTreeMap<usize, BTreeMap<&'a str, f64>> {
    let mut busy: BTreeMap<usize, BTreeMap<&str, f64>> = BTreeMap::new();
    for r in v.schedule.iter().filter(|r| r.cluster == cluster) {
        let hours = v.hours(r.period);
        if hours > 0.0 {
            *busy
                .entry(r.period)
                .or_default()
                .entry(r.workload.as_str())
                .or_insert(0.0) += r.chip_hours / hours;
        }
    }
    busy
}

/// The chips available as a dashed step line.
fn capacity_step(v: &View, f: &Frame, chips: &[f64]) -> String {
    let mut d = String::new();
    for (t, &c) in chips.iter().enumerate() {
        let Some((a, b)) = period_days(v, t + 1) else {
            continue;
        };
        let cmd = if d.is_empty() { 'M' } else { 'L' };
        let _ = write!(
            d,
            "{cmd}{:.1} {:.1} L{:.1} {:.1} ",
            f.x(a),
            f.y(c),
            f.x(b),
            f.y(c)
        );
    }
    format!("<path class=\"cap\" d=\"{}\"/>", d.trim_end())
}

/// Utilization against its floor, per dedicated cluster and cluster with a floor.
pub fn utilization(v: &View) -> Vec<Figure> {
    let Some(span) = horizon_days(v) else {
        return Vec::new();
    };
    let mut by: BTreeMap<&str, Vec<&super::view::UtilizationView>> = BTreeMap::new();
    for u in &v.utilization {
        by.entry(u.cluster.as_str()).or_default().push(u);
    }
    let mut figures = Vec::new();
    for (i, (cluster, us)) in by.into_iter().enumerate() {
        let top = us
            .iter()
            .map(|u| u.fraction.max(u.floor_fraction.unwrap_or(0.0)))
            .fold(1.0, f64::max);
        let yt = ticks(100.0 * top, 4);
        let f = Frame::new(W, 200.0, span, (0.0, *yt.last().unwrap_or(&100.0)));
        let id = format!("util-{i}");
        let has_floor = us.iter().any(|u| u.floor_fraction.is_some());
        let title = if has_floor {
            format!("Utilization of {cluster} against its floor")
        } else {
            format!("Utilization of {cluster} (dedicated, no floor: idle chip-hours are paid)")
        };
        let desc = format!("Share of {cluster}'s chip-hours used in each period (bars) and the utilization floor if any (dashed red), in percent.");
        let mut s = svg::open(&id, &f, &title, &desc);
        s.push_str(&svg::y_axis(
            &f,
            &yt,
            &|t| format!("{t:.0}%"),
            "used (% of chip-hours)",
        ));
        s.push_str(&svg::date_axis(&f, "period start (date)"));
        let mut rows = Vec::new();
        let mut floor = String::new();
        for u in &us {
            let Some((a, b)) = period_days(v, u.period) else {
                continue;
            };
            let y = f.y(100.0 * u.fraction);
            let short = u.floor_fraction.is_some_and(|fl| u.fraction + 1e-9 < fl);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>period {}: {:.1}% used</title></rect>",
                f.x(a) + 0.5,
                (f.x(b) - f.x(a) - 1.0).max(0.5),
                (f.base() - y).max(0.0),
                if short { "#E69F00" } else { "#0072B2" },
                u.period,
                100.0 * u.fraction
            );
            if let Some(fl) = u.floor_fraction {
                let cmd = if floor.is_empty() { 'M' } else { 'L' };
                let _ = write!(
                    floor,
                    "{cmd}{:.1} {:.1} L{:.1} {:.1} ",
                    f.x(a),
                    f.y(100.0 * fl),
                    f.x(b),
                    f.y(100.0 * fl)
                );
            }
            rows.push(vec![
                u.period.to_string(),
                v.calendar
                    .periods
                    .get(u.period - 1)
                    .map_or(String::new(), |p| p.start.clone()),
                format!("{:.1}%", 100.0 * u.fraction),
                u.floor_fraction
                    .map_or("none".into(), |fl| format!("{:.1}%", 100.0 * fl)),
            ]);
        }
        let _ = write!(
            s,
            "<path class=\"floor\" d=\"{}\"/></svg>",
            floor.trim_end()
        );
        let items = utilization_legend(&us, has_floor);
        s.push_str(&legend(&items));
        figures.push(Figure {
            id,
            caption: title,
            body: s,
            header: ["period", "start", "used", "floor"]
                .map(String::from)
                .to_vec(),
            rows,
        });
    }
    figures
}

fn utilization_legend(
    us: &[&super::view::UtilizationView],
    has_floor: bool,
) -> Vec<(String, &'static str, bool)> {
    let any_short = us
        .iter()
        .any(|u| u.floor_fraction.is_some_and(|fl| u.fraction + 1e-9 < fl));
    let mut items = vec![("chip-hours used".to_string(), "#0072B2", false)];
    if any_short {
        items.push(("used, under the floor".into(), "#E69F00", false));
    }
    if has_floor {
        items.push(("utilization floor".into(), "#D55E00", true));
    }
    items
}

/// Cumulative spend against each spend floor across its term.
pub fn spend_floors(v: &View) -> Vec<Figure> {
    let Some(bill) = &v.bill else {
        return Vec::new();
    };
    bill.spend_floors
        .iter()
        .enumerate()
        .filter_map(|(i, fl)| spend_floor(v, i, fl))
        .collect()
}

fn spend_floor(v: &View, i: usize, fl: &FloorTimeline) -> Option<Figure> {
    let (t0, t1) = (day(&fl.start)?, day(&fl.end)? + 1.0);
    let top = fl.floor_usd.max(fl.total_usd);
    let yt = ticks(top * 1.05, 4);
    let f = Frame::new(W, 240.0, (t0, t1), (0.0, *yt.last().unwrap_or(&1.0)));
    let id = format!("floor-{i}");
    let verdict = if fl.shortfall_usd > 0.0 {
        format!(
            "{} short, billed in period {}",
            usd(fl.shortfall_usd),
            fl.billed_in_period
        )
    } else {
        format!("{} of headroom", usd(fl.headroom_usd))
    };
    let title = format!(
        "Spend against the {} floor \"{}\" of {}: {verdict}",
        usd(fl.floor_usd),
        fl.name,
        fl.contract
    );
    let desc = format!(
        "Cumulative spend from {} to {}: {} before the horizon, {} in it, {} forecast after; total {} against a floor of {}.",
        fl.start, fl.end, usd(fl.spent_before_usd), usd(fl.in_horizon_usd), usd(fl.forecast_after_usd), usd(fl.total_usd), usd(fl.floor_usd)
    );
    let mut s = svg::open(&id, &f, &title, &desc);
    if let Some((h0, h1)) = horizon_days(v).filter(|(a, b)| *b > t0 && *a < t1) {
        let (a, b) = (f.x(h0.max(t0)), f.x(h1.min(t1)));
        let _ = write!(s, "<rect class=\"band\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/><text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">horizon</text>", f.top, b - a, f.base() - f.top, (a + b) / 2.0, f.top + 12.0);
    }
    s.push_str(&svg::y_axis(&f, &yt, &usd_short, "cumulative spend (USD)"));
    s.push_str(&svg::date_axis(&f, "date"));
    let (outside, inside, rows) = floor_paths(v, &f, fl, (t0, t1));
    let fy = f.y(fl.floor_usd);
    let _ = write!(
        s,
        "<line class=\"floorline\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{fy:.1}\" y2=\"{fy:.1}\"/><text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"start\">floor {}</text><path class=\"outside\" d=\"{outside}\"/><path class=\"inside\" d=\"{inside}\"/></svg>",
        f.left,
        f.w - f.right,
        f.left + 4.0,
        fy - 5.0,
        esc(&usd_short(fl.floor_usd))
    );
    s.push_str(&legend(&[
        ("spent in the horizon (this plan)".into(), "#0072B2", false),
        (
            "before the horizon and forecast after (as stated)".into(),
            "#7f7f7f",
            true,
        ),
        ("floor".into(), "#D55E00", true),
    ]));
    Some(Figure {
        id,
        caption: title,
        body: s,
        header: ["part", "from", "spend", "cumulative"]
            .map(String::from)
            .to_vec(),
        rows,
    })
}

/// Reads one part of a month's bill.
type Part = fn(&crate::audit::MonthParts) -> f64;

/// The stated parts (before the horizon, forecast after) and this plan's part of a floor's
/// cumulative spend as SVG paths, and the same figures as table rows. A floor whose term has no
/// period in the horizon is one stated line across its term.
fn floor_paths(
    v: &View,
    f: &Frame,
    fl: &FloorTimeline,
    (t0, t1): (f64, f64),
) -> (String, String, Vec<Vec<String>>) {
    let mut rows = vec![vec![
        "before the horizon".to_string(),
        fl.start.clone(),
        usd(fl.spent_before_usd),
        usd(fl.spent_before_usd),
    ]];
    let forecast_row = vec![
        "forecast after".to_string(),
        fl.end.clone(),
        usd(fl.forecast_after_usd),
        usd(fl.total_usd),
    ];
    let Some(h0) = fl.periods.first().and_then(|p| day(&p.period_start)) else {
        rows.push(forecast_row);
        let line = format!(
            "M{:.1} {:.1} L{:.1} {:.1}",
            f.x(t0),
            f.y(0.0),
            f.x(t1),
            f.y(fl.total_usd)
        );
        return (line, String::new(), rows);
    };
    let mut outside = format!(
        "M{:.1} {:.1} L{:.1} {:.1}",
        f.x(t0),
        f.y(0.0),
        f.x(h0),
        f.y(fl.spent_before_usd)
    );
    let mut inside = format!("M{:.1} {:.1}", f.x(h0), f.y(fl.spent_before_usd));
    let mut last = (h0, fl.spent_before_usd);
    for p in &fl.periods {
        let end = period_days(v, p.period).map_or(h0, |(_, b)| b);
        let _ = write!(inside, " L{:.1} {:.1}", f.x(end), f.y(p.cumulative_usd));
        last = (end, p.cumulative_usd);
        rows.push(vec![
            format!("period {}", p.period),
            p.period_start.clone(),
            usd(p.spend_usd),
            usd(p.cumulative_usd),
        ]);
    }
    let _ = write!(
        outside,
        " M{:.1} {:.1} L{:.1} {:.1}",
        f.x(last.0),
        f.y(last.1),
        f.x(t1),
        f.y(fl.total_usd)
    );
    rows.push(forecast_row);
    (outside, inside, rows)
}

/// The bill by month, stacked by part.
pub fn bill_by_month(v: &View) -> Option<Figure> {
    let bill = v.bill.as_ref()?;
    if bill.months.is_empty() {
        return None;
    }
    let parts: [(&str, Part); 6] = [
        ("reserved, used", |p| p.reserved_used_usd),
        ("reserved, idle", |p| p.reserved_idle_usd),
        ("per-use compute", |p| p.per_use_usd),
        ("penalties (utilization, unmet demand)", |p| {
            p.utilization_penalty_usd + p.unmet_penalty_usd
        }),
        ("revenue share", |p| p.revenue_share_usd),
        ("spend-floor shortfall", |p| p.spend_shortfall_usd),
    ];
    let n = bill.months.len() as f64;
    let most = bill
        .months
        .iter()
        .map(|m| m.parts.total_usd)
        .fold(0.0, f64::max);
    let yt = ticks(most, 4);
    let mut f = Frame::new(W, 260.0, (0.0, n), (0.0, *yt.last().unwrap_or(&1.0)));
    f.bottom = 50.0;
    let id = "bill".to_string();
    let title = "The bill by month".to_string();
    let desc = format!("What is paid in each of {} month(s), stacked by part, in USD; a period is billed in the month it starts in.", bill.months.len());
    let mut s = svg::open(&id, &f, &title, &desc);
    s.push_str(&svg::y_axis(&f, &yt, &usd_short, "billed (USD)"));
    let bw = ((f.x(1.0) - f.x(0.0)) * 0.6).min(90.0);
    let mut rows = Vec::new();
    for (i, m) in bill.months.iter().enumerate() {
        let cx = f.x(i as f64 + 0.5);
        let mut base = 0.0;
        for (k, (name, get)) in parts.iter().enumerate() {
            let val = get(&m.parts);
            if val <= 0.0 {
                continue;
            }
            let (y1, y0) = (f.y(base + val), f.y(base));
            let _ = write!(s, "<rect x=\"{:.1}\" y=\"{y1:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect>", cx - bw / 2.0, (y0 - y1).max(0.0), colour(k), esc(name), usd(val));
            base += val;
        }
        let _ = write!(
            s,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text class=\"note\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.base() + 18.0,
            esc(&month_label(&m.month)),
            f.y(base) - 4.0,
            esc(&usd_short(m.parts.total_usd))
        );
        let mut row = vec![m.month.clone()];
        row.extend(parts.iter().map(|(_, get)| usd(get(&m.parts))));
        row.push(usd(m.parts.total_usd));
        rows.push(row);
    }
    let _ = write!(
        s,
        "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">month</text></svg>",
        (f.left + f.w - f.right) / 2.0,
        f.h - 6.0
    );
    let items: Vec<(String, &str, bool)> = parts
        .iter()
        .enumerate()
        .filter(|(_, (_, get))| bill.months.iter().any(|m| get(&m.parts) > 0.0))
        .map(|(k, (n, _))| (n.to_string(), colour(k), false))
        .collect();
    s.push_str(&legend(&items));
    let mut header = vec!["month".to_string()];
    header.extend(parts.iter().map(|(n, _)| format!("{n} (USD)")));
    header.push("total (USD)".into());
    Some(Figure {
        id,
        caption: title,
        body: s,
        header,
        rows,
    })
}

fn month_label(m: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
        .map_or(m.to_string(), |d| d.format("%b %Y").to_string())
}
