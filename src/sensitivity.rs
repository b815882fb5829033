//! Shadow prices in the model's own terms: what one more unit of each binding term is worth.
//!
//! [`shadow_prices`] reads the duals of the plan's LP ([`crate::duals`]) against the
//! formulation's rows and bounds and says, per term, how much the total cost changes when the
//! term grows by one unit: one more chip-hour of a cluster's capacity in a period, one more
//! dollar of a spend floor, one more chip-hour of a utilization floor, one more unit of
//! inference demand, one more PFLOP of training work, one more chip-hour under a workload's
//! `max_chips`. A negative value lowers the total (capacity, limits), a positive one raises
//! it (floors, demand, work). For a plan with dependencies (a MILP) the values are those of
//! the LP with the dependency decisions fixed at the plan's, and every output says so.
//!
//! A term may be a row of the program or a column bound (a cluster that only one workload
//! can use has no capacity row: its capacity is that column's upper bound); both count.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::duals::{self, Duals};
use crate::format::fmt_num;
use crate::formulation::{ColKey, Formulation, RowKey, CHIP_HOURS_PER_UNIT, USD_PER_UNIT};
use crate::model::{ClusterId, ContractId, Demand, Scenario, WorkloadId};

/// The kinds of terms that have a price.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// Chip-hours a cluster has in a period.
    Capacity,
    /// A contract's spend floor.
    SpendFloor,
    /// A utilization floor of a cluster in a period.
    UtilizationFloor,
    /// An inference workload's demand in a period.
    Demand,
    /// A training workload's work.
    Work,
    /// A workload's `max_chips` in a period.
    MaxChips,
}

impl TermKind {
    /// Name as written in tables and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Capacity => "capacity",
            TermKind::SpendFloor => "spend_floor",
            TermKind::UtilizationFloor => "utilization_floor",
            TermKind::Demand => "demand",
            TermKind::Work => "work",
            TermKind::MaxChips => "max_chips",
        }
    }
}

/// One binding term and its price.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Term {
    /// What kind of term.
    pub kind: TermKind,
    /// Cluster (capacity, utilization floors).
    pub cluster: Option<String>,
    /// Contract (spend and utilization floors).
    pub contract: Option<String>,
    /// Spend floor name.
    pub floor: Option<String>,
    /// Workload (demand, work, max_chips).
    pub workload: Option<String>,
    /// Period, 1-based (terms of one period).
    pub period: Option<usize>,
    /// Change in the total cost, USD, per one more `unit` of the term: negative lowers it.
    pub usd_per_unit: f64,
    /// `chip-hour`, `USD`, `PFLOP` or the demand's unit.
    pub unit: String,
    /// The price in one sentence.
    pub message: String,
}

/// The shadow prices of a plan: the `sensitivity` section of plan.json.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Sensitivity {
    /// `lp` (the plan's own program) or `lp_with_integers_fixed` (a plan with dependencies:
    /// the LP with the dependency decisions fixed at the plan's).
    pub basis: &'static str,
    /// What the values mean, in one sentence.
    pub note: String,
    /// The backend (and step) the duals come from.
    pub source: String,
    /// Every binding term, largest absolute value first.
    pub terms: Vec<Term>,
    /// Why there are no prices, when the solve could not give them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

impl Sensitivity {
    /// The prices of the plan `x` from what the solve returned (`None`: not asked for).
    pub fn of_solve(
        f: &Formulation<'_>,
        x: &[f64],
        duals: Option<&Result<Duals, String>>,
    ) -> Option<Sensitivity> {
        match duals? {
            Ok(d) => Some(shadow_prices(f, x, d)),
            Err(reason) => Some(Sensitivity {
                basis: "none",
                note: "no shadow prices for this plan".into(),
                source: String::new(),
                terms: Vec::new(),
                unavailable: Some(reason.clone()),
            }),
        }
    }
}

/// A price below this (USD per unit) is round-off, not a binding term.
pub const PRICE_ZERO: f64 = 1e-6;

