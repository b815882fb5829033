//! Scenarios that mix tiny and huge magnitudes (issue 8): every backend that solves the class
//! returns a plan that passes the audit, and backends agree on the cost; never an internal
//! error on a valid file.
//!
//! Magnitudes stay within what a real fleet has: up to 1e7 chips per cluster, $1e4 per
//! chip-hour, 1e11 PFLOP of work, $1e12 spend floors and $1e6 penalties per unit (the validator refuses more). A backstop
//! cluster with the most chips keeps every scenario feasible.

mod common;

use capplan::model::Scenario;
use capplan::plan::{plan, PlanOptions, PlanOutcome};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Cluster {
    chips: f64,
    usd: f64,
    reserved: bool,
}

#[derive(Debug, Clone)]
struct Job {
    pflop: f64,
    after_previous: bool,
}

#[derive(Debug, Clone)]
struct Mix {
    clusters: Vec<Cluster>,
    jobs: Vec<Job>,
    demand: f64,
    penalty: f64,
    floor_usd: f64,
}

/// 10 to the power of an integer in `lo..=hi`, times a mantissa in [1, 10).
fn magnitude(lo: i32, hi: i32) -> impl Strategy<Value = f64> {
    (lo..=hi, 1.0f64..10.0).prop_map(|(e, m)| m * 10f64.powi(e))
}

fn mix() -> impl Strategy<Value = Mix> {
    let cluster =
        (magnitude(0, 6), magnitude(-1, 3), any::<bool>()).prop_map(|(chips, usd, reserved)| {
            Cluster {
                chips: chips.round().max(1.0),
                usd,
                reserved,
            }
        });
    let job = (magnitude(-6, 10), any::<bool>()).prop_map(|(pflop, after_previous)| Job {
        pflop,
        after_previous,
    });
    (
        prop::collection::vec(cluster, 1..3),
        prop::collection::vec(job, 1..4),
        prop_oneof![Just(0.0), magnitude(0, 9)],
        magnitude(-2, 5),
        prop_oneof![Just(0.0), magnitude(3, 12)],
    )
        .prop_map(|(clusters, jobs, demand, penalty, floor_usd)| Mix {
            clusters,
            jobs,
            demand,
            penalty,
            floor_usd,
        })
}

impl Mix {
    fn toml(&self) -> String {
        // 1e7 H100s for 4 weeks deliver 9.6e12 PFLOP: room for every job.
        let mut t = String::from(
            "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 4\n\n[[clusters]]\nid = \"backstop\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = 1e7\nbilling = \"per-use\"\nusd_per_chip_hour = 1e4\nprice_basis = \"on-demand\"\n",
        );
        for (i, c) in self.clusters.iter().enumerate() {
            t.push_str(&format!(
                "\n[[clusters]]\nid = \"c{i}\"\nprovider = \"aws\"\nchip = \"h100\"\nchips = {:e}\nbilling = \"{}\"\nusd_per_chip_hour = {:e}\nprice_basis = \"on-demand\"\ncontract = \"k\"\n",
                c.chips,
                if c.reserved { "reserved" } else { "per-use" },
                c.usd
            ));
        }
        for (i, j) in self.jobs.iter().enumerate() {
            let after = if i > 0 && j.after_previous {
                format!("after = [\"w{}\"]\n", i - 1)
            } else {
                String::new()
            };
            t.push_str(&format!(
                "\n[[workloads]]\nid = \"w{i}\"\nkind = \"post-training\"\nwork_pflop = {:e}\n{after}",
                j.pflop
            ));
        }
        if self.demand > 0.0 {
            t.push_str(&format!(
                "\n[[workloads]]\nid = \"chat\"\nkind = \"inference\"\ndemand = {:e}\nthroughput = {{ h100 = 2.0 }}\nunmet_penalty_usd = {:e}\n",
                self.demand, self.penalty
            ));
        }
        t.push_str(&format!(
            "\n[[contracts]]\nid = \"k\"\nprovider = \"aws\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\ndiscount = 0.1\nbaseline = \"on-demand\"\n\n[[contracts.spend_floors]]\nname = \"2027\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nfloor_usd = {:e}\n",
            self.floor_usd
        ));
        t
    }
}

proptest! {
    // A fixed seed: the same scenarios on every run (PROPTEST_RNG_SEED and PROPTEST_CASES
    // explore further).
    #![proptest_config(ProptestConfig {
        cases: 40,
        rng_seed: proptest::test_runner::RngSeed::Fixed(8),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mixed_magnitudes_plan_on_every_backend_and_agree(m in mix()) {
        let s: Scenario = common::load(&m.toml());
        let mut costs = Vec::new();
        for b in common::backends(&s) {
            let opts = PlanOptions { backend: Some(b), ..PlanOptions::default() };
            let outcome = plan(&s, &opts);
            let outcome = match outcome {
                Ok(o) => o,
                Err(e) => return Err(TestCaseError::fail(format!("{b:?}: {e}\n{}", m.toml()))),
            };
            match outcome {
                PlanOutcome::Planned { audit, .. } => {
                    prop_assert_eq!(audit.violations(), 0, "{:?}: {:?}", b, audit.findings);
                    for (i, j) in m.jobs.iter().enumerate() {
                        let done = audit.training.iter().find(|t| t.workload == format!("w{i}")).unwrap().done_pflop;
                        prop_assert!((done - j.pflop).abs() <= 1e-4 * j.pflop + 1e-5, "{:?}: w{} done {} of {}", b, i, done, j.pflop);
                    }
                    costs.push((b, audit.costs.total_usd));
                }
                other => return Err(TestCaseError::fail(format!("{b:?}: {other:?}\n{}", m.toml()))),
            }
        }
        let tol = if s.has_dependencies() { 2e-4 } else { 1e-6 };
        for w in costs.windows(2) {
            prop_assert!((w[0].1 - w[1].1).abs() <= tol * w[0].1.abs() + 1e-3, "{:?}\n{}", costs, m.toml());
        }
    }
}
