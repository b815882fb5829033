//! The 2027-2029 segmented plan of the standard generated fleet (500 workloads x 40 clusters,
//! 13 weeks, 9 months, 8 quarters, seed 7): model building, the default build's solve (clarabel
//! by sifting, 10 samples of about 15 s), and HiGHS's where it is compiled in; see
//! docs/performance.md, "Segmented horizons".
//!
//! The same file planned in weeks over the same days (156 weeks and 5 days, about 1.8 million
//! columns: docs/performance.md, "The same fleet in weeks") is built and planned once, not
//! sampled, and only when `CAPPLAN_BENCH_TWIN` is set: to `simplex` for HiGHS's dual simplex,
//! to anything else for its interior point. It prints both plans' totals and the gap in percent.
//! The twin needs HiGHS; without it, only its size is printed.
//!
//! ```sh
//! cargo bench --bench horizons
//! cargo bench --features highs --bench horizons
//! CAPPLAN_BENCH_TWIN=ipm cargo bench --features highs --bench horizons
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use capplan::formulation::Formulation;
use capplan::generate::{generate_segmented, segments_toml, GenerateOptions};
use capplan::model::Scenario;
use capplan::overrides::{self, Override};
use capplan::plan::{plan, PlanOptions, PlanOutcome};
use capplan::schema::PeriodLength;
use capplan::solver::{solve, Algorithm, Backend, SolveOptions};
use criterion::{criterion_group, criterion_main, Criterion};

/// The segments of the measured horizon.
const SEGMENTS: &[(PeriodLength, u32)] = &[
    (PeriodLength::Week, 13),
    (PeriodLength::Month, 9),
    (PeriodLength::Quarter, 8),
];

/// The environment variable that asks for the weekly twin, and its algorithm.
const TWIN: &str = "CAPPLAN_BENCH_TWIN";

/// The generated file and its name.
fn text() -> (String, std::path::PathBuf) {
    let text = generate_segmented(
        &GenerateOptions {
            workloads: 500,
            clusters: 40,
            periods: 30,
            seed: 7,
            edges: 0,
        },
        SEGMENTS,
    )
    .expect("the bench size is valid");
    let name = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/segmented.toml");
    (text, name)
}

fn benches(c: &mut Criterion) {
    let (text, name) = text();
    let s = Scenario::from_toml(&text, &name).expect("generated scenarios validate");
    let mut g = c.benchmark_group("segmented-500x40");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("build", |b| b.iter(|| Formulation::build(&s, false)));
    let f = Formulation::build(&s, false);
    g.bench_function("solve/clarabel-sifting", |b| {
        b.iter(|| solve(&f.lp, Backend::Clarabel, &SolveOptions::default()).expect("solves"))
    });
    if Backend::Highs.is_compiled() {
        let opts = SolveOptions {
            algorithm: Algorithm::Simplex,
            ..SolveOptions::default()
        };
        g.bench_function("solve/highs-simplex", |b| {
            b.iter(|| solve(&f.lp, Backend::Highs, &opts).expect("solves"))
        });
    }
    g.finish();
    if let Ok(algorithm) = std::env::var(TWIN) {
        weekly_twin(&text, &name, &s, &algorithm);
    }
}

/// Builds and plans the weekly twin once, and the segmented file once, and prints the gap.
fn weekly_twin(text: &str, name: &Path, segmented: &Scenario, algorithm: &str) {
    let set = format!(
        "horizon.segments={}",
        segments_toml(&segmented.horizon.weekly_twin())
    );
    let o = [Override::parse(&set).expect("a valid --set")];
    let (twin, _) = overrides::load(text, name, &o).expect("the twin validates");
    let started = Instant::now();
    let f = Formulation::build(&twin, false);
    println!(
        "weekly twin (--set '{set}'): {} columns, {} rows, {} nonzeros, built in {:.1} s",
        f.lp.num_cols(),
        f.lp.num_rows(),
        f.lp.num_nonzeros(),
        started.elapsed().as_secs_f64()
    );
    drop(f);
    if !Backend::Highs.is_compiled() {
        println!("weekly twin: not planned (build with --features highs)");
        return;
    }
    let algorithm = match algorithm {
        "simplex" => Algorithm::Simplex,
        _ => Algorithm::Ipm,
    };
    let seg = plan_once("segmented", segmented, Algorithm::Simplex);
    let weekly = plan_once("weekly twin", &twin, algorithm);
    if let (Some(seg), Some(weekly)) = (seg, weekly) {
        println!(
            "weekly twin against segmented: {:+.4}%",
            (weekly - seg) / seg * 100.0
        );
    }
}

/// Plans `s` with HiGHS once; prints and returns its total cost.
fn plan_once(what: &str, s: &Scenario, algorithm: Algorithm) -> Option<f64> {
    let opts = PlanOptions {
        backend: Some(Backend::Highs),
        solve: SolveOptions {
            algorithm,
            ..SolveOptions::default()
        },
    };
    let started = Instant::now();
    let outcome = plan(s, &opts).expect("HiGHS runs");
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        PlanOutcome::Planned { audit, solver } => {
            println!(
                "{what}: ${:.0} in {seconds:.1} s (HiGHS {}, status {:?})",
                audit.costs.total_usd, solver.algorithm, solver.status
            );
            Some(audit.costs.total_usd)
        }
        PlanOutcome::Infeasible { .. } => {
            println!("{what}: infeasible after {seconds:.1} s");
            None
        }
        PlanOutcome::NoPlan { solver } => {
            println!(
                "{what}: no plan after {seconds:.1} s ({:?})",
                solver.message
            );
            None
        }
    }
}

criterion_group!(horizons, benches);
criterion_main!(horizons);
