//! A 64-point sweep of `models/aws-frontier-2027q1.toml` (a MILP: its training runs depend on
//! each other), planned one point after another (`--jobs 1`) and on every core (`--jobs 0`).
//!
//! ```sh
//! cargo bench --bench sweep                      # both, 10 samples each: ~10 min on 2 cores
//! cargo bench --bench sweep -- --test            # each once, to check that it runs
//! ```
//! The same sweep on the command line, to time it by hand:
//! ```sh
//! capplan sweep models/aws-frontier-2027q1.toml --jobs 1 --format csv \
//!   --vary clusters.h200-aws.chips=3000..4500/500 \
//!   --vary clusters.tpu-v6e-gcp.chips=3072,4096,5120,6144 \
//!   --vary 'workloads.chat-current.demand*=0.9,1,1.05,1.1'
//! ```

use std::path::PathBuf;
use std::time::Duration;

use capplan::plan::PlanOptions;
use capplan::sweep::{run, Axis, Points, SweepOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const VARY: [&str; 3] = [
    "clusters.h200-aws.chips=3000..4500/500",
    "clusters.tpu-v6e-gcp.chips=3072,4096,5120,6144",
    "workloads.chat-current.demand*=0.9,1,1.05,1.1",
];

fn sweep(c: &mut Criterion) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/aws-frontier-2027q1.toml");
    let text = std::fs::read_to_string(&file).expect("the shipped model");
    let axes: Vec<Axis> = VARY
        .iter()
        .map(|v| Axis::parse(v).expect("valid --vary"))
        .collect();
    let points = Points::grid(&axes);
    assert_eq!(points.points.len(), 64);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("sweep-64-aws-frontier");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.warm_up_time(Duration::from_secs(1));
    for (name, jobs) in [("jobs-1".to_string(), 1), (format!("jobs-{cores}"), 0)] {
        let opts = SweepOptions {
            plan: PlanOptions::default(),
            jobs,
            shard: None,
            progress: false,
            point_logs: false,
        };
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let rows = run(&text, &file, &[], &points, &opts).expect("the sweep runs");
                assert_eq!(rows.len(), 64);
                rows
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
