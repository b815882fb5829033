//! What the allocation costs: compute at the rates paid, reserved bills, the utilization and spend
//! floors a contract bills when they are missed, and effective prices per provider.

use std::collections::BTreeMap;

use super::{
    join, slack, Audit, Costs, Finding, ProviderPrice, Rule, ScheduleRow, Severity,
    SpendFloorStatus, UtilizationStatus,
};
use crate::format::fmt_num;
use crate::model::{Demand, Scenario};
use crate::schema::Billing;

impl Audit<'_> {
    /// Per-use compute and revenue share, and the allocation priced row by row.
    pub(super) fn usage_costs(&mut self) -> Vec<ScheduleRow> {
        let s = self.s;
        let costs = &mut self.costs;
        let mut schedule = Vec::with_capacity(self.u.used.len());
        for (&(w, c, t), &ch) in &self.u.used {
            let cl = &s.clusters[c];
            let cost = ch * cl.rate;
            *costs
                .by_workload
                .entry(s.workloads[w].id.clone())
                .or_insert(0.0) += cost;
            if cl.billing == Billing::PerUse {
                costs.usage_usd += cost;
                *costs.by_cluster.entry(cl.id.clone()).or_insert(0.0) += cost;
                *costs.by_provider.entry(cl.provider.clone()).or_insert(0.0) += cost;
            }
            if let (
                Demand::Inference {
                    revenue_per_unit, ..
                },
                Some(k),
            ) = (&s.workloads[w].demand, cl.contract)
            {
                let units = ch * s.workloads[w].yield_per_chip_hour[c].unwrap_or(0.0);
                costs.revenue_share_usd +=
                    s.contracts[k.0].inference_revenue_share * revenue_per_unit * units;
            }
            schedule.push(ScheduleRow {
                period: t + 1,
                period_start: s.horizon.periods[t].start.to_string(),
                period_label: s.horizon.periods[t].label(),
                cluster: cl.id.clone(),
                provider: cl.provider.clone(),
                chip: s.chips[cl.chip].id.clone(),
                workload: s.workloads[w].id.clone(),
                chip_hours: ch,
                cost_usd: cost,
            });
        }
        schedule.sort_by(|a, b| {
            (a.period, &a.cluster, &a.workload).cmp(&(b.period, &b.cluster, &b.workload))
        });
        schedule
    }

    /// Reserved clusters: the whole bill, used or idle.
    pub(super) fn reserved_costs(&mut self) {
        for (c, cl) in self.s.clusters.iter().enumerate() {
            if cl.billing != Billing::Reserved {
                continue;
            }
            let bill: f64 = cl.capacity.iter().sum::<f64>() * cl.rate;
            let idle: f64 = (0..self.periods)
                .map(|t| (cl.capacity[t] - self.u.on_cluster[c][t]).max(0.0) * cl.rate)
                .sum();
            let costs = &mut self.costs;
            costs.reserved_usd += bill;
            costs.reserved_idle_usd += idle;
            *costs.by_cluster.entry(cl.id.clone()).or_insert(0.0) += bill;
            *costs.by_provider.entry(cl.provider.clone()).or_insert(0.0) += bill;
        }
    }

    /// Utilization floors: a hard floor missed is a violation, a soft one bills its penalty.
    pub(super) fn utilization_floors(&mut self) -> Vec<UtilizationStatus> {
        let s = self.s;
        let mut utilization = Vec::new();
        for contract in &s.contracts {
            for u in &contract.utilization_floors {
                let c = u.cluster.0;
                let cl = &s.clusters[c];
                let mut bad = Vec::new();
                let mut short_total = 0.0;
                for t in 0..self.periods {
                    let available = cl.capacity[t];
                    let used = self.u.on_cluster[c][t];
                    let need = u.min_fraction * available;
                    let short = (need - used).max(0.0);
                    let counted = if short > slack(need, self.u.on_cluster_carried[c][t]) {
                        short
                    } else {
                        0.0
                    };
                    let penalty = u.penalty_usd_per_chip_hour.map_or(0.0, |p| p * counted);
                    if counted > 0.0 {
                        bad.push(t + 1);
                        short_total += counted;
                    }
                    self.costs.utilization_penalty_usd += penalty;
                    utilization.push(UtilizationStatus {
                        contract: Some(contract.id.clone()),
                        cluster: cl.id.clone(),
                        period: t + 1,
                        used_chip_hours: used,
                        available_chip_hours: available,
                        fraction: if available > 0.0 {
                            used / available
                        } else {
                            0.0
                        },
                        floor_fraction: Some(u.min_fraction),
                        short_chip_hours: counted,
                        penalty_usd: penalty,
                        hard: u.penalty_usd_per_chip_hour.is_none(),
                    });
                }
                if bad.is_empty() {
                    continue;
                }
                let (rule, tail) = match u.penalty_usd_per_chip_hour {
                    None => (Rule::UtilizationFloor, "a hard floor".to_string()),
                    Some(p) => (
                        Rule::UtilizationShortfall,
                        format!(
                            "billed at ${}/chip-hour: ${}",
                            fmt_num(p),
                            fmt_num(p * short_total)
                        ),
                    ),
                };
                self.findings.push(Finding {
                    rule,
                    severity: rule.severity(),
                    workload: None,
                    cluster: self.cid(c),
                    contract: Some(contract.id.clone()),
                    message: format!("\"{}\" is {} chip-hours under its {:.1}% utilization floor (contract \"{}\") in period(s) {}; {tail}", cl.id, fmt_num(short_total), 100.0 * u.min_fraction, contract.id, join(&bad)),
                    periods: bad,
                    amount: short_total,
                    unit: "chip-hours".into(),
                });
            }
        }
        utilization
    }

    /// Dedicated clusters without a floor: their idle chip-hours are paid all the same.
    pub(super) fn dedicated_utilization(&self) -> Vec<UtilizationStatus> {
        let s = self.s;
        let mut utilization = Vec::new();
        for (c, cl) in s.clusters.iter().enumerate() {
            let has_floor = s
                .contracts
                .iter()
                .any(|k| k.utilization_floors.iter().any(|u| u.cluster.0 == c));
            if cl.billing != Billing::Reserved || has_floor {
                continue;
            }
            for t in 0..self.periods {
                let available = cl.capacity[t];
                let used = self.u.on_cluster[c][t];
                utilization.push(UtilizationStatus {
                    contract: cl.contract.map(|k| s.contracts[k.0].id.clone()),
                    cluster: cl.id.clone(),
                    period: t + 1,
                    used_chip_hours: used,
                    available_chip_hours: available,
                    fraction: if available > 0.0 {
                        used / available
                    } else {
                        0.0
                    },
                    floor_fraction: None,
                    short_chip_hours: 0.0,
                    penalty_usd: 0.0,
                    hard: false,
                });
            }
        }
        utilization
    }

    /// Spend floors: spend before, inside and after the horizon; a shortfall is billed.
    pub(super) fn spend_floors(&mut self) -> Vec<SpendFloorStatus> {
        let s = self.s;
        let mut spend_floors = Vec::new();
        for (k, contract) in s.contracts.iter().enumerate() {
            for floor in &contract.spend_floors {
                let (in_horizon, in_horizon_carried) = self.contract_spend(k, &floor.periods);
                let total = floor.spent_before_usd + in_horizon + floor.forecast_after_usd;
                let short = (floor.floor_usd - total).max(0.0);
                let short = if short > slack(floor.floor_usd, in_horizon_carried) {
                    short
                } else {
                    0.0
                };
                // A floor no horizon period starts in is judged by its own figures: what they
                // lack is what the forecast needs, not a cost of this plan.
                let outside = !s
                    .horizon
                    .periods
                    .iter()
                    .any(|p| floor.start <= p.start && p.start <= floor.end);
                let (shortfall, forecast_needed) =
                    if outside { (0.0, short) } else { (short, 0.0) };
                self.costs.spend_shortfall_usd += shortfall;
                if shortfall > 0.0 {
                    self.findings.push(Finding {
                        rule: Rule::SpendShortfall,
                        severity: Severity::Billed,
                        workload: None,
                        cluster: None,
                        contract: Some(contract.id.clone()),
                        periods: floor.periods.iter().map(|t| t + 1).collect(),
                        amount: shortfall,
                        unit: "USD".into(),
                        message: format!(
                            "contract \"{}\" floor \"{}\": ${} before + ${} in the horizon + ${} forecast after = ${}, under the ${} floor: ${} shortfall billed",
                            contract.id,
                            floor.name,
                            fmt_num(floor.spent_before_usd),
                            fmt_num(in_horizon),
                            fmt_num(floor.forecast_after_usd),
                            fmt_num(total),
                            fmt_num(floor.floor_usd),
                            fmt_num(shortfall)
                        ),
                    });
                }
                spend_floors.push(SpendFloorStatus {
                    contract: contract.id.clone(),
                    name: floor.name.clone(),
                    floor_usd: floor.floor_usd,
                    spent_before_usd: floor.spent_before_usd,
                    in_horizon_usd: in_horizon,
                    forecast_after_usd: floor.forecast_after_usd,
                    shortfall_usd: shortfall,
                    met: shortfall == 0.0 && forecast_needed == 0.0,
                    outside_horizon: outside,
                    forecast_needed_usd: forecast_needed,
                });
            }
        }
        spend_floors
    }

    /// Spend at contract `k`'s prices in `periods`, USD, and the round-off it may carry, USD.
    fn contract_spend(&self, k: usize, periods: &[usize]) -> (f64, f64) {
        let (mut in_horizon, mut in_horizon_carried) = (0.0, 0.0);
        for (c, cl) in self.s.clusters.iter().enumerate() {
            if cl.contract.map(|x| x.0) != Some(k) {
                continue;
            }
            for &t in periods {
                match cl.billing {
                    Billing::Reserved => in_horizon += cl.rate * cl.capacity[t],
                    Billing::PerUse => {
                        in_horizon += cl.rate * self.u.on_cluster[c][t];
                        in_horizon_carried += cl.rate * self.u.on_cluster_carried[c][t];
                    }
                }
            }
        }
        (in_horizon, in_horizon_carried)
    }

    /// The total of every part of the cost.
    pub(super) fn total_cost(&mut self) {
        let costs = &mut self.costs;
        costs.total_usd = costs.usage_usd
            + costs.reserved_usd
            + costs.spend_shortfall_usd
            + costs.utilization_penalty_usd
            + costs.unmet_penalty_usd
            + costs.revenue_share_usd;
    }

    /// What each provider's compute really cost against its public rates.
    pub(super) fn provider_prices(&self) -> Vec<ProviderPrice> {
        provider_prices(self.s, &self.u.used, &self.costs)
    }
}

