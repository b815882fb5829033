//! Numerics: every valid scenario gets its optimal plan from every backend that solves its
//! class, whatever the magnitudes (issue 8). Each test here failed before the fix it pins.

mod common;

use std::time::Instant;

use capplan::audit::AuditReport;
use capplan::model::Scenario;
use capplan::plan::{plan, PlanOptions, PlanOutcome};
use capplan::solver::{Backend, SolveOptions, SolveStatus};
use common::{assert_usd, backends, load, plan_with, root};

/// PFLOP per H100 chip-hour at the GPU family's default 40% MFU: 989 x 0.40 x 3.6.
const H100_PFLOP_PER_CHIP_HOUR: f64 = 989.0 * 0.40 * 3.6;

fn data(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/data").join(name)).unwrap()
}

/// PFLOP done of a training workload in a plan.
fn done(a: &AuditReport, workload: &str) -> f64 {
    a.training
        .iter()
        .find(|t| t.workload == workload)
        .unwrap_or_else(|| panic!("{workload} in the training table"))
        .done_pflop
}

/// Asserts `got` equals `want` to a relative 1e-6: far tighter than the audit's 0.01 PFLOP,
/// which would let a 1 PFLOP job lose 1% of its work unnoticed.
#[track_caller]
fn assert_exact(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-6 * want.abs(),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn nothing_to_schedule_plans_the_reserved_bill_on_every_backend() {
    // 8 chips x 168 h x 2 weeks x $2.00 reserved; nothing else.
    for (file, want) in [
        ("nothing-reserved.toml", 8.0 * 168.0 * 2.0 * 2.0),
        ("nothing-horizon.toml", 0.0),
        ("nothing-per-use.toml", 0.0),
    ] {
        let s = load(&data(file));
        for b in backends(&s) {
            let a = plan_with(&s, b);
            assert_usd(a.costs.total_usd, want, &format!("{file} on {b:?}"));
            assert!(a.schedule.is_empty(), "{file} on {b:?}: {:?}", a.schedule);
        }
    }
}

#[test]
fn nothing_to_schedule_exits_0_from_the_cli() {
    let file = root().join("tests/data/nothing-reserved.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(["plan", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Total cost: $5,376"), "{stdout}");
}

/// `tiny-predecessor.toml` with the probe's work and the main run's size replaced.
fn tiny_predecessor(probe_pflop: f64, main_chip_hours: f64, chips: f64) -> Scenario {
    let text = data("tiny-predecessor.toml")
        .replace("work_pflop = 1.0", &format!("work_pflop = {probe_pflop:e}"))
        .replace(
            "chip_hours = 100 }",
            &format!("chip_hours = {main_chip_hours:e} }}"),
        )
        .replace("chips = 8\n", &format!("chips = {chips:e}\n"));
    load(&text)
}

#[test]
fn a_one_pflop_predecessor_gets_its_work_done_on_every_backend() {
    let s = load(&data("tiny-predecessor.toml"));
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_exact(done(&a, "probe"), 1.0, &format!("probe on {b:?}"));
        // $10 per chip-hour: 100 chip-hours of main, 1 / 1,424.16 of probe.
        let want = 10.0 * (100.0 + 1.0 / H100_PFLOP_PER_CHIP_HOUR);
        assert_usd(a.costs.total_usd, want, &format!("{b:?}"));
    }
}

#[test]
fn tiny_predecessors_plan_next_to_a_fleet_of_1e11_pflop() {
    // The main run: 1e11 PFLOP = 70.2 million H100 chip-hours over weeks 2-3 on 300,000 chips.
    let main_chip_hours = 1e11 / H100_PFLOP_PER_CHIP_HOUR;
    for probe in [1e-6, 1e-3, 1.0, 2.0, 3.0, 1e3] {
        let s = tiny_predecessor(probe, main_chip_hours, 3e5);
        for b in backends(&s) {
            let a = plan_with(&s, b);
            assert_exact(done(&a, "probe"), probe, &format!("probe {probe} on {b:?}"));
            assert_exact(
                done(&a, "main"),
                1e11,
                &format!("main next to {probe} on {b:?}"),
            );
            let want = 10.0 * (main_chip_hours + probe / H100_PFLOP_PER_CHIP_HOUR);
            assert_usd(a.costs.total_usd, want, &format!("probe {probe} on {b:?}"));
        }
    }
}

