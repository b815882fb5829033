//! A bounded fuzz of the scenario loader (issue 8): the shipped models and `tests/data/*.toml`,
//! mutated in their values, keys, lines and bytes. Whatever comes in, loading never panics, ends
//! quickly, and either accepts the file or refuses it with a message naming the file; the binary
//! exits 0 or 2 (never 101 or 3). The inputs the issue reports are pinned as regression cases.
//!
//! The case counts keep it to about a second in release; `FUZZ_CASES=N` runs N cases of each
//! property instead (the in-process one) and N/50 through the binary, for a longer hunt.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use capplan::error::LoadError;
use capplan::model::Scenario;
use proptest::prelude::*;

/// Cases of a property: `default`, or what `FUZZ_CASES` says (divided by `divisor`).
fn cases(default: u32, divisor: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(default, |n| (n / divisor).max(1))
}

/// Longest a single load may take.
const TIME_BOUND: Duration = Duration::from_secs(5);

/// Values that stress the loader: wrong types, out-of-range and non-finite numbers, other forms.
const VALUES: &[&str] = &[
    "-5",
    "0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "1e-320",
    "9223372036854775807",
    "\"5M\"",
    "\"\"",
    "\" a \"",
    "\"a\\tb\"",
    "\"=cmd\"",
    "[1, 2]",
    "[]",
    "[\"x\"]",
    "{ from = 1, to = 2, step = 2 }",
    "{ from = 1 }",
    "{}",
    "{ chip = \"h100\", chip_hours = -5 }",
    "true",
    "2027-01-01",
    "\"2027-02-30\"",
    "\"reserved-3yr\"",
    "\"reserved1yr\"",
];

/// The seed files: shipped models and test data.
fn seeds() -> Vec<(PathBuf, String)> {
    let mut files = common::shipped_models();
    let data = common::root().join("tests/data");
    let mut more: Vec<PathBuf> = std::fs::read_dir(&data)
        .expect("tests/data exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    more.sort();
    files.extend(more);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable seed");
            (p, text)
        })
        .collect()
}