/// Where a price accrues: a term of the scenario (rows and bounds of one term share a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Capacity(ClusterId, usize),
    Spend(ContractId, usize),
    Utilization(ContractId, usize, usize),
    Demand(WorkloadId, usize),
    Work(WorkloadId),
    MaxChips(WorkloadId, usize),
}

/// The shadow prices of the plan `x` (the formulation's columns) from `duals` of its rows.
pub fn shadow_prices(f: &Formulation<'_>, x: &[f64], duals: &Duals) -> Sensitivity {
    let mut acc: HashMap<Key, f64> = HashMap::new();
    row_prices(f, x, &duals.rows, &mut acc);
    bound_prices(f, x, &duals.rows, &mut acc);
    // A floor no plan can reach is no row: every dollar more of it is a dollar more owed.
    for &(k, j) in &f.unreachable_floors {
        *acc.entry(Key::Spend(k, j)).or_default() += 1.0;
    }
    let mut terms: Vec<(Key, Term)> = acc
        .into_iter()
        .map(|(k, v)| (k, term(f.scenario, k, significant(v * domain_factor(k)))))
        .filter(|(_, t)| t.usd_per_unit.abs() > PRICE_ZERO)
        .collect();
    terms.sort_by(|(ka, a), (kb, b)| {
        b.usd_per_unit
            .abs()
            .total_cmp(&a.usd_per_unit.abs())
            .then(ka.cmp(kb))
    });
    let (basis, note) = if duals.integers_fixed {
        ("lp_with_integers_fixed", "change in the total cost per one more unit of each binding term, in the LP with the dependency decisions (which predecessor is done by when) fixed at the plan's; valid while the same terms bind and those decisions stay")
    } else {
        ("lp", "change in the total cost per one more unit of each binding term (the LP's shadow prices); valid while the same terms bind")
    };
    Sensitivity {
        basis,
        note: note.into(),
        source: duals.source.clone(),
        terms: terms.into_iter().map(|(_, t)| t).collect(),
        unavailable: None,
    }
}

/// Adds each priced row's dual, per unit of its right-hand side as the formulation wrote it
/// (before the row was divided by its largest coefficient).
fn row_prices(f: &Formulation<'_>, x: &[f64], y: &[f64], acc: &mut HashMap<Key, f64>) {
    for (i, key) in f.rows.iter().enumerate() {
        if y[i] == 0.0 {
            continue;
        }
        let (k, per_unit) = match *key {
            RowKey::Capacity(c, t) => (Key::Capacity(c, t), 1.0),
            RowKey::Work(w) => (Key::Work(w), 1.0),
            RowKey::Demand(w, t) => (Key::Demand(w, t), 1.0),
            RowKey::MaxChips(w, t) => (Key::MaxChips(w, t), 1.0),
            RowKey::Utilization(k, j, t) => (Key::Utilization(k, j, t), 1.0),
            RowKey::Spend(k, j) => (Key::Spend(k, j), 1.0),
            // `work done by t >= work x done(t)`: with `done(t)` fixed at the plan's value, a
            // PFLOP more of work is `done(t)` more on that row's right-hand side.
            RowKey::DoneWhenComplete(w, _) => (Key::Work(w), done_value(f, i, x)),
            RowKey::DoneMonotone(..) | RowKey::After(..) | RowKey::Progress(..) => continue,
        };
        *acc.entry(k).or_default() += y[i] / f.lp.row_scale[i] * per_unit;
    }
}

/// The plan's value of the `Done` column of row `i`.
fn done_value(f: &Formulation<'_>, i: usize, x: &[f64]) -> f64 {
    f.lp.row(i)
        .iter()
        .find(|(c, _)| matches!(f.cols[c.0 as usize], ColKey::Done(..)))
        .map_or(0.0, |(c, _)| x[c.0 as usize].round())
}

