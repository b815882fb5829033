//! Dependency gates created only where a successor reads them, and the relaxation heuristic
//! (`capplan::heuristic`): its plans pass the independent audit, and the gap it reports against
//! the relaxation's bound is never below its true gap to the proven optimum.

mod common;

use std::path::Path;

use capplan::formulation::{ColKey, Formulation};
use capplan::generate::{generate, GenerateOptions};
use capplan::heuristic::{gap, round_and_repair};
use capplan::lp::LinearProgram;
use capplan::model::{Scenario, WorkloadId};
use capplan::solver::{solve, Backend, SolveOptions, SolveStatus};

/// Three runs of two full weeks each on a 10-chip cluster (1,680 chip-hours a week), "b" after
/// "a", "c" after "b", "c" due by period 8 of 8: two weeks of slack along the chain.
fn loose_chain() -> String {
    let mut t = "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 8\n\n[[clusters]]\nid = \"h\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = 10\nbilling = \"per-use\"\nusd_per_chip_hour = 2.0\nprice_basis = \"on-demand\"\n".to_string();
    for (id, after) in [
        ("a", ""),
        ("b", "after = [\"a\"]\n"),
        ("c", "after = [\"b\"]\n"),
    ] {
        t.push_str(&format!(
            "\n[[workloads]]\nid = \"{id}\"\nkind = \"post-training\"\nwork_chip_hours = {{ chip = \"h100\", chip_hours = 3360 }}\n{after}deadline = 8\n"
        ));
    }
    t
}

