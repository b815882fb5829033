//! Model building and solving, measured separately, per backend compiled in, on generated
//! scenarios of about 3k, 30k and 300k variables and on one MILP with dependencies.
//!
//! ```sh
//! cargo bench --bench solve                    # microlp and clarabel
//! cargo bench --features highs --bench solve   # and HiGHS (simplex, interior point, MILP)
//! cargo bench --bench solve -- build           # only the model building
//! cargo bench --bench solve -- sensitivity     # a plan with and without its shadow prices
//! ```
//! The scenarios are generated in memory from fixed seeds (`capplan generate` prints the same
//! ones), so the bench reads nothing from the current directory. Samples are few and short so
//! the whole run takes minutes on 2 cores; the slowest pairs (microlp on 300k variables, about
//! half a minute per solve) are left out and measured once with `capplan plan` instead.

use std::path::Path;
use std::time::Duration;

use capplan::formulation::Formulation;
use capplan::generate::{generate, GenerateOptions};
use capplan::model::Scenario;
use capplan::solver::{solve, Algorithm, Backend, SolveOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// (name, workloads, clusters, periods, edges).
const SIZES: &[(&str, usize, usize, usize, usize)] = &[
    ("lp-3k", 80, 10, 7, 0),
    ("lp-30k", 200, 24, 11, 0),
    ("lp-300k", 500, 40, 26, 0),
    ("milp", 200, 20, 13, 100),
];

fn scenario(workloads: usize, clusters: usize, periods: usize, edges: usize) -> Scenario {
    seeded(workloads, clusters, periods, edges, 7)
}

fn seeded(workloads: usize, clusters: usize, periods: usize, edges: usize, seed: u64) -> Scenario {
    let text = generate(&GenerateOptions {
        workloads,
        clusters,
        periods,
        seed,
        edges,
    })
    .expect("bench sizes are valid");
    // Named after the crate so messages point somewhere real; nothing is read from disk.
    let name = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/generated.toml");
    Scenario::from_toml(&text, &name).expect("generated scenarios validate")
}

/// Backends and algorithms to time on a model, leaving out the pairs too slow to sample.
fn runs(name: &str, milp: bool) -> Vec<(Backend, Algorithm)> {
    let mut out = Vec::new();
    if Backend::Highs.is_compiled() {
        if milp {
            out.push((Backend::Highs, Algorithm::Auto));
        } else {
            // Dual simplex is `auto`'s choice; interior point is timed where it is quick.
            out.push((Backend::Highs, Algorithm::Simplex));
            if name != "lp-300k" {
                out.push((Backend::Highs, Algorithm::Ipm));
            }
        }
    }
    if !milp {
        out.push((Backend::Clarabel, Algorithm::Auto));
    }
    if name != "lp-300k" {
        out.push((Backend::Microlp, Algorithm::Auto));
    }
    out
}

fn benches(c: &mut Criterion) {
    let mut build = c.benchmark_group("build");
    build
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let scenarios: Vec<(&str, Scenario)> = SIZES
        .iter()
        .map(|&(name, w, cl, t, e)| (name, scenario(w, cl, t, e)))
        .collect();
    for (name, s) in &scenarios {
        let vars = Formulation::build(s, false).lp.num_cols();
        build.bench_function(BenchmarkId::new(*name, format!("{vars} variables")), |b| {
            b.iter(|| Formulation::build(s, false))
        });
    }
    build.finish();

    let mut group = c.benchmark_group("solve");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (name, s) in &scenarios {
        let f = Formulation::build(s, false);
        let milp = f.lp.num_integers() > 0;
        for (backend, algorithm) in runs(name, milp) {
            let opts = SolveOptions {
                algorithm,
                mip_gap: milp.then_some(0.01),
                ..SolveOptions::default()
            };
            let id = format!("{}-{:?}", backend.as_str(), algorithm).to_lowercase();
            group.bench_function(BenchmarkId::new(*name, id), |b| {
                b.iter(|| {
                    let r = solve(&f.lp, backend, &opts).expect("backend compiled in");
                    assert!(r.status.has_plan(), "{name}: {:?}", r.status);
                    r
                })
            });
        }
    }
    group.finish();
}

/// Issue 12's fleet with pipelines: `generate --workloads 500 --clusters 40 --periods 26
/// --seed 3 --edges 300`, to 1% on HiGHS (the target: under 60 s) and to 2% on the default
/// build (the target: under 120 s), each with its target as the time limit. A sample is a minute or two:
/// `cargo bench --bench solve -- dag`, or `-- dag --test` for one run each.
fn dag_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("dag");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    let s = seeded(500, 40, 26, 300, 3);
    let f = Formulation::build(&s, false);
    let mut runs = vec![(Backend::Microlp, 120.0, 0.02)];
    if Backend::Highs.is_compiled() {
        runs.insert(0, (Backend::Highs, 60.0, 0.01));
    }
    for (backend, limit, gap) in runs {
        let opts = SolveOptions {
            mip_gap: Some(gap),
            time_limit: Some(limit),
            ..SolveOptions::default()
        };
        group.bench_function(BenchmarkId::new("big-dag-seed3", backend.as_str()), |b| {
            b.iter(|| {
                let r = solve(&f.lp, backend, &opts).expect("backend compiled in");
                eprintln!("dag {}: {:?}, gap {:?}", backend.as_str(), r.status, r.gap);
                r
            })
        });
    }
    group.finish();
}

/// The standard instance (`capplan generate --workloads 500 --clusters 40 --periods 13 --seed 7`)
/// planned end to end with the default backend, with and without its shadow prices: they must
/// add at most 10% (docs/performance.md).
fn sensitivity(c: &mut Criterion) {
    use capplan::plan::{plan, PlanOptions, PlanOutcome};
    let s = scenario(500, 40, 13, 0);
    let mut group = c.benchmark_group("sensitivity");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for duals in [false, true] {
        let opts = PlanOptions {
            backend: None,
            solve: SolveOptions {
                duals,
                ..SolveOptions::default()
            },
        };
        let id = if duals { "with" } else { "without" };
        group.bench_function(BenchmarkId::new("standard", id), |b| {
            b.iter(|| {
                let outcome = plan(&s, &opts).expect("plans");
                assert!(matches!(outcome, PlanOutcome::Planned { .. }));
                outcome
            })
        });
    }
    group.finish();
}

criterion_group!(solve_benches, benches, dag_benches, sensitivity);
criterion_main!(solve_benches);