fn provider_prices(
    s: &Scenario,
    used: &BTreeMap<super::Cell, f64>,
    costs: &Costs,
) -> Vec<ProviderPrice> {
    #[derive(Default)]
    struct Acc {
        chip_hours: f64,
        public: f64,
        peak_pflop: f64,
        training_pflop: f64,
        training_spend: f64,
        training_public: f64,
    }
    let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
    for (&(w, c, _), &ch) in used {
        let cl = &s.clusters[c];
        let a = acc.entry(cl.provider.as_str()).or_default();
        a.chip_hours += ch;
        a.public += ch * cl.public_rate;
        a.peak_pflop += ch * s.chips[cl.chip].bf16_tflops * 3.6;
        if let (Demand::Training { .. }, Some(y)) = (
            &s.workloads[w].demand,
            s.workloads[w].yield_per_chip_hour[c],
        ) {
            a.training_pflop += ch * y;
            a.training_spend += ch * cl.rate;
            a.training_public += ch * cl.public_rate;
        }
    }
    acc.into_iter()
        .map(|(provider, a)| {
            let spend = costs.by_provider.get(provider).copied().unwrap_or(0.0);
            let per = |x: f64, d: f64| if d > 0.0 { x / d } else { 0.0 };
            ProviderPrice {
                provider: provider.to_string(),
                chip_hours: a.chip_hours,
                spend_usd: spend,
                public_usd: a.public,
                usd_per_chip_hour: per(spend, a.chip_hours),
                public_usd_per_chip_hour: per(a.public, a.chip_hours),
                usd_per_peak_pflop: per(spend, a.peak_pflop),
                public_usd_per_peak_pflop: per(a.public, a.peak_pflop),
                usd_per_training_pflop: (a.training_pflop > 0.0)
                    .then(|| a.training_spend / a.training_pflop),
                public_usd_per_training_pflop: (a.training_pflop > 0.0)
                    .then(|| a.training_public / a.training_pflop),
                discount_achieved: if a.public > 0.0 {
                    1.0 - spend / a.public
                } else {
                    0.0
                },
            }
        })
        .collect()
}
