//! Every model in `models/` through the library: it loads, it plans with every backend that can
//! take it (or is infeasible and says why), the backends agree on the optimum, and an
//! independent audit of the schedule finds no violation.

mod common;

use capplan::audit::audit;
use capplan::model::Scenario;
use capplan::plan::{plan, PlanOptions, PlanOutcome};

#[test]
fn every_shipped_model_plans_the_same_optimum_on_every_backend_and_passes_the_audit() {
    let models = common::shipped_models();
    assert!(models.len() >= 3, "{models:?}");
    for path in models {
        let s = Scenario::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut costs = Vec::new();
        for b in common::backends(&s) {
            let opts = PlanOptions {
                backend: Some(b),
                ..PlanOptions::default()
            };
            match plan(&s, &opts).unwrap_or_else(|e| panic!("{}: {b:?}: {e}", path.display())) {
                PlanOutcome::Planned { audit: report, .. } => {
                    assert!(
                        !path.to_string_lossy().contains("infeasible"),
                        "{} planned",
                        path.display()
                    );
                    let again = audit(&s, &common::rebuild(&s, &report));
                    assert_eq!(
                        again.violations(),
                        0,
                        "{}: {:?}",
                        path.display(),
                        again.findings
                    );
                    common::assert_usd(again.costs.total_usd, report.costs.total_usd, "re-audit");
                    costs.push((b, report.costs.total_usd));
                }
                PlanOutcome::Infeasible { unmeetable, .. } => {
                    assert!(
                        path.to_string_lossy().contains("infeasible"),
                        "{}: {unmeetable:?}",
                        path.display()
                    );
                    assert!(!unmeetable.is_empty());
                }
                PlanOutcome::NoPlan { solver } => panic!("{}: {solver:?}", path.display()),
            }
        }
        for w in costs.windows(2) {
            let ((b0, c0), (b1, c1)) = (w[0], w[1]);
            assert!(
                (c0 - c1).abs() <= 1e-6 * c0.abs() + 1e-2,
                "{}: {b0:?} ${c0} vs {b1:?} ${c1}",
                path.display()
            );
        }
    }
}

#[test]
fn reference_chip_data_parses_and_every_figure_cites_a_source() {
    let data: capplan::schema::ReferenceData =
        toml::from_str(capplan::model::REFERENCE_DATA).expect("data/chips.toml parses");
    for c in &data.chips {
        assert!(
            data.sources.contains_key(&c.source),
            "{}: {}",
            c.id,
            c.source
        );
    }
    for f in &data.families {
        assert!(
            data.sources.contains_key(&f.source),
            "{}: {}",
            f.id,
            f.source
        );
    }
}
