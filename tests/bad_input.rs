//! Bad input: every case gives a clear error naming the file, the place (line and column, and
//! the path inside the file) and a fix, through the library and through the binary (exit 2).

mod common;

use std::path::Path;
use std::process::Command;

use capplan::error::{LoadError, Problem};
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
// Line 16 of BASE + a workload is the workload's `id` line.

fn with_workloads(ws: &str) -> String {
    format!("{BASE}{ws}")
}

/// Runs the binary on `text` saved as `<name>.toml`; returns (exit code, stderr).
fn through_binary(name: &str, text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.contains(&format!("{name}.toml")),
        "file not named: {err}"
    );
    (o.status.code().unwrap(), err)
}

/// The problems of an invalid file (panics on any other outcome).
fn problems(name: &str, text: &str) -> Vec<Problem> {
    let (code, err) = through_binary(name, text);
    assert_eq!(code, 2, "{err}");
    match Scenario::from_toml(text, Path::new(name)) {
        Err(LoadError::Invalid { file, problems }) => {
            assert_eq!(file, Path::new(name));
            for p in &problems {
                assert!(!p.help.is_empty(), "no fix for {p:?}");
                assert!(
                    err.contains(&p.message),
                    "binary did not print {p:?}:\n{err}"
                );
            }
            problems
        }
        Err(e) => panic!("expected invalid content, got: {e}"),
        Ok(_) => panic!("{name}: accepted"),
    }
}

/// The one problem at `path`, checked for line, message words and help words.
#[track_caller]
fn expect(ps: &[Problem], path: &str, line: Option<usize>, says: &[&str], help: &str) {
    let p = ps
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no problem at {path}: {ps:#?}"));
    assert_eq!(p.line, line, "{p:?}");
    if line.is_some() {
        assert!(p.column.is_some(), "{p:?}");
    }
    for s in says {
        assert!(p.message.contains(s), "{:?} lacks {s:?}", p.message);
    }
    assert!(p.help.contains(help), "{:?} lacks {help:?}", p.help);
}

/// A syntax or format error from the toml crate: file, line, column, caret.
fn syntax(name: &str, text: &str) -> String {
    let (code, err) = through_binary(name, text);
    assert_eq!(code, 2, "{err}");
    match Scenario::from_toml(text, Path::new(name)) {
        Err(e @ LoadError::Syntax { .. }) => e.to_string(),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn syntax_error_gives_line_column_and_caret() {
    let e = syntax("syntax", "[horizon\nstart = 1\n");
    assert!(e.starts_with("syntax: "), "{e}");
    assert!(e.contains("line 1, column 9") && e.contains('^'), "{e}");
    assert!(e.contains("expected `]`"), "{e}");
}

#[test]
fn unknown_field_names_it_and_lists_the_known_ones() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\ncolour = \"red\"\n",
    );
    let e = syntax("unknown_field", &text);
    assert!(e.contains("line 19, column 1"), "{e}");
    assert!(
        e.contains("unknown field `colour`") && e.contains("`work_pflop`"),
        "{e}"
    );
}

#[test]
fn unknown_chip_is_named_with_the_known_ones() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\nchips = [\"h1000\"]\n",
    );
    let ps = problems("unknown_chip", &text);
    expect(
        &ps,
        "workloads[0].chips[0]",
        Some(19),
        &["unknown chip \"h1000\""],
        "\"h100\"",
    );
}

#[test]
fn unknown_cluster_in_a_utilization_floor() {
    let text = format!(
        "{BASE}\n[[contracts]]\nid = \"c\"\nprovider = \"gcp\"\nstart = \"2027-01-01\"\nend = \"2027-12-31\"\nbaseline = \"on-demand\"\n\n[[contracts.utilization_floors]]\ncluster = \"nope\"\nmin_fraction = 0.5\n"
    );
    let ps = problems("unknown_cluster", &text);
    expect(
        &ps,
        "contracts[0].utilization_floors[0].cluster",
        Some(23),
        &["unknown cluster \"nope\""],
        "\"pool\"",
    );
}

