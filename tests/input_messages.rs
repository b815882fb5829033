//! Messages about bad input that tell the user what to write (issue 8): documented spellings,
//! per-period forms, every problem in one run at its own line with the nearest valid spelling.
//! Each case runs the real binary (`capplan validate`, exit 2 on bad input) and the library.

use std::path::Path;
use std::process::Command;

use capplan::error::LoadError;
use capplan::model::Scenario;

const BASE: &str = r#"[horizon]
start = "2027-01-04"
period = "week"
periods = 2

[[clusters]]
id = "pool"
provider = "gcp"
chip = "h100"
chips = 10
billing = "per-use"
usd_per_chip_hour = 2.0
price_basis = "on-demand"
"#;

/// Runs `capplan validate` on `text` saved as `<name>.toml`; returns (exit code, stdout, stderr).
fn validate(name: &str, text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The binary's message for a refused file (exit 2), checked to name the file.
#[track_caller]
fn refused(name: &str, text: &str) -> String {
    let (code, _, err) = validate(name, text);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{name}.toml")),
        "file not named: {err}"
    );
    err
}

/// The binary accepts the file (exit 0).
#[track_caller]
fn accepted(name: &str, text: &str) {
    let (code, out, err) = validate(name, text);
    assert_eq!(code, 0, "{out}\n{err}");
}

fn with_workload(w: &str) -> String {
    format!("{BASE}\n[[workloads]]\nid = \"a\"\n{w}")
}

#[test]
fn documented_reserved_price_bases_are_accepted() {
    for basis in ["reserved-1yr", "reserved-3yr"] {
        let text = BASE.replace(
            "price_basis = \"on-demand\"",
            &format!("price_basis = \"{basis}\"\ncontract = \"c\""),
        ) + &format!(
            "\n[[contracts]]\nid = \"c\"\nprovider = \"gcp\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\ndiscount = 0.1\nbaseline = \"{basis}\"\n"
        );
        accepted(basis, &text);
        let s = Scenario::from_toml(&text, Path::new("t")).unwrap();
        assert_eq!(s.clusters[0].price_basis.as_str(), basis);
        assert_eq!(s.contracts[0].baseline.as_str(), basis);
    }
    // The old undocumented spelling keeps working (files written for earlier versions).
    let old = BASE.replace("\"on-demand\"", "\"reserved3yr\"");
    let s = Scenario::from_toml(&old, Path::new("t")).unwrap();
    assert_eq!(s.clusters[0].price_basis.as_str(), "reserved-3yr");
    // An unknown basis lists the documented spellings.
    let err = refused("basis", &BASE.replace("\"on-demand\"", "\"reserved-2yr\""));
    assert!(
        err.contains("`reserved-1yr`") && err.contains("`reserved-3yr`"),
        "{err}"
    );
}

#[test]
fn a_price_basis_other_than_the_contracts_baseline_reads_as_english() {
    let text = BASE.replace(
        "price_basis = \"on-demand\"",
        "price_basis = \"on-demand\"\ncontract = \"c\"",
    ) + "\n[[contracts]]\nid = \"c\"\nprovider = \"gcp\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\ndiscount = 0.1\nbaseline = \"reserved-1yr\"\n";
    let err = refused("an_on_demand", &text);
    assert!(
        err.contains("quotes an on-demand rate but contract \"c\" discounts the reserved-1yr rate"),
        "{err}"
    );
    let text = text
        .replace("\"on-demand\"", "\"reserved-3yr\"")
        .replace("baseline = \"reserved-1yr\"", "baseline = \"on-demand\"");
    let err = refused("a_reserved", &text);
    assert!(
        err.contains("quotes a reserved-3yr rate but contract \"c\" discounts the on-demand rate"),
        "{err}"
    );
}

#[test]
fn a_ramps_computed_value_is_shown_as_written_not_with_float_noise() {
    // 0.5 + (-0.1 - 0.5) * 6 / 6 is -0.09999999999999998 in floating point.
    let text = BASE
        .replace("periods = 2", "periods = 7")
        .replace("chips = 10", "chips = { from = 0.5, to = -0.1 }");
    let err = refused("ramp", &text);
    assert!(
        err.contains("clusters[0].chips: chips available in period 7 is -0.1\n"),
        "{err}"
    );
    let text = BASE
        .replace("periods = 2", "periods = 4")
        .replace("chips = 10", "chips = { from = 0.7, to = -0.2 }");
    let err = refused("ramp2", &text);
    assert!(err.contains("in period 4 is -0.2\n"), "{err}");
}

