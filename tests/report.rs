//! report.html without a browser: `plan --out` writes it for every shipped model, it loads
//! nothing from anywhere (no http(s) reference, no external script, style, font or image), it
//! holds every chart the document calls for with a text alternative, and `capplan report`
//! renders saved documents or refuses what is not one with exit code 2.

mod common;

use std::path::Path;
use std::process::Command;

fn capplan(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .output()
        .expect("run capplan");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

/// Nothing in the page is fetched from elsewhere.
#[track_caller]
fn assert_self_contained(html: &str, what: &str) {
    for bad in [
        "http://",
        "https://",
        "<link",
        "@import",
        " src=",
        "@font-face",
    ] {
        assert!(!html.contains(bad), "{what}: contains {bad:?}");
    }
    let urls: Vec<&str> = html
        .match_indices("url(")
        .map(|(i, _)| &html[i..i + 6])
        .collect();
    assert!(urls.iter().all(|u| *u == "url(#a"), "{what}: {urls:?}");
}

/// Every chart is an SVG with a title, a description and a data table.
#[track_caller]
fn assert_accessible_charts(html: &str, what: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, _) in html.match_indices("<svg class=\"chart\" id=\"") {
        let rest = &html[i + 23..];
        let id = &rest[..rest.find('"').unwrap()];
        assert!(
            rest.contains(&format!("<title id=\"{id}-t\">")),
            "{what}: {id}"
        );
        assert!(
            rest.contains(&format!("<desc id=\"{id}-d\">")),
            "{what}: {id}"
        );
        ids.push(id.to_string());
    }
    assert_eq!(
        html.matches("<details").count(),
        ids.len(),
        "{what}: one data table per chart"
    );
    ids
}

#[test]
fn every_shipped_model_gets_a_self_contained_report_with_its_charts() {
    for model in common::shipped_models() {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = capplan(&[
            "plan".as_ref(),
            model.as_os_str(),
            "--out".as_ref(),
            dir.path().as_os_str(),
        ]);
        let what = model.display().to_string();
        assert!(code <= 1, "{what}: {err}");
        let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
        assert_self_contained(&html, &what);
        let ids = assert_accessible_charts(&html, &what);
        assert!(ids.iter().any(|i| i == "gantt"), "{what}: {ids:?}");
        if code == 0 {
            assert!(dir.path().join("bill.csv").exists());
            for want in ["chips-0", "bill"] {
                assert!(
                    ids.iter().any(|i| i == want),
                    "{what}: no {want} in {ids:?}"
                );
            }
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap())
                    .unwrap();
            let floors = doc["bill"]["spend_floors"].as_array().unwrap().len();
            assert_eq!(
                ids.iter().filter(|i| i.starts_with("floor-")).count(),
                floors
            );
        } else {
            assert!(html.contains("What cannot be met"), "{what}");
            assert!(!dir.path().join("bill.csv").exists());
        }
    }
}

#[test]
fn the_shipped_scenarios_bill_csv_adds_up_to_the_plans_total() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::root().join("models/aws-frontier-2027q1.toml");
    let (code, _, _) = capplan(&[
        "plan".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap()).unwrap();
    let mut r = csv::Reader::from_path(dir.path().join("bill.csv")).unwrap();
    let total_col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "total_usd")
        .unwrap();
    let sum: f64 = r
        .records()
        .map(|rec| rec.unwrap()[total_col].parse::<f64>().unwrap())
        .sum();
    let want = doc["total_cost_usd"].as_f64().unwrap();
    assert!(
        (sum - want).abs() < 0.005,
        "bill.csv {sum} vs plan.json {want}"
    );
}

