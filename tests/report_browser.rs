//! report.html in a real browser (headless Chromium; `cargo test --release --features browser
//! --test report_browser`): the page raises no console message or error, every chart is laid
//! out with a non-zero size, and the figures the browser shows equal the JSON document's.
//!
//! The page's inline self-check script writes what the browser sees (chart sizes, the texts
//! marked `data-check`, errors caught) into `#selfcheck`; `--dump-dom` returns it.
//! Screenshots go to `target/report-screenshots/` for people to look at.
#![cfg(feature = "browser")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_string())
}

fn capplan(args: &[&std::ffi::OsStr]) -> i32 {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .output()
        .expect("run capplan");
    out.status.code().expect("exit code")
}

#[derive(Debug, Deserialize)]
struct SelfCheck {
    charts: Vec<Chart>,
    shown: std::collections::BTreeMap<String, String>,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Chart {
    id: String,
    width: f64,
    height: f64,
}

/// Loads `html` in headless Chromium: the self-check and every console line.
fn load(html: &Path, screenshot: &str) -> (SelfCheck, Vec<String>) {
    let url = format!(
        "file://{}",
        html.canonicalize().expect("report exists").display()
    );
    let base = [
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--hide-scrollbars",
    ];
    let out = Command::new(chromium())
        .args(base)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom", &url])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} (apt-get install chromium): {e}", chromium()));
    let dom = String::from_utf8_lossy(&out.stdout);
    let console: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    let start = dom.find("id=\"selfcheck\"").expect("#selfcheck in the DOM");
    let text = &dom[start..];
    let text = &text[text.find('>').expect("tag end") + 1..text.find("</pre>").expect("</pre>")];
    let json = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let check: SelfCheck = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("self-check did not run ({e}): {json:?}"));
    let shots = common::root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let png = shots.join(screenshot);
    let status = Command::new(chromium())
        .args(base)
        .arg(format!("--screenshot={}", png.display()))
        .args(["--window-size=1280,2400", &url])
        .output()
        .expect("screenshot");
    assert!(status.status.success(), "screenshot failed");
    assert!(std::fs::metadata(&png).expect("screenshot written").len() > 10_000);
    (check, console)
}

/// Dollars as shown (`$1,234,567`) back to a number.
fn dollars(shown: &str) -> f64 {
    shown
        .trim()
        .trim_start_matches('$')
        .replace(',', "")
        .parse()
        .unwrap_or_else(|e| panic!("{shown:?}: {e}"))
}

/// Every chart in the file was laid out, the page was silent, the figures match the document.
fn assert_report(html: &Path, doc: &serde_json::Value, charts: &[&str], shot: &str) {
    let source = std::fs::read_to_string(html).expect("report");
    let (check, console) = load(html, shot);
    assert!(console.is_empty(), "console: {console:#?}");
    assert!(check.errors.is_empty(), "errors: {:?}", check.errors);
    let in_file = source.matches("<svg class=\"chart\"").count();
    assert_eq!(check.charts.len(), in_file, "{:?}", check.charts);
    for c in &check.charts {
        assert!(
            c.width > 100.0 && c.height > 50.0,
            "chart {} is {}x{}",
            c.id,
            c.width,
            c.height
        );
    }
    for want in charts {
        assert!(
            check.charts.iter().any(|c| c.id.starts_with(want)),
            "no chart {want}: {:?}",
            check.charts
        );
    }
    assert_eq!(
        check.shown["status"].replace(' ', "_"),
        doc["status"].as_str().unwrap()
    );
    if let Some(total) = doc["total_cost_usd"].as_f64() {
        let shown = dollars(&check.shown["total_cost_usd"]);
        assert!(
            (shown - total).abs() <= 0.5,
            "shown {shown}, plan.json {total}"
        );
    }
    let months = doc["bill"]["months"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        check
            .shown
            .keys()
            .filter(|k| k.starts_with("bill_month_"))
            .count(),
        months.len()
    );
    for m in &months {
        let key = format!("bill_month_{}", m["month"].as_str().unwrap());
        let shown = dollars(check.shown.get(&key).unwrap_or_else(|| panic!("no {key}")));
        let want = m["total_usd"].as_f64().unwrap();
        assert!(
            (shown - want).abs() <= 0.5,
            "{key}: shown {shown}, plan.json {want}"
        );
    }
}

fn plan_report(model: &str, want_code: i32) -> (PathBuf, serde_json::Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let code = capplan(&[
        "plan".as_ref(),
        common::root().join("models").join(model).as_os_str(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, want_code, "{model}");
    let doc =
        serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap()).unwrap();
    (dir.path().join("report.html"), doc, dir)
}

#[test]
fn the_shipped_scenario_report_shows_every_chart_and_the_plans_figures() {
    let (html, doc, _dir) = plan_report("aws-frontier-2027q1.toml", 0);
    assert_report(
        &html,
        &doc,
        &["chips-", "util-", "floor-", "gantt", "bill"],
        "aws-frontier-2027q1.png",
    );
}

#[test]
fn the_infeasible_report_shows_what_cannot_be_met_and_the_timeline() {
    let (html, doc, _dir) = plan_report("infeasible-deadline.toml", 1);
    let source = std::fs::read_to_string(&html).unwrap();
    assert!(source.contains("What cannot be met"));
    for u in doc["unmeetable"].as_array().expect("unmeetable") {
        let msg = u["message"].as_str().unwrap().replace('"', "&quot;");
        assert!(source.contains(&msg), "{msg}");
    }
    assert_report(&html, &doc, &["gantt"], "infeasible-deadline.png");
}

#[test]
fn a_check_report_rendered_by_capplan_report_matches_its_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = common::root().join("tests/data");
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .arg("check")
        .arg(data.join("bill-hand.toml"))
        .arg(data.join("bill-hand.csv"))
        .args(["--format", "json"])
        .output()
        .expect("check");
    let json = dir.path().join("check.json");
    std::fs::write(&json, &out.stdout).unwrap();
    let html = dir.path().join("check.html");
    let code = capplan(&[
        "report".as_ref(),
        json.as_os_str(),
        "-o".as_ref(),
        html.as_os_str(),
    ]);
    assert_eq!(code, 0);
    let doc = serde_json::from_slice(&out.stdout).unwrap();
    assert_report(
        &html,
        &doc,
        &["chips-", "util-", "floor-", "bill"],
        "check-bill-hand.png",
    );
}
