//! Magnitudes no fleet has: every number of the file against its ceiling in
//! [`crate::schema::limits`]. A figure far above anything real is almost always a unit mistake,
//! and the solvers cannot keep such a program exact, so it is refused here with the range.
//! Negative and non-finite values are the other checks' business (each table's own file).

use super::Validator;
use crate::error::fmt_value;
use crate::format::fmt_num;
use crate::schema::limits::*;
use crate::schema::{PerPeriod, Rate, ScenarioFile};

impl Validator<'_> {
    /// Reports every finite value above its ceiling.
    pub(super) fn magnitudes(&mut self, f: &ScenarioFile) {
        for (k, c) in f.chips.iter().enumerate() {
            let p = format!("chips[{k}]");
            self.at_most(
                &format!("{p}.bf16_tflops"),
                c.bf16_tflops,
                MAX_TFLOPS,
                "TFLOPS",
            );
            let fp8 = c.fp8_tflops.unwrap_or(0.0);
            self.at_most(&format!("{p}.fp8_tflops"), fp8, MAX_TFLOPS, "TFLOPS");
            let hbm = c.hbm_gib.unwrap_or(0.0);
            self.at_most(&format!("{p}.hbm_gib"), hbm, MAX_HBM_GIB, "GiB");
        }
        for (k, c) in f.clusters.iter().enumerate() {
            let p = format!("clusters[{k}]");
            self.per_period_at_most(&format!("{p}.chips"), &c.chips, MAX_CHIPS, "chips");
            let usd = c.usd_per_chip_hour;
            self.at_most(
                &format!("{p}.usd_per_chip_hour"),
                usd,
                MAX_USD_PER_CHIP_HOUR,
                "USD",
            );
        }
        for (k, w) in f.workloads.iter().enumerate() {
            let p = format!("workloads[{k}]");
            let params = w.params_billion.unwrap_or(0.0);
            self.at_most(
                &format!("{p}.params_billion"),
                params,
                MAX_PARAMS_BILLION,
                "billion",
            );
            let work = w.work_pflop.unwrap_or(0.0);
            self.at_most(&format!("{p}.work_pflop"), work, MAX_WORK_PFLOP, "PFLOP");
            if let Some(r) = &w.work_chip_hours {
                let path = format!("{p}.work_chip_hours.chip_hours");
                self.at_most(&path, r.chip_hours, MAX_WORK_CHIP_HOURS, "chip-hours");
            }
            let m = w.max_chips.unwrap_or(0.0);
            self.at_most(&format!("{p}.max_chips"), m, MAX_WORKLOAD_CHIPS, "chips");
            if let Some(d) = &w.demand {
                self.per_period_at_most(&format!("{p}.demand"), d, MAX_DEMAND, "units");
            }
            for (chip, &t) in &w.throughput {
                let path = format!("{p}.throughput.{chip}");
                self.at_most(&path, t, MAX_THROUGHPUT, "units per chip-hour");
            }
            for (field, x) in [
                ("unmet_penalty_usd", w.unmet_penalty_usd),
                ("revenue_usd_per_unit", w.revenue_usd_per_unit),
            ] {
                let x = x.unwrap_or(0.0);
                self.at_most(&format!("{p}.{field}"), x, MAX_USD_PER_UNIT, "USD per unit");
            }
        }
        for (k, c) in f.contracts.iter().enumerate() {
            let p = format!("contracts[{k}]");
            for (j, s) in c.spend_floors.iter().enumerate() {
                for (field, x) in [
                    ("floor_usd", s.floor_usd),
                    ("spent_before_usd", s.spent_before_usd),
                    ("forecast_after_usd", s.forecast_after_usd),
                ] {
                    let path = format!("{p}.spend_floors[{j}].{field}");
                    self.at_most(&path, x, MAX_USD, "USD");
                }
            }
            for (j, u) in c.utilization_floors.iter().enumerate() {
                let path = format!("{p}.utilization_floors[{j}].penalty_usd_per_chip_hour");
                let pen = u.penalty_usd_per_chip_hour.unwrap_or(0.0);
                self.at_most(&path, pen, MAX_USD_PER_UNIT, "USD per chip-hour");
            }
            for (j, r) in c.placement.iter().enumerate() {
                let path = format!("{p}.placement[{j}].min_params_billion");
                self.at_most(&path, r.min_params_billion, MAX_PARAMS_BILLION, "billion");
            }
        }
    }

    /// Reports `x` at `path` if it is finite and above `max` (the place is found from the path).
    fn at_most(&mut self, path: &str, x: f64, max: f64, unit: &str) {
        let field = path.split_once("].").map_or(path, |(_, f)| f);
        self.at_most_as(path, field, x, max, unit);
    }

    /// [`Self::at_most`], naming the value `field` in the message.
    fn at_most_as(&mut self, path: &str, field: &str, x: f64, max: f64, unit: &str) {
        if x.is_finite() && x > max {
            self.push(
                path,
                None,
                format!(
                    "{field} is {} {unit}, above the {} {unit} no fleet comes near",
                    fmt_value(x),
                    fmt_num(max)
                ),
                format!(
                    "give at most {} {unit}: a larger figure is most likely a unit mistake (per hour, per period, thousands or millions)",
                    fmt_num(max)
                ),
            );
        }
    }

    fn per_period_at_most(&mut self, path: &str, spec: &PerPeriod, max: f64, unit: &str) {
        match spec {
            PerPeriod::Constant(x) => self.at_most(path, *x, max, unit),
            PerPeriod::List(v) => {
                if let Some(t) = v.iter().position(|x| x.is_finite() && *x > max) {
                    let field = path.split_once("].").map_or(path, |(_, f)| f);
                    let field = format!("{field} in period {}", t + 1);
                    self.at_most_as(&format!("{path}[{t}]"), &field, v[t], max, unit);
                }
            }
            PerPeriod::Ramp { from, to } => {
                self.at_most(&format!("{path}.from"), *from, max, unit);
                self.at_most(&format!("{path}.to"), *to, max, unit);
            }
            // A rate's figure is at most the per-period ceiling (an hour or a day is no longer
            // than any period).
            PerPeriod::Rate(r) => self.at_most(path, rate_figure(*r), max, unit),
            PerPeriod::Dated(v) => {
                for (k, d) in v.iter().enumerate() {
                    self.at_most(&format!("{path}[{k}]"), rate_figure(d.rate), max, unit);
                }
            }
        }
    }
}

/// The number a rate or level was written with.
fn rate_figure(r: Rate) -> f64 {
    match r {
        Rate::PerHour(x) | Rate::PerDay(x) | Rate::Value(x) => x,
    }
}