#[test]
fn capplan_report_renders_a_saved_plan_and_refuses_what_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::root().join("models/tutorial.toml");
    let out = dir.path().join("out");
    capplan(&[
        "plan".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let saved = out.join("plan.json");
    let target = dir.path().join("again.html");
    let (code, stdout, _) = capplan(&[
        "report".as_ref(),
        saved.as_os_str(),
        "-o".as_ref(),
        target.as_os_str(),
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("again.html"), "{stdout}");
    // The same document renders the same page as `plan --out` wrote.
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        std::fs::read_to_string(out.join("report.html")).unwrap()
    );
    let missing = dir.path().join("nope.json");
    let (code, _, err) = capplan(&["report".as_ref(), missing.as_os_str()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nope.json") && err.contains("capplan plan --out"),
        "{err}"
    );
    let not_doc = dir.path().join("other.json");
    std::fs::write(&not_doc, "[1, 2]").unwrap();
    let (code, _, err) = capplan(&["report".as_ref(), not_doc.as_os_str()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("other.json") && err.contains("not a capplan"),
        "{err}"
    );
    assert!(!Path::new(&dir.path().join("report.html")).exists());
}

#[test]
fn binding_terms_are_rendered_only_where_the_document_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::root().join("models/tutorial.toml");
    capplan(&[
        "plan".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        dir.path().as_os_str(),
    ]);
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("plan.json")).unwrap()).unwrap();
    // The tutorial's plan carries its shadow prices: the largest, the utilization floor's $1.00
    // per chip-hour (its penalty), is on the page with where it binds.
    let with = capplan::html::render(&doc, "plan.json").unwrap();
    assert!(with.contains("<h2>Binding terms</h2>"), "{with}");
    assert!(
        with.contains("<td>utilization floor</td><td>aws-tutorial, trn2-dedicated, period 1</td><td class=\"n\">$1.00</td>"),
        "{with}"
    );
    let terms = doc["sensitivity"]["terms"].as_array().unwrap().len();
    let shown = terms.min(10);
    assert!(
        with.contains(&format!("The {shown} largest of {terms};")),
        "{with}"
    );
    doc["sensitivity"] = serde_json::Value::Null;
    let without = capplan::html::render(&doc, "plan.json").unwrap();
    assert!(!without.contains("Binding terms"));
}

/// A document of format_version 1 (before plan and check JSON were one shape) is refused with
/// the file and the fix, exit 2, and no page is written.
#[test]
fn capplan_report_refuses_a_format_version_1_document_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::root().join("models/tutorial.toml");
    let out = dir.path().join("out");
    capplan(&[
        "plan".as_ref(),
        model.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    doc["format_version"] = 1.into();
    let old = dir.path().join("old.json");
    std::fs::write(&old, serde_json::to_vec(&doc).unwrap()).unwrap();
    let (code, stdout, err) = capplan(&["report".as_ref(), old.as_os_str()]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        err.contains(&format!("{}: format_version 1", old.display())),
        "{err}"
    );
    assert!(err.contains("re-run `capplan plan"), "{err}");
    assert!(!dir.path().join("report.html").exists());
    // The library says the same.
    let e = capplan::html::render(&doc, "old.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("old.json: format_version 1 was written by an older capplan"),
        "{e}"
    );
}

#[test]
fn documents_of_a_later_version_or_without_one_are_refused_with_what_to_do() {
    use capplan::report::read_format_version;
    let v = |x: serde_json::Value| read_format_version(&x, "p.json");
    assert_eq!(v(serde_json::json!({"format_version": 2})), Ok(()));
    let newer = v(serde_json::json!({"format_version": 3})).unwrap_err();
    assert!(
        newer.starts_with("p.json: format_version 3 was written by a newer capplan"),
        "{newer}"
    );
    assert!(
        newer.contains("help: use that capplan, or re-run"),
        "{newer}"
    );
    let none = v(serde_json::json!({"status": "optimal"})).unwrap_err();
    assert!(
        none.starts_with("p.json: no \"format_version\": not a capplan plan or check document"),
        "{none}"
    );
    let text = v(serde_json::json!({"format_version": "2"})).unwrap_err();
    assert!(text.contains("no \"format_version\""), "{text}");
}
