//! The `[[contracts]]` tables: term, discount, spend and utilization floors, placement rules.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{finite_nonneg, one_of, parse_date, Validator};
use crate::error::fmt_value;
use crate::model::{
    Cluster, ClusterId, Contract, ContractId, Horizon, SpendFloor, UtilizationFloor,
};
use crate::schema::{ContractSpec, ScenarioFile};

impl Validator<'_> {
    /// Contract `k`: its term, discount, revenue share, floors and placement rules.
    pub(super) fn contract(
        &mut self,
        k: usize,
        c: &ContractSpec,
        horizon: &Horizon,
        cluster_index: &HashMap<String, usize>,
    ) -> Contract {
        let path = format!("contracts[{k}]");
        let at = self.src.at(c.id.span());
        let id = c.id.get_ref().clone();
        let start = self.date(&path, at, "start", &c.start);
        let end = self.date(&path, at, "end", &c.end);
        if start > end {
            self.push(
                format!("{path}.end"),
                at,
                format!("contract \"{id}\" ends ({end}) before it starts ({start})"),
                "swap or correct the dates",
            );
        }
        if !(0.0..1.0).contains(&c.discount) {
            self.push(
                format!("{path}.discount"),
                at,
                format!("discount {}", fmt_value(c.discount)),
                "give a fraction from 0 to below 1 (0.15 = 15%)",
            );
        }
        if !(0.0..=1.0).contains(&c.inference_revenue_share) {
            self.push(
                format!("{path}.inference_revenue_share"),
                at,
                format!("share {}", fmt_value(c.inference_revenue_share)),
                "give a fraction from 0 to 1",
            );
        }
        let spend_floors = self.spend_floors(&path, at, c, horizon);
        let utilization_floors = self.utilization_floors(&path, at, c, cluster_index);
        let placement = self.placement(&path, at, c);
        Contract {
            id,
            provider: c.provider.clone(),
            start,
            end,
            discount: c.discount,
            baseline: c.baseline,
            inference_revenue_share: c.inference_revenue_share,
            spend_floors,
            utilization_floors,
            placement_min_params_billion: placement,
        }
    }

    /// A date field of the contract; a bad one is reported and read as the earliest date.
    fn date(&mut self, path: &str, at: Option<(usize, usize)>, field: &str, s: &str) -> NaiveDate {
        parse_date(s).unwrap_or_else(|| {
            self.push(
                format!("{path}.{field}"),
                at,
                format!("\"{s}\" is not a date"),
                "write it as YYYY-MM-DD",
            );
            NaiveDate::MIN
        })
    }

    /// Spend floors, each with the horizon periods that fall in its contract period.
    fn spend_floors(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        c: &ContractSpec,
        horizon: &Horizon,
    ) -> Vec<SpendFloor> {
        let mut spend_floors = Vec::new();
        for (j, s) in c.spend_floors.iter().enumerate() {
            let p = format!("{path}.spend_floors[{j}]");
            let fs = self.date(path, at, &format!("spend_floors[{j}].start"), &s.start);
            let fe = self.date(path, at, &format!("spend_floors[{j}].end"), &s.end);
            if fs > fe {
                self.push(
                    &p,
                    at,
                    format!("spend floor \"{}\" ends before it starts", s.name),
                    "correct the dates",
                );
            }
            for (field, x) in [
                ("floor_usd", s.floor_usd),
                ("spent_before_usd", s.spent_before_usd),
                ("forecast_after_usd", s.forecast_after_usd),
            ] {
                finite_nonneg(&mut self.problems, &format!("{p}.{field}"), at, x, field);
            }
            let periods = horizon
                .periods
                .iter()
                .enumerate()
                .filter(|(_, per)| fs <= per.start && per.start <= fe)
                .map(|(t, _)| t)
                .collect();
            spend_floors.push(SpendFloor {
                name: s.name.clone(),
                start: fs,
                end: fe,
                floor_usd: s.floor_usd,
                spent_before_usd: s.spent_before_usd,
                forecast_after_usd: s.forecast_after_usd,
                periods,
            });
        }
        spend_floors
    }

    /// Utilization floors, each on a cluster of this file.
    fn utilization_floors(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        c: &ContractSpec,
        cluster_index: &HashMap<String, usize>,
    ) -> Vec<UtilizationFloor> {
        let mut utilization_floors = Vec::new();
        for (j, u) in c.utilization_floors.iter().enumerate() {
            let p = format!("{path}.utilization_floors[{j}]");
            if !(0.0..=1.0).contains(&u.min_fraction) {
                self.push(
                    format!("{p}.min_fraction"),
                    at,
                    format!("fraction {}", fmt_value(u.min_fraction)),
                    "give a fraction from 0 to 1 (0.8 = 80%)",
                );
            }
            if let Some(pen) = u.penalty_usd_per_chip_hour {
                finite_nonneg(
                    &mut self.problems,
                    &format!("{p}.penalty_usd_per_chip_hour"),
                    at,
                    pen,
                    "the penalty",
                );
            }
            match cluster_index.get(&u.cluster) {
                Some(&ci) => utilization_floors.push(UtilizationFloor {
                    cluster: ClusterId(ci),
                    min_fraction: u.min_fraction,
                    penalty_usd_per_chip_hour: u.penalty_usd_per_chip_hour,
                }),
                None => self.push(
                    format!("{p}.cluster"),
                    at,
                    format!("unknown cluster \"{}\"", u.cluster),
                    one_of(
                        cluster_index.keys().map(String::as_str),
                        "clusters",
                        &u.cluster,
                    ),
                ),
            }
        }
        utilization_floors
    }

    /// Placement thresholds, billions of parameters.
    fn placement(&mut self, path: &str, at: Option<(usize, usize)>, c: &ContractSpec) -> Vec<f64> {
        let mut placement = Vec::new();
        for (j, r) in c.placement.iter().enumerate() {
            if finite_nonneg(
                &mut self.problems,
                &format!("{path}.placement[{j}].min_params_billion"),
                at,
                r.min_params_billion,
                "the threshold",
            ) {
                placement.push(r.min_params_billion);
            }
        }
        placement
    }

    /// Each utilization floor is on a cluster its contract covers.
    pub(super) fn floors_on_covered_clusters(
        &mut self,
        f: &ScenarioFile,
        contracts: &[Contract],
        clusters: &[Cluster],
    ) {
        for (k, c) in contracts.iter().enumerate() {
            for (j, u) in c.utilization_floors.iter().enumerate() {
                if let Some(cl) = clusters.get(u.cluster.0) {
                    if cl.contract != Some(ContractId(k)) {
                        let at = self.src.at(f.contracts[k].id.span());
                        self.push(
                            format!("contracts[{k}].utilization_floors[{j}].cluster"),
                            at,
                            format!("cluster \"{}\" is not covered by contract \"{}\"", cl.id, c.id),
                            format!("set contract = \"{}\" on the cluster, or move the floor to its contract", c.id),
                        );
                    }
                }
            }
        }
    }
}
