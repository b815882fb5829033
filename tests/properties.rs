//! Laws every plan obeys, checked on small random scenarios (proptest), and a greedy
//! hand reference for the tiny ones.
//!
//! Every scenario has a large, expensive per-use "backstop" cluster so that it is always
//! feasible; all clusters carry H100s and work is given in H100 chip-hours, so one chip-hour of
//! work is one chip-hour of allocation anywhere.

mod common;

use capplan::model::Scenario;
use capplan::solver::Backend;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct ClusterGen {
    chips: u32,
    usd: f64,
    reserved: bool,
    /// Covered by the test contract (aws) or not (gcp).
    contract: bool,
}

#[derive(Debug, Clone)]
struct WorkGen {
    chip_hours: u32,
    /// Comes after the previous workload.
    after_previous: bool,
}

#[derive(Debug, Clone)]
struct Gen {
    periods: u32,
    clusters: Vec<ClusterGen>,
    work: Vec<WorkGen>,
    /// Inference demand per period with a penalty (units; 2 per chip-hour).
    demand: u32,
    penalty: f64,
    floor_usd: u32,
}

fn gen() -> impl Strategy<Value = Gen> {
    let cluster = (1u32..20, 1u32..10, any::<bool>(), any::<bool>()).prop_map(
        |(chips, usd, reserved, contract)| ClusterGen {
            chips,
            usd: usd as f64,
            reserved,
            contract,
        },
    );
    let work = (100u32..3000, any::<bool>()).prop_map(|(chip_hours, after_previous)| WorkGen {
        chip_hours,
        after_previous,
    });
    (
        3u32..5,
        prop::collection::vec(cluster, 1..4),
        prop::collection::vec(work, 1..4),
        0u32..3000,
        1u32..8,
        0u32..40_000,
    )
        .prop_map(
            |(periods, clusters, work, demand, penalty, floor_usd)| Gen {
                periods,
                clusters,
                work,
                demand,
                penalty: penalty as f64 * 0.5,
                floor_usd,
            },
        )
}

impl Gen {
    fn toml(&self) -> String {
        let mut t = format!(
            "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = {}\n",
            self.periods
        );
        t.push_str(
            "\n[[clusters]]\nid = \"backstop\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = 1000\nbilling = \"per-use\"\nusd_per_chip_hour = 40\nprice_basis = \"on-demand\"\n",
        );
        for (i, c) in self.clusters.iter().enumerate() {
            let (provider, contract) = if c.contract {
                ("aws", "contract = \"c\"\n")
            } else {
                ("gcp", "")
            };
            t.push_str(&format!(
                "\n[[clusters]]\nid = \"c{i}\"\nprovider = \"{provider}\"\nchip = \"h100\"\nchips = {}\nbilling = \"{}\"\nusd_per_chip_hour = {}\nprice_basis = \"on-demand\"\n{contract}",
                c.chips,
                if c.reserved { "reserved" } else { "per-use" },
                c.usd
            ));
        }
        for (i, w) in self.work.iter().enumerate() {
            let after = if i > 0 && w.after_previous {
                format!("after = [\"w{}\"]\n", i - 1)
            } else {
                String::new()
            };
            t.push_str(&format!(
                "\n[[workloads]]\nid = \"w{i}\"\nkind = \"post-training\"\nwork_chip_hours = {{ chip = \"h100\", chip_hours = {} }}\n{after}",
                w.chip_hours
            ));
        }
        if self.demand > 0 {
            t.push_str(&format!(
                "\n[[workloads]]\nid = \"chat\"\nkind = \"inference\"\ndemand = {}\nthroughput = {{ h100 = 2.0 }}\nunmet_penalty_usd = {}\n",
                self.demand, self.penalty
            ));
        }
        t.push_str(&format!(
            "\n[[contracts]]\nid = \"c\"\nprovider = \"aws\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\ndiscount = 0.1\nbaseline = \"on-demand\"\n\n[[contracts.spend_floors]]\nname = \"2027\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nfloor_usd = {}\n",
            self.floor_usd
        ));
        t
    }

