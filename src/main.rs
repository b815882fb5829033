//! The `capplan` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use capplan::export::{self, ExportFormat};
use capplan::generate::{generate, GenerateError, GenerateOptions};
use capplan::model::Scenario;
use capplan::plan::{plan_inspecting, PlanError, PlanOptions, PlanOutcome};
use capplan::report;
use capplan::solver::{Algorithm, Backend, SolveOptions};

/// Exit codes: the contract scripts and CI rely on.
mod exit {
    /// Planned; compliant; valid.
    pub const OK: u8 = 0;
    /// No plan keeps every term (infeasible, or no plan within the time limit).
    pub const NO_PLAN: u8 = 1;
    /// `check`: the allocation breaks a hard rule (or, with `--fail-on-shortfall`, leaves a floor
    /// short); the same code as [`NO_PLAN`].
    pub const VIOLATIONS: u8 = NO_PLAN;
    /// Bad input: the file, the place and the fix are printed.
    pub const BAD_INPUT: u8 = 2;
    /// Internal error: a solver failure, or a plan that fails its own audit.
    pub const INTERNAL: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "capplan",
    version,
    about = "Cost-minimizing compute-capacity plans under accelerator contracts"
)]
struct Cli {
    /// Show progress on stderr (-v: phases, -vv: debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a scenario file and report every problem found.
    Validate {
        /// Scenario TOML file.
        model: PathBuf,
    },
    /// Compute the cost-minimizing plan that keeps every contract term.
    Plan(PlanArgs),
    /// Audit an allocation (schedule.csv, plan.json, or a hand-written CSV) against the
    /// scenario's contract terms, independently of the planner.
    Check(CheckArgs),
    /// Write a seeded synthetic scenario (feasible by construction) to stdout.
    Generate(GenerateArgs),
    /// Render a saved plan.json or `check --format json` document as one self-contained HTML page.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// plan.json (from `plan --out`) or the output of `check --format json`.
    document: PathBuf,
    /// HTML file to write [default: report.html beside the document].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    /// Aligned text for a terminal.
    Table,
    /// One JSON document.
    Json,
    /// The findings as CSV (rule,severity,workload,cluster,contract,periods,amount,unit,message).
    Csv,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Scenario TOML file.
    model: PathBuf,
    /// Allocation: CSV with columns period, cluster, workload, chip_hours (extra columns are
    /// ignored), or the plan.json that `capplan plan --out` writes.
    allocation: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: CheckFormat,
    /// Exit 1 on billed shortfalls too (spend floors, soft utilization floors), not only on
    /// violations of hard rules.
    #[arg(long)]
    fail_on_shortfall: bool,
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Number of workloads (three training-type runs for every inference service).
    #[arg(long)]
    workloads: usize,
    /// Number of clusters (AWS, GCP and Azure; reserved and per-use).
    #[arg(long)]
    clusters: usize,
    /// Number of weekly periods.
    #[arg(long)]
    periods: usize,
    /// Seed: the same seed gives the same file, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Dependency edges between training workloads (0: none, the plan is a pure LP).
    #[arg(long, default_value_t = 0)]
    edges: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SolverArg {
    /// HiGHS where compiled in; otherwise clarabel for LPs and microlp for MILPs.
    Auto,
    /// Pure-Rust simplex and branch and bound.
    Microlp,
    /// Pure-Rust interior point (LPs only).
    Clarabel,
    /// HiGHS (build with --features highs).
    Highs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned text for a terminal.
    Table,
    /// One JSON document.
    Json,
}

#[derive(clap::Args)]
struct PlanArgs {
    /// Scenario TOML file.
    model: PathBuf,
    /// Solver backend.
    #[arg(long, value_enum, default_value = "auto")]
    solver: SolverArg,
    /// HiGHS LP algorithm.
    #[arg(long, value_enum, default_value = "auto")]
    algorithm: Algorithm,
    /// Stop after this many seconds and return the best plan found so far.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Stop once the plan is proven within this fraction of optimal (0.01 = 1%).
    #[arg(long, value_name = "FRACTION")]
    mip_gap: Option<f64>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also write schedule.csv, bill.csv, plan.json and report.html into this folder (created if
    /// missing).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the exact program that is solved to FILE: `.mps` (free MPS) or `.lp` (CPLEX LP).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::Validate { model } => validate(&model),
        Command::Plan(args) => run_plan(args, cli.verbose > 0),
        Command::Check(args) => run_check(args),
        Command::Generate(args) => run_generate(&args),
        Command::Report(args) => run_report(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::INTERNAL)
        }
    }
}

