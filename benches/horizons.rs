//! The 2027-2029 segmented plan of the standard generated fleet (500 workloads x 40 clusters,
//! 13 weeks, 9 months, 8 quarters, seed 7): model building always, solving with HiGHS where it
//! is compiled in. The default build's solve (clarabel, minutes on a shared machine) is
//! measured once with `capplan plan` instead; see docs/performance.md, "Segmented horizons".
//!
//! ```sh
//! cargo bench --bench horizons
//! cargo bench --features highs --bench horizons
//! ```

use std::path::Path;
use std::time::Duration;

use capplan::formulation::Formulation;
use capplan::generate::{generate_segmented, GenerateOptions};
use capplan::model::Scenario;
use capplan::schema::PeriodLength;
use capplan::solver::{solve, Algorithm, Backend, SolveOptions};
use criterion::{criterion_group, criterion_main, Criterion};

/// The segments of the measured horizon.
const SEGMENTS: &[(PeriodLength, u32)] = &[
    (PeriodLength::Week, 13),
    (PeriodLength::Month, 9),
    (PeriodLength::Quarter, 8),
];

fn scenario() -> Scenario {
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
    Scenario::from_toml(&text, &name).expect("generated scenarios validate")
}

fn benches(c: &mut Criterion) {
    let s = scenario();
    let mut g = c.benchmark_group("segmented-500x40");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("build", |b| b.iter(|| Formulation::build(&s, false)));
    if Backend::Highs.is_compiled() {
        let f = Formulation::build(&s, false);
        let opts = SolveOptions {
            algorithm: Algorithm::Simplex,
            ..SolveOptions::default()
        };
        g.bench_function("solve/highs-simplex", |b| {
            b.iter(|| solve(&f.lp, Backend::Highs, &opts).expect("solves"))
        });
    }
    g.finish();
}

criterion_group!(horizons, benches);
criterion_main!(horizons);