#[test]
fn per_period_value_of_the_wrong_form_names_the_forms_and_what_was_found() {
    let err = refused(
        "demand_string",
        &with_workload("kind = \"inference\"\ndemand = \"5M\"\nthroughput = { h100 = 1.0 }\n"),
    );
    assert!(!err.contains("untagged"), "{err}");
    assert!(err.contains("string \"5M\""), "{err}");
    assert!(
        err.contains("a number, a list of one number per period, or { from = A, to = B }"),
        "{err}"
    );
    // Line 18 is the `demand` line.
    assert!(err.contains("line 18, column 10"), "{err}");
    let err = refused("chips_bool", &BASE.replace("chips = 10", "chips = true"));
    assert!(
        err.contains("boolean `true`") && err.contains("{ from = A, to = B }"),
        "{err}"
    );
    let err = refused(
        "list_string",
        &BASE.replace("chips = 10", "chips = [10, \"x\"]"),
    );
    assert!(err.contains("string \"x\", expected a number"), "{err}");
}

#[test]
fn unknown_key_in_a_ramp_is_refused() {
    let err = refused(
        "ramp_step",
        &BASE.replace("chips = 10", "chips = { from = 1, to = 10, step = 2 }"),
    );
    assert!(err.contains("unknown field `step`"), "{err}");
    assert!(err.contains("`from`") && err.contains("`to`"), "{err}");
    let err = refused(
        "ramp_half",
        &BASE.replace("chips = 10", "chips = { from = 1 }"),
    );
    assert!(err.contains("missing field `to`"), "{err}");
    // A complete ramp still works: 1 chip in week 1, 10 in week 2.
    let s = Scenario::from_toml(
        &BASE.replace("chips = 10", "chips = { from = 1, to = 10 }"),
        Path::new("t"),
    )
    .unwrap();
    assert_eq!(s.clusters[0].chips, vec![1.0, 10.0]);
}

#[test]
fn period_of_the_wrong_form_names_the_forms_and_what_was_found() {
    let err = refused(
        "deadline_float",
        &with_workload("kind = \"post-training\"\nwork_pflop = 100\ndeadline = 1.5\n"),
    );
    assert!(!err.contains("untagged"), "{err}");
    assert!(
        err.contains("floating point `1.5`")
            && err.contains("a period number (1 is the first) or a date \"YYYY-MM-DD\""),
        "{err}"
    );
    // An unquoted TOML date is a date too: 2027-01-12 is in week 2.
    let s = Scenario::from_toml(
        &with_workload("kind = \"post-training\"\nwork_pflop = 100\ndeadline = 2027-01-12\n"),
        Path::new("t"),
    )
    .unwrap();
    assert_eq!(s.workloads[0].deadline, 1);
    assert!(matches!(
        Scenario::from_toml(
            &with_workload("kind = \"post-training\"\nwork_pflop = 100\ndeadline = {}\n"),
            Path::new("t"),
        ),
        Err(LoadError::Syntax { .. })
    ));
}

#[test]
fn two_typos_and_a_misspelt_kind_in_one_run_with_the_nearest_spelling() {
    let text = format!(
        "{BASE}\n[[workloads]]\nid = \"a\"\nkind = \"post-trainig\"\nwork_pflop = 100\nmaxchips = 4\n\n[[workloads]]\nid = \"b\"\nkind = \"evaluation\"\nwork_pflop = 100\ndeadlne = 2\n"
    );
    let err = refused("typos", &text);
    assert!(err.contains("3 problems found"), "{err}");
    for (line, says, help) in [
        (
            17,
            "unknown variant `post-trainig`",
            "did you mean `post-training`?",
        ),
        (19, "unknown field `maxchips`", "did you mean `max_chips`?"),
        (25, "unknown field `deadlne`", "did you mean `deadline`?"),
    ] {
        let at = err
            .find(&format!("at line {line}, column"))
            .unwrap_or_else(|| panic!("nothing at line {line}: {err}"));
        let block = &err[at..];
        let block = &block[..block[1..]
            .find("TOML parse error")
            .map_or(block.len(), |i| i + 1)];
        assert!(block.contains(says) && block.contains(help), "{block}");
    }
}

#[test]
fn rule_problems_are_placed_at_the_field_not_the_id() {
    // The issue's case: the `deadline` six lines below the entry's `id` is reported at its own
    // line (22), the unknown chip at the `chips` line (21).
    let text = format!(
        "{BASE}\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\nrelease = 2\nmax_chips = 8\nchips = [\"h100\", \"h1000\"]\ndeadline = 1\n"
    );
    let err = refused("places", &text);
    assert!(err.contains("2 problems found"), "{err}");
    assert!(
        err.contains("line 22, column 12: workloads[0].deadline: workload \"a\": deadline (period 1) is before release (period 2)"),
        "{err}"
    );
    assert!(
        err.contains("line 21, column 18: workloads[0].chips[1]: unknown chip \"h1000\""),
        "{err}"
    );
}

