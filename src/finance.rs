//! The bill for people and spreadsheets: the monthly roll-up, spend against each floor over its
//! term and the discount obtained per provider as text tables, and every bill line as CSV.

use std::fmt::Write as _;

use crate::audit::{Bill, BillLine};
use crate::format::fmt_num;
use crate::report::Table;

fn usd(x: f64) -> String {
    format!("${}", fmt_num(x))
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// The bill sections of the table output: by month, floors over time, discounts.
pub fn bill_text(b: &Bill) -> String {
    let mut out = String::new();
    if !b.months.is_empty() {
        let _ = writeln!(
            out,
            "\nBill by month (a period is billed in the month it starts in; per period, provider and contract: bill.csv from plan --out, `bill.lines` in JSON):"
        );
        let mut t = Table::new(&[
            "month",
            "reserved used",
            "reserved idle",
            "per-use",
            "penalties",
            "revenue share",
            "floor shortfall",
            "total",
        ]);
        for m in &b.months {
            let p = &m.parts;
            t.row(vec![
                m.month.clone(),
                usd(p.reserved_used_usd),
                usd(p.reserved_idle_usd),
                usd(p.per_use_usd),
                usd(p.utilization_penalty_usd + p.unmet_penalty_usd),
                usd(p.revenue_share_usd),
                usd(p.spend_shortfall_usd),
                usd(p.total_usd),
            ]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&floors_text(b));
    out.push_str(&discounts_text(b));
    out
}

fn floors_text(b: &Bill) -> String {
    let mut out = String::new();
    if b.spend_floors.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nSpend floors over their terms (before the horizon, cumulative at the end of the horizon, with the forecast after):"
    );
    let mut t = Table::new(&[
        "contract",
        "floor",
        "term",
        "required",
        "before",
        "to horizon end",
        "with forecast",
        "headroom",
        "shortfall",
        "billed in",
    ]);
    for f in &b.spend_floors {
        t.row(vec![
            f.contract.clone(),
            f.name.clone(),
            format!("{} to {}", f.start, f.end),
            usd(f.floor_usd),
            usd(f.spent_before_usd),
            usd(f.spent_before_usd + f.in_horizon_usd),
            usd(f.total_usd),
            usd(f.headroom_usd),
            usd(f.shortfall_usd),
            if f.shortfall_usd > 0.0 {
                format!("period {}", f.billed_in_period)
            } else {
                "-".to_string()
            },
        ]);
    }
    out.push_str(&t.render());
    out
}

fn discounts_text(b: &Bill) -> String {
    let mut out = String::new();
    if b.discounts.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nDiscount per provider (effective: everything paid for compute, idle reserved capacity, penalties and billed shortfall included, against the public value of the chip-hours used):"
    );
    let mut t = Table::new(&[
        "provider",
        "public value",
        "at contract rates",
        "paid",
        "of which idle",
        "of which shortfall",
        "contractual",
        "effective",
    ]);
    for d in &b.discounts {
        t.row(vec![
            d.provider.clone(),
            usd(d.public_usd),
            usd(d.contract_rate_usd),
            usd(d.paid_usd),
            usd(d.reserved_idle_usd),
            usd(d.spend_shortfall_usd),
            pct(d.contractual_discount),
            pct(d.effective_discount),
        ]);
    }
    out.push_str(&t.render());
    out
}

/// Every bill line as CSV: `period,period_start,provider,contract,reserved_used_usd,...,total_usd`;
/// an absent provider (unmet-demand penalties) or contract is empty.
pub fn bill_csv(lines: &[BillLine]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for l in lines {
        w.serialize(l).expect("writing CSV to memory cannot fail");
    }
    w.into_inner().expect("writing CSV to memory cannot fail")
}
