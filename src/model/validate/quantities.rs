//! Per-period quantities: a number, a list, a ramp, a rate or values by date range, expanded into
//! one value per horizon period so that their meaning does not depend on the periods' lengths.

use chrono::NaiveDate;

use super::{parse_date, round_12, Validator};
use crate::error::fmt_value;
use crate::model::Horizon;
use crate::schema::{Dated, PerPeriod, PeriodRef, Rate};

/// What a per-period quantity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Meaning {
    /// An amount over each period (inference demand): rates are multiplied by its hours.
    Amount,
    /// A level held during each period (chips available): dated levels are averaged over it.
    Level,
}

impl Validator<'_> {
    /// `spec` expanded into one value per period; a problem is reported (and zeros returned)
    /// for a list of the wrong length, a form that does not fit `meaning`, or a negative value.
    pub(super) fn per_period(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        spec: &PerPeriod,
        horizon: &Horizon,
        what: &str,
        meaning: Meaning,
    ) -> Vec<f64> {
        let n = horizon.len();
        let segmented = horizon.segments.len() > 1;
        let values = match spec {
            PerPeriod::Constant(_) | PerPeriod::Ramp { .. }
                if segmented && meaning == Meaning::Amount =>
            {
                self.push(
                    path,
                    at,
                    format!("{what} per period on a horizon of {}", horizon.describe()),
                    "periods of different lengths give one number different meanings: give a rate, { per_hour = X } or { per_day = X }, or rates by date, [{ from = \"YYYY-MM-DD\", per_hour = X }, ...], or one value per period",
                );
                return vec![0.0; n];
            }
            PerPeriod::Constant(x) => vec![*x; n],
            PerPeriod::List(v) => {
                if v.len() != n {
                    self.push(
                        path,
                        at,
                        format!("{} values for {n} periods", v.len()),
                        format!("give one value per period ({n}), a single number, or {{ from = A, to = B }}"),
                    );
                    return vec![0.0; n];
                }
                v.clone()
            }
            PerPeriod::Ramp { from, to } => ramp(*from, *to, horizon),
            PerPeriod::Rate(_) if meaning == Meaning::Level => {
                self.push(
                    path,
                    at,
                    format!("{what} given as a rate"),
                    "a level is not a rate: give a number, or levels by date, [{ from = \"YYYY-MM-DD\", value = X }, ...]",
                );
                return vec![0.0; n];
            }
            PerPeriod::Rate(r) => {
                let dated = [Dated {
                    from: PeriodRef::Date(horizon.periods[0].start.to_string()),
                    rate: *r,
                }];
                self.dated(path, at, &dated, horizon, what, meaning)
            }
            PerPeriod::Dated(d) => self.dated(path, at, d, horizon, what, meaning),
        };
        self.nonnegative(path, at, values, what)
    }

    /// Every value finite and 0 or more; otherwise reported, and zeros.
    fn nonnegative(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        values: Vec<f64>,
        what: &str,
    ) -> Vec<f64> {
        let n = values.len();
        for (t, x) in values.iter().enumerate() {
            if !x.is_finite() || *x < 0.0 {
                self.push(
                    path,
                    at,
                    format!("{what} in period {} is {}", t + 1, fmt_value(round_12(*x))),
                    "give finite numbers of 0 or more",
                );
                return vec![0.0; n];
            }
        }
        values
    }

    /// Values by date range: each entry holds from its day to the next entry's day (the last for
    /// ever; nothing before the first). An amount is its rate times the hours it holds in the
    /// period; a level is averaged over the period's hours.
    fn dated(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        entries: &[Dated],
        horizon: &Horizon,
        what: &str,
        meaning: Meaning,
    ) -> Vec<f64> {
        let n = horizon.len();
        let mut steps: Vec<(NaiveDate, f64)> = Vec::with_capacity(entries.len());
        for (k, e) in entries.iter().enumerate() {
            let p = format!("{path}[{k}]");
            let day = match &e.from {
                PeriodRef::Date(s) => parse_date(s),
                PeriodRef::Index(_) => None,
            };
            let Some(day) = day else {
                self.push(
                    format!("{p}.from"),
                    at,
                    "`from` is not a date",
                    "write it as \"YYYY-MM-DD\"",
                );
                return vec![0.0; n];
            };
            if let Some(&(prev, _)) = steps.last() {
                if day <= prev {
                    self.push(
                        format!("{p}.from"),
                        at,
                        format!("{day} does not come after the entry before it ({prev})"),
                        "list the entries in order of their dates, each date once",
                    );
                    return vec![0.0; n];
                }
            }
            let per_hour = match (meaning, e.rate) {
                (Meaning::Amount, Rate::PerHour(x)) => x,
                (Meaning::Amount, Rate::PerDay(x)) => x / 24.0,
                (Meaning::Level, Rate::Value(x)) => x,
                (Meaning::Amount, Rate::Value(_)) => {
                    self.push(
                        &p,
                        at,
                        format!("{what} given as a `value`"),
                        "an amount over a period is a rate: give per_hour or per_day",
                    );
                    return vec![0.0; n];
                }
                (Meaning::Level, _) => {
                    self.push(
                        &p,
                        at,
                        format!("{what} given as a rate"),
                        "a level is not a rate: give { from = \"YYYY-MM-DD\", value = X }",
                    );
                    return vec![0.0; n];
                }
            };
            steps.push((day, per_hour));
        }
        horizon
            .periods
            .iter()
            .map(|p| {
                let amount = integral(&steps, p.start, p.end);
                match meaning {
                    Meaning::Amount => amount,
                    Meaning::Level => amount / p.hours,
                }
            })
            .collect()
    }
}

/// A ramp linear in time, through `from` at the middle of the first period and `to` at the
/// middle of the last: each period gets the ramp's value at its middle, which is also the
/// ramp's average over the period.
///
/// The middles are counted in steps of the largest time that divides every distance between
/// them (in half hours, so that every middle is a whole number). On periods of one length that
/// step is the period, the steps are 0, 1, ..., n - 1, and the arithmetic is exactly that of a
/// ramp by period number: the values are the same to the last bit.
fn ramp(from: f64, to: f64, horizon: &Horizon) -> Vec<f64> {
    let Some(first) = horizon.periods.first() else {
        return Vec::new();
    };
    let middle =
        |p: &crate::model::Period| (p.start - first.start).num_hours() * 2 + p.hours as i64;
    let offsets: Vec<i64> = horizon
        .periods
        .iter()
        .map(|p| middle(p) - middle(first))
        .collect();
    let step = offsets.iter().fold(0, |g, &d| gcd(g, d));
    let last = offsets[offsets.len() - 1];
    offsets
        .iter()
        .map(|&d| {
            if last == 0 {
                from
            } else {
                from + (to - from) * (d / step) as f64 / (last / step) as f64
            }
        })
        .collect()
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The step function `steps` (value per hour from each day on) integrated over `[a, b)`, in
/// value x hours.
fn integral(steps: &[(NaiveDate, f64)], a: NaiveDate, b: NaiveDate) -> f64 {
    let mut sum = 0.0;
    for (k, &(from, x)) in steps.iter().enumerate() {
        let until = steps.get(k + 1).map_or(NaiveDate::MAX, |s| s.0);
        let (lo, hi) = (from.max(a), until.min(b));
        if lo < hi {
            sum += x * (hi - lo).num_days() as f64 * 24.0;
        }
    }
    sum
}
