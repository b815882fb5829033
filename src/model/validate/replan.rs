//! The `[replan]` table: its as-of date is a period boundary, its paths are relative to the file.

use std::path::Path;

use super::{parse_date, Validator};
use crate::model::{Horizon, Replan};
use crate::schema::ScenarioFile;

impl Validator<'_> {
    /// The re-plan the file keeps, its paths resolved against the file's folder; `None` when
    /// there is none or it is refused (with a problem).
    pub(super) fn replan(
        &mut self,
        f: &ScenarioFile,
        horizon: &Horizon,
        file: &Path,
    ) -> Option<Replan> {
        let r = f.replan.as_ref()?;
        let at = self.src.at(r.as_of.span());
        let Some(as_of) = parse_date(r.as_of.get_ref()) else {
            self.push(
                "replan.as_of",
                at,
                format!("\"{}\" is not a date", r.as_of.get_ref()),
                "write the first day planned as YYYY-MM-DD",
            );
            return None;
        };
        let first_open = match crate::replan::as_of_period(horizon, as_of) {
            Ok(t) => t,
            Err(message) => {
                let (message, help) = message.split_once("\n    help: ").unwrap_or((&message, ""));
                self.push("replan.as_of", at, message, help);
                return None;
            }
        };
        let dir = file.parent().unwrap_or(Path::new(""));
        let mut resolve = |field: &str, value: &toml::Spanned<String>| {
            if value.get_ref().trim().is_empty() {
                let at = self.src.at(value.span());
                self.push(
                    format!("replan.{field}"),
                    at,
                    "the path is empty",
                    "name a file relative to the scenario file",
                );
            }
            dir.join(value.get_ref())
        };
        let actuals = resolve("actuals", &r.actuals);
        let previous = r.previous.as_ref().map(|p| resolve("previous", p));
        Some(Replan {
            as_of,
            first_open,
            actuals,
            previous,
        })
    }
}
