//! SVG primitives: a plot frame with linear scales, nice ticks, date and value axes, legends,
//! and escaping. Charts are drawn in a fixed coordinate space (`viewBox`) and scale to the page.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use crate::format::fmt_num;

/// Colours that stay apart for common colour-vision deficiencies and in greyscale print
/// (Okabe-Ito, then Tableau 20); a scenario with more workloads than colours repeats them.
pub const PALETTE: [&str; 20] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7f7f7f",
    "#8c564b", "#17becf", "#393b79", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#dbdb8d", "#9edae5", "#aec7e8",
];

/// Colour number `i`, cycling.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Escapes text for HTML and SVG content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` if it is not one.
pub fn day(s: &str) -> Option<f64> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.signed_duration_since(NaiveDate::default()).num_days() as f64)
}

fn date_of(day: f64) -> NaiveDate {
    NaiveDate::default() + chrono::Days::new(day.max(0.0) as u64)
}

/// USD, short: `$1.2M`, `$950k`, `$12`.
pub fn usd_short(x: f64) -> String {
    let a = x.abs();
    let (v, suffix) = if a >= 1e9 {
        (x / 1e9, "B")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let digits = if v.abs() >= 100.0 || v.fract().abs() < 1e-9 {
        0
    } else {
        1
    };
    format!("${v:.digits$}{suffix}")
}

/// An axis tick: whole numbers with thousands separators, others with one decimal.
pub fn tick_num(t: f64) -> String {
    if (t - t.round()).abs() < 1e-9 {
        fmt_num(t.round()).trim_end_matches(".00").to_string()
    } else {
        format!("{t:.1}")
    }
}

/// USD, whole dollars with thousands separators.
pub fn usd(x: f64) -> String {
    format!("${}", fmt_num(x.round()))
}

/// A plot area inside an SVG of `w` x `h`, mapping `x0..x1` and `y0..y1` onto it.
pub struct Frame {
    /// SVG width.
    pub w: f64,
    /// SVG height.
    pub h: f64,
    /// Left margin (y labels).
    pub left: f64,
    /// Right margin.
    pub right: f64,
    /// Top margin.
    pub top: f64,
    /// Bottom margin (x labels).
    pub bottom: f64,
    /// Domain of x.
    pub x0: f64,
    /// Domain of x.
    pub x1: f64,
    /// Domain of y.
    pub y0: f64,
    /// Domain of y.
    pub y1: f64,
}

impl Frame {
    /// A frame with the usual margins.
    pub fn new(w: f64, h: f64, x: (f64, f64), y: (f64, f64)) -> Frame {
        Frame {
            w,
            h,
            left: 78.0,
            right: 16.0,
            top: 14.0,
            bottom: 44.0,
            x0: x.0,
            x1: if x.1 > x.0 { x.1 } else { x.0 + 1.0 },
            y0: y.0,
            y1: if y.1 > y.0 { y.1 } else { y.0 + 1.0 },
        }
    }

    /// Horizontal position of `v`.
    pub fn x(&self, v: f64) -> f64 {
        self.left + (v - self.x0) / (self.x1 - self.x0) * (self.w - self.left - self.right)
    }

    /// Vertical position of `v`.
    pub fn y(&self, v: f64) -> f64 {
        self.h
            - self.bottom
            - (v - self.y0) / (self.y1 - self.y0) * (self.h - self.top - self.bottom)
    }

    /// Bottom of the plot area.
    pub fn base(&self) -> f64 {
        self.h - self.bottom
    }
}

/// Round tick values from 0 to at least `max`, about `n` of them.
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    let max = if max > 0.0 && max.is_finite() {
        max
    } else {
        1.0
    };
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let count = (max / step).ceil() as usize;
    (0..=count).map(|i| i as f64 * step).collect()
}

/// Opens an accessible chart: `role="img"`, labelled by its `<title>` and `<desc>`.
pub fn open(id: &str, f: &Frame, title: &str, desc: &str) -> String {
    format!(
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc),
        w = f.w,
        h = f.h
    )
}

/// The y axis: grid lines at `ticks`, labels by `fmt`, and the axis title with its unit.
pub fn y_axis(f: &Frame, ticks: &[f64], fmt: &dyn Fn(f64) -> String, label: &str) -> String {
    let mut out = String::from("<g class=\"axis\">");
    for &t in ticks {
        let y = f.y(t);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            f.left,
            f.w - f.right,
            f.left - 6.0,
            y + 4.0,
            esc(&fmt(t))
        );
    }
    let mid = (f.top + f.base()) / 2.0;
    let _ = write!(
        out,
        "<text class=\"label\" transform=\"translate(14 {mid:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text></g>",
        esc(label)
    );
    out
}

/// A date axis from day `x0` to `x1` of the frame: month starts over long spans, otherwise
/// evenly thinned day ticks; `label` names the axis.
pub fn date_axis(f: &Frame, label: &str) -> String {
    let mut out = String::from("<g class=\"axis\">");
    let span = f.x1 - f.x0;
    let mut marks: Vec<(f64, String)> = Vec::new();
    if span > 75.0 {
        let mut d = date_of(f.x0);
        d = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
        let every = ((span / 30.0 / 8.0).ceil() as u32).max(1);
        let mut i = 0;
        while (d.signed_duration_since(NaiveDate::default()).num_days() as f64) <= f.x1 {
            let v = d.signed_duration_since(NaiveDate::default()).num_days() as f64;
            if v >= f.x0 && i % every == 0 {
                marks.push((v, d.format("%b %Y").to_string()));
            }
            i += 1;
            d = d + chrono::Months::new(1);
        }
        // The first day, when the first month mark is far enough from it to leave room.
        if marks
            .first()
            .is_none_or(|(v, _)| (f.x(*v) - f.x(f.x0)) > 60.0)
        {
            marks.insert(0, (f.x0, date_of(f.x0).format("%b %-d").to_string()));
        }
    } else {
        let step = (span / 7.0).ceil().max(1.0);
        let step = if step > 4.0 {
            (step / 7.0).ceil() * 7.0
        } else {
            step
        };
        let mut v = f.x0;
        while v <= f.x1 + 1e-9 {
            marks.push((v, date_of(v).format("%b %-d").to_string()));
            v += step;
        }
    }
    for (v, text) in marks {
        let x = f.x(v);
        let _ = write!(
            out,
            "<line class=\"tick\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{b:.1}\" y2=\"{:.1}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.base() + 5.0,
            f.base() + 18.0,
            esc(&text),
            b = f.base()
        );
    }
    let _ = write!(
        out,
        "<line class=\"axisline\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{b:.1}\" y2=\"{b:.1}\"/><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
        f.left,
        f.w - f.right,
        (f.left + f.w - f.right) / 2.0,
        f.h - 6.0,
        esc(label),
        b = f.base()
    );
    out
}

/// A legend as HTML (wraps, prints, and is read by screen readers after the chart).
pub fn legend(items: &[(String, &str, bool)]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (name, colour, dashed) in items {
        let class = if *dashed { "swatch dashed" } else { "swatch" };
        let _ = write!(
            out,
            "<li><span class=\"{class}\" style=\"--c:{colour}\"></span>{}</li>",
            esc(name)
        );
    }
    out.push_str("</ul>");
    out
}
