//! Windows from the fastest pace: hand-made chains, and a property against the one-period
//! windows (same optimal cost, plans pass the audit).

use std::path::Path;

use proptest::prelude::*;

use super::windows::with_one_period_windows;
use crate::error::LoadError;
use crate::model::Scenario;
use crate::plan::{plan, PlanOptions, PlanOutcome};

/// Weekly horizon with one per-use H100 cluster of `chips` chips at $2 per chip-hour.
fn weekly(periods: u32, chips: u32) -> String {
    format!(
        "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = {periods}\n\n[[clusters]]\nid = \"h\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = {chips}\nbilling = \"per-use\"\nusd_per_chip_hour = 2.0\nprice_basis = \"on-demand\"\n"
    )
}

/// A post-training workload of `chip_hours` H100 chip-hours.
fn training(id: &str, chip_hours: f64, extra: &str) -> String {
    format!(
        "\n[[workloads]]\nid = \"{id}\"\nkind = \"post-training\"\nwork_chip_hours = {{ chip = \"h100\", chip_hours = {chip_hours:?} }}\n{extra}"
    )
}

fn load(text: &str) -> Result<Scenario, LoadError> {
    Scenario::from_toml(text, Path::new("chain.toml"))
}

fn problems(text: &str) -> Vec<crate::error::Problem> {
    match load(text) {
        Err(LoadError::Invalid { problems, .. }) => problems,
        Err(e) => panic!("not a validation error: {e}"),
        Ok(_) => panic!("validated"),
    }
}

/// Total cost of the optimal plan, after checking it keeps every rule.
fn planned_cost(s: &Scenario) -> f64 {
    match plan(s, &PlanOptions::default()).expect("plans") {
        PlanOutcome::Planned { audit, .. } => {
            assert_eq!(audit.violations(), 0, "{:?}", audit.findings);
            audit.costs.total_usd
        }
        other => panic!("no plan: {other:?}"),
    }
}

/// a -> b -> c, 3,360 chip-hours each: two full weeks of the 10-chip cluster (1,680 a week).
fn three_chain(c_deadline: u32) -> String {
    weekly(6, 10)
        + &training("a", 3360.0, "")
        + &training("b", 3360.0, "after = [\"a\"]\n")
        + &training(
            "c",
            3360.0,
            &format!("after = [\"b\"]\ndeadline = {c_deadline}\n"),
        )
}

#[test]
fn a_chain_that_cannot_fit_is_refused_with_its_periods_and_work() {
    // Each run needs two full weeks, one after the other: six weeks, but c is due in week 5.
    // One period per dependency would have left a, b and c a window each.
    let p = problems(&three_chain(5));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].path, "workloads[2]");
    let work = crate::format::fmt_num(
        load(&three_chain(6)).unwrap().workloads[0]
            .work_pflop()
            .unwrap(),
    );
    assert_eq!(
        p[0].message,
        format!(
            "dependency chain \"a\" -> \"b\" -> \"c\" cannot finish in time: each run starts only after the one before it is done, and even with all the capacity each may use they need 6 periods (periods 1-6) (\"a\" {work} PFLOP in periods 1-2, \"b\" {work} PFLOP in periods 3-4, \"c\" {work} PFLOP in periods 5-6), but \"a\" starts in period 1 and \"c\" is due by period 5: 5 periods"
        )
    );
    // The old windows let it through to the solver, which finds it infeasible.
    let old = with_one_period_windows(|| load(&three_chain(5))).expect("one period each fits");
    assert!(matches!(
        plan(&old, &PlanOptions::default()).unwrap(),
        PlanOutcome::Infeasible { .. }
    ));
}

