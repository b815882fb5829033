//! The `[horizon]` table: its first day and its periods, in one run (`period` and `periods`) or
//! in segments.

use super::{parse_date, Validator};
use crate::model::{Horizon, MAX_PERIODS};
use crate::schema::{HorizonSpec, PeriodLength, ScenarioFile};

impl Validator<'_> {
    /// The horizon expanded into periods; `None` when it cannot be (nothing else can be checked).
    pub(super) fn horizon(&mut self, f: &ScenarioFile) -> Option<Horizon> {
        let at = self.src.at(f.horizon.start.span());
        let start = parse_date(f.horizon.start.get_ref());
        if start.is_none() {
            self.push(
                "horizon.start",
                at,
                format!("\"{}\" is not a date", f.horizon.start.get_ref()),
                "write the first day as YYYY-MM-DD",
            );
        }
        let runs = self.horizon_runs(&f.horizon)?;
        let h = Horizon::segmented(start?, &runs);
        if h.is_none() {
            self.push(
                "horizon",
                at,
                "the horizon runs past the calendar",
                "start earlier or use fewer periods",
            );
        }
        h
    }

    /// The runs of periods the horizon asks for: the simple form's one run or the segments.
    fn horizon_runs(&mut self, h: &HorizonSpec) -> Option<Vec<(PeriodLength, u32)>> {
        let at = self.src.at(h.start.span());
        let simple = h.period.is_some() || h.periods.is_some();
        let runs = match (&h.segments, simple) {
            (Some(seg), true) => {
                self.push(
                    "horizon",
                    self.src.at(seg.span()),
                    "both `segments` and `period`/`periods` are given",
                    "keep one form: `period` and `periods` for periods of one length, or `segments` alone",
                );
                return None;
            }
            (Some(seg), false) => self.segment_runs(seg.get_ref(), self.src.at(seg.span()))?,
            (None, _) => match (h.period, &h.periods) {
                (Some(p), Some(n)) => {
                    self.period_count("horizon.periods", *n.get_ref(), self.src.at(n.span()))?;
                    vec![(p, *n.get_ref())]
                }
                (p, _) => {
                    let (missing, what) = if p.is_none() {
                        ("period", "the period length: day, week, month or quarter")
                    } else {
                        ("periods", "how many periods")
                    };
                    self.push(
                        format!("horizon.{missing}"),
                        at,
                        format!("missing field `{missing}`"),
                        format!("add `{missing}` ({what}), or give the horizon as `segments = [{{ period = \"week\", count = 13 }}, ...]` without `period` and `periods`"),
                    );
                    return None;
                }
            },
        };
        let total: u64 = runs.iter().map(|&(_, n)| n as u64).sum();
        if total > MAX_PERIODS as u64 {
            self.push(
                "horizon.segments",
                at,
                format!("{total} periods in all"),
                format!(
                    "give at most {MAX_PERIODS} periods (use longer periods for the far future)"
                ),
            );
            return None;
        }
        Some(runs)
    }

    /// The segments' runs; an empty list or a segment of no periods is reported.
    fn segment_runs(
        &mut self,
        segments: &[crate::schema::SegmentSpec],
        at: Option<(usize, usize)>,
    ) -> Option<Vec<(PeriodLength, u32)>> {
        if segments.is_empty() {
            self.push(
                "horizon.segments",
                at,
                "no segments",
                "give at least one segment, e.g. `segments = [{ period = \"week\", count = 13 }]`",
            );
            return None;
        }
        let mut runs = Vec::new();
        for (k, s) in segments.iter().enumerate() {
            self.period_count(&format!("horizon.segments[{k}].count"), s.count, at)?;
            runs.push((s.period, s.count));
        }
        Some(runs)
    }

    /// A count of periods from 1 to [`MAX_PERIODS`]; `None` (reported) otherwise.
    fn period_count(&mut self, path: &str, n: u32, at: Option<(usize, usize)>) -> Option<()> {
        if n == 0 || n > MAX_PERIODS {
            self.push(
                path,
                at,
                format!("{n} periods"),
                format!("give 1 to {MAX_PERIODS} periods (use a longer period length for long horizons)"),
            );
            return None;
        }
        Some(())
    }
}