/// Adds the price of each column bound that is a term (or moves with one): an allocation at
/// its cluster's capacity or its `max_chips` limit, a shortfall column at its whole floor or
/// demand. Its reduced cost is what one more unit of the bound is worth; times how far the
/// bound moves per unit of the term's right-hand side.
fn bound_prices(f: &Formulation<'_>, x: &[f64], y: &[f64], acc: &mut HashMap<Key, f64>) {
    let s = f.scenario;
    let d = duals::reduced_costs(&f.lp, y);
    for (j, key) in f.cols.iter().enumerate() {
        let upper = f.lp.col_upper[j];
        let at_upper = upper > 0.0 && x[j] >= upper - 1e-9 * upper.max(1.0);
        if !at_upper || d[j] >= 0.0 {
            continue;
        }
        let (k, per_unit) = match *key {
            ColKey::Alloc(w, c, t) => {
                let cap = s.clusters[c.0].capacity[t] / CHIP_HOURS_PER_UNIT;
                let limit = s.workloads[w.0]
                    .max_chips
                    .map(|m| m * s.horizon.periods[t].hours / CHIP_HOURS_PER_UNIT);
                if same(upper, cap) {
                    (Key::Capacity(c, t), 1.0)
                } else if limit.is_some_and(|l| same(upper, l)) {
                    (Key::MaxChips(w, t), 1.0)
                } else {
                    continue;
                }
            }
            // Unmet demand is in thousands of units; the row's right-hand side in units.
            ColKey::Unmet(w, t) => (Key::Demand(w, t), 1.0 / 1_000.0),
            ColKey::UtilShort(k, j, t) => (Key::Utilization(k, j, t), 1.0),
            ColKey::SpendShort(k, j) => (Key::Spend(k, j), 1.0),
            _ => continue,
        };
        *acc.entry(k).or_default() += d[j] * per_unit;
    }
}