/// Writes a report to stdout. A reader that stops early (`| head`) is not an error.
fn emit(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.context("cannot write to stdout")?),
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "capplan=info",
        _ => "capplan=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

/// Loads a scenario, printing its problems and returning the exit code on failure.
fn load(model: &Path) -> Result<Scenario, u8> {
    Scenario::from_file(model).map_err(|e| {
        eprintln!("error: {e}");
        exit::BAD_INPUT
    })
}

fn validate(model: &Path) -> anyhow::Result<u8> {
    let s = match load(model) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    println!(
        "{}: valid: {} periods, {} clusters, {} workloads ({} dependencies), {} contracts",
        model.display(),
        s.horizon.len(),
        s.clusters.len(),
        s.workloads.len(),
        s.dag.edge_count(),
        s.contracts.len()
    );
    Ok(exit::OK)
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<u8> {
    let opts = GenerateOptions {
        workloads: args.workloads,
        clusters: args.clusters,
        periods: args.periods,
        seed: args.seed,
        edges: args.edges,
    };
    match generate(&opts) {
        Ok(text) => {
            emit(text.as_bytes())?;
            Ok(exit::OK)
        }
        Err(e @ GenerateError::BadArgument(_)) => {
            eprintln!("error: {e}");
            Ok(exit::BAD_INPUT)
        }
        Err(e) => Err(e.into()),
    }
}

fn run_plan(args: PlanArgs, verbose: bool) -> anyhow::Result<u8> {
    let export_format = match args.export.as_deref().map(ExportFormat::from_path) {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return Ok(exit::BAD_INPUT);
        }
    };
    let started = Instant::now();
    let scenario = match load(&args.model) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let load_seconds = started.elapsed().as_secs_f64();
    let opts = PlanOptions {
        backend: match args.solver {
            SolverArg::Auto => None,
            SolverArg::Microlp => Some(Backend::Microlp),
            SolverArg::Clarabel => Some(Backend::Clarabel),
            SolverArg::Highs => Some(Backend::Highs),
        },
        solve: SolveOptions {
            time_limit: args.time_limit,
            mip_gap: args.mip_gap,
            verbose,
            algorithm: args.algorithm,
        },
    };
    // The program is exported before it is solved, so a long solve can be inspected meanwhile.
    let mut exported: Option<std::io::Result<()>> = None;
    let mut export_seconds = 0.0;
    let planned = plan_inspecting(&scenario, &opts, |formulation| {
        if let (Some(path), Some(format)) = (&args.export, export_format) {
            let t = Instant::now();
            let text = export::export(formulation, format);
            exported = Some(report::write_atomic(path, text.as_bytes()));
            export_seconds = t.elapsed().as_secs_f64();
            tracing::info!(file = %path.display(), seconds = export_seconds, "exported the program");
        }
    });
    if let (Some(Err(e)), Some(path)) = (&exported, &args.export) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return Ok(exit::BAD_INPUT);
    }
    let mut outcome = match planned {
        Ok(o) => o,
        Err(PlanError::Solver(e)) => {
            eprintln!("error: {e}");
            return Ok(exit::BAD_INPUT);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::INTERNAL);
        }
    };
    let solver = solver_mut(&mut outcome);
    solver.timings.load_seconds = load_seconds;
    solver.timings.write_seconds = export_seconds;
    if let Some(dir) = &args.out {
        write_outputs(dir, &scenario, &mut outcome, export_seconds)?;
    }
    match args.format {
        Format::Table => emit(report::plan_text(&scenario, &outcome).as_bytes())?,
        Format::Json => emit(
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report::plan_document(&scenario, &outcome))?
            )
            .as_bytes(),
        )?,
    }
    Ok(match outcome {
        PlanOutcome::Planned { .. } => exit::OK,
        PlanOutcome::Infeasible { .. } => exit::NO_PLAN,
        PlanOutcome::NoPlan { solver }
            if solver.status == capplan::solver::SolveStatus::TimeLimitNoPlan =>
        {
            exit::NO_PLAN
        }
        PlanOutcome::NoPlan { .. } => exit::INTERNAL,
    })
}