#[test]
fn unknown_contract_on_a_cluster() {
    let text = BASE.replace(
        "price_basis = \"on-demand\"",
        "price_basis = \"on-demand\"\ncontract = \"nope\"",
    );
    let ps = problems("unknown_contract", &text);
    expect(
        &ps,
        "clusters[0].contract",
        Some(14),
        &["unknown contract \"nope\""],
        "add a [[contracts]] table with id = \"nope\"",
    );
}

#[test]
fn unknown_workload_in_after_points_at_the_entry() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\nafter = [\"zzz\"]\n",
    );
    let ps = problems("unknown_workload", &text);
    expect(
        &ps,
        "workloads[0].after[0]",
        Some(19),
        &["unknown workload \"zzz\""],
        "workload id",
    );
}

#[test]
fn duplicate_id_names_both_entries() {
    let w = "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\n";
    let ps = problems("duplicate", &with_workloads(&format!("{w}{w}")));
    expect(
        &ps,
        "workloads[1].id",
        Some(21),
        &["duplicate id \"a\"", "workloads[0]"],
        "unique",
    );
}

#[test]
fn negative_nan_and_infinite_numbers() {
    for (name, value, shown) in [
        ("negative", "-5", "-5"),
        ("nan", "nan", "NaN"),
        ("infinite", "inf", "inf"),
    ] {
        let text = with_workloads(&format!(
            "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = {value}\n"
        ));
        let ps = problems(name, &text);
        expect(&ps, "workloads[0].work_pflop", Some(18), &[shown], "finite");
    }
    let ps = problems("negative_rate", &BASE.replace("= 2.0", "= -2.0"));
    expect(
        &ps,
        "clusters[0].usd_per_chip_hour",
        Some(12),
        &["-2"],
        "0 or more",
    );
    let ps = problems("nan_chips", &BASE.replace("chips = 10", "chips = nan"));
    expect(&ps, "clusters[0].chips", Some(10), &["NaN"], "finite");
}

#[test]
fn deadline_before_release() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\nrelease = 2\ndeadline = 1\n",
    );
    let ps = problems("deadline", &text);
    expect(
        &ps,
        "workloads[0].deadline",
        Some(20),
        &["deadline (period 1) is before release (period 2)"],
        "move the deadline",
    );
}

#[test]
fn dependency_cycle_is_named() {
    let w = |id: &str, after: &str| {
        format!("\n[[workloads]]\nid = \"{id}\"\nkind = \"post-training\"\nwork_pflop = 100\nafter = [\"{after}\"]\n")
    };
    let text = with_workloads(&[w("a", "c"), w("b", "a"), w("c", "b")].concat());
    let ps = problems("cycle", &text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    let p = &ps[0];
    assert!(
        p.path.starts_with("workloads[") && p.line.is_some(),
        "{p:?}"
    );
    assert!(
        p.message.contains("dependency cycle: a -> b -> c -> a"),
        "{p:?}"
    );
    assert!(p.help.contains("remove one"), "{p:?}");
}

#[test]
fn workload_no_chip_may_run() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = 100\nproviders = [\"aws\"]\n",
    );
    let ps = problems("no_chip", &text);
    expect(
        &ps,
        "workloads[0]",
        Some(16),
        &["can run on no cluster"],
        "widen",
    );
}

#[test]
fn work_that_cannot_fit_is_named_with_the_shortfall() {
    // 10 H100 x 168 h x 2 weeks = 3,360 chip-hours; 5,000 needed: 1,640 chip-hours short
    // = 1,640 x 989 x 0.40 x 3.6 = 2,335,622 PFLOP, 32.8% of 7,120,800.
    let text = with_workloads(
        "\n[[workloads]]\nid = \"big\"\nkind = \"post-training\"\nwork_chip_hours = { chip = \"h100\", chip_hours = 5000 }\n",
    );
    let ps = problems("no_fit", &text);
    expect(
        &ps,
        "workloads[0].work_pflop",
        Some(16),
        &[
            "\"big\"",
            "7,120,800 PFLOP",
            "2,335,622 PFLOP (32.8%) short",
        ],
        "deadline later",
    );
}

