//! Generated scenarios: they validate, they plan with the default build, and the exported
//! program is the program that is solved.

use std::path::Path;
use std::process::Command;

use capplan::export::{export, ExportFormat};
use capplan::formulation::Formulation;
use capplan::generate::{generate, GenerateOptions};
use capplan::model::Scenario;
use capplan::plan::{plan, PlanOptions, PlanOutcome};

fn scenario(
    workloads: usize,
    clusters: usize,
    periods: usize,
    seed: u64,
    edges: usize,
) -> Scenario {
    let text = generate(&GenerateOptions {
        workloads,
        clusters,
        periods,
        seed,
        edges,
    })
    .unwrap();
    Scenario::from_toml(&text, Path::new("generated.toml")).unwrap()
}

/// Plans with the default build's choice and returns the audited cost.
fn planned_cost(s: &Scenario) -> f64 {
    match plan(s, &PlanOptions::default()).unwrap() {
        PlanOutcome::Planned { audit, solver } => {
            assert_eq!(audit.violations(), 0);
            assert!(solver.status.has_plan());
            audit.costs.total_usd
        }
        PlanOutcome::Infeasible { unmeetable, .. } => panic!("infeasible: {unmeetable:?}"),
        PlanOutcome::NoPlan { solver } => panic!("no plan: {solver:?}"),
    }
}

#[test]
fn generated_lps_of_several_seeds_plan_and_pass_the_audit() {
    for seed in [1, 2, 3, 7] {
        let s = scenario(24, 6, 5, seed, 0);
        assert!(!s.has_dependencies());
        let cost = planned_cost(&s);
        assert!(cost > 0.0, "seed {seed}: cost {cost}");
    }
}

#[test]
fn generated_milps_of_several_seeds_plan_and_pass_the_audit() {
    for seed in [1, 2, 5] {
        let s = scenario(12, 4, 7, seed, 4);
        assert_eq!(s.dag.edge_count(), 4);
        let f = Formulation::build(&s, false);
        assert!(
            f.lp.num_integers() > 0,
            "seed {seed}: dependencies need integers"
        );
        planned_cost(&s);
    }
}

fn capplan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_generates_the_same_bytes_and_refuses_absurd_sizes() {
    let args = [
        "generate",
        "--workloads",
        "9",
        "--clusters",
        "3",
        "--periods",
        "3",
        "--seed",
        "4",
        "--edges",
        "2",
    ];
    let a = capplan(&args);
    let b = capplan(&args);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let bad = capplan(&[
        "generate",
        "--workloads",
        "0",
        "--clusters",
        "3",
        "--periods",
        "3",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--workloads 0") && err.contains("give 1 to"),
        "{err}"
    );
}

#[test]
fn cli_exports_by_extension_and_refuses_others_before_solving() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("g.toml");
    let out = capplan(&[
        "generate",
        "--workloads",
        "8",
        "--clusters",
        "3",
        "--periods",
        "3",
    ]);
    std::fs::write(&model, &out.stdout).unwrap();
    let model = model.to_str().unwrap();
    let bad = dir.path().join("m.txt");
    let r = capplan(&["plan", model, "--export", bad.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains(".mps"));
    assert!(!bad.exists());
    for name in ["m.mps", "m.lp"] {
        let path = dir.path().join(name);
        let r = capplan(&[
            "plan",
            model,
            "--export",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let text = std::fs::read_to_string(&path).unwrap();
        let s = Scenario::from_toml(&std::fs::read_to_string(model).unwrap(), Path::new(model))
            .unwrap();
        let format = ExportFormat::from_path(&path).unwrap();
        assert_eq!(text, export(&Formulation::build(&s, false), format));
        let doc: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        let t = &doc["solver"]["timings"];
        assert!(t["write_seconds"].as_f64().unwrap() > 0.0, "{t}");
        assert!(t["load_seconds"].as_f64().unwrap() > 0.0, "{t}");
    }
}

/// Reads an exported file back into HiGHS and solves it there.
#[cfg(feature = "highs")]
fn highs_objective(path: &Path) -> f64 {
    use std::ffi::CString;
    let file = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: the HiGHS C API on a handle created and destroyed here.
    unsafe {
        let h = highs_sys::Highs_create();
        highs_sys::Highs_setBoolOptionValue(h, c"output_flag".as_ptr(), 0);
        assert_ne!(
            highs_sys::Highs_readModel(h, file.as_ptr()),
            highs_sys::STATUS_ERROR
        );
        highs_sys::Highs_run(h);
        assert_eq!(
            highs_sys::Highs_getModelStatus(h),
            highs_sys::MODEL_STATUS_OPTIMAL
        );
        let objective = highs_sys::Highs_getObjectiveValue(h);
        highs_sys::Highs_destroy(h);
        objective
    }
}

#[cfg(feature = "highs")]
#[test]
fn highs_reads_the_exported_program_and_finds_the_planned_cost() {
    use capplan::solver::Backend;
    let dir = tempfile::tempdir().unwrap();
    for (edges, seed) in [(0, 3), (6, 4)] {
        let s = scenario(18, 5, 5, seed, edges);
        let opts = PlanOptions {
            backend: Some(Backend::Highs),
            ..PlanOptions::default()
        };
        let PlanOutcome::Planned { audit, .. } = plan(&s, &opts).unwrap() else {
            panic!("expected a plan");
        };
        let f = Formulation::build(&s, false);
        for format in [ExportFormat::Mps, ExportFormat::Lp] {
            let path = dir.path().join(format!(
                "m{edges}.{}",
                if format == ExportFormat::Mps {
                    "mps"
                } else {
                    "lp"
                }
            ));
            std::fs::write(&path, export(&f, format)).unwrap();
            // The objective is in thousands of dollars.
            let from_file = highs_objective(&path) * 1_000.0;
            let cost = audit.costs.total_usd;
            // MILPs stop at HiGHS's default relative gap of 1e-4, in both runs.
            let tolerance = if edges > 0 { 2e-4 } else { 1e-6 };
            assert!(
                (from_file - cost).abs() <= tolerance * cost.abs().max(1.0),
                "{format:?} edges {edges}: HiGHS on the file {from_file}, plan {cost}"
            );
        }
    }
}