fn solver_mut(outcome: &mut PlanOutcome) -> &mut capplan::plan::SolverInfo {
    match outcome {
        PlanOutcome::Planned { solver, .. }
        | PlanOutcome::Infeasible { solver, .. }
        | PlanOutcome::NoPlan { solver } => solver,
    }
}

/// Writes `schedule.csv` and `plan.json`; only a plan has a schedule, so an infeasible outcome
/// writes `plan.json` alone. `write` seconds count the export and everything written here; the
/// copy inside `plan.json` cannot count writing `plan.json` itself, the report on stdout does.
fn write_outputs(
    dir: &Path,
    scenario: &Scenario,
    outcome: &mut PlanOutcome,
    export_seconds: f64,
) -> anyhow::Result<()> {
    let t = Instant::now();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    if let PlanOutcome::Planned { audit, .. } = &*outcome {
        let csv = report::schedule_csv(&audit.schedule);
        let path = dir.join("schedule.csv");
        report::write_atomic(&path, &csv)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let path = dir.join("bill.csv");
        report::write_atomic(&path, &capplan::finance::bill_csv(&audit.bill.lines))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    solver_mut(outcome).timings.write_seconds = export_seconds + t.elapsed().as_secs_f64();
    let doc = report::plan_document(scenario, outcome);
    let json = serde_json::to_vec_pretty(&doc)?;
    let path = dir.join("plan.json");
    report::write_atomic(&path, &json)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let html = capplan::html::render(&serde_json::from_slice(&json)?, "plan.json")?;
    let path = dir.join("report.html");
    report::write_atomic(&path, html.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    solver_mut(outcome).timings.write_seconds = export_seconds + t.elapsed().as_secs_f64();
    Ok(())
}

fn run_report(args: &ReportArgs) -> anyhow::Result<u8> {
    match capplan::html::write_report(&args.document, args.output.as_deref()) {
        Ok(path) => {
            emit(format!("wrote {}\n", path.display()).as_bytes())?;
            Ok(exit::OK)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(exit::BAD_INPUT)
        }
    }
}

fn run_check(args: CheckArgs) -> anyhow::Result<u8> {
    let scenario = match load(&args.model) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let allocation = match capplan::allocation_io::read_allocation(&scenario, &args.allocation) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::BAD_INPUT);
        }
    };
    let audit = capplan::audit::audit(&scenario, &allocation);
    match args.format {
        CheckFormat::Table => {
            emit(report::check_text(&scenario, &args.allocation, &audit).as_bytes())?
        }
        CheckFormat::Json => emit(
            format!(
                "{}\n",
                serde_json::to_string_pretty(&report::check_document(
                    &scenario,
                    &args.allocation,
                    &audit
                ))?
            )
            .as_bytes(),
        )?,
        CheckFormat::Csv => emit(&report::findings_csv(&audit.findings))?,
    }
    let failed = audit.violations() > 0 || (args.fail_on_shortfall && audit.shortfalls() > 0);
    Ok(if failed { exit::VIOLATIONS } else { exit::OK })
}
