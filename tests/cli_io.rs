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
    // The tutorial's schedule.csv (under 1 KB) fits the limit; its plan.json does not.
    assert!(before.0.len() < 2048 && before.1.len() > 2048);
    let o = with_size_limit(&["plan", "models/tutorial.toml", "--out", s(&out)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("plan.json") && e.contains("ulimit"), "{e}");
    let after = (
        std::fs::read(out.join("schedule.csv")).unwrap(),
        std::fs::read(out.join("plan.json")).unwrap(),
    );
    assert!(after == before, "the previous run's files changed");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
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
