//! The `capplan` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use capplan::export::{self, ExportFormat};
use capplan::generate::{generate_segmented, GenerateError, GenerateOptions};
use capplan::model::Scenario;
use capplan::output::{self, OutputError};
use capplan::overrides::{self, Applied, Override};
use capplan::plan::{plan_inspecting, PlanError, PlanOptions, PlanOutcome};
use capplan::report;
use capplan::schema::PeriodLength;
use capplan::sensitivity;
use capplan::solver::{Algorithm, Backend, SolveOptions};

mod replan_cli;

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
    /// `diff`: the two plans differ (like `diff`; the same code as [`NO_PLAN`]).
    pub const DIFFERENT: u8 = NO_PLAN;
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
        /// Output format: `json` prints one document on stdout, problems included (for CI).
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Compute the cost-minimizing plan that keeps every contract term.
    Plan(PlanArgs),
    /// Re-plan from what actually ran: the periods before --as-of fixed to --actuals (or the
    /// file's [replan] table), the rest planned again; the total covers the whole horizon.
    Replan(ReplanArgs),
    /// Audit an allocation (schedule.csv, plan.json, or a hand-written CSV) against the
    /// scenario's contract terms, independently of the planner.
    Check(CheckArgs),
    /// Write a seeded synthetic scenario (feasible by construction) to stdout.
    Generate(GenerateArgs),
    /// Plan a scenario at many points (a grid of --vary values, or --points FILE.csv), in
    /// parallel; `sweep merge` joins the outputs of --shard runs.
    Sweep(SweepArgs),
    /// What changed between two plans (plan.json files or --out folders). Exit 0 when they are
    /// the same, 1 when they differ (like `diff`), 2 when one cannot be read.
    Diff(DiffArgs),
    /// Print the JSON Schema of the scenario format, for editors (schema/scenario.schema.json),
    /// or with --output of plan and check JSON
    Schema {
        /// Print the schema of the JSON documents of `plan` (plan.json) and `check` instead
        /// (schema/plan-output.schema.json).
        #[arg(long)]
        output: bool,
    },
    /// Render a saved plan.json or `check --format json` document as one self-contained HTML page.
    Report(ReportArgs),
}

