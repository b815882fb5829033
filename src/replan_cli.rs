//! `capplan replan`: the command line of a re-plan (a module of the binary, next to `main.rs`).
//! What a re-plan does is in [`capplan::replan`]; this file reads the arguments and the file's
//! `[replan]` table, runs it and writes what it found.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use capplan::model::Scenario;
use capplan::output;
use capplan::plan::{plan_from_past, PlanError, PlanOutcome};
use capplan::replan::{as_of_period, read_actuals, summary_text, ReplanSummary};
use capplan::report;
use capplan::solver::Algorithm;

use super::{emit, exit, load, plan_exit_code, plan_options, say, Format, ReplanArgs, OUT_FILES};

/// What to re-plan: from the command line, else from the file's `[replan]` table.
struct Request {
    as_of: NaiveDate,
    first_open: usize,
    actuals: PathBuf,
    previous: Option<PathBuf>,
}

fn request(args: &ReplanArgs, s: &Scenario) -> Result<Request, String> {
    let kept = s.replan.as_ref();
    let as_of = match (&args.as_of, kept) {
        (Some(text), _) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            format!("--as-of {text}: not a date\n    help: write the first day to re-plan as YYYY-MM-DD")
        })?,
        (None, Some(r)) => r.as_of,
        (None, None) => return Err(missing(&s.file, "--as-of DATE")),
    };
    let first_open = as_of_period(&s.horizon, as_of)?;
    let actuals = match (&args.actuals, kept) {
        (Some(p), _) => p.clone(),
        (None, Some(r)) => r.actuals.clone(),
        (None, None) => return Err(missing(&s.file, "--actuals USAGE.csv")),
    };
    let previous = args
        .previous
        .clone()
        .or_else(|| kept.and_then(|r| r.previous.clone()));
    Ok(Request {
        as_of,
        first_open,
        actuals,
        previous,
    })
}

fn missing(file: &Path, flag: &str) -> String {
    format!(
        "{}: nothing says what to re-plan: give {flag}\n    help: pass --actuals USAGE.csv --as-of DATE, or keep them in the file as a [replan] table with as_of and actuals",
        file.display()
    )
}

/// Reads the actuals of the re-plan the file keeps, if any: `capplan validate` checks them.
pub(super) fn check_kept(s: &Scenario) -> Result<(), capplan::allocation_io::AllocationError> {
    match &s.replan {
        Some(r) => read_actuals(s, &r.actuals, r.first_open).map(|_| ()),
        None => Ok(()),
    }
}

/// Runs `capplan replan`.
pub(super) fn run(args: ReplanArgs, verbose: bool) -> anyhow::Result<u8> {
    let s = match load(&args.model) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let req = match request(&args, &s) {
        Ok(r) => r,
        Err(message) => {
            say(format_args!("error: {message}"));
            return Ok(exit::BAD_INPUT);
        }
    };
    let actuals = match read_actuals(&s, &req.actuals, req.first_open) {
        Ok(a) => a,
        Err(e) => {
            say(format_args!("error: {e}"));
            return Ok(exit::BAD_INPUT);
        }
    };
    if actuals.ignored_rows > 0 {
        say(format_args!(
            "warning: {}: {} on or after {} ignored: those periods are re-planned",
            actuals.file.display(),
            report::count_s(actuals.ignored_rows, "row"),
            req.as_of
        ));
    }
    if let Some(dir) = &args.out {
        output::prepare_folder(dir, &OUT_FILES)?;
    }
    let opts = plan_options(
        args.solver,
        Algorithm::Auto,
        args.time_limit,
        args.mip_gap,
        verbose,
    );
    let (outcome, history) = match plan_from_past(&s, &opts, &actuals.allocation, req.first_open) {
        Ok(o) => o,
        Err(PlanError::Solver(e)) => {
            say(format_args!("error: {e}"));
            return Ok(exit::BAD_INPUT);
        }
        Err(e) => {
            say(format_args!("error: {e}"));
            return Ok(exit::INTERNAL);
        }
    };
    let history = matches!(outcome, PlanOutcome::Planned { .. }).then_some(history);
    let mut summary = ReplanSummary::new(&s, req.as_of, req.first_open, &actuals, history);
    let plan_json = report::json_pretty(&report::plan_document(&s, &outcome, &[]))?;
    if let Some(previous) = &req.previous {
        let name = args.out.as_ref().map_or("this re-plan".to_string(), |d| {
            d.join("plan.json").display().to_string()
        });
        match capplan::diff::diff_with_document(previous, &name, &plan_json) {
            Ok(d) => summary.changes = Some(d),
            Err(e) => {
                say(format_args!("error: --previous: {e}"));
                return Ok(exit::BAD_INPUT);
            }
        }
    }
    let mut document = report::plan_document(&s, &outcome, &[]);
    document.replan = Some(&summary);
    let json = report::json_pretty(&document)?;
    if let Some(dir) = &args.out {
        write_outputs(dir, &outcome, &json)?;
    }
    match args.format {
        Format::Table => emit(text(&s, &summary, &outcome).as_bytes())?,
        Format::Json => emit(&json)?,
    }
    Ok(plan_exit_code(&outcome))
}

/// The plan's text with the re-plan's section after the horizon line, and the changes last.
fn text(s: &Scenario, summary: &ReplanSummary, outcome: &PlanOutcome) -> String {
    let plan = report::plan_text(s, outcome);
    let plan = plan.replacen("capplan plan: ", "capplan replan: ", 1);
    let after_horizon = plan
        .find("\nHorizon: ")
        .and_then(|h| plan[h + 1..].find("\n\n").map(|n| h + 1 + n + 2))
        .unwrap_or(0);
    let mut out = String::with_capacity(plan.len() + 1024);
    out.push_str(&plan[..after_horizon]);
    out.push_str(&summary_text(s, summary));
    out.push_str(&plan[after_horizon..]);
    if let Some(d) = &summary.changes {
        out.push_str("\nAgainst the previous plan:\n");
        out.push_str(&d.text());
    }
    out
}

/// Writes schedule.csv (the fixed past and the plan), bill.csv, report.html and plan.json as
/// one set, like `plan --out`.
fn write_outputs(dir: &Path, outcome: &PlanOutcome, json: &[u8]) -> anyhow::Result<()> {
    let html = capplan::html::render(&serde_json::from_slice(json)?, "plan.json")?;
    let [schedule, bill_file, prices_file, report_file, plan] = OUT_FILES;
    match outcome {
        PlanOutcome::Planned { audit, .. } => {
            let csv = report::schedule_csv(&audit.schedule);
            let bill = capplan::finance::bill_csv(&audit.bill.lines);
            output::replace_set(
                dir,
                &[
                    (schedule, &csv),
                    (bill_file, &bill),
                    (report_file, html.as_bytes()),
                    (plan, json),
                ],
                &[prices_file],
            )?
        }
        _ => output::replace_set(
            dir,
            &[(report_file, html.as_bytes()), (plan, json)],
            &[schedule, bill_file, prices_file],
        )?,
    }
    Ok(())
}