/// `x` to 9 significant digits: the solvers' round-off (1e-9 relative and below) is no part
/// of a price, and without it equal prices would rank in no particular order.
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(8 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// USD per domain unit for one program unit of objective per unit of the term's right-hand
/// side (thousands of dollars per thousand chip-hours, per PFLOP, per unit of demand).
fn domain_factor(k: Key) -> f64 {
    match k {
        Key::Capacity(..) | Key::MaxChips(..) | Key::Utilization(..) => {
            USD_PER_UNIT / CHIP_HOURS_PER_UNIT
        }
        // Thousands of dollars of cost per thousand dollars of floor.
        Key::Spend(..) => 1.0,
        Key::Work(_) | Key::Demand(..) => USD_PER_UNIT,
    }
}

/// The term for `key` with its price, named in the scenario's ids.
fn term(s: &Scenario, key: Key, usd_per_unit: f64) -> Term {
    let mut t = Term {
        kind: TermKind::Capacity,
        cluster: None,
        contract: None,
        floor: None,
        workload: None,
        period: None,
        usd_per_unit,
        unit: "chip-hour".into(),
        message: String::new(),
    };
    match key {
        Key::Capacity(c, p) => {
            t.cluster = Some(s.clusters[c.0].id.clone());
            t.period = Some(p + 1);
        }
        Key::MaxChips(w, p) => {
            t.kind = TermKind::MaxChips;
            t.workload = Some(s.workloads[w.0].id.clone());
            t.period = Some(p + 1);
        }
        Key::Utilization(k, j, p) => {
            t.kind = TermKind::UtilizationFloor;
            t.contract = Some(s.contracts[k.0].id.clone());
            let c = s.contracts[k.0].utilization_floors[j].cluster;
            t.cluster = Some(s.clusters[c.0].id.clone());
            t.period = Some(p + 1);
        }
        Key::Spend(k, j) => {
            t.kind = TermKind::SpendFloor;
            t.contract = Some(s.contracts[k.0].id.clone());
            t.floor = Some(s.contracts[k.0].spend_floors[j].name.clone());
            t.unit = "USD".into();
        }
        Key::Demand(w, p) => {
            t.kind = TermKind::Demand;
            let wl = &s.workloads[w.0];
            t.workload = Some(wl.id.clone());
            t.period = Some(p + 1);
            if let Demand::Inference { unit, .. } = &wl.demand {
                t.unit = unit.clone();
            }
        }
        Key::Work(w) => {
            t.kind = TermKind::Work;
            t.workload = Some(s.workloads[w.0].id.clone());
            t.unit = "PFLOP".into();
        }
    }
    t.message = message(s, &t);
    t
}

/// Where a term binds, from a saved document (no scenario at hand): its contract, floor,
/// cluster and workload where present, then `period N`: `aws-tutorial, trn2-dedicated, period 1`.
pub fn place_in_document(names: [&Option<String>; 4], period: Option<usize>) -> String {
    let mut parts: Vec<String> = names.iter().filter_map(|n| (*n).clone()).collect();
    if let Some(p) = period {
        parts.push(format!("period {p}"));
    }
    parts.join(", ")
}

/// Period `p` (1-based) by its length and number: `week 5`, `quarter 14`.
fn period_name(s: &Scenario, p: usize) -> String {
    let length = s
        .horizon
        .periods
        .get(p.wrapping_sub(1))
        .map_or("period", |q| q.length.as_str());
    format!("{length} {p}")
}

/// `one more chip-hour on "trn2" in week 5 would lower the total by $13.17`.
fn message(s: &Scenario, t: &Term) -> String {
    let period =
        |p: Option<usize>| p.map_or(String::new(), |p| format!(" in {}", period_name(s, p)));
    let q = |x: &Option<String>| format!("\"{}\"", x.as_deref().unwrap_or(""));
    let what = match t.kind {
        TermKind::Capacity => format!(
            "one more chip-hour on {}{}",
            q(&t.cluster),
            period(t.period)
        ),
        TermKind::MaxChips => format!(
            "one more chip-hour under {}'s max_chips{}",
            q(&t.workload),
            period(t.period)
        ),
        TermKind::UtilizationFloor => format!(
            "one more chip-hour of utilization floor on {} (contract {}){}",
            q(&t.cluster),
            q(&t.contract),
            period(t.period)
        ),
        TermKind::SpendFloor => format!(
            "one more dollar of spend floor {} (contract {})",
            q(&t.floor),
            q(&t.contract)
        ),
        TermKind::Demand => format!(
            "one more {} of {}'s demand{}",
            t.unit,
            q(&t.workload),
            period(t.period)
        ),
        TermKind::Work => format!("one more PFLOP of {}'s work", q(&t.workload)),
    };
    let verb = if t.usd_per_unit < 0.0 {
        "lower"
    } else {
        "raise"
    };
    format!(
        "{what} would {verb} the total by ${}",
        money(t.usd_per_unit.abs())
    )
}

/// Where a term applies, in one cell: `trn2-dedicated, week 5`.
pub fn place(s: &Scenario, t: &Term) -> String {
    let mut parts: Vec<String> = Vec::new();
    match t.kind {
        TermKind::SpendFloor => {
            parts.push(t.contract.clone().unwrap_or_default());
            parts.push(t.floor.clone().unwrap_or_default());
        }
        TermKind::UtilizationFloor => parts.push(t.cluster.clone().unwrap_or_default()),
        TermKind::Capacity => parts.push(t.cluster.clone().unwrap_or_default()),
        TermKind::Demand | TermKind::Work | TermKind::MaxChips => {
            parts.push(t.workload.clone().unwrap_or_default())
        }
    }
    if let Some(p) = t.period {
        parts.push(period_name(s, p));
    }
    parts.join(", ")
}

/// How many terms the table shows unless asked for all.
pub const TOP: usize = 10;

/// The "What binds" section of the table output: the `limit` largest terms (all with `None`).
pub fn text(s: &Scenario, sens: &Sensitivity, limit: Option<usize>) -> String {
    let mut out = String::new();
    let n = sens.terms.len();
    let shown = limit.unwrap_or(n).min(n);
    let basis = if sens.basis == "lp" {
        String::new()
    } else {
        " of the LP with the dependency decisions fixed at the plan's".to_string()
    };
    let _ = writeln!(
        out,
        "What binds (shadow prices{basis}: change in the total per one more unit; {shown} of {n} binding term(s){}):",
        if shown < n { ", --sensitivity all for every one" } else { "" }
    );
    if let Some(reason) = &sens.unavailable {
        out.clear();
        let _ = writeln!(out, "What binds: no shadow prices ({reason})");
        return out;
    }
    if n == 0 {
        let _ = writeln!(
            out,
            "  nothing: no term's limit changes the total at the margin"
        );
        return out;
    }
    let mut table = crate::report::Table::new(&["term", "where", "USD per unit", "unit"]);
    for t in sens.terms.iter().take(shown) {
        table.row(vec![
            t.kind.as_str().to_string(),
            place(s, t),
            price(t.usd_per_unit),
            t.unit.clone(),
        ]);
    }
    out.push_str(&table.render());
    if let Some(t) = sens.terms.first() {
        let _ = writeln!(out, "  e.g. {}", t.message);
    }
    out
}

/// A signed price in dollars: `-$13.17`, `$1.00`, `$0.0012`.
pub fn price(x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}${}", money(x.abs()))
}