#[derive(clap::Args)]
struct ReplanArgs {
    /// Scenario TOML file.
    model: PathBuf,
    /// What ran: CSV with columns period, cluster, workload, chip_hours (the forms `check`
    /// reads), or a plan.json [default: the file's [replan] actuals].
    #[arg(long, value_name = "USAGE.csv")]
    actuals: Option<PathBuf>,
    /// First day re-planned (YYYY-MM-DD, the first day of a period); the periods before it
    /// are fixed to the actuals [default: the file's [replan] as_of].
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// The plan this one replaces (plan.json or an --out folder): say what changed
    /// [default: the file's [replan] previous, if any].
    #[arg(long, value_name = "PLAN")]
    previous: Option<PathBuf>,
    /// Also write schedule.csv (the fixed past and the new plan), bill.csv, plan.json and
    /// report.html into this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Solver backend.
    #[arg(long, value_enum, default_value = "auto")]
    solver: SolverArg,
    /// Stop after this many seconds and return the best plan found so far.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Stop once the plan is proven within this fraction of optimal (0.01 = 1%).
    #[arg(long, value_name = "FRACTION")]
    mip_gap: Option<f64>,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The earlier plan: plan.json, or the folder `plan --out` wrote.
    a: PathBuf,
    /// The later plan.
    b: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SweepArgs {
    #[command(subcommand)]
    merge: Option<SweepCommand>,
    /// Scenario TOML file.
    model: Option<PathBuf>,
    /// A path and its values: PATH=V1,V2,... or PATH=A..B/STEP (also *= and +=); repeat for a
    /// grid, the first --vary varying slowest.
    #[arg(long, value_name = "PATH=VALUES", value_parser = capplan::sweep::Axis::parse)]
    vary: Vec<capplan::sweep::Axis>,
    /// Points from CSV instead of a grid: a header of paths (PATH, PATH*= or PATH+=), a row per point.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "vary")]
    points: Option<PathBuf>,
    /// Change a field at every point (repeatable), as for `plan`.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Override::parse)]
    set: Vec<Override>,
    /// Points planned at once (default: one per core); each solve is single-threaded.
    #[arg(long, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Only the K-th of N slices (0 <= K < N; the points whose index is K mod N); join the
    /// outputs with `capplan sweep merge`.
    #[arg(long, value_name = "K/N", value_parser = capplan::sweep::Shard::parse)]
    shard: Option<capplan::sweep::Shard>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: SweepFormat,
    /// Solver backend.
    #[arg(long, value_enum, default_value = "auto")]
    solver: SolverArg,
    /// HiGHS LP algorithm.
    #[arg(long, value_enum, default_value = "auto")]
    algorithm: Algorithm,
    /// Stop each point after this many seconds with the best plan found so far.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Stop each point once proven within this fraction of optimal.
    #[arg(long, value_name = "FRACTION")]
    mip_gap: Option<f64>,
}

#[derive(Subcommand)]
enum SweepCommand {
    /// Join the outputs of `--shard` runs (all CSV or all JSON) into the bytes one unsharded
    /// run writes.
    Merge {
        /// Shard outputs, in any order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SweepFormat {
    /// Aligned text for a terminal.
    Table,
    /// One row per point.
    Csv,
    /// One JSON document.
    Json,
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
    /// Change a field of the scenario first (repeatable); see `capplan plan --help`.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Override::parse)]
    set: Vec<Override>,
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
    #[arg(
        long,
        required_unless_present = "segments",
        conflicts_with = "segments"
    )]
    periods: Option<usize>,
    /// A segmented horizon instead of weeks: runs of periods, `week:13,month:9,quarter:8`.
    /// Windows are then written as dates and demand as rates, so the file can be planned on
    /// another horizon with `--set horizon.segments=...` (its second line gives the weekly one).
    #[arg(long)]
    segments: Option<String>,
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
    /// Also write schedule.csv, bill.csv, sensitivity.csv, plan.json and report.html into this
    /// folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the exact program that is solved to FILE: `.mps` (free MPS) or `.lp` (CPLEX LP).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    /// Change a field of the scenario first (repeatable): `clusters.ID.chips=72000`,
    /// `contracts.ID.spend_floors.NAME.floor_usd*=1.1`, `workloads.ID.deadline+=1`.
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Override::parse)]
    set: Vec<Override>,
    /// After the plan, move each binding deadline and release one period later and one
    /// earlier, re-plan in parallel, and report what each move saves (docs/sweeps.md).
    #[arg(long)]
    deadlines: bool,
    /// Shadow prices of the binding terms ("What binds"): the largest 10 in the table, all of
    /// them, or none (no duals are computed; the JSON and --out have every term otherwise).
    #[arg(long, value_enum, default_value = "top")]
    sensitivity: SensitivityArg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SensitivityArg {
    /// The 10 largest in the table (every term in JSON and sensitivity.csv).
    Top,
    /// Every binding term in the table too.
    All,
    /// No shadow prices (skips computing them).
    Off,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::Validate { model, format } => validate(&model, format),
        Command::Plan(args) => run_plan(args, cli.verbose > 0),
        Command::Replan(args) => replan_cli::run(args, cli.verbose > 0),
        Command::Check(args) => run_check(args),
        Command::Generate(args) => run_generate(&args),
        Command::Sweep(args) => run_sweep(args, cli.verbose),
        Command::Diff(args) => run_diff(&args),
        Command::Schema { output: false } => {
            emit(capplan::scenario_schema::scenario_schema_json().as_bytes()).map(|()| exit::OK)
        }
        Command::Schema { output: true } => {
            emit(capplan::output_schema::output_schema_json().as_bytes()).map(|()| exit::OK)
        }
        Command::Report(args) => run_report(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // An output that cannot be written (a full disk, a read-only folder) is the user's to
        // fix, like a bad input file: exit 2 with the path and the fix.
        Err(e) if e.downcast_ref::<OutputError>().is_some() => {
            say(format_args!("error: {e:#}"));
            ExitCode::from(exit::BAD_INPUT)
        }
        Err(e) => {
            say(format_args!("error: {e:#}"));
            ExitCode::from(exit::INTERNAL)
        }
    }
}

