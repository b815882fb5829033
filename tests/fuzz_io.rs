//! A bounded fuzz target, run by CI with the other tests: the CSV and plan.json allocation
//! readers on generated and damaged input, and the command line on generated options. Nothing
//! may panic or hang, errors stay short whatever the input, and every command exits with a
//! documented code (0, 1 or 2). The inputs issue 8's fuzzing found are regression cases at the
//! end. About 1,300 cases in all, a few seconds in release;
//! `CAPPLAN_FUZZ_SCALE=100` multiplies them for a longer run by hand.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use capplan::allocation_io::{allocation_from_csv, allocation_from_plan_json, read_allocation};
use capplan::model::Scenario;
use proptest::prelude::*;

/// `n` cases, times `CAPPLAN_FUZZ_SCALE` (default 1) for a longer run by hand:
/// `CAPPLAN_FUZZ_SCALE=100 cargo test --release --test fuzz_io`.
fn cases(n: u32) -> u32 {
    let scale = std::env::var("CAPPLAN_FUZZ_SCALE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1);
    n.saturating_mul(scale.max(1))
}

fn tutorial() -> Scenario {
    Scenario::from_file(&common::root().join("models/tutorial.toml")).expect("the tutorial loads")
}

/// Cells that exercise the readers: ids of the tutorial and of nobody, numbers good and bad,
/// dates, quotes, separators, formulas, escapes, non-ASCII.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("trn2-dedicated".to_string()),
        Just("h100-ondemand".to_string()),
        Just("chat".to_string()),
        Just("finetune".to_string()),
        Just("'=1+2".to_string()),
        Just("1".to_string()),
        Just("4".to_string()),
        Just("2027-01-11".to_string()),
        Just("1e400".to_string()),
        Just("-0".to_string()),
        Just("NaN".to_string()),
        Just("\"".to_string()),
        Just("\"\"".to_string()),
        Just("é".to_string()),
        Just(String::new()),
        "[ -~]{0,12}",
        any::<f64>().prop_map(|x| x.to_string()),
    ]
}

/// A CSV: a header (usually the right one), then rows of cells joined by a separator.
fn csv_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        4 => Just("period,cluster,workload,chip_hours".to_string()),
        1 => Just("Chip-Hours,WORKLOAD,cluster,period,notes".to_string()),
        1 => "[a-z_,;\" ]{0,40}",
    ];
    let row = prop::collection::vec(cell(), 0..6);
    let sep = prop_oneof![Just(","), Just(";"), Just("\t")];
    let newline = prop_oneof![Just("\n"), Just("\r\n")];
    (
        header,
        prop::collection::vec(row, 0..30),
        sep,
        newline,
        any::<bool>(),
    )
        .prop_map(|(header, rows, sep, nl, bom)| {
            let mut out = if bom {
                "\u{feff}".to_string()
            } else {
                String::new()
            };
            out.push_str(&header);
            for r in rows {
                out.push_str(nl);
                out.push_str(&r.join(sep));
            }
            out
        })
}

/// A JSON value for a schedule field: strings, numbers (some out of range), and other types.
fn json_value() -> impl Strategy<Value = String> {
    prop_oneof![
        cell().prop_map(|c| serde_json::to_string(&c).unwrap()),
        Just("1e400".to_string()),
        Just("-1".to_string()),
        Just("2".to_string()),
        Just("3.5".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        any::<i64>().prop_map(|x| x.to_string()),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| format!("{x:e}")),
    ]
}

/// A plan.json: a status and a schedule of entries with some fields, some values.
fn json_text() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("period"),
        Just("cluster"),
        Just("workload"),
        Just("chip_hours"),
        Just("cost_usd"),
    ];
    let entry = prop_oneof![
        4 => prop::collection::vec((field, json_value()), 0..6).prop_map(|fields| {
            let body: Vec<String> = fields
                .into_iter()
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("{{ {} }}", body.join(",\n      "))
        }),
        1 => json_value(),
    ];
    let status = prop_oneof![
        Just("optimal"),
        Just("infeasible"),
        Just("time_limit"),
        Just("?")
    ];
    (status, prop::collection::vec(entry, 0..25)).prop_map(|(status, entries)| {
        format!(
            "{{\n  \"status\": \"{status}\",\n  \"scenario\": \"x.toml\",\n  \"schedule\": [\n    {}\n  ]\n}}",
            entries.join(",\n    ")
        )
    })
}

/// Damage: cut the text at a point, or flip bytes.
fn damage(text: String, cut: usize, flips: Vec<(usize, u8)>) -> Vec<u8> {
    let mut bytes = text.into_bytes();
    for (at, b) in flips {
        if !bytes.is_empty() {
            let n = bytes.len();
            bytes[at % n] = b;
        }
    }
    if cut > 0 && cut < bytes.len() {
        bytes.truncate(cut);
    }
    bytes
}

/// Errors stay short: at most 100 problems are listed, each naming at most one input cell.
fn assert_bounded(message: &str, input_len: usize) {
    assert!(
        message.len() <= 64 * 1024 + 2 * input_len,
        "{} bytes of message for {input_len} bytes of input",
        message.len()
    );
}

