//! Sifting (`capplan::sifting`): the optimum over working sets of columns is the whole
//! program's, when the first set holds no plan, on generated fleets, and through the CLI on a
//! program large enough for the planner to sift.

mod common;

use std::path::Path;

use capplan::formulation::Formulation;
use capplan::generate::{generate, GenerateOptions};
use capplan::lp::LinearProgram;
use capplan::model::Scenario;
use capplan::sifting::{sift, Goal, Sifted};
use capplan::solver::{solve, Backend, SolveOptions, SolveStatus};

/// A working set's optimum and row duals, by clarabel through the public solver.
fn clarabel_with_duals(set: &LinearProgram) -> Option<(Vec<f64>, Vec<f64>)> {
    let opts = SolveOptions {
        duals: true,
        ..SolveOptions::default()
    };
    let r = solve(set, Backend::Clarabel, &opts).ok()?;
    match (r.status, r.x, r.duals) {
        (SolveStatus::Optimal, Some(x), Some(Ok(d))) => Some((x, d.rows)),
        _ => None,
    }
}

fn sifted(lp: &LinearProgram) -> Sifted {
    sift(lp, &Goal::default(), clarabel_with_duals).expect("sifting found the optimum")
}

/// Twenty columns of cost 1, 2, ..., 20, each at most 1 by a row of its own, and one row that
/// needs 20 units: every column runs at 1, for 1 + 2 + ... + 20 = 210. The first working set
/// (each need row's twelve cheapest columns) holds no plan, so the artificial column carries
/// the row until pricing brings in the other eight.
#[test]
fn a_first_working_set_without_a_plan_grows_to_the_optimum() {
    let mut lp = LinearProgram::new();
    let cols: Vec<_> = (1..=20)
        .map(|c| lp.add_col(c as f64, 0.0, f64::INFINITY, false))
        .collect();
    for &c in &cols {
        lp.add_row([(c, 1.0)], f64::NEG_INFINITY, 1.0);
    }
    lp.add_row(cols.iter().map(|&c| (c, 1.0)), 20.0, f64::INFINITY);
    let s = sifted(&lp);
    assert!(s.rounds >= 2, "the first set cannot hold the plan");
    assert_eq!(s.columns, 20);
    assert!((lp.objective_value(&s.x) - 210.0).abs() < 1e-6);
    assert!(lp.max_violation(&s.x) < 1e-6);
    // The duals price every column at zero: each cap's dual is its column's cost less the
    // need row's, and the need row's is at least the dearest column's cost (any such split is
    // optimal: every column is at its cap and the need is met exactly).
    let need = s.duals[20];
    assert!(need >= 20.0 - 1e-6, "{need}");
    for c in 0..20 {
        assert!(
            (s.duals[c] - ((c + 1) as f64 - need)).abs() < 1e-5 * need,
            "{c}"
        );
    }
}

/// A column far down the need row's price list is the only one that fits a second row: it
/// is not in the first working set, and pricing must find it.
#[test]
fn pricing_brings_in_the_column_the_optimum_needs() {
    let mut lp = LinearProgram::new();
    let cheap: Vec<_> = (0..15).map(|_| lp.add_col(1.0, 0.0, 10.0, false)).collect();
    let dear = lp.add_col(5.0, 0.0, 10.0, false);
    // Need 3 units in all; the dear column is the only one in a second row that needs 1.
    let mut need: Vec<_> = cheap.iter().map(|&c| (c, 1.0)).collect();
    need.push((dear, 1.0));
    lp.add_row(need, 3.0, f64::INFINITY);
    lp.add_row([(dear, 1.0)], 1.0, f64::INFINITY);
    let s = sifted(&lp);
    // 1 unit of the dear column (5) and 2 cheap units (2): 7.
    assert!((lp.objective_value(&s.x) - 7.0).abs() < 1e-6);
}

/// Generated fleets: sifting from the first working set reaches the whole program's optimum
/// (microlp's simplex, solved whole) within 1e-7, every row held.
/// Twelve columns of cost 1..12 (each at most 1, the twelfth at most 0.5 by a row), a
/// column `y` of cost 13 and `z` of cost 100, and a row that needs 12 units. The first working
/// set holds the twelve and `z` (the goal's start, not `y`): 11.5 units from the twelve and
/// 0.5 from `z`, 66 + 6 + 50 = 122, while `y` would give that half unit for 6.5 (optimum 78.5).
fn start_with_the_dear_column(within: f64) -> (LinearProgram, Sifted) {
    let mut lp = LinearProgram::new();
    let x: Vec<_> = (1..=12)
        .map(|c| lp.add_col(c as f64, 0.0, 1.0, false))
        .collect();
    let y = lp.add_col(13.0, 0.0, 10.0, false);
    let z = lp.add_col(100.0, 0.0, 10.0, false);
    let mut need: Vec<_> = x.iter().map(|&c| (c, 1.0)).collect();
    need.extend([(y, 1.0), (z, 1.0)]);
    lp.add_row(need, 12.0, f64::INFINITY);
    lp.add_row([(x[11], 1.0)], f64::NEG_INFINITY, 0.5);
    let mut start = vec![false; lp.num_cols()];
    start[z.0 as usize] = true;
    let goal = Goal {
        start: Some(start),
        within,
        bound: Some(78.5),
    };
    let s = sift(&lp, &goal, clarabel_with_duals).expect("sifting found a plan");
    (lp, s)
}