    fn scenario(&self) -> Scenario {
        common::load(&self.toml())
    }
}

fn cost(s: &Scenario) -> f64 {
    common::plan_with(s, Backend::auto(s.has_dependencies()))
        .costs
        .total_usd
}

/// Whether `a <= b` up to solver round-off.
fn at_most(a: f64, b: f64) -> bool {
    a <= b + 1e-6 * b.abs().max(a.abs()) + 1e-3
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn more_per_use_capacity_never_raises_the_optimal_cost(g in gen(), which in 0usize..3, extra in 1u32..20) {
        let mut more = g.clone();
        let k = which % more.clusters.len();
        // More reserved capacity costs money whether used or not; more per-use capacity is free.
        more.clusters[k].reserved = false;
        let mut base = g.clone();
        base.clusters[k].reserved = false;
        let before_per_use = cost(&base.scenario());
        more.clusters[k].chips += extra;
        let after = cost(&more.scenario());
        prop_assert!(at_most(after, before_per_use), "{after} > {before_per_use}");
    }

    #[test]
    fn a_lower_spend_floor_never_raises_the_optimal_cost(g in gen(), cut in 0.0f64..1.0) {
        let high = cost(&g.scenario());
        let mut lower = g.clone();
        lower.floor_usd = (g.floor_usd as f64 * cut) as u32;
        let low = cost(&lower.scenario());
        prop_assert!(at_most(low, high), "floor {} costs {low}, floor {} costs {high}", lower.floor_usd, g.floor_usd);
    }

    #[test]
    fn dependencies_always_hold_every_plan_passes_the_audit_and_backends_agree(g in gen()) {
        let s = g.scenario();
        let mut costs = Vec::new();
        for b in common::backends(&s) {
            // plan_with re-audits the schedule from scratch and fails on any violation.
            let a = common::plan_with(&s, b);
            costs.push((b, a.costs.total_usd));
            for (i, w) in g.work.iter().enumerate() {
                if i == 0 || !w.after_previous {
                    continue;
                }
                let pred = format!("w{}", i - 1);
                let done = a.training.iter().find(|t| t.workload == pred).and_then(|t| t.finish_period);
                let done = done.expect("every predecessor finishes");
                for r in a.schedule.iter().filter(|r| r.workload == format!("w{i}")) {
                    prop_assert!(r.period > done, "{b:?}: w{i} ran in period {} but {pred} finished in {done}", r.period);
                }
            }
        }
        for w in costs.windows(2) {
            prop_assert!((w[0].1 - w[1].1).abs() <= 1e-6 * w[0].1 + 1e-3, "{costs:?}");
        }
    }

    #[test]
    fn one_period_plans_match_a_greedy_hand_reference(g in gen()) {
        // One period, training only, no dependencies, no floor: reserved clusters are paid in
        // full and filled first, then per-use clusters from the cheapest rate up.
        let mut g = g;
        g.periods = 1;
        g.demand = 0;
        g.floor_usd = 0;
        for w in &mut g.work {
            w.after_previous = false;
        }
        let s = g.scenario();
        let mut need: f64 = g.work.iter().map(|w| w.chip_hours as f64).sum();
        let mut want = 0.0;
        let mut per_use: Vec<(f64, f64)> = vec![(40.0, 1000.0 * 168.0)];
        for c in &g.clusters {
            let rate = c.usd * if c.contract { 0.9 } else { 1.0 };
            let cap = c.chips as f64 * 168.0;
            if c.reserved {
                want += rate * cap;
                need -= need.min(cap);
            } else {
                per_use.push((rate, cap));
            }
        }
        per_use.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (rate, cap) in per_use {
            let take = need.min(cap);
            want += take * rate;
            need -= take;
        }
        for b in common::backends(&s) {
            let got = common::plan_with(&s, b).costs.total_usd;
            prop_assert!((got - want).abs() <= 1e-6 * want + 1e-3, "{b:?}: {got} vs hand {want}");
        }
    }
}