/// The problems of a refused file, through the library (and the binary: exit 2, each printed).
fn problems(name: &str, text: &str) -> Vec<capplan::error::Problem> {
    let err = refused(name, text);
    match Scenario::from_toml(text, Path::new(name)) {
        Err(LoadError::Invalid { problems, .. }) => {
            for p in &problems {
                assert!(err.contains(&p.message), "not printed: {p:?}\n{err}");
            }
            problems
        }
        other => panic!("expected rule problems, got {other:?}"),
    }
}

#[test]
fn a_missing_contract_or_cluster_says_how_to_define_one() {
    let text = BASE.replace(
        "price_basis = \"on-demand\"",
        "price_basis = \"on-demand\"\ncontract = \"acme\"",
    );
    let ps = problems("no_contract", &text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert!(!ps[0].help.contains("none defined"), "{:?}", ps[0]);
    assert!(
        ps[0]
            .help
            .contains("add a [[contracts]] table with id = \"acme\""),
        "{:?}",
        ps[0]
    );
    // With a contract defined, the ids to choose from.
    let text = text.replace("\"acme\"", "\"acm\"")
        + "\n[[contracts]]\nid = \"acme\"\nprovider = \"gcp\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nbaseline = \"on-demand\"\n\n[[contracts.utilization_floors]]\ncluster = \"pol\"\nmin_fraction = 0.5\n";
    let ps = problems("wrong_contract", &text);
    let help = |path: &str| {
        ps.iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("{path}: {ps:#?}"))
            .help
            .clone()
    };
    assert_eq!(help("clusters[0].contract"), "use one of \"acme\"");
    assert_eq!(
        help("contracts[0].utilization_floors[0].cluster"),
        "use one of \"pool\""
    );
    let no_cluster = "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 2\n\n[[contracts]]\nid = \"c\"\nprovider = \"gcp\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nbaseline = \"on-demand\"\n\n[[contracts.utilization_floors]]\ncluster = \"pool\"\nmin_fraction = 0.5\n";
    let ps = problems("no_cluster", no_cluster);
    assert!(
        ps[0]
            .help
            .contains("add a [[clusters]] table with id = \"pool\""),
        "{ps:#?}"
    );
}

#[test]
fn negative_reference_chip_hours_are_reported_as_written() {
    let ps = problems(
        "chip_hours",
        &with_workload(
            "kind = \"post-training\"\nwork_chip_hours = { chip = \"h100\", chip_hours = -5 }\n",
        ),
    );
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].path, "workloads[0].work_chip_hours.chip_hours");
    assert_eq!(ps[0].message, "work is -5 chip-hours");
    // Line 18, at the inline table's `chip_hours` value.
    assert_eq!((ps[0].line, ps[0].column), (Some(18), Some(49)));
}

#[test]
fn ids_that_check_would_refuse_are_refused_at_validation() {
    let text = with_workload("kind = \"post-training\"\nwork_pflop = 100\n")
        .replace("id = \"a\"", "id = \"a \"")
        .replace("id = \"pool\"", "id = \"po\\tol\"");
    let ps = problems("ids", &text);
    assert_eq!(ps.len(), 2, "{ps:#?}");
    let w = ps.iter().find(|p| p.path == "workloads[0].id").unwrap();
    assert_eq!(w.message, "id \"a \" starts or ends with whitespace");
    assert!(w.help.starts_with("write it as \"a\""), "{w:?}");
    assert_eq!(w.line, Some(16));
    let c = ps.iter().find(|p| p.path == "clusters[0].id").unwrap();
    assert!(c.message.contains("control character"), "{c:?}");
    assert!(c.help.starts_with("write it as \"pool\""), "{c:?}");
    let chip = BASE.to_string()
        + "\n[[chips]]\nid = \" x1\"\nfamily = \"gpu\"\nbf16_tflops = 100\nsource = \"assumption\"\n";
    let ps = problems("chip_id", &chip);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].path, "chips[0].id");
    assert_eq!(ps[0].line, Some(16));
}

