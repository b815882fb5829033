//! The built binary's inputs and outputs: output paths refused before solving, output failures
//! with exit 2, files replaced as a set, closed and full streams, and what people read.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_capplan"));
    c.current_dir(common::root());
    c
}

fn capplan(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn out_naming_a_file_is_refused_with_exit_2_before_solving() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    std::fs::write(&file, "keep me").unwrap();
    let o = capplan(&["plan", "models/tutorial.toml", "--out", s(&file)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(s(&file)) && e.contains("a file is in the way"),
        "{e}"
    );
    // Nothing was planned: no report on stdout.
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn out_folder_that_cannot_be_created_exits_2_with_the_path() {
    let o = capplan(&["plan", "models/tutorial.toml", "--out", "/proc/capplan-out"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("/proc/capplan-out"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn export_over_the_scenario_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.lp");
    let text = std::fs::read_to_string(common::root().join("models/tutorial.toml")).unwrap();
    std::fs::write(&scenario, &text).unwrap();
    let o = capplan(&["plan", s(&scenario), "--export", s(&scenario)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("scenario file itself"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&scenario).unwrap(), text);
    // The same file by another spelling.
    let other = format!("{}/./s.lp", s(dir.path()));
    let o = capplan(&["plan", s(&scenario), "--export", &other]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&scenario).unwrap(), text);
}

#[test]
fn export_with_a_backend_not_compiled_in_writes_nothing() {
    if cfg!(feature = "highs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mps = dir.path().join("x.mps");
    let o = capplan(&[
        "plan",
        "models/tutorial.toml",
        "--solver",
        "highs",
        "--export",
        s(&mps),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--features highs"), "{}", stderr(&o));
    assert!(!mps.exists(), "the program was written before refusing");
}

/// Runs `capplan args` with a file size limit of 2,048 bytes (SIGXFSZ ignored, so a write fails
/// with EFBIG as it does under a harness that ignores the signal).
fn with_size_limit(args: &[&str]) -> Output {
    let cmd = format!(
        "trap '' XFSZ; ulimit -f 4; exec \"$0\" {}",
        args.iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Command::new("sh")
        .args(["-c", &cmd, env!("CARGO_BIN_EXE_capplan")])
        .current_dir(common::root())
        .output()
        .unwrap()
}

#[test]
fn a_failed_write_exits_2_and_keeps_the_previous_pair() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = capplan(&["plan", "models/tutorial.toml", "--out", s(&out)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = (
        std::fs::read(out.join("schedule.csv")).unwrap(),
        std::fs::read(out.join("plan.json")).unwrap(),
    );
    // The tutorial's schedule.csv (under 1 KB) fits the limit; its plan.json (and report.html,
    // written before it) do not.
    assert!(before.0.len() < 2048 && before.1.len() > 2048);
    let o = with_size_limit(&["plan", "models/tutorial.toml", "--out", s(&out)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        (e.contains("report.html") || e.contains("plan.json")) && e.contains("ulimit"),
        "{e}"
    );
    let after = (
        std::fs::read(out.join("schedule.csv")).unwrap(),
        std::fs::read(out.join("plan.json")).unwrap(),
    );
    assert!(after == before, "the previous run's files changed");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // The previous run's five files (schedule.csv, bill.csv, sensitivity.csv, report.html,
    // plan.json), no temporaries.
    assert_eq!(leftovers.len(), 5, "{leftovers:?}");
}

#[test]
fn an_infeasible_run_removes_the_previous_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = capplan(&["plan", "models/tutorial.toml", "--out", s(&out)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(out.join("schedule.csv").exists());
    let o = capplan(&["plan", "models/infeasible-deadline.toml", "--out", s(&out)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!out.join("schedule.csv").exists());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(doc["status"], "infeasible");
}

#[test]
fn a_full_stdout_is_an_error_with_exit_2_not_a_panic() {
    for args in [
        &["validate", "models/tutorial.toml"][..],
        &["plan", "models/tutorial.toml"],
        &[
            "check",
            "tests/data/check-small.toml",
            "tests/data/check-small.csv",
        ],
        &[
            "generate",
            "--workloads",
            "4",
            "--clusters",
            "2",
            "--periods",
            "2",
        ],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = bin().args(args).stdout(full).output().unwrap();
        let e = stderr(&o);
        assert!(!e.contains("panicked"), "{args:?}: {e}");
        assert_eq!(code(&o), 2, "{args:?}: {e}");
        assert!(
            e.contains("standard output") && e.contains("disk is full"),
            "{e}"
        );
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    for args in [
        &["validate", "models/tutorial.toml"][..],
        &["plan", "models/tutorial.toml"],
        &[
            "generate",
            "--workloads",
            "40",
            "--clusters",
            "4",
            "--periods",
            "8",
        ],
    ] {
        // The reading end is closed before the program starts: its first write fails.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = bin().args(args).stdout(writer).output().unwrap();
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert!(o.stderr.is_empty(), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn huge_time_limits_and_gaps_are_refused_with_exit_2_not_a_panic() {
    for (option, value, says) in [
        ("--time-limit", "1e300", "up to 1000000"),
        ("--time-limit", "1e19", "up to 1000000"),
        ("--time-limit", "inf", "up to 1000000"),
        ("--mip-gap", "1e39", "from 0 to 1"),
        ("--mip-gap", "2", "from 0 to 1"),
    ] {
        let o = capplan(&["plan", "models/aws-frontier-2027q1.toml", option, value]);
        let e = stderr(&o);
        assert_eq!(code(&o), 2, "{option} {value}: {e}");
        assert!(e.contains(option) && e.contains(says), "{e}");
        assert!(!e.contains("panicked"), "{e}");
    }
    // The largest accepted values plan as usual (a MILP: the microlp branch and bound with its
    // deadline, in the default build).
    let o = capplan(&[
        "plan",
        "models/aws-frontier-2027q1.toml",
        "--time-limit",
        "1e6",
        "--mip-gap",
        "1",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_closed_stdout_is_not_a_panic_for_check_and_json() {
    for args in [
        &[
            "check",
            "tests/data/check-small.toml",
            "tests/data/check-small.csv",
        ][..],
        &[
            "check",
            "tests/data/check-small.toml",
            "tests/data/check-small.csv",
            "--format",
            "csv",
        ],
        &["plan", "models/tutorial.toml", "--format", "json"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = bin().args(args).stdout(writer).output().unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
}

/// The `-v` log of `plan` as a terminal shows it (through `script`, which gives the program a
/// pseudo-terminal; util-linux's `script` is in every Debian install), with `NO_COLOR` set to
/// `no_color` or unset.
fn log_on_a_terminal(no_color: Option<&str>) -> Vec<u8> {
    let inner = format!(
        "'{}' -v plan models/tutorial.toml > /dev/null",
        env!("CARGO_BIN_EXE_capplan")
    );
    let mut c = Command::new("script");
    c.args(["-qec", &inner, "/dev/null"])
        .current_dir(common::root())
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let o = c
        .output()
        .expect("`script` (util-linux) runs the program on a terminal");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

#[test]
fn no_color_turns_off_the_colours_of_the_log_on_a_terminal() {
    let coloured = log_on_a_terminal(None);
    let escape = |b: &[u8]| b.contains(&0x1b);
    assert!(escape(&coloured), "no colours on a terminal at all");
    let plain = log_on_a_terminal(Some("1"));
    assert!(
        !plain.is_empty() && !escape(&plain),
        "{}",
        String::from_utf8_lossy(&plain)
    );
    // An empty NO_COLOR does not count (no-color.org).
    assert!(escape(&log_on_a_terminal(Some(""))));
}

const ONE_OF_EACH: &str = r#"
[horizon]
start = "2027-01-04"
period = "week"
periods = 1

[[clusters]]
id = "h100"
provider = "aws"
chip = "h100"
chips = 8
billing = "per-use"
usd_per_chip_hour = 6.88
price_basis = "on-demand"
contract = "c"

[[contracts]]
id = "c"
provider = "aws"
start = "2027-01-01"
end = "2027-12-31"
discount = 0.1
baseline = "on-demand"

[[workloads]]
id = "ft"
kind = "post-training"
work_chip_hours = { chip = "h100", chip_hours = 100 }
"#;

#[test]
fn counts_of_one_are_singular() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("one.toml");
    std::fs::write(&model, ONE_OF_EACH).unwrap();
    let o = capplan(&["validate", s(&model)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o)
            .ends_with("valid: 1 period, 1 cluster, 1 workload (0 dependencies), 1 contract\n"),
        "{}",
        stdout(&o)
    );
    let o = capplan(&["plan", s(&model)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Horizon: 1 period of one week from 2027-01-04"),
        "{}",
        stdout(&o)
    );
    let o = capplan(&[
        "generate",
        "--workloads",
        "4",
        "--clusters",
        "1",
        "--periods",
        "1",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("4 workloads, 1 cluster, 1 week, 0 dependencies"),
        "{}",
        stdout(&o)
    );
}

/// Every decimal number in `text` with more than 12 significant digits: float noise.
fn noisy_numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let number = &text[start..i];
            let digits = number.trim_start_matches(['0', '.']).replace('.', "");
            if number.contains('.') && digits.trim_end_matches('0').len() > 12 {
                out.push(number.to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn printed_numbers_carry_no_float_noise() {
    let dir = tempfile::tempdir().unwrap();
    for model in common::shipped_models() {
        let m = s(&model);
        let name = model.file_stem().unwrap().to_str().unwrap();
        let out = dir.path().join(name);
        let mut texts = Vec::new();
        for args in [
            &["plan", m][..],
            &["plan", m, "--format", "json"],
            &["plan", m, "--out", s(&out)],
        ] {
            texts.push((format!("{args:?}"), stdout(&capplan(args))));
        }
        for file in ["schedule.csv", "plan.json"] {
            let Ok(text) = std::fs::read_to_string(out.join(file)) else {
                continue;
            };
            texts.push((format!("{name}/{file}"), text));
            let path = out.join(file);
            for format in ["table", "json", "csv"] {
                let args = ["check", m, s(&path), "--format", format];
                texts.push((format!("{args:?}"), stdout(&capplan(&args))));
            }
        }
        for (what, text) in texts {
            let noisy = noisy_numbers(&text);
            assert!(noisy.is_empty(), "{what}: {noisy:?}");
        }
    }
}

#[test]
fn the_public_rate_shown_is_the_rate_given() {
    let o = capplan(&["plan", "models/tutorial.toml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let aws = doc["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "aws")
        .unwrap();
    // models/tutorial.toml: trn2 at $5.373 on demand.
    assert_eq!(aws["public_usd_per_chip_hour"].as_f64(), Some(5.373));
}

#[test]
fn check_of_a_file_of_bad_rows_reports_a_bounded_list() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    let mut text = String::from("period,cluster,workload,chip_hours\n");
    for i in 0..20_000 {
        // Every row has three bad values, but only every other row names an id the tutorial
        // lacks: not another scenario's file.
        let workload = if i % 2 == 0 {
            "chat".to_string()
        } else {
            format!("nada-{i}")
        };
        text.push_str(&format!("{},trn2-dedicated,{workload},x{i}\n", i + 5));
    }
    std::fs::write(&csv, &text).unwrap();
    let o = capplan(&["check", "models/tutorial.toml", s(&csv)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("50000 problems in 20000 rows"), "{}", &e[..300]);
    assert!(
        e.contains("and 49900 more problems"),
        "{}",
        &e[e.len() - 300..]
    );
    assert!(e.len() < 100_000, "{} bytes of messages", e.len());
}

#[test]
fn generate_stays_lean_on_long_horizons() {
    // 250 inference services over 2,000 weeks: the output is 4.6 MB. With an address space
    // limit of 100 MB, a generator that parses a draft holding every period of every service
    // (150 MB resident before) runs out of memory; the lean one needs about 19 MB.
    let cmd = format!(
        "ulimit -v 100000; exec '{}' generate --workloads 1000 --clusters 1 --periods 2000 > /dev/null",
        env!("CARGO_BIN_EXE_capplan")
    );
    let o = Command::new("sh").args(["-c", &cmd]).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// Fields of a CSV line, unquoted by the csv crate.
fn csv_fields(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn ids_that_look_like_formulas_are_escaped_in_every_csv_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::root().join("models/tutorial.toml")).unwrap();
    let text = text
        .replace("\"trn2-dedicated\"", "\"=1+2\"")
        .replace("\"finetune\"", "\"@finetune\"")
        .replace("\"chat\"", "\"-chat\"");
    let model = dir.path().join("formulas.toml");
    std::fs::write(&model, text).unwrap();
    let out = dir.path().join("out");
    let o = capplan(&["plan", s(&model), "--out", s(&out), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let planned: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let schedule = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    let rows = csv_fields(&schedule);
    let dangerous = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    for row in &rows {
        assert!(!row.iter().any(|c| dangerous(c)), "{row:?}");
    }
    let cells: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
    for escaped in ["'=1+2", "'@finetune", "'-chat"] {
        assert!(cells.contains(&escaped), "{escaped} missing: {schedule}");
    }
    // check reads its own escaped file back: the same allocation, the same cost.
    let o = capplan(&[
        "check",
        s(&model),
        s(&out.join("schedule.csv")),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let checked: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (a, b) = (
        planned["total_cost_usd"].as_f64().unwrap(),
        checked["total_cost_usd"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-6 * a, "{a} vs {b}");
    // The findings CSV escapes ids and messages too.
    let o = capplan(&[
        "check",
        s(&model),
        s(&out.join("schedule.csv")),
        "--format",
        "csv",
    ]);
    let findings = csv_fields(&stdout(&o));
    assert!(findings.len() > 1);
    for row in &findings {
        assert!(!row.iter().any(|c| dangerous(c)), "{row:?}");
    }
    assert!(findings.iter().any(|r| r[3] == "'=1+2"), "{findings:?}");
    // A hand-written file with the ids unescaped reads as well.
    let hand = dir.path().join("hand.csv");
    std::fs::write(
        &hand,
        "period,cluster,workload,chip_hours\n1,=1+2,-chat,10\n",
    )
    .unwrap();
    let o = capplan(&["check", s(&model), s(&hand)]);
    assert!(code(&o) <= 1, "{}", stderr(&o));
}

/// `capplan check` of `bytes` (written to `name`) against the tutorial: exit code and stderr.
fn check_bytes(name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let o = capplan(&["check", "models/tutorial.toml", s(&file)]);
    (code(&o), stderr(&o))
}

#[test]
fn an_out_of_range_number_in_plan_json_is_named_as_such() {
    let text = r#"{
  "status": "optimal",
  "schedule": [
    {
      "period": 1,
      "cluster": "trn2-dedicated",
      "workload": "chat",
      "chip_hours": 1e400
    }
  ]
}"#;
    let (c, e) = check_bytes("plan.json", text.as_bytes());
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("line 8, column 7: schedule[0].chip_hours: chip_hours \"1e400\" is not finite"),
        "{e}"
    );
    assert!(!e.contains("not an object"), "{e}");
}

#[test]
fn chip_hours_no_cluster_delivers_are_refused_not_summed_to_inf() {
    // Two finite rows of 1e308 used to sum to `$inf` and print `$NaN` prices with exit 1.
    let rows = "period,cluster,workload,chip_hours\n1,trn2-dedicated,chat,1e308\n1,trn2-dedicated,chat,1e308\n";
    let (c, e) = check_bytes("a.csv", rows.as_bytes());
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("line 2, column 4: chip_hours: chip_hours 1.0e308 is above the 100,000,000,000 chip-hours no cluster delivers in a period"),
        "{e}"
    );
    assert!(e.contains("line 3, column 4"), "{e}");
    // The ceiling itself is a figure to audit: a capacity violation, every total finite.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.csv");
    std::fs::write(
        &file,
        "period,cluster,workload,chip_hours\n1,trn2-dedicated,chat,1e11\n1,trn2-dedicated,chat,1e11\n",
    )
    .unwrap();
    let o = capplan(&["check", "models/tutorial.toml", s(&file)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("[VIOLATION] capacity"), "{out}");
    let infinite = |w: &str| w.trim_start_matches('$').trim_end_matches('%') == "inf";
    assert!(!out.split_whitespace().any(infinite), "{out}");
    assert!(!out.contains("NaN"), "{out}");
}

#[test]
fn check_of_a_large_plan_json_is_linear_and_places_its_last_entry() {
    // 50,000 entries (a 10,000-period plan's size) took 264 s when each entry's line was found by
    // counting newlines from the start of the file; it takes well under a second now.
    let n = 50_000;
    let mut text = String::from("{\n  \"status\": \"optimal\",\n  \"schedule\": [\n");
    for k in 0..n {
        let hours = if k + 1 == n { "-1" } else { "0.001" };
        text.push_str(&format!(
            "    {{\n      \"period\": 1,\n      \"cluster\": \"trn2-dedicated\",\n      \"workload\": \"chat\",\n      \"chip_hours\": {hours}\n    }}{}\n",
            if k + 1 == n { "" } else { "," }
        ));
    }
    text.push_str("  ]\n}\n");
    let started = std::time::Instant::now();
    let (c, e) = check_bytes("plan.json", text.as_bytes());
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(c, 2, "{e}");
    // Entry k (0-based) opens on line 4 + 6k; its chip_hours is 4 lines further.
    let line = 4 + 6 * (n - 1) + 4;
    assert!(
        e.contains(&format!(
            "line {line}, column 7: schedule[{}].chip_hours: chip_hours -1 is negative",
            n - 1
        )),
        "{e}"
    );
    assert!(seconds < 20.0, "check of {n} entries took {seconds:.1} s");
}

#[test]
fn an_unclosed_quote_in_a_csv_is_named_as_such() {
    let (c, e) = check_bytes(
        "a.csv",
        b"period,cluster,workload,chip_hours\n1,\"trn2-dedicated,chat,1\n2,trn2-dedicated,chat,1\n",
    );
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("line 2, column 2: a quote"), "{e}");
    assert!(
        e.contains("never closed") && e.contains("help: close the quote"),
        "{e}"
    );
    assert!(!e.contains("no \"workload\" value"), "{e}");
    // On the last line the field swallows no line: it runs to the end of the file.
    let (c, e) = check_bytes(
        "a.csv",
        b"period,cluster,workload,chip_hours\n1,\"trn2-dedicated,chat,1\n",
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("line 2, column 2: a quote `\"` opens a field that runs to the end of the file, and the row has 2 of 4 fields"),
        "{e}"
    );
    assert!(!e.contains("next 0 lines"), "{e}");
    // In the header.
    let (c, e) = check_bytes(
        "b.csv",
        b"period,\"cluster,workload,chip_hours\n1,trn2-dedicated,chat,1\n",
    );
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("line 1, column 2: a quote"), "{e}");
    assert!(!e.contains("missing column"), "{e}");
}

#[test]
fn a_plan_for_another_scenario_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("aws");
    let o = capplan(&["plan", "models/aws-frontier-2027q1.toml", "--out", s(&out)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for file in ["plan.json", "schedule.csv"] {
        let o = capplan(&["check", "models/tutorial.toml", s(&out.join(file))]);
        assert_eq!(code(&o), 2);
        let e = stderr(&o);
        assert!(e.contains("looks like it is for another scenario"), "{e}");
        // Three examples, not a problem per row.
        assert!(e.lines().count() <= 6, "{e}");
        if file == "plan.json" {
            assert!(
                e.contains("planned for models/aws-frontier-2027q1.toml"),
                "{e}"
            );
        }
    }
}

#[test]
fn text_that_is_not_utf8_is_placed_and_utf16_gets_a_hint() {
    let (c, e) = check_bytes(
        "latin1.csv",
        b"period,cluster,workload,chip_hours\n1,trn2-d\xe9dicated,chat,1\n",
    );
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("line 2, column 9 (byte 44): not valid UTF-8"),
        "{e}"
    );
    assert!(e.contains("CSV UTF-8"), "{e}");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "period,cluster,workload,chip_hours\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let (c, e) = check_bytes("utf16.csv", &utf16);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("UTF-16") && e.contains("save the file as UTF-8"),
        "{e}"
    );
}

#[test]
fn a_full_or_closed_stderr_is_not_a_panic() {
    for args in [
        &["-v", "plan", "models/tutorial.toml"][..],
        &["-vv", "plan", "models/aws-frontier-2027q1.toml"],
        &["plan", "models/no-such-file.toml"],
    ] {
        let expected = if args[1] == "plan" { 0 } else { 2 };
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = bin().args(args).stderr(full).output().unwrap();
        assert_eq!(code(&o), expected, "{args:?}");
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = bin().args(args).stderr(writer).output().unwrap();
        assert_eq!(code(&o), expected, "{args:?}");
    }
}

#[test]
fn export_into_a_missing_folder_exits_2_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mps = dir.path().join("no-such-folder/x.mps");
    let o = capplan(&["plan", "models/tutorial.toml", "--export", s(&mps)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(s(&mps)) && e.contains("does not exist: create it"),
        "{e}"
    );
}
