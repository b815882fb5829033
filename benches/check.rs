//! Reading allocations back for `capplan check`: a plan.json and the same rows as CSV, at 5k and
//! 50k entries. Reading a plan.json used to find each entry's line by counting newlines from the
//! start of the file (quadratic: 264 s at 50k entries); it must stay linear, like the CSV.
//!
//! ```sh
//! cargo bench --bench check
//! ```
//! The scenario is generated in memory from a fixed seed and the documents are built in memory,
//! so the bench reads nothing from the current directory.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use capplan::allocation_io::{allocation_from_csv, allocation_from_plan_json};
use capplan::generate::{generate, GenerateOptions};
use capplan::model::Scenario;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn scenario() -> Scenario {
    let text = generate(&GenerateOptions {
        workloads: 40,
        clusters: 10,
        periods: 200,
        seed: 7,
        edges: 0,
    })
    .expect("bench sizes are valid");
    let name = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/generated.toml");
    Scenario::from_toml(&text, &name).expect("generated scenarios validate")
}

/// The first `n` (period, cluster, workload) cells of `s`, as a plan.json and as CSV, laid out
/// as `capplan plan --out` writes them (one field per line in the JSON).
fn documents(s: &Scenario, n: usize) -> (String, String) {
    let mut json =
        String::from("{\n  \"format_version\": 2,\n  \"status\": \"optimal\",\n  \"schedule\": [");
    let mut csv = String::from("period,cluster,workload,chip_hours\n");
    let cells = (1..=s.horizon.len()).flat_map(|p| {
        s.clusters
            .iter()
            .flat_map(move |c| s.workloads.iter().map(move |w| (p, &c.id, &w.id)))
    });
    for (k, (p, c, w)) in cells.take(n).enumerate() {
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(
            json,
            "{sep}\n    {{\n      \"period\": {p},\n      \"cluster\": \"{c}\",\n      \"workload\": \"{w}\",\n      \"chip_hours\": 1.5\n    }}"
        );
        let _ = writeln!(csv, "{p},{c},{w},1.5");
    }
    json.push_str("\n  ]\n}\n");
    (json, csv)
}

fn read(c: &mut Criterion) {
    let s = scenario();
    let mut g = c.benchmark_group("read_allocation");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in [5_000, 50_000] {
        let (json, csv) = documents(&s, n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("plan.json", n), &json, |b, text| {
            b.iter(|| allocation_from_plan_json(&s, text, "plan.json".as_ref()).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("csv", n), &csv, |b, text| {
            b.iter(|| allocation_from_csv(&s, text, "schedule.csv".as_ref()).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