/// One edit to a scenario text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value of the `line`-th `key = value` line by `VALUES[v]`.
    Value { line: usize, v: usize },
    /// Misspell the key of the `line`-th `key = value` line (drop, double or swap a letter).
    Key { line: usize, how: u8, at: usize },
    /// Delete a line.
    DeleteLine { line: usize },
    /// Duplicate a line.
    DuplicateLine { line: usize },
    /// Cut the file at a byte.
    Truncate { at: usize },
    /// Overwrite one byte.
    Byte { at: usize, byte: u8 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..VALUES.len()).prop_map(|(line, v)| Mutation::Value { line, v }),
        2 => (any::<usize>(), 0u8..3, any::<usize>())
            .prop_map(|(line, how, at)| Mutation::Key { line, how, at }),
        1 => any::<usize>().prop_map(|line| Mutation::DeleteLine { line }),
        1 => any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Byte { at, byte }),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let assignments: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(" = ") && !lines[i].trim_start().starts_with('#'))
        .collect();
    let pick = |n: usize, k: usize| if n == 0 { None } else { Some(k % n) };
    match *m {
        Mutation::Value { line, v } => {
            if let Some(i) = pick(assignments.len(), line).map(|k| assignments[k]) {
                let key = lines[i].split(" = ").next().unwrap_or("").to_string();
                lines[i] = format!("{key} = {}", VALUES[v]);
            }
        }
        Mutation::Key { line, how, at } => {
            if let Some(i) = pick(assignments.len(), line).map(|k| assignments[k]) {
                let (key, rest) = lines[i].split_once(" = ").expect("an assignment");
                let mut k: Vec<char> = key.chars().collect();
                let j = at % k.len().max(1);
                match how {
                    0 if !k.is_empty() => {
                        k.remove(j);
                    }
                    1 if !k.is_empty() => k.insert(j, k[j]),
                    _ if k.len() > 1 => {
                        let a = j.min(k.len() - 2);
                        k.swap(a, a + 1);
                    }
                    _ => {}
                }
                lines[i] = format!("{} = {rest}", k.into_iter().collect::<String>());
            }
        }
        Mutation::DeleteLine { line } => {
            if let Some(i) = pick(lines.len(), line) {
                lines.remove(i);
            }
        }
        Mutation::DuplicateLine { line } => {
            if let Some(i) = pick(lines.len(), line) {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
        }
        Mutation::Truncate { at } => {
            let joined = lines.join("\n");
            let bytes = joined.as_bytes();
            let cut = pick(bytes.len() + 1, at).unwrap_or(0);
            return String::from_utf8_lossy(&bytes[..cut]).into_owned();
        }
        Mutation::Byte { at, byte } => {
            let mut bytes = lines.join("\n").into_bytes();
            if let Some(i) = pick(bytes.len(), at) {
                bytes[i] = byte;
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    lines.join("\n") + "\n"
}

/// Loads `text` in-process: no panic, bounded time, and a refusal names the file.
fn load_is_sound(text: &str) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let out = Scenario::from_toml(text, Path::new("fuzzed.toml"));
    prop_assert!(
        started.elapsed() < TIME_BOUND,
        "took {:?}",
        started.elapsed()
    );
    if let Err(e) = out {
        let shown = e.to_string();
        prop_assert!(shown.starts_with("fuzzed.toml"), "{shown}");
        if let LoadError::Invalid { problems, .. } = &e {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(!p.message.is_empty() && !p.help.is_empty(), "{p:?}");
                // Numbers are printed compactly: no 309-digit figure.
                prop_assert!(!p.message.contains("0000000000000000000000"), "{p:?}");
            }
        }
    }
    Ok(())
}

/// Runs `capplan validate` on `text`; returns the exit code (after checking the time bound).
fn validate_exit(text: &[u8]) -> i32 {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fuzzed.toml");
    std::fs::write(&file, text).unwrap();
    let started = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(["validate", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < TIME_BOUND,
        "took {:?}",
        started.elapsed()
    );
    let code = o.status.code().unwrap_or(-1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        code == 0 || (code == 2 && err.contains("fuzzed.toml")),
        "exit {code}: {err}\n--- input ---\n{}",
        String::from_utf8_lossy(text)
    );
    code
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2000, 1), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_load_or_are_refused_cleanly(
        seed in any::<usize>(),
        edits in prop::collection::vec(mutation(), 1..4),
    ) {
        let seeds = seeds();
        let (_, text) = &seeds[seed % seeds.len()];
        let mutated = edits.iter().fold(text.clone(), |t, m| apply(&t, m));
        load_is_sound(&mutated)?;
    }
}

proptest! {
    // Each case starts a process: fewer of them.
    #![proptest_config(ProptestConfig { cases: cases(40, 50), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_binary_exits_0_or_2_on_mutated_scenarios(
        seed in any::<usize>(),
        edits in prop::collection::vec(mutation(), 1..4),
    ) {
        let seeds = seeds();
        let (_, text) = &seeds[seed % seeds.len()];
        let mutated = edits.iter().fold(text.clone(), |t, m| apply(&t, m));
        validate_exit(mutated.as_bytes());
    }
}

/// The inputs issue 8 reports, each through the binary: exit 0 or 2, never a panic.
#[test]
fn inputs_from_the_issue_exit_0_or_2() {
    let tutorial = std::fs::read_to_string(common::root().join("models/tutorial.toml")).unwrap();
    let horizon = "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 2\n";
    let cases: Vec<(Vec<u8>, i32)> = vec![
        // Just a horizon, and a file cut short: valid (nothing to plan) or refused, no panic.
        (horizon.as_bytes().to_vec(), 0),
        (tutorial.as_bytes()[..tutorial.len() / 2].to_vec(), 2),
        (b"".to_vec(), 2),
        // Invalid UTF-8 and a UTF-16 spreadsheet export.
        (vec![0xff, 0xfe, b'[', 0, b'h', 0], 2),
        (
            tutorial
                .replace("demand = ", "demand = \"5M\" # ")
                .into_bytes(),
            2,
        ),
        (
            tutorial
                .replace("usd_per_chip_hour = ", "usd_per_chip_hour = 1e308 # ")
                .into_bytes(),
            2,
        ),
        (
            tutorial
                .replace("chips = ", "chips = { from = 1, to = 2, step = 2 } # ")
                .into_bytes(),
            2,
        ),
        (format!("{horizon}periods = 1e400\n").into_bytes(), 2),
    ];
    for (text, want) in cases {
        let got = validate_exit(&text);
        assert_eq!(got, want, "{}", String::from_utf8_lossy(&text));
    }
}
