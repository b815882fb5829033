//! Small models whose optimal cost is worked out by hand, solved with every backend compiled in.
//!
//! All runs use H100 clusters and give work as H100 chip-hours, so one chip-hour of work is one
//! chip-hour of allocation. A week is 168 hours, so 10 chips give 1,680 chip-hours a week.

mod common;

use common::{assert_usd, backends, chip_hours, load, plan_with};

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

#[test]
fn cheapest_cluster_is_used_first() {
    // 1,000 chip-hours fit on either cluster: all on the $2 one = $2,000.
    let s = load(
        &[
            WEEK1,
            &h100("cheap", "gcp", "10", "per-use", 2.0, ""),
            &h100("dear", "azure", "10", "per-use", 3.0, ""),
            &training("job", 1000.0, ""),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 2_000.0, &format!("{b:?}"));
        assert_usd(chip_hours(&a, "job", Some("cheap")), 1000.0, "on cheap");
    }
}

#[test]
fn reserved_capacity_is_sunk_so_work_goes_there_first() {
    // Reserved: 10 chips x 168 h x $5 = $8,400 whatever happens. Per-use at $1 would add
    // $1,000; on the reserved cluster the work adds nothing. Optimum $8,400, all on reserved.
    let s = load(
        &[
            WEEK1,
            &h100("dedicated", "aws", "10", "reserved", 5.0, ""),
            &h100("spot", "gcp", "10", "per-use", 1.0, ""),
            &training("job", 1000.0, ""),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 8_400.0, &format!("{b:?}"));
        assert_usd(a.costs.reserved_idle_usd, 680.0 * 5.0, "idle");
        assert_usd(
            chip_hours(&a, "job", Some("dedicated")),
            1000.0,
            "on reserved",
        );
    }
}

#[test]
fn work_spills_to_the_pricier_cluster_when_the_cheap_one_is_full() {
    // Cheap: 5 chips x 168 h = 840 chip-hours at $2 = $1,680; the other 160 at $3 = $480.
    // Optimum $2,160.
    let s = load(
        &[
            WEEK1,
            &h100("cheap", "gcp", "5", "per-use", 2.0, ""),
            &h100("dear", "azure", "10", "per-use", 3.0, ""),
            &training("job", 1000.0, ""),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 2_160.0, &format!("{b:?}"));
        assert_usd(chip_hours(&a, "job", Some("dear")), 160.0, "spill");
    }
}

#[test]
fn take_or_pay_floor_makes_contract_capacity_free_up_to_the_floor() {
    // Contract cluster: $4 public, 25% off = $3. Other provider: $2.50. Floor $2,400 in 2027.
    // With x chip-hours on the contract cluster the bill is max(3x, 2400) + 2.5 (1000 - x):
    // falling until 3x = 2400 (x = 800), rising after. x = 800: $2,400 + $500 = $2,900.
    // (All on the cheap cluster: $2,500 + $2,400 billed shortfall = $4,900.)
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
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 2_900.0, &format!("{b:?}"));
        assert_usd(
            chip_hours(&a, "job", Some("aws-h100")),
            800.0,
            "up to the floor",
        );
        assert!(a.spend_floors[0].met, "{b:?}: {:?}", a.spend_floors);
    }
}

#[test]
fn soft_utilization_floor_bills_its_penalty() {
    // Reserved 10 chips x 168 h = 1,680 chip-hours at $1 = $1,680. Floor 50% = 840 chip-hours;
    // only 500 of work: 340 short x $0.50 = $170. Optimum $1,850.
    let util = r#"
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
            &contract("c", "aws", 0.0, util),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 1_850.0, &format!("{b:?}"));
        assert_usd(a.costs.utilization_penalty_usd, 170.0, "penalty");
    }
}

#[test]
fn must_serve_demand_is_served_and_cheap_penalties_leave_demand_unmet() {
    // 2 units per chip-hour at $2/chip-hour: serving costs $1 a unit.
    // must: 1,000 units -> 500 chip-hours = $1,000.
    // soft: 600 units, penalty $0.50 < $1 -> none served, $300 penalty.
    // dearer: 400 units, penalty $1.50 > $1 -> all served, 200 chip-hours = $400.
    // Optimum $1,700.
    let inference = |id: &str, demand: f64, extra: &str| {
        format!(
            r#"
[[workloads]]
id = "{id}"
kind = "inference"
demand = {demand}
throughput = {{ h100 = 2.0 }}
{extra}
"#
        )
    };
    let s = load(
        &[
            WEEK1,
            &h100("pool", "gcp", "10", "per-use", 2.0, ""),
            &inference("must", 1000.0, "must_serve = true"),
            &inference("soft", 600.0, "unmet_penalty_usd = 0.5"),
            &inference("dearer", 400.0, "unmet_penalty_usd = 1.5"),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 1_700.0, &format!("{b:?}"));
        assert_usd(a.costs.unmet_penalty_usd, 300.0, "penalty");
        assert_usd(chip_hours(&a, "must", None), 500.0, "must");
        assert_usd(chip_hours(&a, "soft", None), 0.0, "soft");
        assert_usd(chip_hours(&a, "dearer", None), 200.0, "dearer");
    }
}

