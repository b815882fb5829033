//! Shadow prices (`capplan plan`'s "What binds", plan.json's `sensitivity`) against hand-solved
//! models and against finite-difference re-solves, for every kind of term and every backend
//! compiled in. The sign convention: the change in the total cost per one more unit of the
//! term (more capacity lowers it, a higher floor raises it).
//!
//! As in tests/hand_solved.rs, runs use H100 clusters and give work as H100 chip-hours; a week
//! is 168 hours, so 10 chips give 1,680 chip-hours. Work prices are per PFLOP: the hand-worked
//! price per chip-hour of work divided by the PFLOP one H100 chip-hour does for the job.

mod common;

use capplan::model::{Demand, Scenario};
use capplan::plan::{plan, PlanOptions, PlanOutcome};
use capplan::sensitivity::{Sensitivity, Term, TermKind};
use capplan::solver::{Backend, SolveOptions};
use common::{backends, load};

const WEEK1: &str = r#"
[horizon]
start = "2027-01-04"
period = "week"
periods = 1
"#;

fn h100(id: &str, provider: &str, chips: &str, billing: &str, usd: f64, extra: &str) -> String {
    format!(
        r#"
[[clusters]]
id = "{id}"
provider = "{provider}"
chip = "h100"
chips = {chips}
billing = "{billing}"
usd_per_chip_hour = {usd}
price_basis = "on-demand"
{extra}
"#
    )
}

fn training(id: &str, chip_hours: f64, extra: &str) -> String {
    format!(
        r#"
[[workloads]]
id = "{id}"
kind = "post-training"
work_chip_hours = {{ chip = "h100", chip_hours = {chip_hours} }}
{extra}
"#
    )
}

fn inference(id: &str, demand: f64, extra: &str) -> String {
    format!(
        r#"
[[workloads]]
id = "{id}"
kind = "inference"
demand_unit = "units"
demand = [{demand}]
throughput = {{ h100 = 2.0 }}
{extra}
"#
    )
}

fn contract(id: &str, provider: &str, discount: f64, extra: &str) -> String {
    format!(
        r#"
[[contracts]]
id = "{id}"
provider = "{provider}"
start = "2027-01-01"
end = "2027-12-31"
discount = {discount}
baseline = "on-demand"
{extra}
"#
    )
}

/// Plans with `backend`, shadow prices on or off; the audited total and the prices.
fn solve(s: &Scenario, backend: Backend, duals: bool) -> (f64, Option<Sensitivity>) {
    let opts = PlanOptions {
        backend: Some(backend),
        solve: SolveOptions {
            duals,
            ..SolveOptions::default()
        },
    };
    match plan(s, &opts).unwrap_or_else(|e| panic!("{backend:?}: {e}")) {
        PlanOutcome::Planned { solver, audit } => (audit.costs.total_usd, solver.sensitivity),
        other => panic!("{backend:?}: {other:?}"),
    }
}

fn prices(s: &Scenario, backend: Backend) -> Sensitivity {
    let sens = solve(s, backend, true).1.expect("asked for");
    assert_eq!(sens.unavailable, None, "{backend:?}");
    sens
}

/// The price of the one term of `kind` that `pick` accepts (0 if it does not bind).
fn price(sens: &Sensitivity, kind: TermKind, pick: impl Fn(&Term) -> bool) -> f64 {
    let found: Vec<&Term> = sens
        .terms
        .iter()
        .filter(|t| t.kind == kind && pick(t))
        .collect();
    assert!(found.len() <= 1, "{found:?}");
    found.first().map_or(0.0, |t| t.usd_per_unit)
}

fn any(_: &Term) -> bool {
    true
}