#[test]
fn a_one_pflop_job_in_an_lp_plans_on_every_backend() {
    for probe in [1e-6, 1.0, 3.0] {
        let text = data("tiny-job-lp.toml")
            .replace("work_pflop = 1.0", &format!("work_pflop = {probe:e}"));
        let s = load(&text);
        assert!(!s.has_dependencies());
        for b in backends(&s) {
            let a = plan_with(&s, b);
            assert_exact(done(&a, "probe"), probe, &format!("probe {probe} on {b:?}"));
            let want = 10.0 * (10_000.0 + probe / H100_PFLOP_PER_CHIP_HOUR);
            assert_usd(a.costs.total_usd, want, &format!("probe {probe} on {b:?}"));
        }
    }
}

#[test]
fn a_100_pflop_evaluation_inside_a_frontier_fleet_plans_on_every_backend() {
    let s = load(&data("frontier-lp-small-eval.toml"));
    assert!(!s.has_dependencies());
    let mut costs = Vec::new();
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_exact(done(&a, "probe-eval"), 100.0, &format!("{b:?}"));
        costs.push((b, a.costs.total_usd));
    }
    let (first, cost) = costs[0];
    for &(b, c) in &costs[1..] {
        assert_usd(c, cost, &format!("{b:?} against {first:?}"));
    }
}

#[test]
fn frontier_eval_after_research_plans_consistently() {
    // A one-line edit of the shipped scenario: the gated chip-hours of a closed gate used to
    // come back as small non-zeros, and the audit saw a successor run before its predecessor.
    let s = load(&data("frontier-eval-after-research.toml"));
    assert!(s.has_dependencies());
    let mut costs = Vec::new();
    for b in backends(&s) {
        let a = plan_with(&s, b);
        costs.push((b, a.costs.total_usd));
    }
    let (first, cost) = costs[0];
    for &(b, c) in &costs[1..] {
        // HiGHS stops at its default relative MIP gap of 1e-4.
        assert!(
            (c - cost).abs() <= 2e-4 * cost,
            "{b:?} ${c} against {first:?} ${cost}"
        );
    }
}