#[test]
fn a_chain_that_exactly_fits_plans_in_the_tightened_windows() {
    let s = load(&three_chain(6)).expect("valid");
    let windows: Vec<(usize, usize)> = s
        .workloads
        .iter()
        .map(|w| (w.earliest_start, w.latest_finish))
        .collect();
    assert_eq!(windows, vec![(0, 1), (2, 3), (4, 5)]);
    // Every chip-hour of the six weeks, at $2.
    let cost = planned_cost(&s);
    assert!((cost - 6.0 * 1680.0 * 2.0).abs() < 1e-3, "{cost}");
    let old = with_one_period_windows(|| load(&three_chain(6))).unwrap();
    let old_windows: Vec<(usize, usize)> = old
        .workloads
        .iter()
        .map(|w| (w.earliest_start, w.latest_finish))
        .collect();
    assert_eq!(old_windows, vec![(0, 3), (1, 4), (2, 5)]);
}

/// Monthly periods (744, 672, 744, 720 hours from January 2027) and `max_chips = 10` on a
/// 64-chip cluster: `a` (`a_chip_hours`) then `b`, which needs 14,640 chip-hours, due in April.
fn monthly_pair(a_chip_hours: f64) -> String {
    "[horizon]\nstart = \"2027-01-01\"\nperiod = \"month\"\nperiods = 4\n\n[[clusters]]\nid = \"h\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = 64\nbilling = \"per-use\"\nusd_per_chip_hour = 2.0\nprice_basis = \"on-demand\"\n".to_string()
        + &training("a", a_chip_hours, "max_chips = 10\n")
        + &training("b", 14640.0, "max_chips = 10\nafter = [\"a\"]\n")
}

#[test]
fn max_chips_and_period_hours_set_the_pace() {
    // 10 chips for January and February: 7,440 + 6,720 = 14,160 chip-hours; b then needs all
    // of March and April (7,440 + 7,200).
    let s = load(&monthly_pair(14160.0)).expect("fits exactly");
    assert_eq!(
        (s.workloads[0].earliest_start, s.workloads[0].latest_finish),
        (0, 1)
    );
    assert_eq!(
        (s.workloads[1].earliest_start, s.workloads[1].latest_finish),
        (2, 3)
    );
    let cost = planned_cost(&s);
    assert!((cost - (14160.0 + 14640.0) * 2.0).abs() < 1e-3, "{cost}");
    // One chip-hour more and a spills into March: b cannot finish by the end of April.
    let p = problems(&monthly_pair(14161.0));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].message
            .contains("they need more than the 4 periods from period 1 to the end of the horizon"),
        "{}",
        p[0].message
    );
    assert!(
        p[0].message.contains("PFLOP in periods 1-3, \"b\" "),
        "{}",
        p[0].message
    );
    assert!(
        p[0].message
            .contains("PFLOP from period 4, not done by the end of the horizon"),
        "{}",
        p[0].message
    );
}

#[test]
fn a_run_too_big_for_its_own_window_is_left_to_the_fit_check() {
    // b alone cannot do 4 weeks of work in weeks 2-3: the fit check's message, not a chain's.
    let text = weekly(4, 10)
        + &training("a", 100.0, "")
        + &training("b", 4.0 * 1680.0, "after = [\"a\"]\ndeadline = 3\n");
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].message.starts_with("workload \"b\" needs"),
        "{}",
        p[0].message
    );
}

#[derive(Debug, Clone)]
struct RunGen {
    chip_hours: u32,
    release: u32,
    length: u32,
    max_chips: Option<u32>,
    /// Predecessors among the earlier runs (run i when bits i and i + 8 are both set).
    after: u32,
}

#[derive(Debug, Clone)]
struct DagGen {
    periods: u32,
    /// (chips, reserved, trainium2 rather than H100) per cluster.
    clusters: Vec<(u32, bool, bool)>,
    runs: Vec<RunGen>,
    /// Inference demand after the first run, with a penalty.
    demand: u32,
    /// Months (of 672 to 744 hours) rather than weeks; work and demand scale up by 4.
    monthly: bool,
}