fn assert_price(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// PFLOP one H100 chip-hour does for workload `w`.
fn pflop_per_chip_hour(s: &Scenario, w: &str) -> f64 {
    let k = s.workload_by_id(w).expect("workload").0;
    s.workloads[k].yield_per_chip_hour[0].expect("runs on the first cluster")
}

/// The change in the total per unit of `perturb`'s step, from both sides:
/// `(T(0) - T(-h)) / h` and `(T(h) - T(0)) / h`.
fn finite_difference(
    s: &Scenario,
    backend: Backend,
    h: f64,
    perturb: impl Fn(&mut Scenario, f64),
) -> (f64, f64) {
    let at = |delta: f64| {
        let mut t = s.clone();
        perturb(&mut t, delta);
        solve(&t, backend, false).0
    };
    let (minus, zero, plus) = (at(-h), at(0.0), at(h));
    ((zero - minus) / h, (plus - zero) / h)
}

/// Asserts that the finite difference of `perturb` is two-sided equal (the scenario is not
/// degenerate there) and equals `want` (per unit of the step).
fn assert_finite_difference(
    s: &Scenario,
    backend: Backend,
    h: f64,
    want: f64,
    what: &str,
    perturb: impl Fn(&mut Scenario, f64),
) {
    let (left, right) = finite_difference(s, backend, h, perturb);
    let tol = 1e-4 * want.abs().max(1.0);
    assert!(
        (left - right).abs() <= tol,
        "{what} ({backend:?}): degenerate, left {left} right {right}"
    );
    assert!(
        (left - want).abs() <= tol && (right - want).abs() <= tol,
        "{what} ({backend:?}): price {want}, finite differences {left} / {right}"
    );
}

#[test]
fn capacity_as_a_bound_and_work_are_priced_by_the_cluster_that_takes_the_next_chip_hour() {
    // Cheap: 5 chips x 168 h = 840 chip-hours at $2, all used; the other 160 at $3 on dear.
    // One more chip-hour on cheap moves one from dear: -$1. One more chip-hour of work goes to
    // dear: +$3 per chip-hour of work. Each cluster has one workload, so its capacity is the
    // column's bound, not a row.
    let s = load(
        &[
            WEEK1,
            &h100("cheap", "gcp", "5", "per-use", 2.0, ""),
            &h100("dear", "azure", "10", "per-use", 3.0, ""),
            &training("job", 1000.0, ""),
        ]
        .concat(),
    );
    let y = pflop_per_chip_hour(&s, "job");
    for b in backends(&s) {
        let sens = prices(&s, b);
        assert_eq!(sens.basis, "lp");
        let cheap = |t: &Term| t.cluster.as_deref() == Some("cheap") && t.period == Some(1);
        assert_price(price(&sens, TermKind::Capacity, cheap), -1.0, "cheap");
        assert_price(price(&sens, TermKind::Work, any), 3.0 / y, "work");
        // dear has room to spare: its capacity does not bind.
        assert_eq!(sens.terms.len(), 2, "{b:?}: {:?}", sens.terms);
        assert_finite_difference(&s, b, 10.0, -1.0, "capacity", |s, d| {
            s.clusters[0].capacity[0] += d
        });
        assert_finite_difference(&s, b, 1.0, 3.0 / y, "work", |s, d| {
            if let Demand::Training { work_pflop } = &mut s.workloads[0].demand {
                *work_pflop += d;
            }
        });
    }
}

#[test]
fn a_capacity_row_shared_by_two_workloads_has_the_same_price() {
    // Two jobs of 500 chip-hours; cheap (840 at $2) is full, 160 go to dear at $3: cheap's
    // capacity row is worth -$1 per chip-hour, each job's work $3 per chip-hour of work.
    let s = load(
        &[
            WEEK1,
            &h100("cheap", "gcp", "5", "per-use", 2.0, ""),
            &h100("dear", "azure", "10", "per-use", 3.0, ""),
            &training("a", 500.0, ""),
            &training("b", 500.0, ""),
        ]
        .concat(),
    );
    let y = pflop_per_chip_hour(&s, "a");
    for b in backends(&s) {
        let sens = prices(&s, b);
        assert_price(price(&sens, TermKind::Capacity, any), -1.0, "cheap");
        for w in ["a", "b"] {
            let wl = |t: &Term| t.workload.as_deref() == Some(w);
            assert_price(price(&sens, TermKind::Work, wl), 3.0 / y, w);
        }
        assert_finite_difference(&s, b, 10.0, -1.0, "capacity row", |s, d| {
            s.clusters[0].capacity[0] += d
        });
    }
}

#[test]
fn a_spend_floor_is_worth_what_a_dollar_more_of_it_costs_net_of_the_work_it_moves() {
    // The contract cluster costs $3 (25% off $4), the other $2.50; floor $2,400. The plan puts
    // 800 chip-hours on the contract ($2,400: the floor exactly) and 200 on the other. A dollar
    // more of floor moves 1/3 chip-hour from $2.50 to $3: +$1 - $0.8333 = +$0.1667 per dollar.
    // A chip-hour more of work goes to the other cluster: $2.50.
    let floor = r#"
[[contracts.spend_floors]]
name = "2027"
start = "2027-01-01"
end = "2027-12-31"
floor_usd = 2400
"#;
    let s = load(
        &[
            WEEK1,
            &h100("aws-h100", "aws", "10", "per-use", 4.0, "contract = \"c\""),
            &h100("other", "gcp", "10", "per-use", 2.5, ""),
            &training("job", 1000.0, ""),
            &contract("c", "aws", 0.25, floor),
        ]
        .concat(),
    );
    let y = pflop_per_chip_hour(&s, "job");
    for b in backends(&s) {
        let sens = prices(&s, b);
        let spend = price(&sens, TermKind::SpendFloor, any);
        assert_price(spend, 1.0 - 2.5 / 3.0, "floor");
        assert_price(price(&sens, TermKind::Work, any), 2.5 / y, "work");
        assert_finite_difference(&s, b, 3.0, spend, "spend floor", |s, d| {
            s.contracts[0].spend_floors[0].floor_usd += d
        });
    }
}

#[test]
fn a_floor_no_plan_can_reach_costs_a_dollar_per_dollar() {
    // The contract cluster can spend at most 1,680 x $3 = $5,040; the floor is $9,000. Every
    // dollar more of it is a dollar more of shortfall.
    let floor = r#"
[[contracts.spend_floors]]
name = "2027"
start = "2027-01-01"
end = "2027-12-31"
floor_usd = 9000
"#;
    let s = load(
        &[
            WEEK1,
            &h100("aws-h100", "aws", "10", "per-use", 4.0, "contract = \"c\""),
            &training("job", 1000.0, ""),
            &contract("c", "aws", 0.25, floor),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let sens = prices(&s, b);
        assert_price(price(&sens, TermKind::SpendFloor, any), 1.0, "floor");
        assert_finite_difference(&s, b, 10.0, 1.0, "unreachable floor", |s, d| {
            s.contracts[0].spend_floors[0].floor_usd += d
        });
    }
}

#[test]
fn utilization_floors_soft_and_hard() {
    // Soft: reserved 10 chips = 1,680 chip-hours, floor 50% = 840, penalty $0.50; 500 of work:
    // 340 short. A chip-hour more of floor: +$0.50; a chip-hour more of work fills one: -$0.50.
    let soft = r#"
[[contracts.utilization_floors]]
cluster = "dedicated"
min_fraction = 0.5
penalty_usd_per_chip_hour = 0.5
"#;
    let s = load(
        &[
            WEEK1,
            &h100(
                "dedicated",
                "aws",
                "10",
                "reserved",
                1.0,
                "contract = \"c\"",
            ),
            &training("job", 500.0, ""),
            &contract("c", "aws", 0.0, soft),
        ]
        .concat(),
    );
    let y = pflop_per_chip_hour(&s, "job");
    for b in backends(&s) {
        let sens = prices(&s, b);
        let floor = price(&sens, TermKind::UtilizationFloor, any);
        assert_price(floor, 0.5, "soft floor");
        assert_price(price(&sens, TermKind::Work, any), -0.5 / y, "work");
        // The floor is a fraction of every period's capacity: d total / d fraction is the
        // price times 1,680 chip-hours.
        assert_finite_difference(&s, b, 0.01, floor * 1680.0, "soft floor", |s, d| {
            s.contracts[0].utilization_floors[0].min_fraction += d
        });
    }
    // Hard: per-use $3 on the contract with a 50% floor, $2 elsewhere, 1,000 of work: 840 on
    // the contract, 160 elsewhere. A chip-hour more of floor moves one from $2 to $3: +$1.
    let hard = r#"
[[contracts.utilization_floors]]
cluster = "aws-h100"
min_fraction = 0.5
"#;
    let s = load(
        &[
            WEEK1,
            &h100("aws-h100", "aws", "10", "per-use", 3.0, "contract = \"c\""),
            &h100("other", "gcp", "10", "per-use", 2.0, ""),
            &training("job", 1000.0, ""),
            &contract("c", "aws", 0.0, hard),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let sens = prices(&s, b);
        let floor = price(&sens, TermKind::UtilizationFloor, any);
        assert_price(floor, 1.0, "hard floor");
        assert_price(price(&sens, TermKind::Work, any), 2.0 / y, "work");
        assert_finite_difference(&s, b, 0.01, floor * 1680.0, "hard floor", |s, d| {
            s.contracts[0].utilization_floors[0].min_fraction += d
        });
    }
}

#[test]
fn demand_is_priced_by_serving_it_or_by_its_penalty() {
    // 2 units per chip-hour at $2 a chip-hour: serving costs $1 a unit. Must-serve: $1 a unit.
    // Soft at $0.50 a unit (cheaper than serving): all unmet, a unit more costs $0.50. Soft at
    // $1.50: all served, $1 a unit.
    let s = load(
        &[
            WEEK1,
            &h100("gpu", "gcp", "10", "per-use", 2.0, ""),
            &inference("must", 1000.0, "must_serve = true"),
            &inference("soft", 600.0, "unmet_penalty_usd = 0.5"),
            &inference("dearer", 400.0, "unmet_penalty_usd = 1.5"),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let sens = prices(&s, b);
        for (k, (w, want)) in [("must", 1.0), ("soft", 0.5), ("dearer", 1.0)]
            .into_iter()
            .enumerate()
        {
            let wl = |t: &Term| t.workload.as_deref() == Some(w) && t.period == Some(1);
            let got = price(&sens, TermKind::Demand, wl);
            assert_price(got, want, w);
            assert_finite_difference(&s, b, 2.0, want, w, |s, d| {
                if let Demand::Inference { demand, .. } = &mut s.workloads[k].demand {
                    demand[0] += d;
                }
            });
        }
    }
}

#[test]
fn max_chips_as_a_bound_and_as_a_row() {
    // Serving 1,000 units (2 per chip-hour, $2 a chip-hour, $3 a unit unmet) with at most 2
    // chips = 336 chip-hours: 672 served, 328 unmet. A chip-hour more under the limit serves 2
    // units more: -$6 + $2 = -$4. On one cluster the limit is the column's bound; on two it is
    // a row.
    for clusters in [1, 2] {
        let mut toml = WEEK1.to_string();
        toml += &h100("gpu", "gcp", "10", "per-use", 2.0, "");
        if clusters == 2 {
            toml += &h100("gpu2", "gcp", "10", "per-use", 2.0, "");
        }
        toml += &inference("svc", 1000.0, "unmet_penalty_usd = 3.0\nmax_chips = 2");
        let s = load(&toml);
        for b in backends(&s) {
            let sens = prices(&s, b);
            let limit = price(&sens, TermKind::MaxChips, any);
            assert_price(limit, -4.0, &format!("{clusters} cluster(s)"));
            assert_price(price(&sens, TermKind::Demand, any), 3.0, "unmet demand");
            // One chip more is 168 chip-hours more.
            assert_finite_difference(&s, b, 0.1, limit * 168.0, "max_chips", |s, d| {
                s.workloads[0].max_chips = s.workloads[0].max_chips.map(|m| m + d)
            });
        }
    }
}

#[test]
fn a_plan_with_dependencies_is_priced_with_its_dependency_decisions_fixed() {
    // Three weeks. pre (500 chip-hours) must finish before main (2,000) starts. The plan: pre
    // in week 1 on cheap ($2, 840 a week), main in weeks 2 and 3: 1,680 on cheap and 320 on
    // dear ($3). Whether pre is done by week 1 is an integer decision; with it fixed, a
    // chip-hour more of pre's work is done in week 1, where cheap has room: $2; of main's, on
    // dear: $3; a chip-hour more on cheap in week 2 moves one of main's off dear: -$1.
    let three_weeks = WEEK1.replace("periods = 1", "periods = 3");
    let s = load(
        &[
            three_weeks.as_str(),
            &h100("cheap", "gcp", "5", "per-use", 2.0, ""),
            &h100("dear", "azure", "10", "per-use", 3.0, ""),
            &training("pre", 500.0, ""),
            &training("main", 2000.0, "after = [\"pre\"]"),
        ]
        .concat(),
    );
    assert!(
        capplan::formulation::Formulation::build(&s, false)
            .lp
            .num_integers()
            > 0
    );
    let y = pflop_per_chip_hour(&s, "pre");
    for b in backends(&s) {
        let sens = prices(&s, b);
        assert_eq!(sens.basis, "lp_with_integers_fixed", "{b:?}");
        let cheap =
            |p: usize| move |t: &Term| t.cluster.as_deref() == Some("cheap") && t.period == Some(p);
        assert_price(price(&sens, TermKind::Capacity, cheap(1)), 0.0, "week 1");
        for p in [2, 3] {
            assert_price(
                price(&sens, TermKind::Capacity, cheap(p)),
                -1.0,
                "weeks 2-3",
            );
        }
        for (k, (w, want)) in [("pre", 2.0), ("main", 3.0)].into_iter().enumerate() {
            let wl = |t: &Term| t.workload.as_deref() == Some(w);
            assert_price(price(&sens, TermKind::Work, wl), want / y, w);
            assert_finite_difference(&s, b, 1.0, want / y, w, |s, d| {
                if let Demand::Training { work_pflop } = &mut s.workloads[k].demand {
                    *work_pflop += d;
                }
            });
        }
        assert_finite_difference(&s, b, 10.0, -1.0, "capacity week 2", |s, d| {
            s.clusters[0].capacity[1] += d
        });
    }
}

/// Checks the largest `n` prices of kinds a scenario field moves alone (spend floors, work,
/// demand, capacity of a per-use cluster without a utilization floor) against two-sided
/// finite differences; returns how many were not degenerate (and so checked).
fn check_against_finite_differences(s: &Scenario, b: Backend, n: usize) -> usize {
    let sens = prices(s, b);
    let mut checked = 0;
    for t in sens.terms.iter().take(n) {
        let Some((h, perturb)) = perturbation(s, t) else {
            continue;
        };
        let (left, right) = finite_difference(s, b, h, &perturb);
        let tol = 1e-3 * t.usd_per_unit.abs() + 1e-6 * 1e3 / h;
        if (left - right).abs() > tol {
            continue; // degenerate here: the price is one side's, or neither
        }
        assert!(
            (left - t.usd_per_unit).abs() <= tol && (right - t.usd_per_unit).abs() <= tol,
            "{b:?} {}: price {}, finite differences {left} / {right}",
            t.message,
            t.usd_per_unit
        );
        checked += 1;
    }
    checked
}

type Perturb = Box<dyn Fn(&mut Scenario, f64)>;

/// A step and the change of one scenario field that moves only term `t`'s right-hand side.
fn perturbation(s: &Scenario, t: &Term) -> Option<(f64, Perturb)> {
    let w = t.workload.as_deref().and_then(|id| s.workload_by_id(id));
    let p = t.period.map(|p| p - 1);
    match t.kind {
        TermKind::SpendFloor => {
            let k = s
                .contracts
                .iter()
                .position(|c| Some(&c.id) == t.contract.as_ref())?;
            let j = s.contracts[k]
                .spend_floors
                .iter()
                .position(|f| Some(&f.name) == t.floor.as_ref())?;
            let h = 1e-4 * s.contracts[k].spend_floors[j].floor_usd;
            Some((
                h,
                Box::new(move |s, d| s.contracts[k].spend_floors[j].floor_usd += d),
            ))
        }
        TermKind::Work => {
            let k = w?.0;
            let h = 1e-4 * s.workloads[k].work_pflop()?;
            Some((
                h,
                Box::new(move |s, d| {
                    if let Demand::Training { work_pflop } = &mut s.workloads[k].demand {
                        *work_pflop += d;
                    }
                }),
            ))
        }
        TermKind::Demand => {
            let (k, p) = (w?.0, p?);
            let Demand::Inference { demand, .. } = &s.workloads[k].demand else {
                return None;
            };
            Some((
                1e-4 * demand[p],
                Box::new(move |s, d| {
                    if let Demand::Inference { demand, .. } = &mut s.workloads[k].demand {
                        demand[p] += d;
                    }
                }),
            ))
        }
        TermKind::Capacity => {
            let c = s
                .clusters
                .iter()
                .position(|c| Some(&c.id) == t.cluster.as_ref())?;
            let floored = s
                .contracts
                .iter()
                .any(|k| k.utilization_floors.iter().any(|u| u.cluster.0 == c));
            let per_use = s.clusters[c].billing == capplan::schema::Billing::PerUse;
            if floored || !per_use {
                return None; // more capacity there moves a floor or a fee too
            }
            let p = p?;
            let h = 1e-4 * s.clusters[c].capacity[p];
            Some((h, Box::new(move |s, d| s.clusters[c].capacity[p] += d)))
        }
        TermKind::UtilizationFloor | TermKind::MaxChips => None,
    }
}

#[test]
fn generated_scenarios_prices_equal_finite_differences_where_not_degenerate() {
    let mut checked = 0;
    for seed in [3, 7, 11] {
        let text = capplan::generate::generate(&capplan::generate::GenerateOptions {
            workloads: 12,
            clusters: 5,
            periods: 4,
            seed,
            edges: 0,
        })
        .unwrap();
        let s = Scenario::from_toml(&text, std::path::Path::new("generated.toml")).unwrap();
        for b in backends(&s) {
            checked += check_against_finite_differences(&s, b, 12);
        }
    }
    // Most terms of these scenarios are not degenerate: the check must have bitten.
    assert!(checked >= 10, "only {checked} prices checked");
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_command_line_shows_what_binds_and_writes_the_prices_to_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    let o = common::capplan(&[
        "plan",
        "models/tutorial.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let text = stdout(&o);
    let what = text
        .split("What binds")
        .nth(1)
        .expect("a What binds section");
    assert!(
        what.contains("utilization_floor  trn2-dedicated, week 1"),
        "{what}"
    );
    assert!(what.contains("would raise the total by $1.00"), "{what}");
    // plan.json: a top-level section, every term, largest first.
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let sens = &doc["sensitivity"];
    assert_eq!(sens["basis"], "lp");
    let terms = sens["terms"].as_array().unwrap();
    assert!(!terms.is_empty());
    let values: Vec<f64> = terms
        .iter()
        .map(|t| t["usd_per_unit"].as_f64().unwrap())
        .collect();
    assert!(
        values.windows(2).all(|w| w[0].abs() >= w[1].abs()),
        "{values:?}"
    );
    // sensitivity.csv: the same terms, in the same order.
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("rank,kind,cluster,contract,floor,workload"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), terms.len());
    for (row, t) in rows.iter().zip(terms) {
        assert!(row.contains(t["kind"].as_str().unwrap()), "{row}");
        let v: f64 = row.split(',').nth(7).unwrap().parse().unwrap();
        assert_eq!(v, t["usd_per_unit"].as_f64().unwrap());
    }
    // --sensitivity off: no section, no prices file (a previous run's is removed).
    let o = common::capplan(&[
        "plan",
        "models/tutorial.toml",
        "--sensitivity",
        "off",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(common::code(&o), 0);
    assert!(!stdout(&o).contains("What binds"));
    assert!(!out.join("sensitivity.csv").exists());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    // Every key of the document is always written (docs/json.md): null without prices.
    assert!(doc["sensitivity"].is_null());
}

#[test]
fn a_plan_with_dependencies_says_its_prices_are_those_of_the_fixed_lp() {
    let o = common::capplan(&[
        "plan",
        "models/aws-frontier-2027q1.toml",
        "--format",
        "json",
    ]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["sensitivity"]["basis"], "lp_with_integers_fixed");
    assert!(doc["sensitivity"]["note"]
        .as_str()
        .unwrap()
        .contains("dependency decisions"));
    let o = common::capplan(&[
        "plan",
        "models/aws-frontier-2027q1.toml",
        "--sensitivity",
        "all",
    ]);
    let text = stdout(&o);
    let what = text.split("What binds").nth(1).expect("section");
    assert!(
        what.contains("with the dependency decisions fixed at the plan's"),
        "{what}"
    );
    let n = doc["sensitivity"]["terms"].as_array().unwrap().len();
    assert!(n > 10);
    assert!(
        what.contains(&format!("{n} of {n} binding term(s)")),
        "{what}"
    );
    // The default shows the largest ten.
    let o = common::capplan(&["plan", "models/aws-frontier-2027q1.toml"]);
    assert!(stdout(&o).contains(&format!("10 of {n} binding term(s), --sensitivity all")));
}

#[test]
fn sweep_rows_name_the_top_three_binding_terms_of_their_plan() {
    let o = common::capplan(&[
        "sweep",
        "models/tutorial.toml",
        "--vary",
        "clusters.trn2-dedicated.chips=32,64",
        "--format",
        "json",
    ]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (row, chips) in doc["rows"].as_array().unwrap().iter().zip(["32", "64"]) {
        let top = row["top_binding"]
            .as_str()
            .expect("a plan's row has its prices");
        let set = format!("clusters.trn2-dedicated.chips={chips}");
        let p = common::capplan(&[
            "plan",
            "models/tutorial.toml",
            "--set",
            &set,
            "--format",
            "json",
        ]);
        let plan: serde_json::Value = serde_json::from_slice(&p.stdout).unwrap();
        let terms = plan["sensitivity"]["terms"].as_array().unwrap();
        let parts: Vec<&str> = top.split("; ").collect();
        assert_eq!(parts.len(), terms.len().min(3), "{top}");
        for (part, t) in parts.iter().zip(terms) {
            assert!(
                part.starts_with(t["kind"].as_str().unwrap()),
                "{part} vs {t}"
            );
            let unit = format!("/{}", t["unit"].as_str().unwrap());
            assert!(part.ends_with(&unit), "{part} vs {t}");
        }
    }
    // The CSV has the column, before the message.
    let o = common::capplan(&[
        "sweep",
        "models/tutorial.toml",
        "--vary",
        "clusters.trn2-dedicated.chips=32",
        "--format",
        "csv",
    ]);
    let header = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(header.ends_with(",top_binding,message"), "{header}");
}