/// A positive amount of dollars to 4 significant digits at most (`0.99999` is `1.00`).
fn money(x: f64) -> String {
    let rounded = if x >= 1.0 {
        (x * 100.0).round() / 100.0
    } else {
        let scale = 10f64.powi(3 - x.log10().floor() as i32);
        (x * scale).round() / scale
    };
    if rounded >= 1.0 {
        fmt_num(rounded)
    } else {
        format!("{rounded}")
    }
}

/// `sensitivity.csv`: one row per binding term, largest first.
pub fn csv(sens: &Sensitivity) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "rank",
        "kind",
        "cluster",
        "contract",
        "floor",
        "workload",
        "period",
        "usd_per_unit",
        "unit",
        "basis",
        "message",
    ];
    w.write_record(header).expect("writing to memory");
    let opt = |x: &Option<String>| x.clone().unwrap_or_default();
    for (i, t) in sens.terms.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            t.kind.as_str().to_string(),
            opt(&t.cluster),
            opt(&t.contract),
            opt(&t.floor),
            opt(&t.workload),
            t.period.map_or(String::new(), |p| p.to_string()),
            format!("{}", t.usd_per_unit),
            t.unit.clone(),
            sens.basis.to_string(),
            t.message.clone(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The `n` largest terms in one cell (a sweep row's `top_binding`):
/// `capacity trn2 week 5 -$13.17/chip-hour; ...`.
pub fn top_binding(s: &Scenario, sens: &Sensitivity, n: usize) -> String {
    sens.terms
        .iter()
        .take(n)
        .map(|t| {
            format!(
                "{} {} {}/{}",
                t.kind.as_str(),
                place(s, t).replace(", ", " "),
                price(t.usd_per_unit),
                t.unit
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_as_dollars_with_their_sign_and_no_float_noise() {
        assert_eq!(price(-13.17), "-$13.17");
        assert_eq!(price(0.999_999_999_7), "$1.00");
        assert_eq!(price(1.0 - 2.5 / 3.0), "$0.1667");
        assert_eq!(price(-0.001_041_3), "-$0.001041");
        assert_eq!(price(12_345.678), "$12,346");
    }

    #[test]
    fn round_off_beyond_nine_digits_is_dropped_so_equal_prices_rank_by_their_terms() {
        assert_eq!(significant(2.490_000_000_4), 2.49);
        assert_eq!(significant(-0.666_666_666_67), -0.666_666_667);
        assert_eq!(significant(0.0), 0.0);
        let a = Key::Capacity(ClusterId(0), 1);
        let b = Key::Capacity(ClusterId(0), 0);
        assert!(b < a, "earlier periods first among equal prices");
    }
}