/// Prints a line on stderr. A closed or full stderr is ignored: there is nowhere left to say so.
fn say(message: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// Writes a report to stdout. A reader that stops early (`| head`) is not an error; a full disk
/// is ([`OutputError`], exit 2).
fn emit(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(OutputError::new("standard output", e).into()),
        Ok(()) => Ok(()),
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
        .with_ansi(use_color(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var_os("NO_COLOR"),
        ))
        .with_target(false)
        // A full or closed stderr is not worth a panic (tracing would report the failed write on
        // that same stderr, with a macro that panics when it fails).
        .log_internal_errors(false)
        .init();
}

/// Colours on a terminal, unless `NO_COLOR` is set to anything but the empty string
/// (<https://no-color.org>).
fn use_color(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Loads a scenario, printing its problems and returning the exit code on failure.
fn load(model: &Path) -> Result<Scenario, u8> {
    Scenario::from_file(model).map_err(|e| {
        say(format_args!("error: {e}"));
        exit::BAD_INPUT
    })
}

/// Loads a scenario with `--set` overrides applied.
fn load_overridden(model: &Path, set: &[Override]) -> Result<(Scenario, Vec<Applied>), u8> {
    overrides::load_file(model, set).map_err(|e| {
        say(format_args!("error: {e}"));
        exit::BAD_INPUT
    })
}

fn validate(model: &Path, format: Format) -> anyhow::Result<u8> {
    use capplan::validation::{summary_line, validation_document, Summary};
    if format == Format::Table {
        let s = match load(model) {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
        if let Err(e) = replan_cli::check_kept(&s) {
            say(format_args!("error: {e}"));
            return Ok(exit::BAD_INPUT);
        }
        emit(format!("{}\n", summary_line(model, &Summary::of(&s))).as_bytes())?;
        return Ok(exit::OK);
    }
    let loaded = Scenario::from_file(model).and_then(|s| match replan_cli::check_kept(&s) {
        Ok(()) => Ok(s),
        Err(e) => Err(capplan::error::LoadError::Invalid {
            file: model.to_path_buf(),
            problems: vec![capplan::error::Problem::new(
                "replan.actuals",
                None,
                e.to_string(),
                "fix the actuals file or the path in [replan]",
            )],
        }),
    });
    let doc = validation_document(model, &loaded);
    emit(&report::json_pretty(&doc)?)?;
    Ok(if doc.valid { exit::OK } else { exit::BAD_INPUT })
}

/// `week:13,month:9,quarter:8` as runs of periods.
fn parse_segments(text: &str) -> Result<Vec<(PeriodLength, u32)>, String> {
    text.split(',')
        .map(|part| {
            let bad = || {
                format!("--segments: \"{part}\" is not LENGTH:COUNT (e.g. week:13,month:9,quarter:8; lengths day, week, month, quarter)")
            };
            let (length, count) = part.trim().split_once(':').ok_or_else(bad)?;
            let length = PeriodLength::parse(length.trim()).ok_or_else(bad)?;
            let count = count.trim().parse::<u32>().map_err(|_| bad())?;
            Ok((length, count))
        })
        .collect()
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<u8> {
    let segments = match (&args.segments, args.periods) {
        (Some(text), _) => match parse_segments(text) {
            Ok(s) => s,
            Err(e) => {
                say(format_args!("error: {e}"));
                return Ok(exit::BAD_INPUT);
            }
        },
        (None, periods) => vec![(
            PeriodLength::Week,
            u32::try_from(periods.unwrap_or(0)).unwrap_or(u32::MAX),
        )],
    };
    let opts = GenerateOptions {
        workloads: args.workloads,
        clusters: args.clusters,
        periods: segments.iter().map(|&(_, n)| n as usize).sum(),
        seed: args.seed,
        edges: args.edges,
    };
    match generate_segmented(&opts, &segments) {
        Ok(text) => {
            emit(text.as_bytes())?;
            Ok(exit::OK)
        }
        Err(e @ GenerateError::BadArgument(_)) => {
            say(format_args!("error: {e}"));
            Ok(exit::BAD_INPUT)
        }
        Err(e) => Err(e.into()),
    }
}

/// Everything about the command line and the output paths that can be refused before the
/// scenario is read and solved: exit 2 instead of a failure after a long solve.
fn preflight(args: &PlanArgs) -> Result<Option<ExportFormat>, String> {
    if args.solver == SolverArg::Highs && !Backend::Highs.is_compiled() {
        return Err(capplan::solver::SolverError::NotCompiled("highs").to_string());
    }
    if let Some(t) = args.time_limit {
        if !(t.is_finite() && t > 0.0 && t <= MAX_TIME_LIMIT) {
            return Err(format!(
                "--time-limit {}: give a positive number of seconds up to {MAX_TIME_LIMIT} (about 11.6 days)\n    help: leave --time-limit out to run until the plan is proven optimal",
                report::display_num(t)
            ));
        }
    }
    if let Some(g) = args.mip_gap {
        if !(g.is_finite() && (0.0..=1.0).contains(&g)) {
            return Err(format!(
                "--mip-gap {}: give a fraction from 0 to 1 (0.01 = 1%)\n    help: 0 asks for the optimum, 1 accepts the first plan found",
                report::display_num(g)
            ));
        }
    }
    let Some(path) = args.export.as_deref() else {
        return Ok(None);
    };
    let format = ExportFormat::from_path(path).map_err(|e| e.to_string())?;
    if path.is_dir() {
        return Err(format!(
            "--export {}: is a folder\n    help: name a file ending in .mps or .lp",
            path.display()
        ));
    }
    if same_file(path, &args.model) {
        return Err(format!(
            "--export {}: is the scenario file itself, which the program would overwrite\n    help: name another file for the program",
            path.display()
        ));
    }
    if let Some(dir) = &args.out {
        if ["schedule.csv", "plan.json"]
            .iter()
            .any(|n| same_file(path, &dir.join(n)))
        {
            return Err(format!(
                "--export {}: is one of the files --out writes\n    help: name another file for the program",
                path.display()
            ));
        }
    }
    Ok(Some(format))
}

/// Whether two paths name the same existing file, or the same new file in the same folder.
fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| {
        std::fs::canonicalize(p).ok().or_else(|| {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = std::fs::canonicalize(dir.unwrap_or(Path::new("."))).ok()?;
            Some(dir.join(p.file_name()?))
        })
    };
    matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}

/// The longest `--time-limit`, seconds. Longer limits are refused rather than capped: a limit
/// is a promise about when the run ends, and the deadline must fit an `Instant` on every
/// platform (`1e19` seconds overflows one).
const MAX_TIME_LIMIT: f64 = capplan::solver::MAX_TIME_LIMIT_SECONDS;

/// The names `--out` writes, the document last.
const OUT_FILES: [&str; 5] = [
    "schedule.csv",
    "bill.csv",
    "sensitivity.csv",
    "report.html",
    "plan.json",
];

/// Every name `--out` may write: [`OUT_FILES`] and, with `--deadlines`, the what-ifs.
const ALL_OUT_FILES: [&str; 6] = [
    "schedule.csv",
    "bill.csv",
    "sensitivity.csv",
    "report.html",
    "plan.json",
    capplan::deadlines::CSV_FILE,
];

fn run_plan(args: PlanArgs, verbose: bool) -> anyhow::Result<u8> {
    let export_format = match preflight(&args) {
        Ok(f) => f,
        Err(message) => {
            say(format_args!("error: {message}"));
            return Ok(exit::BAD_INPUT);
        }
    };
    let started = Instant::now();
    let (scenario, applied) = match load_overridden(&args.model, &args.set) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let load_seconds = started.elapsed().as_secs_f64();
    if scenario.replan.is_some() {
        say(format_args!(
            "note: {} has a [replan] table; `capplan plan` plans the whole horizon from scratch (`capplan replan {}` fixes the periods before its as_of to the actuals)",
            args.model.display(),
            args.model.display()
        ));
    }
    if let Some(dir) = &args.out {
        output::prepare_folder(dir, &ALL_OUT_FILES)?;
    }
    let mut opts = plan_options(
        args.solver,
        args.algorithm,
        args.time_limit,
        args.mip_gap,
        verbose,
    );
    opts.solve.duals = args.sensitivity != SensitivityArg::Off;
    // The program is exported before it is solved, so a long solve can be inspected meanwhile.
    let mut exported: Option<Result<(), OutputError>> = None;
    let mut export_seconds = 0.0;
    let planned = plan_inspecting(&scenario, &opts, |formulation| {
        if let (Some(path), Some(format)) = (&args.export, export_format) {
            let t = Instant::now();
            let text = export::export(formulation, format);
            exported = Some(output::write_atomic(path, text.as_bytes()));
            export_seconds = t.elapsed().as_secs_f64();
            tracing::info!(file = %path.display(), seconds = export_seconds, "exported the program");
        }
    });
    if let Some(Err(e)) = exported {
        return Err(e.into());
    }
    let mut outcome = match planned {
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
    let solver = solver_mut(&mut outcome);
    solver.timings.load_seconds = load_seconds;
    solver.timings.write_seconds = export_seconds;
    let whatifs = match args.deadlines {
        true => deadline_whatifs(&args, &scenario, &outcome, &opts)?,
        false => None,
    };
    if let Some(dir) = &args.out {
        let written = Written {
            export_seconds,
            applied: &applied,
            whatifs: whatifs.as_ref(),
        };
        write_outputs(dir, &scenario, &mut outcome, &written)?;
    }
    match args.format {
        Format::Table => {
            let mut text = report::plan_text(&scenario, &outcome);
            if let Some(sens) = &solver_mut(&mut outcome).sensitivity {
                let limit = (args.sensitivity == SensitivityArg::Top).then_some(sensitivity::TOP);
                text.push('\n');
                text.push_str(&sensitivity::text(&scenario, sens, limit));
            }
            if args.deadlines {
                text.push_str(&whatifs.as_ref().map_or_else(no_whatifs, |w| w.text()));
            }
            emit(overrides::annotate_text(&text, &applied).as_bytes())?
        }
        Format::Json => emit(&report::json_pretty(&plan_json(
            &scenario,
            &outcome,
            &applied,
            whatifs.as_ref(),
        ))?)?,
    }
    Ok(plan_exit_code(&outcome))
}

/// The exit code of a plan's outcome: a plan, none that keeps every term, or a failure.
fn plan_exit_code(outcome: &PlanOutcome) -> u8 {
    match outcome {
        PlanOutcome::Planned { .. } => exit::OK,
        PlanOutcome::Infeasible { .. } => exit::NO_PLAN,
        PlanOutcome::NoPlan { solver }
            if solver.status == capplan::solver::SolveStatus::TimeLimitNoPlan =>
        {
            exit::NO_PLAN
        }
        PlanOutcome::NoPlan { .. } => exit::INTERNAL,
    }
}

/// The deadline and release what-ifs of a plan (`--deadlines`); `None` without a plan.
fn deadline_whatifs(
    args: &PlanArgs,
    scenario: &Scenario,
    outcome: &PlanOutcome,
    opts: &capplan::plan::PlanOptions,
) -> anyhow::Result<Option<capplan::deadlines::DeadlineWhatifs>> {
    let PlanOutcome::Planned { audit, .. } = outcome else {
        return Ok(None);
    };
    let text = capplan::sweep::read_model(&args.model)?;
    let w =
        capplan::deadlines::deadline_whatifs(&text, &args.model, &args.set, scenario, audit, opts)?;
    Ok(Some(w))
}

fn no_whatifs() -> String {
    "\nDeadlines and releases: not re-planned, there is no plan to compare with.\n".into()
}

/// `plan.json`: the plan's document, the overrides applied and, with `--deadlines`, the
/// what-ifs.
fn plan_json<'a>(
    scenario: &Scenario,
    outcome: &'a PlanOutcome,
    applied: &'a [Applied],
    whatifs: Option<&'a capplan::deadlines::DeadlineWhatifs>,
) -> report::Document<'a> {
    let mut doc = report::plan_document(scenario, outcome, applied);
    doc.deadline_whatifs = whatifs;
    doc
}

/// The planning settings `plan` and `sweep` share.
fn plan_options(
    solver: SolverArg,
    algorithm: Algorithm,
    time_limit: Option<f64>,
    mip_gap: Option<f64>,
    verbose: bool,
) -> PlanOptions {
    PlanOptions {
        backend: match solver {
            SolverArg::Auto => None,
            SolverArg::Microlp => Some(Backend::Microlp),
            SolverArg::Clarabel => Some(Backend::Clarabel),
            SolverArg::Highs => Some(Backend::Highs),
        },
        solve: SolveOptions {
            time_limit,
            mip_gap,
            verbose,
            algorithm,
            ..SolveOptions::default()
        },
    }
}

fn solver_mut(outcome: &mut PlanOutcome) -> &mut capplan::plan::SolverInfo {
    match outcome {
        PlanOutcome::Planned { solver, .. }
        | PlanOutcome::Infeasible { solver, .. }
        | PlanOutcome::NoPlan { solver } => solver,
    }
}

/// What `--out` writes besides the plan itself.
struct Written<'a> {
    /// Seconds spent exporting the program (counted in `write`).
    export_seconds: f64,
    /// The overrides applied.
    applied: &'a [Applied],
    /// The `--deadlines` what-ifs, written to `deadlines.csv` and `plan.json`.
    whatifs: Option<&'a capplan::deadlines::DeadlineWhatifs>,
}

/// Writes `schedule.csv` and `plan.json` as one set ([`output::replace_set`]); only a plan has a
/// schedule, so an infeasible outcome writes `plan.json` and removes a previous run's
/// `schedule.csv`. `write` seconds count the export and the rendering here; the copy inside
/// `plan.json` cannot count writing `plan.json` itself, the report on stdout does.
fn write_outputs(
    dir: &Path,
    scenario: &Scenario,
    outcome: &mut PlanOutcome,
    written: &Written,
) -> anyhow::Result<()> {
    let Written {
        export_seconds,
        applied,
        whatifs,
    } = *written;
    let t = Instant::now();
    let (csv, bill) = match &*outcome {
        PlanOutcome::Planned { audit, .. } => (
            Some(report::schedule_csv(&audit.schedule)),
            Some(capplan::finance::bill_csv(&audit.bill.lines)),
        ),
        _ => (None, None),
    };
    let prices = solver_mut(outcome)
        .sensitivity
        .as_ref()
        .filter(|_| csv.is_some())
        .map(sensitivity::csv);
    solver_mut(outcome).timings.write_seconds = export_seconds + t.elapsed().as_secs_f64();
    let json = report::json_pretty(&plan_json(scenario, outcome, applied, whatifs))?;
    let html = capplan::html::render(&serde_json::from_slice(&json)?, "plan.json")?;
    let whatifs_csv = whatifs.map(|w| w.csv());
    let [schedule, bill_file, prices_file, report_file, plan] = OUT_FILES;
    let mut files: Vec<(&str, &[u8])> = Vec::new();
    let mut stale = Vec::new();
    match (&csv, &bill) {
        (Some(csv), Some(bill)) => files.extend([(schedule, &csv[..]), (bill_file, &bill[..])]),
        _ => stale.extend([schedule, bill_file]),
    }
    match &prices {
        Some(p) => files.push((prices_file, p)),
        None => stale.push(prices_file),
    }
    match &whatifs_csv {
        Some(c) => files.push((capplan::deadlines::CSV_FILE, c)),
        None => stale.push(capplan::deadlines::CSV_FILE),
    }
    files.extend([(report_file, html.as_bytes()), (plan, &json[..])]);
    output::replace_set(dir, &files, &stale)?;
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
            say(format_args!("error: {e}"));
            Ok(exit::BAD_INPUT)
        }
    }
}

