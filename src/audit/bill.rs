//! The bill: what the allocation costs per period, per provider and per contract, as finance sees
//! it; spend against each take-or-pay floor over its term; and the discount really obtained from
//! each provider once everything paid to it is counted.
//!
//! Everything here is read from the audit's own figures (usage per cell and per cluster, the
//! utilization and spend-floor statuses, the unmet-demand penalty per period), so the bill's lines
//! add up to [`super::Costs::total_usd`]. Two attributions are choices, documented in
//! `docs/report.md`:
//! - a spend floor's billed shortfall goes to the period containing the last day of the floor's
//!   term; a term ending after the horizon bills in the horizon's last period. A floor no horizon
//!   period starts in bills nothing: its status says what its forecast needs;
//! - unmet-demand penalties are paid to no provider: their lines have no provider and no contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Audit, ProviderPrice, SpendFloorStatus, UtilizationStatus};
use crate::schema::Billing;

/// One line of the bill: one period, provider and contract.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BillLine {
    /// Period number (1-based).
    pub period: usize,
    /// First day of the period.
    pub period_start: String,
    /// Provider paid; `None` for unmet-demand penalties, which no provider receives.
    pub provider: Option<String>,
    /// Contract the money is paid under; `None` for uncovered clusters.
    pub contract: Option<String>,
    /// Reserved capacity used, USD.
    pub reserved_used_usd: f64,
    /// Reserved capacity paid but idle, USD.
    pub reserved_idle_usd: f64,
    /// Per-use compute, USD.
    pub per_use_usd: f64,
    /// Soft utilization floor penalties, USD.
    pub utilization_penalty_usd: f64,
    /// Unmet inference demand penalties, USD.
    pub unmet_penalty_usd: f64,
    /// Inference revenue share owed, USD.
    pub revenue_share_usd: f64,
    /// Spend-floor shortfall billed in this period, USD.
    pub spend_shortfall_usd: f64,
    /// Everything on the line, USD.
    pub total_usd: f64,
}

impl BillLine {
    fn add(&mut self, o: &BillLine) {
        self.reserved_used_usd += o.reserved_used_usd;
        self.reserved_idle_usd += o.reserved_idle_usd;
        self.per_use_usd += o.per_use_usd;
        self.utilization_penalty_usd += o.utilization_penalty_usd;
        self.unmet_penalty_usd += o.unmet_penalty_usd;
        self.revenue_share_usd += o.revenue_share_usd;
        self.spend_shortfall_usd += o.spend_shortfall_usd;
        self.total_usd += o.total_usd;
    }

    fn close(&mut self) {
        self.total_usd = self.reserved_used_usd
            + self.reserved_idle_usd
            + self.per_use_usd
            + self.utilization_penalty_usd
            + self.unmet_penalty_usd
            + self.revenue_share_usd
            + self.spend_shortfall_usd;
    }

    /// Compute paid to the provider: reserved capacity (used and idle) and per-use compute.
    pub fn compute_usd(&self) -> f64 {
        self.reserved_used_usd + self.reserved_idle_usd + self.per_use_usd
    }
}

/// The bill of one calendar month: every period starting in it, all providers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MonthBill {
    /// `YYYY-MM`.
    pub month: String,
    /// The parts, summed (`period`, `provider` and `contract` are not used).
    #[serde(flatten)]
    pub parts: MonthParts,
}

/// The parts of a month's bill.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MonthParts {
    /// Reserved capacity used, USD.
    pub reserved_used_usd: f64,
    /// Reserved capacity idle, USD.
    pub reserved_idle_usd: f64,
    /// Per-use compute, USD.
    pub per_use_usd: f64,
    /// Utilization penalties, USD.
    pub utilization_penalty_usd: f64,
    /// Unmet-demand penalties, USD.
    pub unmet_penalty_usd: f64,
    /// Revenue share, USD.
    pub revenue_share_usd: f64,
    /// Spend-floor shortfall billed, USD.
    pub spend_shortfall_usd: f64,
    /// Total, USD.
    pub total_usd: f64,
}

