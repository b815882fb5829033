//! The `[horizon]` table: its first day and its number of periods.

use super::{parse_date, Validator};
use crate::model::{Horizon, MAX_PERIODS};
use crate::schema::ScenarioFile;

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
        let periods = *f.horizon.periods.get_ref();
        if periods == 0 || periods > MAX_PERIODS {
            let at = self.src.at(f.horizon.periods.span());
            self.push(
                "horizon.periods",
                at,
                format!("{periods} periods"),
                format!("give 1 to {MAX_PERIODS} periods (use a longer period length for long horizons)"),
            );
            return None;
        }
        let h = Horizon::new(start?, f.horizon.period, periods);
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
}