#[test]
fn a_feasible_milp_with_the_most_chips_accepted_plans_within_a_time_limit() {
    // Branching on 1.0000002 in [0, 1] used to make a "down" child equal to its parent: millions
    // of nodes with the open list growing by one per node, and no plan (seen at 1e15 chips,
    // which the validator now refuses; 1e7 is the most a cluster may have).
    let s = tiny_predecessor(1.0, 100.0, capplan::schema::limits::MAX_CHIPS);
    let opts = PlanOptions {
        backend: Some(Backend::Microlp),
        solve: SolveOptions {
            time_limit: Some(30.0),
            ..SolveOptions::default()
        },
    };
    let started = Instant::now();
    match plan(&s, &opts).unwrap() {
        PlanOutcome::Planned { solver, audit } => {
            assert_eq!(solver.status, SolveStatus::Optimal);
            assert_eq!(audit.violations(), 0);
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed().as_secs_f64() < 30.0);
}

#[test]
fn an_infeasibility_explanation_names_only_clusters_the_placement_rule_allows() {
    let s = load(&data("placement-infeasible.toml"));
    for b in backends(&s) {
        let opts = PlanOptions {
            backend: Some(b),
            ..PlanOptions::default()
        };
        let PlanOutcome::Infeasible { unmeetable, .. } = plan(&s, &opts).unwrap() else {
            panic!("{b:?}: expected infeasible");
        };
        let big = unmeetable
            .iter()
            .find(|u| u.workload.as_deref() == Some("big"))
            .unwrap_or_else(|| panic!("{b:?}: {unmeetable:?}"));
        // 1,300 + 300 chip-hours against 1,344 on AWS: 256 chip-hours of "big" at 1,424.16
        // PFLOP each.
        assert!(
            (big.amount - 256.0 * H100_PFLOP_PER_CHIP_HOUR).abs() < 1.0,
            "{b:?}: {}",
            big.amount
        );
        assert!(big.message.contains("\"aws-h100\""), "{}", big.message);
        assert!(!big.message.contains("az-h100"), "{b:?}: {}", big.message);
    }
}

#[test]
fn a_pure_lp_on_microlp_is_labelled_simplex() {
    let s = load(&data("tiny-job-lp.toml"));
    let opts = PlanOptions {
        backend: Some(Backend::Microlp),
        ..PlanOptions::default()
    };
    let PlanOutcome::Planned { solver, .. } = plan(&s, &opts).unwrap() else {
        panic!("expected a plan");
    };
    assert_eq!(solver.algorithm, "simplex");
}

#[test]
fn clarabel_plans_are_vertices_without_round_off_rows() {
    // The interior point used to leave round-off on columns that are zero at the optimum:
    // 347 schedule rows (8 under 0.01 chip-hours) here, 3,461 on the generated fleet.
    let generated = capplan::generate::generate(&capplan::generate::GenerateOptions {
        workloads: 200,
        clusters: 20,
        periods: 5,
        seed: 3,
        edges: 0,
    })
    .unwrap();
    for text in [data("frontier-lp-small-eval.toml"), generated] {
        let s = load(&text);
        let opts = PlanOptions {
            backend: Some(Backend::Clarabel),
            ..PlanOptions::default()
        };
        let PlanOutcome::Planned { solver, audit } = plan(&s, &opts).unwrap() else {
            panic!("expected a plan");
        };
        let tiny: Vec<_> = audit
            .schedule
            .iter()
            .filter(|r| r.chip_hours < 0.01)
            .collect();
        assert!(tiny.is_empty(), "{tiny:?}");
        // A vertex has at most one nonzero column per row of the program.
        assert!(
            audit.schedule.len() <= solver.constraints,
            "{} rows for {} constraints",
            audit.schedule.len(),
            solver.constraints
        );
        let microlp = plan_with(&s, Backend::Microlp).costs.total_usd;
        assert_usd(audit.costs.total_usd, microlp, "clarabel against microlp");
    }
}

#[test]
fn a_time_limit_without_a_plan_says_why() {
    let s = load(&data("frontier-eval-after-research.toml"));
    let opts = PlanOptions {
        backend: Some(Backend::Microlp),
        solve: SolveOptions {
            time_limit: Some(1e-9),
            ..SolveOptions::default()
        },
    };
    let PlanOutcome::NoPlan { solver } = plan(&s, &opts).unwrap() else {
        panic!("a nanosecond finds no plan");
    };
    assert_eq!(solver.status, SolveStatus::TimeLimitNoPlan);
    let message = solver.message.expect("a message");
    assert!(message.contains("time limit"), "{message}");
}

#[test]
fn a_time_limit_longer_than_the_unlimited_run_gives_the_same_plan() {
    // The README's 200-workload MILP: microlp's own first run used to get half of any limit,
    // fail, and leave branch and bound without an incumbent (time_limit_no_plan with 12 s
    // against 10.4 s unlimited).
    let s = load(
        &capplan::generate::generate(&capplan::generate::GenerateOptions {
            workloads: 200,
            clusters: 20,
            periods: 13,
            seed: 7,
            edges: 100,
        })
        .unwrap(),
    );
    let started = Instant::now();
    let unlimited = plan_with(&s, Backend::Microlp).costs.total_usd;
    let seconds = started.elapsed().as_secs_f64();
    let opts = PlanOptions {
        backend: Some(Backend::Microlp),
        solve: SolveOptions {
            time_limit: Some(1.2 * seconds),
            ..SolveOptions::default()
        },
    };
    match plan(&s, &opts).unwrap() {
        PlanOutcome::Planned { solver, audit } => {
            assert_eq!(solver.status, SolveStatus::Optimal);
            assert_usd(
                audit.costs.total_usd,
                unlimited,
                "limited against unlimited",
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tiny_job_next_to_a_large_penalty_runs_on_the_cheapest_cluster() {
    // Found by tests/numerics_props.rs: with the objective divided by its largest coefficient
    // the job's cost fell under microlp's tolerance, and it ran on the backstop for $702.
    let s = load(&data("tiny-job-large-penalty.toml"));
    let want = 4.0 * 500_000.0 * 0.9 + 100.0 / H100_PFLOP_PER_CHIP_HOUR * 0.9;
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, want, &format!("{b:?}"));
        assert_eq!(common::chip_hours(&a, "w0", Some("backstop")), 0.0, "{b:?}");
    }
}

#[test]
fn a_spend_floor_of_1e13_is_billed_never_infeasible() {
    // The tutorial with a $10 trillion floor on its contract, the most a floor may be (2e13 was
    // once called infeasible; the validator now refuses it): the shortfall is billed. The
    // reserved bill counts toward the floor, so the total is the floor plus the $4,800.35
    // utilization penalty (README, "Checking it by hand").
    let text = std::fs::read_to_string(root().join("models/tutorial.toml")).unwrap()
        + "\n[[contracts.spend_floors]]\nname = \"2027\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nfloor_usd = 1e13\n";
    let s = load(&text);
    for b in backends(&s) {
        let a = plan_with(&s, b);
        let want = 1e13 + 4_800.35;
        assert!(
            // To the dollar: the old build billed $3,085 too much here.
            (a.costs.total_usd - want).abs() <= 1.0,
            "{b:?}: {} against {want}",
            a.costs.total_usd
        );
    }
}

#[test]
fn the_library_refuses_limits_that_would_overflow_instead_of_panicking() {
    // The command line refuses these before planning; a library caller gets the same answer
    // from `solver::solve` rather than a `Duration` overflow or an f32 of infinity.
    let s = load(&data("tiny-predecessor.toml"));
    let f = capplan::formulation::Formulation::build(&s, false);
    for (time_limit, mip_gap) in [(Some(1e300), None), (Some(1e19), None), (None, Some(1e39))] {
        let opts = SolveOptions {
            time_limit,
            mip_gap,
            ..SolveOptions::default()
        };
        match capplan::solver::solve(&f.lp, Backend::Microlp, &opts) {
            Err(capplan::solver::SolverError::BadOption(m)) => assert!(m.contains("give"), "{m}"),
            other => panic!("{time_limit:?} {mip_gap:?}: {:?}", other.map(|r| r.status)),
        }
    }
}

/// Generated by numerics_props (PROPTEST_RNG_SEED=16, 300 cases): HiGHS's branch and cut took
/// a point 3.4e-7 below a bound (inside its default 1e-6 MIP tolerance) on a column costing
/// 7e7 in the scaled program, called w0 unfinished until period 3, and left w1 only period 4
/// of the cheap cluster: $405,341,834 instead of the optimum below.
#[test]
fn a_mip_point_outside_the_lp_tolerance_does_not_choose_the_integers() {
    let s = load(&format!(
        "{}{}",
        "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 4\n\n\
         [[clusters]]\nid = \"backstop\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = 1e7\n\
         billing = \"per-use\"\nusd_per_chip_hour = 1e4\nprice_basis = \"on-demand\"\n\n\
         [[clusters]]\nid = \"c0\"\nprovider = \"aws\"\nchip = \"h100\"\nchips = 1\n\
         billing = \"per-use\"\nusd_per_chip_hour = 1\nprice_basis = \"on-demand\"\ncontract = \"k\"\n\n\
         [[workloads]]\nid = \"w0\"\nkind = \"post-training\"\nwork_pflop = 1\n\n\
         [[workloads]]\nid = \"w1\"\nkind = \"post-training\"\nwork_pflop = 1e6\nafter = [\"w0\"]\n\n\
         [[workloads]]\nid = \"chat\"\nkind = \"inference\"\ndemand = 1e9\n\
         throughput = { h100 = 2.0 }\nunmet_penalty_usd = 1e-1\n\n",
        "[[contracts]]\nid = \"k\"\nprovider = \"aws\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\n\
         discount = 0.1\nbaseline = \"on-demand\"\n\n[[contracts.spend_floors]]\nname = \"2027\"\n\
         start = \"2027-01-01\"\nend = \"2027-12-31\"\nfloor_usd = 0\n",
    ));
    // Serving chat costs $0.45 a unit on c0 (0.9 / 2) against a $0.1 penalty: 4e9 units unmet.
    // w0 (1 PFLOP) runs in period 1 on c0, so w1 gets all of c0 in periods 2-4 (504 chip-hours
    // at $0.9) and the rest of its 1e6 PFLOP on the $1e4 backstop.
    let w0_hours = 1.0 / H100_PFLOP_PER_CHIP_HOUR;
    let w1_hours = 1e6 / H100_PFLOP_PER_CHIP_HOUR;
    let want = 4e9 * 0.1 + w0_hours * 0.9 + 504.0 * 0.9 + (w1_hours - 504.0) * 1e4;
    assert_usd(want, 401_982_136.56, "hand-worked optimum");
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, want, &format!("{b:?} total"));
        assert_exact(done(&a, "w1"), 1e6, &format!("{b:?} w1 PFLOP"));
        assert_exact(
            common::chip_hours(&a, "w1", Some("c0")),
            504.0,
            &format!("{b:?} w1 on c0"),
        );
    }
}