#[test]
fn magnitudes_no_fleet_has_are_refused_with_the_range() {
    let text = with_workload(
        "kind = \"inference\"\ndemand = [1e16, 5]\nthroughput = { h100 = 1e308 }\nunmet_penalty_usd = 1e7\n",
    )
    .replace("chips = 10", "chips = { from = 1, to = 2e7 }")
    .replace("usd_per_chip_hour = 2.0", "usd_per_chip_hour = 1e308")
        + "\n[[workloads]]\nid = \"b\"\nkind = \"pre-training\"\nwork_pflop = 2e12\n"
        + "\n[[workloads]]\nid = \"c\"\nkind = \"pre-training\"\nwork_chip_hours = { chip = \"h100\", chip_hours = 1e12 }\n"
        + "\n[[chips]]\nid = \"x\"\nfamily = \"gpu\"\nbf16_tflops = 1e308\nsource = \"assumption\"\n"
        + "\n[[contracts]]\nid = \"k\"\nprovider = \"gcp\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nbaseline = \"on-demand\"\n\n[[contracts.spend_floors]]\nname = \"2027\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nfloor_usd = 2e13\n";
    let ps = problems("huge", &text);
    let find = |path: &str| {
        ps.iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("nothing at {path}: {ps:#?}"))
    };
    for (path, says, max) in [
        ("clusters[0].chips.to", "20000000 chips", "10,000,000 chips"),
        ("clusters[0].usd_per_chip_hour", "1.0e308 USD", "10,000 USD"),
        (
            "workloads[0].demand[0]",
            "demand in period 1 is 1.0e16 units",
            "1.000e15 units",
        ),
        (
            "workloads[0].throughput.h100",
            "1.0e308 units per chip-hour",
            "1,000,000,000 units",
        ),
        (
            "workloads[0].unmet_penalty_usd",
            "10000000 USD per unit",
            "1,000,000 USD",
        ),
        (
            "workloads[1].work_pflop",
            "2000000000000 PFLOP",
            "1,000,000,000,000 PFLOP",
        ),
        (
            "workloads[2].work_chip_hours.chip_hours",
            "1000000000000 chip-hours",
            "100,000,000,000 chip-hours",
        ),
        ("chips[0].bf16_tflops", "1.0e308 TFLOPS", "1,000,000 TFLOPS"),
        (
            "contracts[0].spend_floors[0].floor_usd",
            "20000000000000 USD",
            "10,000,000,000,000 USD",
        ),
    ] {
        let p = find(path);
        assert!(p.message.contains(says), "{p:?}");
        assert!(p.help.contains(&format!("give at most {max}")), "{p:?}");
        assert!(p.line.is_some(), "{p:?}");
    }
    // Lines: the ramp's `to` on the `chips` line (10), the demand list's first entry (18).
    assert_eq!(find("clusters[0].chips.to").line, Some(10));
    assert_eq!(find("workloads[0].demand[0]").line, Some(18));
    // No figure is printed with hundreds of digits.
    let err = refused("huge", &text);
    assert!(!err.contains("0000000000000000000000"), "{err}");
    // The ceilings themselves are accepted (the range is inclusive).
    let at_limit = with_workload("kind = \"pre-training\"\nwork_pflop = 1e12\n")
        .replace("chips = 10", "chips = 1e7")
        .replace("usd_per_chip_hour = 2.0", "usd_per_chip_hour = 1e4");
    Scenario::from_toml(&at_limit, Path::new("t")).unwrap();
}

#[test]
fn negative_huge_numbers_are_printed_compactly() {
    let ps = problems(
        "neg_huge",
        &BASE.replace("usd_per_chip_hour = 2.0", "usd_per_chip_hour = -1e308"),
    );
    assert_eq!(ps[0].message, "the rate is -1.0e308");
}

#[test]
fn a_typo_and_a_rule_problem_are_reported_in_the_same_run() {
    // `maxchips` is unknown (format); `work_pflop = -1` breaks a rule: both, each at its line.
    let text = with_workload("kind = \"post-training\"\nwork_pflop = -1\nmaxchips = 4\n");
    let err = refused("mixed", &text);
    assert!(err.contains("2 problems found"), "{err}");
    assert!(
        err.contains("line 19, column 1") && err.contains("did you mean `max_chips`?"),
        "{err}"
    );
    assert!(
        err.contains("line 18, column 14: workloads[0].work_pflop: work is -1 PFLOP"),
        "{err}"
    );
    // A bad value of a known field is not replaced by its default to check the rules: only the
    // format problem is reported (the rules are checked once it is corrected).
    let text = with_workload("kind = \"post-training\"\nwork_pflop = -1\nmax_chips = \"4\"\n");
    let err = refused("bad_value", &text);
    assert!(err.contains("invalid type: string \"4\""), "{err}");
    assert!(!err.contains("work is -1"), "{err}");
}