fn dag_gen() -> impl Strategy<Value = DagGen> {
    let run = (
        100u32..2500,
        0u32..2,
        3u32..8,
        prop::option::of(2u32..12),
        any::<u32>(),
    )
        .prop_map(|(chip_hours, release, length, max_chips, after)| RunGen {
            chip_hours,
            release,
            length,
            max_chips,
            after,
        });
    (
        4u32..8,
        prop::collection::vec((4u32..16, any::<bool>(), any::<bool>()), 1..3),
        prop::collection::vec(run, 2..6),
        0u32..2000,
        any::<bool>(),
    )
        .prop_map(|(periods, clusters, runs, demand, monthly)| DagGen {
            periods,
            clusters,
            runs,
            demand,
            monthly,
        })
}

impl DagGen {
    fn toml(&self) -> String {
        let (period, scale) = if self.monthly {
            ("month", 4)
        } else {
            ("week", 1)
        };
        let mut t = format!(
            "[horizon]\nstart = \"2027-01-04\"\nperiod = \"{period}\"\nperiods = {}\n",
            self.periods
        );
        for (i, &(chips, reserved, trn)) in self.clusters.iter().enumerate() {
            t.push_str(&format!(
                "\n[[clusters]]\nid = \"c{i}\"\nprovider = \"{}\"\nchip = \"{}\"\nchips = {chips}\nbilling = \"{}\"\nusd_per_chip_hour = {}\nprice_basis = \"on-demand\"\n",
                if trn { "aws" } else { "azure" },
                if trn { "trainium2" } else { "h100" },
                if reserved { "reserved" } else { "per-use" },
                2 + i
            ));
        }
        for (i, r) in self.runs.iter().enumerate() {
            let release = (r.release + 1).min(self.periods);
            let deadline = (release + r.length - 1).min(self.periods);
            let after: Vec<String> = (0..i)
                .filter(|j| r.after & (r.after >> 8) & (1 << j) != 0)
                .map(|j| format!("\"r{j}\""))
                .collect();
            let mut extra = format!(
                "release = {release}\ndeadline = {deadline}\nafter = [{}]\n",
                after.join(", ")
            );
            if let Some(m) = r.max_chips {
                extra.push_str(&format!("max_chips = {m}\n"));
            }
            t.push_str(&training(
                &format!("r{i}"),
                (scale * r.chip_hours) as f64,
                &extra,
            ));
        }
        if self.demand > 0 {
            t.push_str(&format!(
                "\n[[workloads]]\nid = \"chat\"\nkind = \"inference\"\ndemand = {}\nthroughput = {{ h100 = 2.0, trainium2 = 1.5 }}\nunmet_penalty_usd = 3.0\nafter = [\"r0\"]\n",
                scale * self.demand
            ));
        }
        t
    }
}

/// `Some(cost)` of the optimal plan, `None` if infeasible (refused, or no plan exists).
fn outcome(s: Result<Scenario, LoadError>) -> Option<f64> {
    let s = s.ok()?;
    match plan(&s, &PlanOptions::default()).expect("plans") {
        PlanOutcome::Planned { audit, .. } => {
            assert_eq!(audit.violations(), 0, "{:?}", audit.findings);
            Some(audit.costs.total_usd)
        }
        PlanOutcome::Infeasible { .. } => None,
        PlanOutcome::NoPlan { solver } => panic!("no plan: {solver:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn tightened_windows_keep_the_optimal_cost_and_refuse_only_what_cannot_plan(g in dag_gen()) {
        let text = g.toml();
        let tight = load(&text);
        if let Err(LoadError::Invalid { problems, .. }) = &tight {
            // Refused: the one-period windows must not plan either.
            let old = with_one_period_windows(|| load(&text));
            prop_assert!(outcome(old).is_none(), "refused but plannable: {problems:?}");
            return Ok(());
        }
        let old = with_one_period_windows(|| load(&text));
        prop_assert!(old.is_ok(), "the one-period windows refuse what the tight ones accept");
        let (new_cost, old_cost) = (outcome(tight), outcome(old));
        match (new_cost, old_cost) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-6 * a.abs().max(b.abs()) + 1e-3, "{a} vs {b}"),
            (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
        }
    }
}