fn run_check(args: CheckArgs) -> anyhow::Result<u8> {
    let (scenario, applied) = match load_overridden(&args.model, &args.set) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let allocation = match capplan::allocation_io::read_allocation(&scenario, &args.allocation) {
        Ok(a) => a,
        Err(e) => {
            say(format_args!("error: {e}"));
            return Ok(exit::BAD_INPUT);
        }
    };
    // A schedule read from a file may have been rounded to whole chip-hours by hand.
    let audit = capplan::audit::audit_with(
        &scenario,
        &allocation,
        capplan::audit::Tolerance::WHOLE_CHIP_HOURS,
    );
    match args.format {
        CheckFormat::Table => emit(
            overrides::annotate_text(
                &report::check_text(&scenario, &args.allocation, &audit),
                &applied,
            )
            .as_bytes(),
        )?,
        CheckFormat::Json => emit(&report::json_pretty(&report::check_document(
            &scenario,
            &args.allocation,
            &audit,
            &applied,
        ))?)?,
        CheckFormat::Csv => emit(&report::findings_csv(&audit.findings))?,
    }
    let failed = audit.violations() > 0 || (args.fail_on_shortfall && audit.shortfalls() > 0);
    Ok(if failed { exit::VIOLATIONS } else { exit::OK })
}