#[test]
fn a_plan_within_the_goals_gap_of_the_callers_bound_ends_sifting_early() {
    // (122 - 78.5) / 122 = 0.357: within 0.4, so round 1's plan stands, not as the optimum.
    let (lp, s) = start_with_the_dear_column(0.4);
    assert_eq!((s.rounds, s.optimal), (1, false));
    assert!((lp.objective_value(&s.x) - 122.0).abs() < 1e-5);
    assert!(lp.max_violation(&s.x) < 1e-6);
    assert!(
        s.bound <= 78.5 + 1e-6,
        "the bound {} passes the optimum",
        s.bound
    );
    // Not within 0.3: pricing brings `y` in and round 2 ends at the optimum.
    let (lp, s) = start_with_the_dear_column(0.3);
    assert_eq!((s.rounds, s.optimal), (2, true));
    assert!((lp.objective_value(&s.x) - 78.5).abs() < 1e-5);
    assert!((s.bound - 78.5).abs() < 1e-5, "{}", s.bound);
}

#[test]
fn sifting_reaches_the_whole_programs_optimum_on_generated_fleets() {
    for seed in 1..=6 {
        let opts = GenerateOptions {
            workloads: 40,
            clusters: 8,
            periods: 6,
            seed,
            edges: 0,
        };
        let text = generate(&opts).unwrap();
        let s = Scenario::from_toml(&text, Path::new("gen.toml")).unwrap();
        let f = Formulation::build(&s, false);
        let whole = solve(&f.lp, Backend::Microlp, &SolveOptions::default()).unwrap();
        assert_eq!(whole.status, SolveStatus::Optimal, "seed {seed}");
        let optimum = f.lp.objective_value(&whole.x.unwrap());
        let got = sifted(&f.lp);
        let found = f.lp.objective_value(&got.x);
        assert!(
            (found - optimum).abs() <= 1e-7 * optimum.abs().max(1.0),
            "seed {seed}: sifting {found} against {optimum}"
        );
        assert!(
            got.columns < f.lp.num_cols(),
            "seed {seed}: every column was needed"
        );
    }
}

/// A fleet of 27,613 columns against 1,302 rows: large enough for the planner to sift.
fn sifted_fleet(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("fleet.toml");
    let opts = GenerateOptions {
        workloads: 120,
        clusters: 29,
        periods: 13,
        seed: 7,
        edges: 0,
    };
    std::fs::write(&file, generate(&opts).unwrap()).unwrap();
    file
}

/// `capplan plan FILE --solver SOLVER ARGS`: the plan's total cost and its solver's algorithm
/// (the plan command exits 0 only when the plan passes the audit).
fn planned(file: &Path, solver: &str, args: &[&str]) -> (f64, String) {
    let mut all = vec!["--solver", solver];
    all.extend_from_slice(args);
    let v = common::plan_json(file, &all);
    let algorithm = v["solver"]["algorithm"].as_str().unwrap().to_string();
    (v["costs"]["total_usd"].as_f64().unwrap(), algorithm)
}

/// Through the CLI: the sifted fleet, planned by the default build, costs what microlp's
/// simplex finds on the whole program, and the plan passes the audit.
#[test]
fn the_planner_sifts_large_programs_and_keeps_their_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let file = sifted_fleet(dir.path());
    let (sifted, algorithm) = planned(&file, "clarabel", &[]);
    assert_eq!(algorithm, "interior point, sifting");
    let (whole, _) = planned(&file, "microlp", &[]);
    assert!(
        (sifted - whole).abs() <= 1e-6 * whole,
        "{sifted} against {whole}"
    );
}

/// HiGHS sifts the same fleet with either of its LP algorithms (its working sets' optima are
/// vertices, so no polish follows), and costs what microlp's simplex finds on the whole.
#[cfg(feature = "highs")]
#[test]
fn highs_sifts_large_programs_and_keeps_their_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let file = sifted_fleet(dir.path());
    let (whole, _) = planned(&file, "microlp", &[]);
    for (args, expected) in [
        (&[][..], "dual simplex, sifting"),
        (&["--algorithm", "ipm"][..], "interior point, sifting"),
    ] {
        let (sifted, algorithm) = planned(&file, "highs", args);
        assert_eq!(algorithm, expected);
        assert!(
            (sifted - whole).abs() <= 1e-6 * whole,
            "{args:?}: {sifted} against {whole}"
        );
    }
}