/// Spend against one floor in one horizon period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FloorPeriod {
    /// Period number (1-based).
    pub period: usize,
    /// First day of the period.
    pub period_start: String,
    /// Spend counted toward the floor in the period, USD.
    pub spend_usd: f64,
    /// Spent before the horizon plus everything up to and including this period, USD.
    pub cumulative_usd: f64,
}

/// Cumulative spend against one spend floor across its term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FloorTimeline {
    /// Contract.
    pub contract: String,
    /// Floor label.
    pub name: String,
    /// First day of the term.
    pub start: String,
    /// Last day of the term.
    pub end: String,
    /// Floor, USD.
    pub floor_usd: f64,
    /// Spent before the horizon, USD.
    pub spent_before_usd: f64,
    /// Horizon periods counting toward the floor, in order.
    pub periods: Vec<FloorPeriod>,
    /// Spent in the horizon, USD.
    pub in_horizon_usd: f64,
    /// Forecast after the horizon, USD.
    pub forecast_after_usd: f64,
    /// Before + in horizon + forecast, USD.
    pub total_usd: f64,
    /// How far the total is above the floor, USD (0 when short).
    pub headroom_usd: f64,
    /// Shortfall billed, USD (0 when met).
    pub shortfall_usd: f64,
    /// Period (1-based) the shortfall is billed in.
    pub billed_in_period: usize,
}

/// What a provider was really paid against the public value of the compute used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ProviderDiscount {
    /// Provider.
    pub provider: String,
    /// Chip-hours used at the public rates, USD.
    pub public_usd: f64,
    /// Chip-hours used at the rates paid (the contract rates), USD.
    pub contract_rate_usd: f64,
    /// Everything paid for compute: reserved (used and idle), per-use, utilization penalties and
    /// billed spend-floor shortfall, USD. Revenue share is not in it: it is a share of revenue,
    /// not a price of compute.
    pub paid_usd: f64,
    /// Of which idle reserved capacity, USD.
    pub reserved_idle_usd: f64,
    /// Of which spend-floor shortfall, USD.
    pub spend_shortfall_usd: f64,
    /// Of which utilization penalties, USD.
    pub utilization_penalty_usd: f64,
    /// `1 - contract_rate / public`: the discount the contracts state, on the chip-hours used.
    pub contractual_discount: Option<f64>,
    /// `1 - paid / public`: the discount obtained; negative when more was paid than the public
    /// value of the compute used. `None` when nothing was used.
    pub effective_discount: Option<f64>,
}

/// The bill of an allocation and what finance reads from it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Bill {
    /// Per period x provider x contract, in that order.
    pub lines: Vec<BillLine>,
    /// Per calendar month (a period is billed in the month it starts in).
    pub months: Vec<MonthBill>,
    /// Spend against each floor over its term.
    pub spend_floors: Vec<FloorTimeline>,
    /// Contractual and effective discount per provider.
    pub discounts: Vec<ProviderDiscount>,
}

type LineKey = (usize, Option<String>, Option<String>);

