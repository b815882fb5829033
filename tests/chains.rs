//! Chains of dependencies that cannot fit even at each run's fastest pace are refused before
//! any solve, by `validate` and `plan` alike (exit 2), with the line of the workload named.

use std::process::{Command, Output};

/// Three runs of two full weeks each on a 10-chip cluster (1,680 chip-hours a week), one after
/// the other, the last due in `deadline`.
fn chain(deadline: u32) -> String {
    let mut t = "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 6\n\n[[clusters]]\nid = \"h\"\nprovider = \"azure\"\nchip = \"h100\"\nchips = 10\nbilling = \"per-use\"\nusd_per_chip_hour = 2.0\nprice_basis = \"on-demand\"\n".to_string();
    for (id, after) in [
        ("a", ""),
        ("b", "after = [\"a\"]\n"),
        ("c", "after = [\"b\"]\n"),
    ] {
        t.push_str(&format!(
            "\n[[workloads]]\nid = \"{id}\"\nkind = \"post-training\"\nwork_chip_hours = {{ chip = \"h100\", chip_hours = 3360 }}\n{after}"
        ));
    }
    t.push_str(&format!("deadline = {deadline}\n"));
    t
}

fn run(command: &str, text: &str) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.toml");
    std::fs::write(&file, text).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args([command, file.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o, err)
}

#[test]
fn an_impossible_chain_exits_2_from_validate_and_plan_with_its_numbers() {
    for command in ["validate", "plan"] {
        let (o, err) = run(command, &chain(5));
        assert_eq!(o.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("chain.toml"), "{err}");
        // Line 27 is c's `id`.
        assert!(
            err.contains("line 27, column 6: workloads[2]: "),
            "{command}: {err}"
        );
        for says in [
            "dependency chain \"a\" -> \"b\" -> \"c\" cannot finish in time",
            "they need 6 periods (periods 1-6)",
            "in periods 1-2, \"b\" ",
            "in periods 3-4, \"c\" ",
            "in periods 5-6), but \"a\" starts in period 1 and \"c\" is due by period 5: 5 periods",
        ] {
            assert!(err.contains(says), "{command}: {says:?} not in {err}");
        }
        assert!(o.stdout.is_empty(), "{command} wrote a plan");
    }
}

#[test]
fn a_chain_that_exactly_fits_plans_with_exit_0() {
    let (o, err) = run("plan", &chain(6));
    assert_eq!(o.status.code(), Some(0), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    // Every chip-hour of the six weeks, at $2: 6 x 1,680 x 2.
    assert!(out.contains("Total cost: $20,160"), "{out}");
}