#[test]
fn successor_starts_only_after_the_predecessors_finishing_period() {
    // Three weeks. "cheap" ($1) has 10 chips in week 1 only; "dear" ($3) has 10 every week.
    // Without the dependency both 1,000-chip-hour jobs would share week 1 on cheap
    // (1,680 x $1 + 320 x $3 = $2,640). With `after`, "second" may not run in the period in
    // which "first" finishes: "first" takes cheap week 1 ($1,000) and "second" runs in weeks 2-3
    // on dear ($3,000). Optimum $4,000. An LP relaxation could cheat here; the MILP cannot.
    let horizon = WEEK1.replace("periods = 1", "periods = 3");
    let s = load(
        &[
            horizon.as_str(),
            &h100("cheap", "gcp", "[10, 0, 0]", "per-use", 1.0, ""),
            &h100("dear", "azure", "10", "per-use", 3.0, ""),
            &training("first", 1000.0, ""),
            &training("second", 1000.0, "after = [\"first\"]"),
        ]
        .concat(),
    );
    assert!(s.has_dependencies());
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 4_000.0, &format!("{b:?}"));
        let finish = a
            .training
            .iter()
            .find(|t| t.workload == "first")
            .and_then(|t| t.finish_period)
            .expect("first finishes");
        assert_eq!(finish, 1, "{b:?}");
        for r in a.schedule.iter().filter(|r| r.workload == "second") {
            assert!(
                r.period > finish,
                "{b:?}: second ran in period {}",
                r.period
            );
        }
    }
}

#[test]
fn placement_rule_forces_a_large_run_onto_the_pricier_provider() {
    // Runs above 1,000 B parameters must run on aws ($6.88); the 70 B run may use gcp ($2).
    // big: 1,000 x $6.88 = $6,880; small: 1,000 x $2 = $2,000. Optimum $8,880.
    let rule = r#"
[[contracts.placement]]
min_params_billion = 1000
"#;
    let s = load(
        &[
            WEEK1,
            &h100("aws-h100", "aws", "10", "per-use", 6.88, "contract = \"c\""),
            &h100("gcp-h100", "gcp", "10", "per-use", 2.0, ""),
            &training("big", 1000.0, "params_billion = 2000"),
            &training("small", 1000.0, "params_billion = 70"),
            &contract("c", "aws", 0.0, rule),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 8_880.0, &format!("{b:?}"));
        assert_usd(
            chip_hours(&a, "big", Some("aws-h100")),
            1000.0,
            "big on aws",
        );
        assert_usd(
            chip_hours(&a, "small", Some("gcp-h100")),
            1000.0,
            "small on gcp",
        );
    }
}

#[test]
fn revenue_share_pushes_inference_off_the_contract_provider() {
    // 2 units per chip-hour; revenue $0.50 a unit, half owed on the contract's clusters:
    // aws costs $1 + 2 x 0.5 x $0.50 = $1.50 per chip-hour, azure $1.20 (2 chips = 336 chip-h).
    // 1,000 units = 500 chip-hours: 336 on azure = $403.20; 164 on aws = $164 + 328 units x
    // $0.25 share = $82. Optimum $649.20.
    let s = load(
        &[
            WEEK1,
            &h100("aws-h100", "aws", "10", "per-use", 1.0, "contract = \"c\""),
            &h100("azure-h100", "azure", "2", "per-use", 1.2, ""),
            r#"
[[workloads]]
id = "chat"
kind = "inference"
demand = 1000
throughput = { h100 = 2.0 }
revenue_usd_per_unit = 0.5
"#,
            &contract("c", "aws", 0.0, "inference_revenue_share = 0.5"),
        ]
        .concat(),
    );
    for b in backends(&s) {
        let a = plan_with(&s, b);
        assert_usd(a.costs.total_usd, 649.2, &format!("{b:?}"));
        assert_usd(a.costs.revenue_share_usd, 82.0, "share");
        assert_usd(
            chip_hours(&a, "chat", Some("azure-h100")),
            336.0,
            "azure full",
        );
    }
}