fn run_sweep(args: SweepArgs, verbose: u8) -> anyhow::Result<u8> {
    use capplan::sweep::{self, Points, SweepOptions};
    use capplan::sweep_output::{self, SweepDocument};
    if let Some(SweepCommand::Merge { files }) = &args.merge {
        return match sweep_output::merge(files) {
            Ok(bytes) => emit(&bytes).map(|()| exit::OK),
            Err(e) => {
                say(format_args!("error: {e}"));
                Ok(exit::BAD_INPUT)
            }
        };
    }
    let bad = |m: &str| {
        say(format_args!("error: {m}"));
        Ok(exit::BAD_INPUT)
    };
    let Some(model) = &args.model else {
        return bad("sweep needs a scenario: capplan sweep MODEL --vary PATH=V1,V2");
    };
    let points = match &args.points {
        Some(f) => match Points::from_csv(f) {
            Ok(p) => p,
            Err(e) => return bad(&e.to_string()),
        },
        None if args.vary.is_empty() => {
            return bad("nothing to vary: give --vary PATH=V1,V2,... or --points FILE.csv")
        }
        None => Points::grid(&args.vary),
    };
    let mut plan = plan_options(
        args.solver,
        args.algorithm,
        args.time_limit,
        args.mip_gap,
        false,
    );
    // Each row names its largest shadow prices (`top_binding`).
    plan.solve.duals = true;
    let opts = SweepOptions {
        plan,
        jobs: args.jobs,
        shard: args.shard,
        progress: verbose > 0 || std::io::IsTerminal::is_terminal(&std::io::stderr()),
        point_logs: verbose > 1,
    };
    let rows = match sweep::read_model(model)
        .and_then(|text| sweep::run(&text, model, &args.set, &points, &opts))
    {
        Ok(rows) => rows,
        Err(e) => return bad(&e.to_string()),
    };
    let unsupported = rows.iter().any(|r| r.is_unsupported());
    let internal = rows.iter().any(|r| r.is_internal_error());
    let doc = SweepDocument::new(
        model,
        args.set.iter().map(|o| o.spec.clone()).collect(),
        points.columns.clone(),
        points.points.len(),
        args.shard,
        rows,
    );
    match args.format {
        SweepFormat::Table => emit(doc.table().as_bytes())?,
        SweepFormat::Csv => emit(&doc.csv())?,
        SweepFormat::Json => emit(&doc.json())?,
    }
    Ok(if unsupported {
        exit::BAD_INPUT
    } else if internal {
        exit::INTERNAL
    } else {
        exit::OK
    })
}

fn run_diff(args: &DiffArgs) -> anyhow::Result<u8> {
    let d = match capplan::diff::diff_files(&args.a, &args.b) {
        Ok(d) => d,
        Err(e) => {
            say(format_args!("error: {e}"));
            return Ok(exit::BAD_INPUT);
        }
    };
    match args.format {
        Format::Table => emit(d.text().as_bytes())?,
        Format::Json => emit(&report::json_pretty(&d)?)?,
    }
    Ok(if d.identical {
        exit::OK
    } else {
        exit::DIFFERENT
    })
}

#[cfg(test)]
mod tests {
    use super::use_color;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_color(true, None));
        assert!(use_color(true, Some("".into())));
        assert!(!use_color(true, Some("1".into())));
        assert!(!use_color(false, None));
    }
}