impl Audit<'_> {
    /// The bill, from the audit's usage and its utilization and spend-floor statuses.
    pub(super) fn bill(
        &self,
        utilization: &[UtilizationStatus],
        spend_floors: &[SpendFloorStatus],
        prices: &[ProviderPrice],
    ) -> Bill {
        let mut lines: BTreeMap<LineKey, BillLine> = BTreeMap::new();
        self.bill_compute(&mut lines);
        self.bill_penalties(&mut lines, utilization);
        let billed_in = self.bill_shortfalls(&mut lines, spend_floors);
        let s = self.s;
        let mut lines: Vec<BillLine> = lines
            .into_iter()
            .map(|((t, provider, contract), mut l)| {
                l.period = t + 1;
                l.period_start = s.horizon.periods[t].start.to_string();
                l.provider = provider;
                l.contract = contract;
                l.close();
                l
            })
            .collect();
        lines.retain(|l| l.total_usd != 0.0 || l.reserved_idle_usd != 0.0);
        Bill {
            months: months(&lines),
            spend_floors: self.floor_timelines(&lines, spend_floors, &billed_in),
            discounts: self.discounts(&lines, prices),
            lines,
        }
    }

    /// Reserved capacity (used and idle), per-use compute and revenue share.
    fn bill_compute(&self, lines: &mut BTreeMap<LineKey, BillLine>) {
        let s = self.s;
        for (c, cl) in s.clusters.iter().enumerate() {
            if cl.billing != Billing::Reserved {
                continue;
            }
            for t in 0..self.periods {
                let cap = cl.capacity[t];
                let idle = (cap - self.u.on_cluster[c][t]).max(0.0);
                let l = entry(lines, self, t, c);
                l.reserved_idle_usd += idle * cl.rate;
                l.reserved_used_usd += (cap - idle) * cl.rate;
            }
        }
        for (&(w, c, t), &ch) in &self.u.used {
            let cl = &s.clusters[c];
            let share = match (&s.workloads[w].demand, cl.contract) {
                (
                    crate::model::Demand::Inference {
                        revenue_per_unit, ..
                    },
                    Some(k),
                ) => {
                    let units = ch * s.workloads[w].yield_per_chip_hour[c].unwrap_or(0.0);
                    s.contracts[k.0].inference_revenue_share * revenue_per_unit * units
                }
                _ => 0.0,
            };
            let l = entry(lines, self, t, c);
            l.revenue_share_usd += share;
            if cl.billing == Billing::PerUse {
                l.per_use_usd += ch * cl.rate;
            }
        }
    }

    /// Utilization penalties to the cluster's provider; unmet-demand penalties to no one.
    fn bill_penalties(
        &self,
        lines: &mut BTreeMap<LineKey, BillLine>,
        utilization: &[UtilizationStatus],
    ) {
        for u in utilization.iter().filter(|u| u.penalty_usd != 0.0) {
            let Some(c) = self.s.cluster_by_id(&u.cluster) else {
                continue;
            };
            let provider = self.s.clusters[c.0].provider.clone();
            lines
                .entry((u.period - 1, Some(provider), u.contract.clone()))
                .or_default()
                .utilization_penalty_usd += u.penalty_usd;
        }
        for per_period in &self.unmet_penalty {
            for (t, &p) in per_period.iter().enumerate().filter(|(_, p)| **p != 0.0) {
                lines.entry((t, None, None)).or_default().unmet_penalty_usd += p;
            }
        }
    }

    /// Billed shortfall in the period containing the end of the floor's term (see the module
    /// documentation); returns that period (0-based) for every floor, in the statuses' order.
    fn bill_shortfalls(
        &self,
        lines: &mut BTreeMap<LineKey, BillLine>,
        spend_floors: &[SpendFloorStatus],
    ) -> Vec<usize> {
        let h = &self.s.horizon;
        let floors = self
            .s
            .contracts
            .iter()
            .flat_map(|k| k.spend_floors.iter().map(move |f| (k, f)));
        let mut billed_in = Vec::new();
        for ((k, f), status) in floors.zip(spend_floors) {
            let t = h.index_of_date(f.end).unwrap_or_else(|| {
                if f.end < h.periods[0].start {
                    0
                } else {
                    h.len() - 1
                }
            });
            billed_in.push(t);
            if status.shortfall_usd != 0.0 {
                lines
                    .entry((t, Some(k.provider.clone()), Some(k.id.clone())))
                    .or_default()
                    .spend_shortfall_usd += status.shortfall_usd;
            }
        }
        billed_in
    }

    /// Spend against each floor, period by period, from the bill's compute lines.
    fn floor_timelines(
        &self,
        lines: &[BillLine],
        spend_floors: &[SpendFloorStatus],
        billed_in: &[usize],
    ) -> Vec<FloorTimeline> {
        let s = self.s;
        let floors = s
            .contracts
            .iter()
            .flat_map(|k| k.spend_floors.iter().map(move |f| (k, f)));
        let mut out = Vec::new();
        for (((k, f), status), &billed) in floors.zip(spend_floors).zip(billed_in) {
            let mut cumulative = f.spent_before_usd;
            let mut periods = Vec::new();
            for &t in &f.periods {
                let spend: f64 = lines
                    .iter()
                    .filter(|l| l.period == t + 1 && l.contract.as_deref() == Some(&k.id))
                    .map(BillLine::compute_usd)
                    .sum();
                cumulative += spend;
                periods.push(FloorPeriod {
                    period: t + 1,
                    period_start: s.horizon.periods[t].start.to_string(),
                    spend_usd: spend,
                    cumulative_usd: cumulative,
                });
            }
            let total = f.spent_before_usd + status.in_horizon_usd + f.forecast_after_usd;
            out.push(FloorTimeline {
                contract: k.id.clone(),
                name: f.name.clone(),
                start: f.start.to_string(),
                end: f.end.to_string(),
                floor_usd: f.floor_usd,
                spent_before_usd: f.spent_before_usd,
                periods,
                in_horizon_usd: status.in_horizon_usd,
                forecast_after_usd: f.forecast_after_usd,
                total_usd: total,
                headroom_usd: (total - f.floor_usd).max(0.0),
                shortfall_usd: status.shortfall_usd,
                billed_in_period: billed + 1,
            });
        }
        out
    }

    /// Contractual and effective discount per provider that had compute used.
    fn discounts(&self, lines: &[BillLine], prices: &[ProviderPrice]) -> Vec<ProviderDiscount> {
        let mut at_rate: BTreeMap<&str, f64> = BTreeMap::new();
        for (&(_, c, _), &ch) in &self.u.used {
            let cl = &self.s.clusters[c];
            *at_rate.entry(cl.provider.as_str()).or_insert(0.0) += ch * cl.rate;
        }
        prices
            .iter()
            .map(|p| {
                let mine = lines
                    .iter()
                    .filter(|l| l.provider.as_deref() == Some(p.provider.as_str()));
                let mut sum = BillLine::default();
                for l in mine {
                    sum.add(l);
                }
                let paid =
                    sum.compute_usd() + sum.utilization_penalty_usd + sum.spend_shortfall_usd;
                let contract_rate = at_rate.get(p.provider.as_str()).copied().unwrap_or(0.0);
                let off = |x: f64| (p.public_usd > 0.0).then(|| 1.0 - x / p.public_usd);
                ProviderDiscount {
                    provider: p.provider.clone(),
                    public_usd: p.public_usd,
                    contract_rate_usd: contract_rate,
                    paid_usd: paid,
                    reserved_idle_usd: sum.reserved_idle_usd,
                    spend_shortfall_usd: sum.spend_shortfall_usd,
                    utilization_penalty_usd: sum.utilization_penalty_usd,
                    contractual_discount: off(contract_rate),
                    effective_discount: off(paid),
                }
            })
            .collect()
    }
}