/// Gates (predecessor, 0-based period) of a built program.
fn gates(f: &Formulation) -> Vec<(usize, usize)> {
    f.cols
        .iter()
        .filter_map(|k| match k {
            ColKey::Done(WorkloadId(p), t) => Some((*p, *t)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_loose_chain_gets_gates_only_in_the_periods_its_successors_read() {
    let s = Scenario::from_toml(&loose_chain(), Path::new("chain.toml")).unwrap();
    // Windows (0-based): a can finish by 1 and must by 3 (b, then c, need 2 weeks each after
    // it); b runs in 2..=5 and must finish by 5; c runs in 4..=7.
    let w = |k: usize| (s.workloads[k].earliest_start, s.workloads[k].latest_finish);
    assert_eq!((w(0), w(1), w(2)), ((0, 3), (2, 5), (4, 7)));
    let f = Formulation::build(&s, false);
    // b reads a's gate of period t - 1 for each of its periods t up to a's latest finish (3):
    // periods 2 and 3 read gates 1 and 2. c reads b's gates 3 and 4 the same way. The gates of
    // a's periods 0 (a cannot be done yet) and 3 (a is done in every plan) are never read.
    assert_eq!(gates(&f), vec![(0, 1), (0, 2), (1, 3), (1, 4)]);
    assert_eq!(f.lp.num_integers(), 4);
    let r = solve(&f.lp, Backend::Microlp, &SolveOptions::default()).unwrap();
    assert_eq!(r.status, SolveStatus::Optimal);
    // Every chip-hour of the work at $2: 3 x 3,360 x 2.
    assert!((f.cost_usd(&r.x.unwrap()) - 20_160.0).abs() < 1e-6);
}

#[test]
fn an_exactly_fitting_chain_needs_no_gate() {
    let text = loose_chain()
        .replace("periods = 8", "periods = 6")
        .replace("deadline = 8", "deadline = 6");
    let s = Scenario::from_toml(&text, Path::new("chain.toml")).unwrap();
    // Each run has exactly its two weeks: every successor's first period is after its
    // predecessor's latest finish, so no gate is read.
    let f = Formulation::build(&s, false);
    assert_eq!(gates(&f), vec![]);
}

/// The LP relaxation of `lp` (objective, values) with microlp.
fn relaxation(lp: &LinearProgram) -> (f64, Vec<f64>) {
    let mut relaxed = lp.clone();
    relaxed.integer.iter_mut().for_each(|i| *i = false);
    let r = solve(&relaxed, Backend::Microlp, &SolveOptions::default()).unwrap();
    assert_eq!(r.status, SolveStatus::Optimal);
    let x = r.x.unwrap();
    (relaxed.objective_value(&x), x)
}

fn lp_with_microlp(fixed: &LinearProgram) -> Result<Option<(f64, Vec<f64>)>, ()> {
    let r = solve(fixed, Backend::Microlp, &SolveOptions::default()).map_err(|_| ())?;
    match (r.status, r.x) {
        (SolveStatus::Optimal, Some(x)) => Ok(Some((fixed.objective_value(&x), x))),
        (SolveStatus::Infeasible, _) => Ok(None),
        _ => Err(()),
    }
}

#[test]
fn the_heuristic_plan_passes_the_audit_and_its_gap_is_never_below_the_true_gap() {
    let mut with_gates = 0;
    for seed in 1..=10 {
        let opts = GenerateOptions {
            workloads: 16,
            clusters: 3,
            periods: 6,
            seed,
            edges: 6,
        };
        let text = generate(&opts).unwrap();
        let s = Scenario::from_toml(&text, Path::new("gen.toml")).unwrap();
        let f = Formulation::build(&s, false);
        if f.lp.num_integers() == 0 {
            continue;
        }
        with_gates += 1;
        let (bound, x) = relaxation(&f.lp);
        let (found, y) = round_and_repair(&f.lp, &x, lp_with_microlp)
            .unwrap_or_else(|| panic!("seed {seed}: no plan from the relaxation"));
        let report = capplan::audit::audit(&s, &f.allocation(&y));
        assert_eq!(report.violations(), 0, "seed {seed}: {:?}", report.findings);
        assert!((f.cost_usd(&y) - found * 1_000.0).abs() <= 1e-6 * found.abs() * 1_000.0);
        // The proven optimum, by branch and bound to the end.
        let best = solve(&f.lp, Backend::Microlp, &SolveOptions::default()).unwrap();
        assert_eq!(best.status, SolveStatus::Optimal, "seed {seed}");
        let optimum = f.lp.objective_value(&best.x.unwrap());
        assert!(found >= optimum - 1e-7 * optimum.abs(), "seed {seed}");
        assert!(bound <= optimum + 1e-7 * optimum.abs(), "seed {seed}");
        let (reported, true_gap) = (gap(found, bound), gap(found, optimum));
        assert!(
            reported >= true_gap - 1e-9,
            "seed {seed}: reported gap {reported} below the true gap {true_gap}"
        );
    }
    assert!(with_gates >= 5, "only {with_gates} seeds had gates");
}

/// The fixed LPs of the relaxation heuristic, solved on the relaxation's HiGHS model from its
/// last basis (as `solve` does with HiGHS), against each solved from scratch on a model of its
/// own: the same status and the same optimum, on generated fleets with dependencies, in the
/// scaled units HiGHS is given.
#[cfg(feature = "highs")]
#[test]
fn warm_started_fixed_lps_agree_with_cold_solves() {
    use capplan::heuristic::{fixed_at, THRESHOLDS};
    use capplan::solver::highs_session::HighsSession;

    let opts = SolveOptions::default();
    let (mut compared, mut warm_iterations, mut cold_iterations) = (0, 0, 0);
    for seed in 1..=8 {
        let text = generate(&GenerateOptions {
            workloads: 30,
            clusters: 4,
            periods: 8,
            seed,
            edges: 12,
        })
        .unwrap();
        let s = Scenario::from_toml(&text, Path::new("gen.toml")).unwrap();
        let lp = Formulation::build(&s, false).lp.scaled(true).lp;
        if lp.num_integers() == 0 {
            continue;
        }
        let mut relaxed = lp.clone();
        relaxed.integer.iter_mut().for_each(|i| *i = false);
        let mut warm = HighsSession::new(&relaxed, &opts).unwrap();
        let root = warm.solve(&relaxed, &opts);
        assert_eq!(root.status, SolveStatus::Optimal, "seed {seed}");
        let x = root.x.unwrap();
        for threshold in THRESHOLDS {
            let fixed = fixed_at(&lp, &x, threshold);
            let w = warm.solve(&fixed, &opts);
            warm_iterations += warm.iterations();
            let mut cold_session = HighsSession::new(&fixed, &opts).unwrap();
            let c = cold_session.solve(&fixed, &opts);
            cold_iterations += cold_session.iterations();
            let case = format!("seed {seed}, threshold {threshold}");
            assert_eq!(
                w.status, c.status,
                "{case}: {:?} {:?}",
                w.message, c.message
            );
            if w.status != SolveStatus::Optimal {
                continue;
            }
            let (wx, cx) = (w.x.unwrap(), c.x.unwrap());
            assert!(fixed.max_violation(&wx) <= 1e-7, "{case}");
            let (ow, oc) = (fixed.objective_value(&wx), fixed.objective_value(&cx));
            assert!(
                (ow - oc).abs() <= 1e-9 * oc.abs().max(1e-9),
                "{case}: warm {ow:.12e}, cold {oc:.12e}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 8, "only {compared} fixed LPs had an optimum");
    // From the relaxation's basis the fixed LPs are a few pivots away; from scratch, not.
    assert!(
        warm_iterations < cold_iterations,
        "warm {warm_iterations} against cold {cold_iterations} simplex iterations"
    );
}

/// `capplan plan FILE --solver microlp --mip-gap 0.02 ARGS` as JSON (a plan that passed the
/// audit).
fn planned_within_2_percent(file: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--solver", "microlp", "--mip-gap", "0.02"];
    all.extend_from_slice(args);
    common::plan_json(file, &all)
}

/// A fleet with dependencies past 50,000 columns (54,123): the default build plans it from
/// the interior point's relaxation, its fixed LP sifted from the relaxation's last working set.
/// The plan passes the audit and is within the gap asked for; with shadow prices (the default)
/// the fixed LP is sifted on to its optimum and they come with the plan; without, the plan may
/// stop earlier, within the same gap of the same bound.
#[test]
fn the_default_build_plans_a_large_dag_within_the_gap_with_its_shadow_prices() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dag.toml");
    let opts = GenerateOptions {
        workloads: 350,
        clusters: 30,
        periods: 13,
        seed: 3,
        edges: 100,
    };
    std::fs::write(&file, generate(&opts).unwrap()).unwrap();
    let with = planned_within_2_percent(&file, &[]);
    let solver = &with["solver"];
    assert_eq!(solver["variables"], 54123);
    assert_eq!(
        solver["algorithm"],
        "interior-point relaxation, then gates fixed"
    );
    assert!(solver["gap"].as_f64().unwrap() <= 0.02, "{solver}");
    let sensitivity = &with["sensitivity"];
    assert_eq!(sensitivity["basis"], "lp_with_integers_fixed");
    assert!(!sensitivity["terms"].as_array().unwrap().is_empty());
    let without = planned_within_2_percent(&file, &["--sensitivity", "off"]);
    assert!(without["solver"]["gap"].as_f64().unwrap() <= 0.02);
    let (a, b) = (
        with["total_cost_usd"].as_f64().unwrap(),
        without["total_cost_usd"].as_f64().unwrap(),
    );
    assert!((a - b).abs() <= 0.02 * a.max(b), "{a} against {b}");
}