#[test]
fn must_serve_demand_that_cannot_fit_is_named() {
    // 1,680 chip-hours a week x 1 Mtok = 1,680 Mtok at most; 2,000 asked in week 1.
    let text = with_workloads(
        "\n[[workloads]]\nid = \"chat\"\nkind = \"inference\"\ndemand_unit = \"Mtok\"\ndemand = 2000\nthroughput = { h100 = 1.0 }\n",
    );
    let ps = problems("demand_no_fit", &text);
    expect(
        &ps,
        "workloads[0].demand",
        Some(19),
        &["\"chat\"", "2,000 Mtok in period 1", "320 Mtok short"],
        "unmet_penalty_usd",
    );
}

#[test]
fn absurd_horizon_is_refused() {
    let ps = problems("huge", &BASE.replace("periods = 2", "periods = 100000000"));
    expect(
        &ps,
        "horizon.periods",
        Some(4),
        &["100000000 periods"],
        "1 to 10000",
    );
}

#[test]
fn generator_sized_cross_product_is_refused() {
    // 10,000 periods x 80 clusters x 70 workloads = 56,000,000 > 50,000,000 allocations.
    let mut text = BASE
        .replace("periods = 2", "periods = 10000")
        .replace("period = \"week\"", "period = \"day\"");
    for c in 1..80 {
        text.push_str(&format!(
            "\n[[clusters]]\nid = \"c{c}\"\nprovider = \"gcp\"\nchip = \"h100\"\nchips = 10\nbilling = \"per-use\"\nusd_per_chip_hour = 2.0\nprice_basis = \"on-demand\"\n"
        ));
    }
    for w in 0..70 {
        text.push_str(&format!(
            "\n[[workloads]]\nid = \"w{w}\"\nkind = \"post-training\"\nwork_pflop = 100\n"
        ));
    }
    let ps = problems("cross_product", &text);
    expect(
        &ps,
        "",
        None,
        &["70 workloads x 80 clusters x 10000 periods"],
        "split",
    );
}

#[test]
fn per_period_list_of_the_wrong_length() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"inference\"\ndemand = [1, 2, 3]\nthroughput = { h100 = 1.0 }\n",
    );
    let ps = problems("list_length", &text);
    expect(
        &ps,
        "workloads[0].demand",
        Some(18),
        &["3 values for 2 periods"],
        "one value per period (2)",
    );
}

#[test]
fn a_file_with_several_problems_reports_all_of_them() {
    let text = with_workloads(
        "\n[[workloads]]\nid = \"a\"\nkind = \"post-training\"\nwork_pflop = -1\nafter = [\"zzz\"]\n\n[[workloads]]\nid = \"b\"\nkind = \"post-training\"\nwork_pflop = 100\nmax_chips = nan\n",
    )
    .replace("chips = 10\n", "chips = -10\n");
    let ps = problems("several", &text);
    assert_eq!(ps.len(), 4, "{ps:#?}");
    expect(&ps, "clusters[0].chips", Some(10), &["-10"], "0 or more");
    expect(
        &ps,
        "workloads[0].work_pflop",
        Some(18),
        &["-1"],
        "positive",
    );
    expect(
        &ps,
        "workloads[0].after[0]",
        Some(19),
        &["zzz"],
        "workload id",
    );
    expect(
        &ps,
        "workloads[1].max_chips",
        Some(25),
        &["NaN"],
        "positive",
    );
    let (_, err) = through_binary("several", &text);
    assert!(err.contains("4 problems found"), "{err}");
}

#[test]
fn contract_term_that_ends_inside_the_horizon() {
    // The contract ends on 2027-01-10: week 2 (from 2027-01-11) would get a discount it has not.
    let text = BASE.replace(
        "price_basis = \"on-demand\"\n",
        "price_basis = \"on-demand\"\ncontract = \"short\"\n",
    ) + r#"
[[contracts]]
id = "short"
provider = "gcp"
start = "2027-01-01"
end = "2027-01-10"
discount = 0.2
baseline = "on-demand"
"#;
    let ps = problems("contract-term", &text);
    expect(
        &ps,
        "clusters[0].contract",
        Some(14),
        &["\"pool\"", "\"short\"", "periods 2 to 2"],
        "separate cluster",
    );
}