fn entry<'m>(
    lines: &'m mut BTreeMap<LineKey, BillLine>,
    a: &Audit<'_>,
    t: usize,
    c: usize,
) -> &'m mut BillLine {
    let cl = &a.s.clusters[c];
    let contract = cl.contract.map(|k| a.s.contracts[k.0].id.clone());
    lines
        .entry((t, Some(cl.provider.clone()), contract))
        .or_default()
}

/// The lines summed per calendar month of their period's first day.
fn months(lines: &[BillLine]) -> Vec<MonthBill> {
    let mut by: BTreeMap<String, BillLine> = BTreeMap::new();
    for l in lines {
        by.entry(l.period_start[..7].to_string())
            .or_default()
            .add(l);
    }
    by.into_iter()
        .map(|(month, l)| MonthBill {
            month,
            parts: MonthParts {
                reserved_used_usd: l.reserved_used_usd,
                reserved_idle_usd: l.reserved_idle_usd,
                per_use_usd: l.per_use_usd,
                utilization_penalty_usd: l.utilization_penalty_usd,
                unmet_penalty_usd: l.unmet_penalty_usd,
                revenue_share_usd: l.revenue_share_usd,
                spend_shortfall_usd: l.spend_shortfall_usd,
                total_usd: l.total_usd,
            },
        })
        .collect()
}
