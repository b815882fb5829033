//! The `[[clusters]]` tables: chip, capacity per period, price and covering contract.

use std::collections::HashMap;

use super::{finite_nonneg, list, one_of, parse_date, Validator};
use crate::model::{Cluster, ContractId, Horizon};
use crate::schema::{ClusterSpec, ContractSpec};

impl Validator<'_> {
    /// Cluster `k`, with capacity per period and the rate paid after its contract's discount.
    pub(super) fn cluster(
        &mut self,
        k: usize,
        c: &ClusterSpec,
        horizon: &Horizon,
        chip_index: &HashMap<&str, usize>,
        contract_index: &HashMap<String, usize>,
        contracts: &[ContractSpec],
    ) -> Cluster {
        let path = format!("clusters[{k}]");
        let at = self.src.at(c.id.span());
        let id = c.id.get_ref().clone();
        let chip = match chip_index.get(c.chip.as_str()) {
            Some(&i) => i,
            None => {
                self.push(
                    format!("{path}.chip"),
                    at,
                    format!("cluster \"{id}\": unknown chip \"{}\"", c.chip),
                    format!(
                        "use one of {} or add a [[chips]] table",
                        list(chip_index.keys().copied())
                    ),
                );
                0
            }
        };
        let chips = self.per_period(
            &format!("{path}.chips"),
            at,
            &c.chips,
            horizon,
            "chips available",
            super::quantities::Meaning::Level,
        );
        let capacity = chips
            .iter()
            .zip(&horizon.periods)
            .map(|(n, p)| n * p.hours)
            .collect();
        finite_nonneg(
            &mut self.problems,
            &format!("{path}.usd_per_chip_hour"),
            at,
            c.usd_per_chip_hour,
            "the rate",
        );
        let (contract, discount) = self.covering_contract(k, c, horizon, contract_index, contracts);
        Cluster {
            id,
            provider: c.provider.clone(),
            region: c.region.clone(),
            chip,
            chips,
            capacity,
            billing: c.billing,
            public_rate: c.usd_per_chip_hour,
            price_basis: c.price_basis,
            contract,
            rate: c.usd_per_chip_hour * (1.0 - discount),
        }
    }

    /// The contract covering the cluster, if any, and its discount (0 without one).
    fn covering_contract(
        &mut self,
        k: usize,
        c: &ClusterSpec,
        horizon: &Horizon,
        contract_index: &HashMap<String, usize>,
        contracts: &[ContractSpec],
    ) -> (Option<ContractId>, f64) {
        let path = format!("clusters[{k}]");
        let at = self.src.at(c.id.span());
        let id = c.id.get_ref();
        let mut discount = 0.0;
        let contract = match &c.contract {
            None => None,
            Some(name) => match contract_index.get(name) {
                None => {
                    self.push(
                        format!("{path}.contract"),
                        at,
                        format!("cluster \"{id}\": unknown contract \"{name}\""),
                        one_of(contract_index.keys().map(String::as_str), "contracts", name),
                    );
                    None
                }
                Some(&ci) => {
                    let spec = &contracts[ci];
                    if spec.provider != c.provider {
                        self.push(format!("{path}.contract"), at, format!("cluster \"{id}\" is on provider \"{}\" but contract \"{name}\" is with \"{}\"", c.provider, spec.provider), "cover the cluster with a contract of its own provider");
                    }
                    if spec.baseline != c.price_basis {
                        self.push(
                            format!("{path}.price_basis"),
                            at,
                            format!("cluster \"{id}\" quotes {} rate but contract \"{name}\" discounts the {} rate", with_article(c.price_basis.as_str()), spec.baseline.as_str()),
                            format!("give the cluster's {} rate so the discount applies to the right baseline", spec.baseline.as_str()),
                        );
                    }
                    // The discount applies only inside the term: a horizon reaching past it would
                    // be priced wrongly, so say so instead of guessing.
                    if let (Some(ts), Some(te)) = (parse_date(&spec.start), parse_date(&spec.end)) {
                        let outside: Vec<usize> = horizon
                            .periods
                            .iter()
                            .filter(|p| p.start < ts || p.start > te)
                            .map(|p| p.number)
                            .collect();
                        if let (Some(first), Some(last)) = (outside.first(), outside.last()) {
                            self.push(
                                format!("{path}.contract"),
                                at,
                                format!(
                                    "cluster \"{id}\" is priced under contract \"{name}\" (term {ts} to {te}) but periods {first} to {last} of the horizon start outside that term"
                                ),
                                "plan only the term's periods, or model the capacity outside the term as a separate cluster without the contract",
                            );
                        }
                    }
                    discount = spec.discount;
                    Some(ContractId(ci))
                }
            },
        };
        (contract, discount)
    }
}

/// `an on-demand`, `a reserved-1yr`: the article a price basis takes.
fn with_article(basis: &str) -> String {
    let vowel = basis.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {basis}", if vowel { "an" } else { "a" })
}