/// Every row the readers return points into the scenario.
fn assert_valid(s: &Scenario, a: &capplan::allocation::Allocation) {
    for r in &a.rows {
        assert!(r.period < s.horizon.len());
        assert!(r.cluster.0 < s.clusters.len() && r.workload.0 < s.workloads.len());
        assert!(r.chip_hours.is_finite() && r.chip_hours >= 0.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(400), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn csv_reader_never_panics_and_errors_stay_short(text in csv_text()) {
        let s = tutorial();
        match allocation_from_csv(&s, &text, Path::new("a.csv")) {
            Ok(a) => assert_valid(&s, &a),
            Err(e) => assert_bounded(&e.to_string(), text.len()),
        }
    }

    #[test]
    fn json_reader_never_panics_and_errors_stay_short(text in json_text()) {
        let s = tutorial();
        match allocation_from_plan_json(&s, &text, Path::new("plan.json")) {
            Ok(a) => assert_valid(&s, &a),
            Err(e) => assert_bounded(&e.to_string(), text.len()),
        }
    }

    #[test]
    fn damaged_files_never_panic(
        json in any::<bool>(),
        csv in csv_text(),
        plan in json_text(),
        cut in 0usize..2000,
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    ) {
        let s = tutorial();
        let (name, text) = if json { ("plan.json", plan) } else { ("a.csv", csv) };
        let bytes = damage(text, cut, flips);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        match read_allocation(&s, &path) {
            Ok(a) => assert_valid(&s, &a),
            Err(e) => assert_bounded(&e.to_string(), bytes.len()),
        }
    }
}

/// Runs the binary with a deadline (a run past it is a hang), with `{TMP}` in its arguments
/// replaced by a fresh folder.
fn run(args: &[String]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{TMP}", dir.path().to_str().unwrap()))
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(&args)
        .current_dir(common::root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read as _;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("capplan {args:?} ran for more than 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Option values: good, out of range, malformed.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("0.01".to_string()),
        Just("1e300".to_string()),
        Just("1e19".to_string()),
        Just("1e39".to_string()),
        Just("inf".to_string()),
        Just("NaN".to_string()),
        Just("99999999999999999999".to_string()),
        Just(String::new()),
        "[ -~]{0,8}",
    ]
}

/// A command line: a subcommand with files and options, some of them wrong.
fn command_line() -> impl Strategy<Value = Vec<String>> {
    let model = prop_oneof![
        Just("models/tutorial.toml"),
        Just("models/infeasible-deadline.toml"),
        Just("models/no-such.toml"),
        Just("README.md"),
    ];
    let option = prop_oneof![
        Just("--time-limit"),
        Just("--mip-gap"),
        Just("--solver"),
        Just("--format"),
        Just("--algorithm"),
        Just("--export"),
        Just("--out"),
        Just("--workloads"),
        Just("--clusters"),
        Just("--periods"),
        Just("--seed"),
        Just("--edges"),
        Just("--bogus"),
    ];
    let sub = prop_oneof![
        Just("plan"),
        Just("validate"),
        Just("check"),
        Just("generate"),
        Just("nope")
    ];
    (sub, model, prop::collection::vec((option, value()), 0..4)).prop_map(
        |(sub, model, options)| {
            let mut args = vec![sub.to_string()];
            if sub != "generate" {
                args.push(model.to_string());
            }
            if sub == "check" {
                args.push("tests/data/check-small.csv".to_string());
            }
            for (o, v) in options {
                args.push(o.to_string());
                // Output paths go to a fresh folder, never into the repository.
                args.push(match o {
                    "--out" | "--export" => format!("{{TMP}}/{v}.mps"),
                    _ => v,
                });
            }
            args
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(96), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn command_lines_exit_with_a_documented_code(args in command_line()) {
        let (code, stderr) = run(&args);
        prop_assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        prop_assert!((0..=2).contains(&code), "{args:?}: exit {code}: {stderr}");
        prop_assert!(stderr.len() < 64 * 1024, "{args:?}: {} bytes on stderr", stderr.len());
    }
}

// Regression cases from issue 8's fuzzing, on the readers themselves.

#[test]
fn regression_out_of_range_number_in_plan_json() {
    let text = r#"{"schedule": [{"period": 1, "cluster": "trn2-dedicated", "workload": "chat", "chip_hours": 1e400}]}"#;
    let e = allocation_from_plan_json(&tutorial(), text, Path::new("p.json")).unwrap_err();
    assert!(e.to_string().contains("\"1e400\" is not finite"), "{e}");
}

#[test]
fn regression_unclosed_quote_in_csv() {
    let text = "period,cluster,workload,chip_hours\n1,\"trn2-dedicated,chat,1\n";
    let e = allocation_from_csv(&tutorial(), text, Path::new("a.csv")).unwrap_err();
    assert!(e.to_string().contains("never closed"), "{e}");
}

#[test]
fn regression_utf16_and_invalid_utf8_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, says) in [
        ("u16.csv", vec![0xFE, 0xFF, 0, b'p'], "UTF-16"),
        ("bad.csv", b"period\n\xff".to_vec(), "line 2, column 1"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let e = read_allocation(&tutorial(), &path).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
}

#[test]
fn regression_options_that_overflowed() {
    for args in [
        ["plan", "models/tutorial.toml", "--time-limit", "1e300"],
        ["plan", "models/tutorial.toml", "--time-limit", "1e19"],
        ["plan", "models/tutorial.toml", "--mip-gap", "1e39"],
    ] {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (code, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
}
