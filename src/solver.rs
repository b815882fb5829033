//! Solver backends behind one small interface.
//!
//! Every backend goes through good_lp. The pure-Rust backends (microlp for integer models,
//! clarabel for pure LPs) are always compiled in; HiGHS is behind the `highs` cargo feature.
//! Outcomes such as "infeasible" or "time limit with a plan in hand" are statuses, not errors.

use std::time::Instant;

use good_lp::solvers::{ResolutionError, SolutionStatus};
use good_lp::{
    variable, DualValues, Expression, ProblemVariables, Solution, SolutionWithDual, SolverModel,
    Variable, WithMipGap, WithTimeLimit,
};
use serde::Serialize;

use crate::duals::{self, Duals};
use crate::lp::{LinearProgram, Scaled};
use crate::sifting::{Goal, Sifted};

#[cfg(feature = "highs")]
pub mod highs_session;

/// The longest time limit [`solve`] takes (about 11.6 days); the command line says the same.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 1e6;

/// A solver backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Pure-Rust simplex with branch and bound (LP and MILP).
    Microlp,
    /// Pure-Rust interior point (LP only).
    Clarabel,
    /// HiGHS (LP and MILP; needs the `highs` cargo feature).
    Highs,
}

impl Backend {
    /// Name as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            Backend::Clarabel => "clarabel",
            Backend::Highs => "highs",
        }
    }

    /// Whether this build includes the backend.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Microlp | Backend::Clarabel => true,
            Backend::Highs => cfg!(feature = "highs"),
        }
    }

    /// The backend `auto` picks for a model: HiGHS where compiled in; otherwise clarabel for
    /// pure LPs (interior point: 4.4 s against microlp's 14.1 s on the 148k-variable standard
    /// instance) and microlp for models with integer variables (clarabel has none).
    pub fn auto(has_integers: bool) -> Backend {
        if Backend::Highs.is_compiled() {
            Backend::Highs
        } else if has_integers {
            Backend::Microlp
        } else {
            Backend::Clarabel
        }
    }
}

/// HiGHS algorithm choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// The measured fastest (HiGHS: dual simplex for LPs, branch and cut for MILPs; see the
    /// README's scaling table).
    #[default]
    Auto,
    /// Dual simplex.
    Simplex,
    /// Interior point (with crossover to a vertex).
    Ipm,
}

/// Limits and settings for one solve.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// Wall-clock limit, seconds.
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which to stop.
    pub mip_gap: Option<f64>,
    /// Print the solver's own progress on stderr (HiGHS).
    pub verbose: bool,
    /// HiGHS algorithm.
    pub algorithm: Algorithm,
    /// HiGHS threads (`None`: its default). Sweeps set 1: their parallelism is one solve per core.
    pub threads: Option<u32>,
    /// Also read the row duals of the plan's LP (with the integer columns fixed, for a program
    /// that has some) into [`SolveResult::duals`]. Free with clarabel and HiGHS, which return
    /// them with the plan; microlp has none, so they cost one clarabel solve.
    pub duals: bool,
}

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// Proven optimal (within the solver's tolerances).
    Optimal,
    /// Stopped at the requested MIP gap with a plan.
    GapLimit,
    /// Stopped by the time limit with a plan in hand.
    TimeLimit,
    /// Stopped by the time limit before any plan was found.
    TimeLimitNoPlan,
    /// No plan satisfies the hard constraints.
    Infeasible,
    /// The solver failed (numerical trouble).
    Failed,
}

impl SolveStatus {
    /// Whether a plan came back.
    pub fn has_plan(self) -> bool {
        matches!(
            self,
            SolveStatus::Optimal | SolveStatus::GapLimit | SolveStatus::TimeLimit
        )
    }

    /// Name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "optimal",
            SolveStatus::GapLimit => "gap_limit",
            SolveStatus::TimeLimit => "time_limit",
            SolveStatus::TimeLimitNoPlan => "time_limit_no_plan",
            SolveStatus::Infeasible => "infeasible",
            SolveStatus::Failed => "failed",
        }
    }
}

/// What one solve returned.
#[derive(Debug, Clone)]
pub struct SolveResult {
    /// Status.
    pub status: SolveStatus,
    /// Column values, when a plan came back.
    pub x: Option<Vec<f64>>,
    /// Relative MIP gap reached, where the backend reports it (0 for proven optimal).
    pub gap: Option<f64>,
    /// Backend used.
    pub backend: Backend,
    /// Algorithm used, as the backend names it.
    pub algorithm: String,
    /// Seconds spent handing the model to the backend.
    pub load_seconds: f64,
    /// Seconds spent solving.
    pub solve_seconds: f64,
    /// The backend's message when it failed.
    pub message: Option<String>,
    /// Row duals of the program, when asked for ([`SolveOptions::duals`]) and a plan came back:
    /// or why there are none.
    pub duals: Option<Result<Duals, String>>,
}

/// Why a solve could not be attempted at all.
#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    /// The backend is not in this build.
    #[error("the {0} backend is not compiled into this build; rebuild with `--features highs` (needs cmake and libclang-dev)")]
    NotCompiled(&'static str),
    /// The backend cannot solve this kind of model.
    #[error("clarabel cannot solve models with integer variables (this scenario has dependencies); use --solver microlp, highs or auto")]
    IntegersUnsupported,
    /// A setting was out of range.
    #[error("{0}")]
    BadOption(String),
}

/// Solves `lp` with `backend`.
pub fn solve(
    lp: &LinearProgram,
    backend: Backend,
    opts: &SolveOptions,
) -> Result<SolveResult, SolverError> {
    if !backend.is_compiled() {
        return Err(SolverError::NotCompiled(backend.as_str()));
    }
    if backend == Backend::Clarabel && lp.num_integers() > 0 {
        return Err(SolverError::IntegersUnsupported);
    }
    if let Some(g) = opts.mip_gap {
        if !(0.0..=1.0).contains(&g) {
            return Err(SolverError::BadOption(format!(
                "--mip-gap {g}: give a fraction from 0 to 1 (0.01 = 1%)"
            )));
        }
    }
    if let Some(t) = opts.time_limit {
        // A deadline is an `Instant` plus the limit: beyond about 1e19 s that overflows.
        if !(t > 0.0 && t <= MAX_TIME_LIMIT_SECONDS) {
            return Err(SolverError::BadOption(format!(
                "--time-limit {t}: give a positive number of seconds, at most {MAX_TIME_LIMIT_SECONDS:e}"
            )));
        }
    }
    // HiGHS's 1e-7 feasibility tolerance is absolute: a $1,000 floor divided down to 1e-7 was
    // left unmet (numerics_props seed 176).
    let scaled = lp.scaled(backend == Backend::Highs);
    let mut result = solve_scaled(&scaled.lp, backend, opts);
    let found = result.duals.take();
    if opts.duals {
        let started = Instant::now();
        result.duals = plan_duals(lp, &scaled, &result, found, opts);
        let seconds = started.elapsed().as_secs_f64();
        tracing::debug!(seconds, "read the plan's duals");
        result.solve_seconds += seconds;
    }
    if let Some(x) = result.x.take() {
        result.x = Some(scaled.unscale(lp, &x));
    }
    Ok(result)
}

/// The duals of the plan's LP in `lp`'s units: those the solve returned (`found`), else a
/// clarabel solve of that LP; `None` when there is no plan. The LP of a program with integers
/// is the one with the integer columns fixed at the plan's values.
fn plan_duals(
    lp: &LinearProgram,
    scaled: &Scaled,
    result: &SolveResult,
    found: Option<Result<Duals, String>>,
    opts: &SolveOptions,
) -> Option<Result<Duals, String>> {
    let x = result.x.as_ref().filter(|_| result.status.has_plan())?;
    let integers = lp.num_integers() > 0;
    if !integers && result.status != SolveStatus::Optimal {
        return Some(Err(format!(
            "the plan is not proven optimal (the solve ended {}): its duals would not be the plan's prices",
            result.status.as_str()
        )));
    }
    let fixed;
    let final_lp = if integers {
        fixed = with_integers_fixed(&scaled.lp, x);
        &fixed
    } else {
        &scaled.lp
    };
    let mut d = match found {
        Some(Ok(d)) => d,
        Some(Err(why)) => return Some(Err(why)),
        None => match clarabel_duals(final_lp, x, opts) {
            Ok(d) => d,
            Err(e) => return Some(Err(e)),
        },
    };
    duals::fold_tightened_bounds(final_lp, &scaled.tightened_by, x, &mut d.rows);
    d.rows = duals::unscale(lp, scaled, &d.rows);
    d.integers_fixed = integers;
    Some(Ok(d))
}

/// Duals of `lp` (whose optimum `x` is known) from a clarabel solve of it: what the backends
/// without duals (microlp) use. Refused when clarabel's optimum costs more than `x`'s.
fn clarabel_duals(lp: &LinearProgram, x: &[f64], opts: &SolveOptions) -> Result<Duals, String> {
    if !lp.has_active_rows() {
        return Ok(no_row_binds(lp));
    }
    let lp_opts = SolveOptions {
        time_limit: None,
        mip_gap: None,
        ..opts.clone()
    };
    let r = clarabel_on(lp, &lp_opts);
    let (Some(y), Some(z)) = (r.x, r.duals) else {
        return Err(format!(
            "clarabel, asked for the duals of the plan's LP, ended {}",
            r.status.as_str()
        ));
    };
    let (ours, theirs) = (lp.objective_value(x), lp.objective_value(&y));
    if (ours - theirs).abs() > 1e-6 * ours.abs().max(1.0) || lp.max_violation(&y) > 1e-6 {
        return Err(format!(
            "clarabel's solve of the plan's LP (for its duals) did not reach the plan's optimum ({theirs:.9e} against {ours:.9e})"
        ));
    }
    let mut d = z?;
    d.source = "clarabel (a second solve, for the duals)".into();
    Ok(d)
}

/// Duals of a program in which no row binds: all zero.
fn no_row_binds(lp: &LinearProgram) -> Duals {
    Duals {
        rows: vec![0.0; lp.num_rows()],
        integers_fixed: false,
        source: "none needed (no row constrains the plan)".into(),
    }
}

/// Solves a program already in natural units ([`LinearProgram::scaled`]).
fn solve_scaled(lp: &LinearProgram, backend: Backend, opts: &SolveOptions) -> SolveResult {
    if lp.num_cols() == 0 || !lp.has_active_rows() {
        // Nothing to schedule (no workloads, or none that constrains another): the backends
        // were seen to panic or fail on such programs, and the answer needs no solver.
        return solve_on_bounds(lp, backend);
    }
    if backend == Backend::Microlp && lp.num_integers() > 0 {
        return solve_microlp_branching(lp, opts);
    }
    if backend == Backend::Highs && lp.num_integers() > 0 {
        return solve_highs_milp(lp, opts);
    }
    let started = Instant::now();
    let deadline = deadline_from(opts, started);
    let mut result = match backend {
        // microlp was seen to stop on "singular matrix" with coefficients spanning ten orders
        // of magnitude: confirmed with clarabel as for the relaxations.
        Backend::Microlp => solve_lp_held(lp, opts, deadline),
        Backend::Clarabel => clarabel_on(lp, opts),
        Backend::Highs => highs_on(lp, opts),
    };
    if result.algorithm == "simplex + branch and bound" && lp.num_integers() == 0 {
        result.algorithm = "simplex".into();
    }
    if backend == Backend::Clarabel {
        result = check_interior_point(lp, result, opts);
    }
    if backend == Backend::Highs
        && lp.num_integers() == 0
        && matches!(result.status, SolveStatus::Infeasible | SolveStatus::Failed)
    {
        // HiGHS called a feasible LP infeasible when a 1e-6 PFLOP job met a $4e11 spend
        // floor; the pure-Rust backends confirm before the scenario is called infeasible.
        let second = solve_relaxation(lp, opts, None);
        if second.status == SolveStatus::Optimal {
            tracing::info!(
                highs = result.status.as_str(),
                "microlp found a plan HiGHS did not"
            );
            let mut second = second;
            second.algorithm = format!(
                "{}, then simplex (HiGHS ended {})",
                result.algorithm,
                result.status.as_str()
            );
            second.backend = Backend::Highs;
            result = second;
        }
    }
    if backend == Backend::Clarabel && result.status == SolveStatus::Optimal {
        if let Some(x) = result.x.take() {
            let polished = Instant::now();
            result.x = Some(polish_support(lp, x, &until(opts, deadline)));
            result.solve_seconds += polished.elapsed().as_secs_f64();
        }
    }
    if lp.num_integers() > 0 {
        if let Some(x) = result.x.take() {
            let polished = Instant::now();
            let (x, duals) = fix_integers_and_resolve(lp, x, backend, opts);
            result.x = Some(x);
            result.duals = duals;
            result.solve_seconds += polished.elapsed().as_secs_f64();
        }
    }
    result
}

/// good_lp reports whatever clarabel returns as optimal, and with costs spanning twenty orders
/// of magnitude (a 1e-5 PFLOP job next to a $5e5 penalty) it was seen to return a point that
/// breaks a demand row outright, or to call a feasible program infeasible. Checks the answer
/// against every row and falls back to the simplex method when it does not hold or is missing.
fn check_interior_point(
    lp: &LinearProgram,
    result: SolveResult,
    opts: &SolveOptions,
) -> SolveResult {
    let violation = match &result.x {
        Some(x) => lp.max_violation(x),
        // Called infeasible or failed: clarabel was seen to say both of feasible programs
        // whose costs span many orders of magnitude; the simplex method has the last word.
        None if result.status == SolveStatus::TimeLimitNoPlan => return result,
        None => f64::INFINITY,
    };
    if violation <= 1e-6 {
        return result;
    }
    tracing::info!(
        violation,
        "the interior point breaks a row; solving with the simplex method instead"
    );
    let (vars, cols, objective) = to_good_lp(lp, false);
    let rows = rows_to_constraints(lp, &cols);
    let mut r = solve_microlp(vars, objective, rows, &cols, opts);
    r.algorithm = if violation.is_finite() {
        format!("interior point, then simplex: the interior point broke a row by {violation:.1e}")
    } else {
        format!(
            "interior point, then simplex: the interior point ended {}",
            result.status.as_str()
        )
    };
    r.load_seconds += result.load_seconds;
    r.solve_seconds += result.solve_seconds;
    r
}

/// An interior point ends near, not on, a vertex: it leaves round-off on columns that are zero
/// at the optimum (hundreds of rows of 0.001 chip-hours in a schedule). Like a crossover, this
/// fixes at zero the columns within 1e-6 of it (in their own units) and re-solves the rest with
/// the simplex method, which puts them exactly on their bounds. Keeps `x` unless the re-solve
/// is optimal and no more expensive. `opts`' time limit holds for the re-solves together.
fn polish_support(lp: &LinearProgram, x: Vec<f64>, opts: &SolveOptions) -> Vec<f64> {
    let deadline = deadline_from(opts, Instant::now());
    let lp_opts = SolveOptions {
        mip_gap: None,
        ..opts.clone()
    };
    let before = lp.objective_value(&x);
    // The interior point may buy a little cost with round-off on the rows: a vertex on its
    // support within 1e-6 of its cost is the same optimum, held exactly.
    let accept = |y: &Vec<f64>| {
        lp.objective_value(y) <= before + 1e-6 * before.abs().max(1.0)
            && lp.max_violation(y) <= 1e-7
    };
    let on_support = support(lp, &x);
    if on_support.iter().all(|&k| k) {
        return x;
    }
    if let Some(y) = simplex_over(lp, &on_support, &lp_opts).filter(accept) {
        return y;
    }
    // The interior point can stop short of the optimum (seen at 4e-5 with costs spanning
    // thirteen orders of magnitude), and then its support holds no vertex as cheap: solve the
    // whole program with the simplex method, whose optimum holds every row exactly.
    let whole = vec![true; lp.num_cols()];
    let held = |y: &Vec<f64>| lp.max_violation(y) <= 1e-7;
    if let Some(y) = simplex_over(lp, &whole, &until(&lp_opts, deadline)).filter(held) {
        return y;
    }
    tracing::debug!(
        before,
        "neither the support polish nor the simplex method improved on the interior point"
    );
    x
}

/// The columns of `x` a polish re-solves: those off zero (beyond 1e-6) or with a nonzero lower
/// bound.
fn support(lp: &LinearProgram, x: &[f64]) -> Vec<bool> {
    (0..lp.num_cols())
        .map(|j| lp.col_lower[j] != 0.0 || x[j] > 1e-6)
        .collect()
}

/// The simplex method's optimum of `lp` over the columns marked `keep` (the others at zero),
/// or `None` where it has none.
fn simplex_over(lp: &LinearProgram, keep: &[bool], opts: &SolveOptions) -> Option<Vec<f64>> {
    let (over, kept) = lp.restricted_to(keep);
    tracing::debug!(columns = kept.len(), "the simplex method over a support");
    let (vars, cols, objective) = to_good_lp(&over, false);
    let rows = rows_to_constraints(&over, &cols);
    let r = solve_microlp(vars, objective, rows, &cols, opts);
    let (SolveStatus::Optimal, Some(z)) = (r.status, r.x) else {
        return None;
    };
    let mut y = vec![0.0; lp.num_cols()];
    for (k, &j) in kept.iter().enumerate() {
        y[j] = z[k];
    }
    Some(y)
}

/// A program whose rows constrain nothing (or that has no columns): every column sits at the
/// bound its objective prefers; rows without columns are checked as they stand.
fn solve_on_bounds(lp: &LinearProgram, backend: Backend) -> SolveResult {
    let mut r = result(
        backend,
        "none needed (no constraints)",
        SolveStatus::Optimal,
    );
    let mut x = Vec::with_capacity(lp.num_cols());
    for j in 0..lp.num_cols() {
        let v = if lp.obj[j] > 0.0 {
            lp.col_lower[j]
        } else if lp.obj[j] < 0.0 {
            lp.col_upper[j]
        } else if lp.col_lower[j].is_finite() {
            lp.col_lower[j]
        } else {
            lp.col_upper[j].min(0.0)
        };
        if !v.is_finite() {
            r.status = SolveStatus::Failed;
            r.message = Some("the program is unbounded (a column with no finite bound in the direction its cost prefers)".into());
            return r;
        }
        x.push(v);
    }
    if lp.max_violation(&x) > 1e-9 {
        r.status = SolveStatus::Infeasible;
        return r;
    }
    r.gap = Some(0.0);
    r.x = Some(x);
    r.duals = Some(Ok(no_row_binds(lp)));
    r
}

/// Fixes the integer columns at their (rounded) values, fixes the columns that rows then force
/// onto a bound (those behind a closed dependency gate), and re-solves the LP with `backend`
/// (microlp, confirmed by clarabel, for the pure-Rust build). Integer solutions come back
/// within an integrality tolerance: a gate at 1e-7 lets a successor run a little before its
/// predecessor is done; the re-solve makes the plan exactly consistent with its integers.
/// Keeps `x` if the re-solve does not end optimal. Returns the re-solve's duals too, where its
/// backend gives them (those of the LP with the integers fixed).
fn fix_integers_and_resolve(
    lp: &LinearProgram,
    x: Vec<f64>,
    backend: Backend,
    opts: &SolveOptions,
) -> (Vec<f64>, Option<Result<Duals, String>>) {
    let fixed = with_integers_fixed(lp, &x);
    let lp_opts = SolveOptions {
        time_limit: None,
        mip_gap: None,
        ..opts.clone()
    };
    let r = if !fixed.has_active_rows() {
        solve_on_bounds(&fixed, backend)
    } else if backend == Backend::Highs {
        let (vars, cols, objective) = to_good_lp(&fixed, false);
        let rows = rows_to_constraints(&fixed, &cols);
        solve_highs(&fixed, vars, objective, rows, &lp_opts)
    } else {
        solve_lp_held(&fixed, &lp_opts, None)
    };
    tracing::debug!(
        status = r.status.as_str(),
        "re-solved with the integers fixed"
    );
    match (r.status, r.x) {
        // The re-solve's duals are its point's: kept only with it.
        (SolveStatus::Optimal, Some(polished)) if prefer_resolve(lp, &x, &polished) => {
            (polished, r.duals)
        }
        _ => (x, None),
    }
}

/// `lp` with its integer columns fixed at `x`'s (rounded) values and made continuous, and the
/// columns that rows then force onto a bound (behind a closed dependency gate) fixed there.
fn with_integers_fixed(lp: &LinearProgram, x: &[f64]) -> LinearProgram {
    let mut fixed = lp.clone();
    for j in 0..fixed.num_cols() {
        if fixed.integer[j] {
            let v = x[j].round().clamp(fixed.col_lower[j], fixed.col_upper[j]);
            fixed.col_lower[j] = v;
            fixed.col_upper[j] = v;
            fixed.integer[j] = false;
        }
    }
    fixed.fix_forced_columns();
    fixed
}

/// The more trustworthy of a point `x` and its re-solve `y`.
fn better_of(lp: &LinearProgram, x: Vec<f64>, y: Vec<f64>) -> Vec<f64> {
    if prefer_resolve(lp, &x, &y) {
        y
    } else {
        x
    }
}

/// Whether the re-solve `y` is more trustworthy than the point `x` (of branch and bound, or of
/// the simplex method): yes unless it breaks a row that `x` keeps, or costs more while `x` keeps
/// every row. The re-solve can fall back to the interior-point method, which was seen (costs
/// spanning fifteen orders of magnitude) to end 2e-6 outside a demand row at a point that is
/// 0.2% dear once held exactly.
fn prefer_resolve(lp: &LinearProgram, x: &[f64], y: &[f64]) -> bool {
    let (vx, vy) = (lp.max_violation(x), lp.max_violation(y));
    let y_keeps_rows = vy <= ROWS_KEPT;
    let x_keeps_rows = vx <= ROWS_KEPT;
    let y_cheaper = || {
        let (ox, oy) = (lp.objective_value(x), lp.objective_value(y));
        oy <= ox + 1e-9 * ox.abs().max(1.0)
    };
    let keep_y = match (x_keeps_rows, y_keeps_rows) {
        (false, true) => true,
        (true, true) => y_cheaper(),
        (true, false) => false,
        (false, false) => vy <= vx,
    };
    if !keep_y {
        tracing::debug!(vx, vy, "kept the point over its re-solve");
    }
    keep_y
}

/// Most a row may be off (in its scaled units) for a point to count as keeping it.
const ROWS_KEPT: f64 = 1e-7;

/// An LP by the simplex method ([`solve_relaxation`]), held to its rows: microlp was seen to
/// call "optimal" a point 5.7e-6 outside a demand row (costs spanning eleven orders of
/// magnitude), which the audit then bills as 931 units of unmet demand. Such an answer is
/// solved again by the interior point, polished onto a vertex, and the better point kept.
fn solve_lp_held(
    lp: &LinearProgram,
    opts: &SolveOptions,
    deadline: Option<Instant>,
) -> SolveResult {
    let mut first = solve_relaxation(lp, opts, deadline);
    let violation = first.x.as_ref().map_or(0.0, |x| lp.max_violation(x));
    if first.status != SolveStatus::Optimal || violation <= ROWS_KEPT {
        return first;
    }
    tracing::info!(
        violation,
        "the simplex method's optimum breaks a row; solving with the interior point too"
    );
    let started = Instant::now();
    let (vars, cols, objective) = to_good_lp(lp, true);
    let rows = rows_to_constraints(lp, &cols);
    let second = solve_clarabel(lp, vars, objective, rows, &cols, opts);
    let second = check_interior_point(lp, second, opts);
    if let (SolveStatus::Optimal, Some(y), Some(x)) = (second.status, second.x, &first.x) {
        let y = polish_support(lp, y, opts);
        first.x = Some(better_of(lp, x.clone(), y));
    }
    first.solve_seconds += started.elapsed().as_secs_f64();
    first
}

/// Hands `lp` to good_lp. clarabel turns every finite bound into a constraint row, so for it (`drop_implied`) the upper
/// bounds that rows already enforce are left out, which halves its rows on large fleets.
fn to_good_lp(
    lp: &LinearProgram,
    drop_implied: bool,
) -> (ProblemVariables, Vec<Variable>, Expression) {
    let mut vars = ProblemVariables::new();
    let cols: Vec<Variable> = (0..lp.num_cols())
        .map(|j| {
            let upper = if drop_implied && lp.upper_implied[j] {
                f64::INFINITY
            } else {
                lp.col_upper[j]
            };
            let mut def = variable().min(lp.col_lower[j]).max(upper);
            if lp.integer[j] {
                def = def.integer();
            }
            vars.add(def)
        })
        .collect();
    let mut objective = Expression::with_capacity(lp.num_cols());
    for (j, &c) in lp.obj.iter().enumerate() {
        if c != 0.0 {
            objective.add_mul(c, cols[j]);
        }
    }
    (vars, cols, objective)
}

fn rows_to_constraints(lp: &LinearProgram, cols: &[Variable]) -> Vec<good_lp::Constraint> {
    let mut out = Vec::with_capacity(lp.num_rows());
    for r in 0..lp.num_rows() {
        let (lo, hi) = (lp.row_lower[r], lp.row_upper[r]);
        let expr = || {
            let entries = lp.row(r);
            let mut e = Expression::with_capacity(entries.len());
            for &(c, a) in entries {
                e.add_mul(a, cols[c.0 as usize]);
            }
            e
        };
        if lo == hi {
            out.push(good_lp::constraint::eq(expr(), lo));
        } else {
            if lo.is_finite() {
                out.push(good_lp::constraint::geq(expr(), lo));
            }
            if hi.is_finite() {
                out.push(good_lp::constraint::leq(expr(), hi));
            }
        }
    }
    out
}

fn result(backend: Backend, algorithm: &str, status: SolveStatus) -> SolveResult {
    SolveResult {
        status,
        x: None,
        gap: None,
        backend,
        algorithm: algorithm.to_string(),
        load_seconds: 0.0,
        solve_seconds: 0.0,
        message: None,
        duals: None,
    }
}

fn from_error(backend: Backend, algorithm: &str, e: ResolutionError) -> SolveResult {
    let status = match &e {
        ResolutionError::Infeasible => SolveStatus::Infeasible,
        ResolutionError::Other(m) if m.contains("Time limit") || m.contains("time limit") => {
            SolveStatus::TimeLimitNoPlan
        }
        ResolutionError::Str(m) if m.contains("Time limit") || m.contains("time limit") => {
            SolveStatus::TimeLimitNoPlan
        }
        _ => SolveStatus::Failed,
    };
    let mut r = result(backend, algorithm, status);
    r.message = Some(e.to_string());
    r
}

fn status_of(s: SolutionStatus) -> SolveStatus {
    match s {
        SolutionStatus::Optimal => SolveStatus::Optimal,
        SolutionStatus::GapLimit => SolveStatus::GapLimit,
        SolutionStatus::TimeLimit => SolveStatus::TimeLimit,
    }
}

fn solve_microlp(
    vars: ProblemVariables,
    objective: Expression,
    rows: Vec<good_lp::Constraint>,
    cols: &[Variable],
    opts: &SolveOptions,
) -> SolveResult {
    let algorithm = "simplex + branch and bound";
    let load = Instant::now();
    let mut model = vars.minimise(objective).using(good_lp::microlp);
    for c in rows {
        model.add_constraint(c);
    }
    if let Some(t) = opts.time_limit {
        model = model.with_time_limit(t);
    }
    if let Some(g) = opts.mip_gap {
        model = model.with_mip_gap(g as f32).expect("gap checked above");
    }
    let load_seconds = load.elapsed().as_secs_f64();
    // microlp reports no progress of its own: say what runs and under which limit.
    timed_solve(
        Backend::Microlp,
        algorithm,
        model,
        cols,
        opts,
        load_seconds,
        |_| None,
    )
}

/// Solves a model handed to a good_lp backend, timing it and reading the values back (and
/// the duals, with `read_duals`).
fn timed_solve<M>(
    backend: Backend,
    algorithm: &str,
    model: M,
    cols: &[Variable],
    opts: &SolveOptions,
    load_seconds: f64,
    read_duals: impl FnOnce(&mut M::Solution) -> Option<Duals>,
) -> SolveResult
where
    M: SolverModel<Error = ResolutionError>,
{
    tracing::debug!(
        backend = backend.as_str(),
        algorithm,
        time_limit = opts.time_limit,
        "solving"
    );
    let started = Instant::now();
    let outcome = model.solve();
    let solve_seconds = started.elapsed().as_secs_f64();
    tracing::debug!(
        backend = backend.as_str(),
        solve_seconds,
        ok = outcome.is_ok(),
        "solver returned"
    );
    let mut r = match outcome {
        Ok(mut sol) => {
            let mut r = result(backend, algorithm, status_of(sol.status()));
            r.gap = (r.status == SolveStatus::Optimal).then_some(0.0);
            r.x = Some(cols.iter().map(|&v| sol.value(v)).collect());
            r.duals = read_duals(&mut sol).map(Ok);
            r
        }
        Err(e) => from_error(backend, algorithm, e),
    };
    r.load_seconds = load_seconds;
    r.solve_seconds = solve_seconds;
    r
}

/// clarabel on `lp` as given, by sifting where that pays off.
fn clarabel_on(lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
    if crate::sifting::worth_sifting(lp) {
        return solve_sifting(lp, opts, Backend::Clarabel, clarabel_whole);
    }
    clarabel_whole(lp, opts)
}

/// clarabel on the whole of `lp`, handed over through good_lp.
fn clarabel_whole(lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
    let converted = Instant::now();
    let (vars, cols, objective) = to_good_lp(lp, true);
    let rows = rows_to_constraints(lp, &cols);
    let convert_seconds = converted.elapsed().as_secs_f64();
    let mut r = solve_clarabel(lp, vars, objective, rows, &cols, opts);
    r.load_seconds += convert_seconds;
    r
}

/// `whole` (`backend` on a whole program) on a program with many more columns than rows: over
/// working sets of its columns ([`crate::sifting`]), or, where sifting gives up with time left,
/// the whole program. The plan's algorithm and duals are those of the working sets' solves.
fn solve_sifting(
    lp: &LinearProgram,
    opts: &SolveOptions,
    backend: Backend,
    whole: WholeSolve,
) -> SolveResult {
    let started = Instant::now();
    let deadline = deadline_from(opts, started);
    match sift_with(lp, opts, backend, whole, &Goal::default()) {
        Ok((r, _)) => r,
        Err(why) => {
            let seconds = started.elapsed().as_secs_f64();
            if deadline.is_some_and(|d| Instant::now() >= d) {
                // Handing the whole program over takes seconds before the solver sees its
                // limit (5 s for clarabel on 203,050 columns): none are left.
                tracing::info!(why, seconds, "sifting gave up at the time limit");
                let mut r = result(backend, "sifting", SolveStatus::TimeLimitNoPlan);
                r.solve_seconds = seconds;
                return r;
            }
            tracing::info!(why, seconds, "sifting gave up; solving the whole program");
            let mut r = whole(lp, &until(opts, deadline));
            r.solve_seconds += seconds;
            r
        }
    }
}

/// A backend's solve of a whole program.
type WholeSolve = fn(&LinearProgram, &SolveOptions) -> SolveResult;

/// [`crate::sifting::sift`] toward `goal` with each working set solved by `whole`: the plan
/// (optimal, or within `goal.within` of the bound, which [`SolveResult::gap`] then gives) and
/// what sifting ended with, or why it gave up.
fn sift_with(
    lp: &LinearProgram,
    opts: &SolveOptions,
    backend: Backend,
    whole: WholeSolve,
    goal: &Goal,
) -> Result<(SolveResult, Sifted), String> {
    let started = Instant::now();
    let deadline = deadline_from(opts, started);
    let mut solved_by = None;
    let sifted = crate::sifting::sift(lp, goal, |set| {
        let r = whole(set, &until(opts, deadline));
        match (r.status, r.x, r.duals) {
            (SolveStatus::Optimal, Some(x), Some(Ok(d))) => {
                solved_by = Some((r.algorithm, d.source));
                Some((x, d.rows))
            }
            _ => None,
        }
    })?;
    let (algorithm, source) = solved_by.ok_or("no working set was solved")?;
    let seconds = started.elapsed().as_secs_f64();
    let gap = crate::heuristic::gap(lp.objective_value(&sifted.x), sifted.bound);
    tracing::debug!(
        rounds = sifted.rounds,
        columns = sifted.columns,
        seconds,
        gap,
        "sifted"
    );
    let mut r = result(
        backend,
        &format!("{algorithm}, sifting"),
        SolveStatus::Optimal,
    );
    r.solve_seconds = seconds;
    r.gap = Some(if goal.within > 0.0 { gap } else { 0.0 });
    r.x = Some(sifted.x.clone());
    r.duals = Some(if sifted.optimal {
        Ok(Duals {
            rows: sifted.duals.clone(),
            integers_fixed: false,
            source,
        })
    } else {
        Err(format!(
            "sifting stopped after round {} with the plan proved within the MIP gap, before \
             its LP's optimum, whose duals the shadow prices are",
            sifted.rounds
        ))
    });
    Ok((r, sifted))
}

/// Solves with clarabel the model of `lp` (`rows` from [`rows_to_constraints`]); its duals
/// come back per row of `lp`.
fn solve_clarabel(
    lp: &LinearProgram,
    vars: ProblemVariables,
    objective: Expression,
    rows: Vec<good_lp::Constraint>,
    cols: &[Variable],
    opts: &SolveOptions,
) -> SolveResult {
    let algorithm = "interior point";
    let load = Instant::now();
    let mut model = vars.minimise(objective).using(good_lp::clarabel);
    // The references count the column-bound constraints clarabel adds first.
    let refs: Vec<good_lp::constraint::ConstraintReference> =
        rows.into_iter().map(|c| model.add_constraint(c)).collect();
    if let Some(t) = opts.time_limit {
        model.settings().time_limit(t);
    }
    let load_seconds = load.elapsed().as_secs_f64();
    // clarabel's own progress table goes to stdout, which belongs to the report: report phases.
    // (good_lp reports every clarabel solution as optimal; failures come back as errors.)
    timed_solve(
        Backend::Clarabel,
        algorithm,
        model,
        cols,
        opts,
        load_seconds,
        |sol| {
            // good_lp 1.15.3 returns clarabel's duals as d(objective)/d(right-hand side) for
            // every kind of row (its issue #82, fixed there); tests/sensitivity.rs checks it.
            let dual = sol.compute_dual();
            let per_constraint: Vec<f64> = refs.iter().map(|r| dual.dual(r.clone())).collect();
            Some(Duals {
                rows: duals::rows_from_constraints(lp, &per_constraint),
                integers_fixed: false,
                source: "clarabel".into(),
            })
        },
    )
}

#[cfg(feature = "highs")]
fn solve_highs(
    lp: &LinearProgram,
    vars: ProblemVariables,
    objective: Expression,
    rows: Vec<good_lp::Constraint>,
    opts: &SolveOptions,
) -> SolveResult {
    let has_integers = vars.iter_variables_with_def().any(|(_, d)| d.is_integer());
    let algorithm = highs_algorithm(opts.algorithm, has_integers);
    let load = Instant::now();
    let mut model = match highs_model(vars, objective, rows) {
        Ok(m) => m,
        Err(e) => return from_error(Backend::Highs, algorithm, e),
    };
    set_highs_options(&mut model, opts, has_integers);
    let load_seconds = load.elapsed().as_secs_f64();
    let (mut r, _) = run_highs(lp, model, has_integers, algorithm);
    r.load_seconds = load_seconds;
    r
}

/// good_lp's HiGHS model of the program: its columns in variable order (so in the order of the
/// `LinearProgram` they came from, [`to_good_lp`]), its rows in the order of `rows`.
#[cfg(feature = "highs")]
fn highs_model(
    vars: ProblemVariables,
    objective: Expression,
    rows: Vec<good_lp::Constraint>,
) -> Result<highs::Model, ResolutionError> {
    let mut problem = vars.minimise(objective).using(good_lp::highs);
    for c in rows {
        problem.add_constraint(c);
    }
    problem.try_into_inner()
}

/// Runs `model` (HiGHS's model of `lp`, its options set) and reads its answer: the status, the
/// values of `lp`'s columns, the gap and, for an optimal LP, the row duals. Gives back the solved
/// model too (none when HiGHS returned an error), for a re-solve from its basis.
#[cfg(feature = "highs")]
fn run_highs(
    lp: &LinearProgram,
    model: highs::Model,
    has_integers: bool,
    algorithm: &str,
) -> (SolveResult, Option<highs::SolvedModel>) {
    let started = Instant::now();
    let solved = match model.try_solve() {
        Ok(s) => s,
        Err(e) => {
            let mut r = result(Backend::Highs, algorithm, SolveStatus::Failed);
            r.message = Some(format!("HiGHS error: {e:?}"));
            r.solve_seconds = started.elapsed().as_secs_f64();
            return (r, None);
        }
    };
    let solve_seconds = started.elapsed().as_secs_f64();
    let gap = if has_integers {
        Some(solved.mip_gap()).filter(|g| g.is_finite())
    } else {
        Some(0.0)
    };
    let status = highs_status(solved.status(), gap);
    let mut r = result(Backend::Highs, algorithm, status);
    r.solve_seconds = solve_seconds;
    read_highs_solution(&mut r, &solved, lp.num_cols(), gap);
    if !has_integers && r.status == SolveStatus::Optimal {
        r.duals = Some(Ok(highs_duals(lp, &solved)));
    }
    (r, Some(solved))
}

/// HiGHS's row duals, per row of `lp`. good_lp hands HiGHS a `>=` row as a native lower-bounded
/// row (since its fix of issue #82), so for a minimisation each dual is the change in cost per
/// unit of the row's binding side, whatever its kind; tests/sensitivity.rs checks it per kind.
#[cfg(feature = "highs")]
fn highs_duals(lp: &LinearProgram, solved: &highs::SolvedModel) -> Duals {
    let solution = solved.get_solution();
    Duals {
        rows: duals::rows_from_constraints(lp, solution.dual_rows()),
        integers_fixed: false,
        source: "HiGHS".into(),
    }
}

/// The algorithm HiGHS runs: branch and cut with integers, else the one asked for.
#[cfg(feature = "highs")]
fn highs_algorithm(asked: Algorithm, has_integers: bool) -> &'static str {
    match (asked, has_integers) {
        (_, true) => "branch and cut",
        // Measured on generated fleets of 148k and 1M variables (README, scaling table): HiGHS's
        // dual simplex beat its interior point by 2.5x and 1.3x.
        (Algorithm::Simplex | Algorithm::Auto, false) => "dual simplex",
        (Algorithm::Ipm, false) => "interior point",
    }
}

/// Passes the options (log, LP algorithm, limits, threads) on to HiGHS.
#[cfg(feature = "highs")]
fn set_highs_options(model: &mut highs::Model, opts: &SolveOptions, has_integers: bool) {
    if opts.verbose {
        // HiGHS logs to stdout, which belongs to the report: send its log to stderr instead.
        model.set_option("output_flag", true);
        model.set_option("log_to_console", false);
        model.set_option("log_file", "/dev/stderr");
    }
    if !has_integers {
        model.set_option(
            "solver",
            if opts.algorithm == Algorithm::Ipm {
                "ipm"
            } else {
                "simplex"
            },
        );
    }
    if has_integers {
        // HiGHS accepts a MIP point that breaks a bound by up to 1e-6, ten times what its LP
        // allows: on the scaled program a column costing 7e7 sat 3.4e-7 below zero, which paid
        // for the wrong integers (a plan 0.8% too dear). The MIP may break no more than the LP.
        model.set_option("mip_feasibility_tolerance", 1e-7);
    }
    if let Some(t) = opts.time_limit {
        model.set_option("time_limit", t);
    }
    if let Some(g) = opts.mip_gap {
        model.set_option("mip_rel_gap", g);
    }
    if let Some(n) = opts.threads {
        model.set_option("threads", n as i32);
    }
}

/// Our status for HiGHS's: optimal within a positive `gap` is a gap-limit stop.
#[cfg(feature = "highs")]
fn highs_status(status: highs::HighsModelStatus, gap: Option<f64>) -> SolveStatus {
    use highs::HighsModelStatus as H;
    match status {
        H::Optimal => {
            if gap.is_some_and(|g| g > 0.0) {
                SolveStatus::GapLimit
            } else {
                SolveStatus::Optimal
            }
        }
        H::Infeasible | H::UnboundedOrInfeasible => SolveStatus::Infeasible,
        H::ReachedTimeLimit
        | H::ReachedIterationLimit
        | H::ReachedSolutionLimit
        | H::ReachedInterrupt
        | H::ReachedMemoryLimit => SolveStatus::TimeLimit,
        _ => SolveStatus::Failed,
    }
}

/// Puts HiGHS's values of the first `n_cols` columns and its gap into `r`, or says why there is
/// no plan.
#[cfg(feature = "highs")]
fn read_highs_solution(
    r: &mut SolveResult,
    solved: &highs::SolvedModel,
    n_cols: usize,
    gap: Option<f64>,
) {
    let status = r.status;
    if status.has_plan() {
        if solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible {
            let values = solved.get_solution();
            let columns = values.columns();
            // good_lp adds columns in variable order.
            r.x = Some(columns[..n_cols].to_vec());
            r.gap = if status == SolveStatus::Optimal {
                Some(0.0)
            } else {
                gap
            };
        } else {
            r.status = SolveStatus::TimeLimitNoPlan;
            r.message = Some(format!(
                "HiGHS stopped ({:?}) before it found a feasible plan",
                solved.status()
            ));
        }
    } else if status == SolveStatus::Failed {
        r.message = Some(format!("HiGHS ended with status {:?}", solved.status()));
    }
}

#[cfg(not(feature = "highs"))]
fn solve_highs(
    _: &LinearProgram,
    _: ProblemVariables,
    _: Expression,
    _: Vec<good_lp::Constraint>,
    _: &SolveOptions,
) -> SolveResult {
    unreachable!("solve() refuses backends that are not compiled in")
}

/// Above this many columns, microlp's own branch and bound is not asked for a first plan.
const FIRST_INCUMBENT_MAX_COLUMNS: usize = 50_000;

/// microlp on a model with integers: microlp solves the LP relaxations, [`crate::branch`] does
/// the branching (see there for why).
fn solve_microlp_branching(lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
    let algorithm = "simplex + branch and bound";
    let started = Instant::now();
    let deadline = deadline_from(opts, started);
    // On large programs microlp's simplex needs minutes for one relaxation: the interior
    // point solves the root and the relaxation heuristic ([`crate::heuristic`]) gives the plan.
    let mut root_bound = f64::NEG_INFINITY;
    // The heuristic's plan comes from an LP with its gates fixed: no re-solve if it stands.
    let mut heuristic_obj = None;
    let start = if lp.num_cols() <= FIRST_INCUMBENT_MAX_COLUMNS {
        first_incumbent(lp, opts, started, deadline)
    } else {
        match interior_point_start(lp, opts, deadline) {
            Some((bound, obj, x, duals)) => {
                root_bound = bound;
                let gap = crate::heuristic::gap(obj, bound);
                let time_up = deadline.is_some_and(|d| Instant::now() >= d);
                if time_up || gap <= opts.mip_gap.unwrap_or(0.0) {
                    let target = opts.mip_gap.unwrap_or(0.0);
                    let mut r = heuristic_plan(x, gap, time_up, target, started);
                    r.backend = Backend::Microlp;
                    r.algorithm = "interior-point relaxation, then gates fixed".into();
                    r.duals = duals;
                    return r;
                }
                heuristic_obj = Some(obj);
                Some((obj, x))
            }
            None => None,
        }
    };
    let mut failure: Option<String> = None;
    let outcome = crate::branch::branch_and_bound(
        lp,
        start,
        opts.mip_gap.unwrap_or(0.0),
        deadline,
        |relaxed| {
            let r = solve_relaxation(relaxed, opts, deadline);
            match (r.status, r.x) {
                (SolveStatus::Optimal, Some(x)) => Ok(Some((relaxed.objective_value(&x), x))),
                (SolveStatus::Infeasible, _) => Ok(None),
                (status, _) => {
                    failure = Some(r.message.unwrap_or_else(|| status.as_str().to_string()));
                    Err(())
                }
            }
        },
    );
    tracing::info!(
        nodes = outcome.nodes,
        complete = outcome.complete,
        failure = failure.as_deref(),
        "branch and bound finished"
    );
    let timed_out = deadline.is_some_and(|d| Instant::now() >= d);
    let mut r = result(Backend::Microlp, algorithm, SolveStatus::Failed);
    match outcome.incumbent {
        Some((obj, x)) => {
            let gap = crate::heuristic::gap(obj, outcome.best_bound.max(root_bound));
            r.status = if !outcome.complete {
                SolveStatus::TimeLimit
            } else if gap > 1e-9 {
                SolveStatus::GapLimit
            } else {
                SolveStatus::Optimal
            };
            r.gap = Some(if r.status == SolveStatus::Optimal {
                0.0
            } else {
                gap
            });
            // A plan from the heuristic already solved its fixed LP: its duals, where asked
            // for, come from a second solve ([`plan_duals`]).
            let (x, duals) = if outcome.fixed_incumbent || heuristic_obj == Some(obj) {
                (x, None)
            } else {
                fix_integers_and_resolve(lp, x, Backend::Microlp, opts)
            };
            r.x = Some(x);
            r.duals = duals;
        }
        None => without_plan(&mut r, outcome.complete, timed_out, outcome.nodes, failure),
    }
    r.solve_seconds = started.elapsed().as_secs_f64();
    r
}

/// How a branch and bound that found no plan ended: infeasible (`complete`), out of time, or
/// stopped by a relaxation's `failure`.
fn without_plan(
    r: &mut SolveResult,
    complete: bool,
    timed_out: bool,
    nodes: usize,
    failure: Option<String>,
) {
    if complete {
        r.status = SolveStatus::Infeasible;
    } else if timed_out {
        r.status = SolveStatus::TimeLimitNoPlan;
        r.message = Some(format!(
            "the time limit ran out after {nodes} branch-and-bound node(s) before any plan was found"
        ));
    } else {
        r.message = Some(failure.unwrap_or_else(|| {
            format!("branch and bound stopped after {nodes} node(s) without a plan")
        }));
    }
}

/// For programs too large for microlp's simplex: the relaxation by the interior point, and a
/// plan from it ([`crate::heuristic::round_and_repair`], each fixed LP through clarabel and its
/// safety nets). Returns (lower bound, plan's objective, plan, the fixed LP's duals).
///
/// With a MIP gap asked for, neither LP is solved further than it needs: the relaxation's
/// sifting stops within a quarter of the gap of its bound, each fixed LP's within half of it
/// (of its own bound or the relaxation's), starting from the relaxation's last working set
/// (most of its columns are the fixed LP's); the plan's duals, where asked for, come after.
fn interior_point_start(
    lp: &LinearProgram,
    opts: &SolveOptions,
    deadline: Option<Instant>,
) -> Option<(f64, f64, Vec<f64>, PlanDuals)> {
    let mut relaxed = lp.clone();
    relaxed.integer.iter_mut().for_each(|i| *i = false);
    let lp_opts = SolveOptions {
        mip_gap: None,
        ..until(opts, deadline)
    };
    let target = opts.mip_gap.unwrap_or(0.0);
    let (x, bound, start) = relaxation_by_interior_point(&relaxed, &lp_opts, target / 4.0)?;
    tracing::info!(bound, "the interior point's relaxation");
    let (obj, y, duals) = repair_with_duals(lp, &x, |fixed| {
        let fixed_opts = until(&lp_opts, deadline);
        match &start {
            Some(set) if crate::sifting::worth_sifting(fixed) => {
                fixed_from_working_set(fixed, &fixed_opts, set, (target / 2.0, bound))
            }
            _ => solve_scaled(fixed, Backend::Clarabel, &fixed_opts),
        }
    })?;
    tracing::info!(objective = obj, bound, "a plan from the relaxation");
    Some((bound, obj, y, duals))
}

/// The LP relaxation `relaxed` by clarabel, within `within` of its optimum where it is sifted:
/// its solution, a lower bound on its optimum, and the last working set where it was sifted.
/// Unsifted, the bound is the interior point's objective less 1e-6 of it: it ends within its
/// tolerances (1e-8) of the optimum, on either side, and a proved gap must not be smaller than
/// the true one. Sifted, it is the Lagrangian bound of the last duals, which holds for any.
fn relaxation_by_interior_point(
    relaxed: &LinearProgram,
    opts: &SolveOptions,
    within: f64,
) -> Option<(Vec<f64>, f64, Option<Vec<bool>>)> {
    let deadline = deadline_from(opts, Instant::now());
    if crate::sifting::worth_sifting(relaxed) {
        let goal = Goal {
            start: None,
            within,
            bound: None,
        };
        match sift_with(relaxed, opts, Backend::Clarabel, clarabel_whole, &goal) {
            Ok((_, sifted)) => return Some((sifted.x, sifted.bound, Some(sifted.working_set))),
            Err(why) if deadline.is_some_and(|d| Instant::now() >= d) => {
                tracing::info!(why, "sifting the relaxation gave up at the time limit");
                return None;
            }
            Err(why) => tracing::info!(why, "sifting the relaxation gave up; solving it whole"),
        }
    }
    let root = clarabel_whole(relaxed, &until(opts, deadline));
    let x = root.x.filter(|_| root.status == SolveStatus::Optimal)?;
    let relaxed_obj = relaxed.objective_value(&x);
    Some((x, relaxed_obj - 1e-6 * relaxed_obj.abs(), None))
}

/// A fixed LP of the relaxation heuristic by sifting from `start` (the relaxation's last
/// working set) until its plan is within `within` of its own optimum or of the relaxation's
/// `bound` (on big-dag, the first working set's plan is within 1e-9 of it), on to the optimum
/// where the plan's duals are asked for ([`fixed_to_optimum`]), then the support polish; where
/// sifting gives up, the fixed LP as any other ([`solve_scaled`]).
fn fixed_from_working_set(
    fixed: &LinearProgram,
    opts: &SolveOptions,
    start: &[bool],
    (within, bound): (f64, f64),
) -> SolveResult {
    let goal = Goal {
        start: Some(start.to_vec()),
        within,
        bound: Some(bound),
    };
    let started = Instant::now();
    let deadline = deadline_from(opts, started);
    match sift_with(fixed, opts, Backend::Clarabel, clarabel_whole, &goal) {
        Ok((mut r, sifted)) => {
            if opts.duals && !sifted.optimal {
                r = fixed_to_optimum(fixed, &until(opts, deadline), r, sifted.working_set);
            }
            r = check_interior_point(fixed, r, opts);
            if let (SolveStatus::Optimal, Some(x)) = (r.status, r.x.take()) {
                r.x = Some(polish_support(fixed, x, &until(opts, deadline)));
            }
            r
        }
        Err(why) => {
            tracing::info!(why, "sifting the fixed LP gave up");
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return result(Backend::Clarabel, "sifting", SolveStatus::TimeLimitNoPlan);
            }
            solve_scaled(fixed, Backend::Clarabel, &until(opts, deadline))
        }
    }
}

/// Sifting of `fixed` on from the working set `set` of its plan `early` (proved within the
/// MIP gap) to its optimum, whose duals are the plan's shadow prices: that optimum, or `early`
/// with the reason it has no duals where sifting gives up (at the time limit).
fn fixed_to_optimum(
    fixed: &LinearProgram,
    opts: &SolveOptions,
    mut early: SolveResult,
    set: Vec<bool>,
) -> SolveResult {
    let goal = Goal {
        start: Some(set),
        ..Goal::default()
    };
    match sift_with(fixed, opts, Backend::Clarabel, clarabel_whole, &goal) {
        Ok((r, _)) => r,
        Err(why) => {
            early.duals = Some(Err(format!(
                "the plan was proved within the MIP gap, but its LP was not solved to the \
                 optimum whose duals the shadow prices are: {why} (a longer --time-limit may \
                 give them)"
            )));
            early
        }
    }
}

/// microlp's own branch and bound as a primal heuristic: it finds a good plan quickly, but was
/// seen to stop at a worse one than the optimum, so its answer only seeds the search as an
/// incumbent, after a check that it keeps every row. It gets half of any time limit.
fn first_incumbent(
    lp: &LinearProgram,
    opts: &SolveOptions,
    started: Instant,
    deadline: Option<Instant>,
) -> Option<(f64, Vec<f64>)> {
    let heuristic_opts = SolveOptions {
        time_limit: deadline.map(|d| (d - started).as_secs_f64() / 2.0),
        mip_gap: None,
        ..opts.clone()
    };
    let (vars, cols, objective) = to_good_lp(lp, false);
    let rows = rows_to_constraints(lp, &cols);
    let r = solve_microlp(vars, objective, rows, &cols, &heuristic_opts);
    let mut x = r.x?;
    for j in 0..lp.num_cols() {
        if lp.integer[j] {
            x[j] = x[j].round();
        }
    }
    let violation = lp.max_violation(&x);
    tracing::debug!(
        status = r.status.as_str(),
        violation,
        "microlp's own branch and bound as a first incumbent"
    );
    (violation <= 1e-7).then(|| (lp.objective_value(&x), x))
}

/// Solves an LP relaxation with microlp. microlp 0.6 was seen to call feasible relaxations
/// infeasible and to stop on "singular matrix", so any answer but "optimal" is confirmed with
/// the interior-point solver before the branch is cut.
fn solve_relaxation(
    relaxed: &LinearProgram,
    opts: &SolveOptions,
    deadline: Option<Instant>,
) -> SolveResult {
    let node_opts = SolveOptions {
        time_limit: deadline.map(|d| {
            d.saturating_duration_since(Instant::now())
                .as_secs_f64()
                .max(1e-3)
        }),
        mip_gap: None,
        ..opts.clone()
    };
    let (vars, cols, objective) = to_good_lp(relaxed, false);
    let rows = rows_to_constraints(relaxed, &cols);
    let r = solve_microlp(vars, objective, rows, &cols, &node_opts);
    if matches!(
        r.status,
        SolveStatus::Optimal | SolveStatus::TimeLimitNoPlan
    ) {
        return r;
    }
    let (vars, cols, objective) = to_good_lp(relaxed, true);
    let rows = rows_to_constraints(relaxed, &cols);
    let second = solve_clarabel(relaxed, vars, objective, rows, &cols, &node_opts);
    tracing::debug!(
        microlp = r.status.as_str(),
        clarabel = second.status.as_str(),
        "relaxation confirmed with clarabel"
    );
    match second.status {
        SolveStatus::Optimal | SolveStatus::Infeasible => second,
        _ if r.status == SolveStatus::Infeasible => r,
        _ => second,
    }
}

/// HiGHS's own relative MIP gap when none is asked for.
const HIGHS_DEFAULT_MIP_GAP: f64 = 1e-4;

/// Solves `lp` as given (LP or MILP) with HiGHS; an LP by sifting where that pays off
/// (measured on the segmented standard fleet: 9.5 s against 18.0 s for its whole program,
/// medians of 3 alternated runs, docs/performance.md).
fn highs_on(lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
    if lp.num_integers() == 0 && crate::sifting::worth_sifting(lp) {
        return solve_sifting(lp, opts, Backend::Highs, highs_whole);
    }
    highs_whole(lp, opts)
}

/// HiGHS on the whole of `lp`.
fn highs_whole(lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
    let converted = Instant::now();
    let (vars, cols, objective) = to_good_lp(lp, false);
    let rows = rows_to_constraints(lp, &cols);
    let convert_seconds = converted.elapsed().as_secs_f64();
    let mut r = solve_highs(lp, vars, objective, rows, opts);
    r.load_seconds += convert_seconds;
    r
}

/// When `opts`' time limit, counted from `started`, runs out (`None` without one).
fn deadline_from(opts: &SolveOptions, started: Instant) -> Option<Instant> {
    opts.time_limit
        .map(|t| started + std::time::Duration::from_secs_f64(t))
}

/// The options for a step that may use the time up to `deadline`.
fn until(opts: &SolveOptions, deadline: Option<Instant>) -> SolveOptions {
    SolveOptions {
        time_limit: deadline.map(|d| {
            d.saturating_duration_since(Instant::now())
                .as_secs_f64()
                .max(1e-3)
        }),
        ..opts.clone()
    }
}

/// [`crate::heuristic::round_and_repair`] with each fixed LP solved by `solve`: the plan's
/// objective, the plan, and the duals of the fixed LP that gave it (the search stops at the
/// first fixed LP with a plan, so the last duals taken are its).
fn repair_with_duals(
    lp: &LinearProgram,
    x: &[f64],
    mut solve: impl FnMut(&LinearProgram) -> SolveResult,
) -> Option<(f64, Vec<f64>, PlanDuals)> {
    let mut duals = None;
    let (obj, y) = crate::heuristic::round_and_repair(lp, x, |fixed| {
        let mut r = solve(fixed);
        duals = r.duals.take();
        lp_answer(fixed, r)
    })?;
    Some((obj, y, duals))
}

/// An LP's answer as [`crate::heuristic::round_and_repair`] takes it.
fn lp_answer(lp: &LinearProgram, r: SolveResult) -> Result<Option<(f64, Vec<f64>)>, ()> {
    match (r.status, r.x) {
        (SolveStatus::Optimal, Some(x)) => Ok(Some((lp.objective_value(&x), x))),
        (SolveStatus::Infeasible, _) => Ok(None),
        _ => Err(()),
    }
}

/// HiGHS on a MILP: first the LP relaxation and a plan from it ([`crate::heuristic`]), returned
/// at once when within the gap asked for (or when the time is up); otherwise HiGHS's branch and
/// cut, started from that plan, in the time left. On the 26-week, 300-edge fleet HiGHS's own
/// root took over 60 s (its MIP presolve alone 27 s); the relaxation and the fixed LP are two
/// plain LPs.
fn solve_highs_milp(lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
    let started = Instant::now();
    let deadline = deadline_from(opts, started);
    let lp_opts = SolveOptions {
        mip_gap: None,
        ..until(opts, deadline)
    };
    let found = match plan_from_relaxation(lp, &lp_opts, deadline) {
        Ok(found) => found,
        Err(mut infeasible) => {
            infeasible.algorithm = "branch and cut".into();
            infeasible.solve_seconds = started.elapsed().as_secs_f64();
            return *infeasible;
        }
    };
    let time_up = deadline.is_some_and(|d| Instant::now() >= d);
    if let Some((obj, y, bound, duals)) = &found {
        let gap = crate::heuristic::gap(*obj, *bound);
        tracing::info!(objective = obj, bound, gap, "a plan from the relaxation");
        if time_up || gap <= opts.mip_gap.unwrap_or(HIGHS_DEFAULT_MIP_GAP) {
            let target = opts.mip_gap.unwrap_or(HIGHS_DEFAULT_MIP_GAP);
            let mut r = heuristic_plan(y.clone(), gap, time_up, target, started);
            // Those of the fixed LP HiGHS solved: the plan's prices, without a second solve.
            r.duals = duals.clone();
            return r;
        }
    }
    // Not handed to HiGHS as a starting solution: with one (`setSolution`), HiGHS 1.x was seen
    // to return it as "optimal" 300 times dearer than the optimum it finds without
    // (numerics_props seeds 37, 40, 49, ...: a 1 PFLOP run gating an 8.3e7 PFLOP one).
    let mut r = highs_on(lp, &until(opts, deadline));
    r.solve_seconds = started.elapsed().as_secs_f64();
    if !r.status.has_plan() {
        if let Some((obj, y, bound, _)) = found {
            let gap = crate::heuristic::gap(obj, bound);
            let target = opts.mip_gap.unwrap_or(HIGHS_DEFAULT_MIP_GAP);
            let mut h = heuristic_plan(y, gap, true, target, started);
            h.algorithm = r.algorithm;
            return h;
        }
        return r;
    }
    if let Some(x) = r.x.take() {
        let (x, duals) = fix_integers_and_resolve(lp, x, Backend::Highs, opts);
        r.x = Some(x);
        r.duals = duals;
        r.solve_seconds = started.elapsed().as_secs_f64();
    }
    r
}

/// The duals of the LP that gave a plan, or why there are none ([`SolveResult::duals`]).
type PlanDuals = Option<Result<Duals, String>>;

/// A plan from the relaxation: its objective, its values, the relaxation's objective, and
/// the duals of the LP that gave it.
type PlanAndBound = (f64, Vec<f64>, f64, PlanDuals);

/// HiGHS on the LP relaxation of `lp`, then a plan from it
/// ([`crate::heuristic::round_and_repair`]) whose fixed LPs HiGHS solves on the relaxation's own
/// model, each from the basis the last solve ended with ([`highs_session`]: the 26-week,
/// 300-edge fleet's fixed LP took 20 s from scratch). Returns the plan's objective, the plan
/// and the relaxation's objective (a lower bound), if a plan came; `Err` with the relaxation's
/// result when it is infeasible.
#[cfg(feature = "highs")]
fn plan_from_relaxation(
    lp: &LinearProgram,
    lp_opts: &SolveOptions,
    deadline: Option<Instant>,
) -> Result<Option<PlanAndBound>, Box<SolveResult>> {
    let mut relaxed = lp.clone();
    relaxed.integer.iter_mut().for_each(|i| *i = false);
    let Ok(mut session) = highs_session::HighsSession::new(&relaxed, lp_opts) else {
        // Branch and cut builds the same model and reports the error.
        return Ok(None);
    };
    let root = session.solve(&relaxed, lp_opts);
    match (root.status, &root.x) {
        (SolveStatus::Optimal, Some(x)) => {
            let bound = relaxed.objective_value(x);
            let plan = repair_with_duals(lp, x, |fixed| {
                session.solve(fixed, &until(lp_opts, deadline))
            });
            Ok(plan.map(|(obj, y, duals)| (obj, y, bound, duals)))
        }
        (SolveStatus::Infeasible, _) => Err(Box::new(root)),
        _ => Ok(None),
    }
}

#[cfg(not(feature = "highs"))]
fn plan_from_relaxation(
    _: &LinearProgram,
    _: &SolveOptions,
    _: Option<Instant>,
) -> Result<Option<PlanAndBound>, Box<SolveResult>> {
    unreachable!("solve() refuses backends that are not compiled in")
}

/// The result for the relaxation heuristic's plan `x` at `gap` from the relaxation's bound:
/// optimal at no gap, stopped by the clock (`time_up`) short of `target_gap`, or within it.
fn heuristic_plan(
    x: Vec<f64>,
    gap: f64,
    time_up: bool,
    target_gap: f64,
    started: Instant,
) -> SolveResult {
    let status = if gap <= 1e-9 {
        SolveStatus::Optimal
    } else if time_up && gap > target_gap {
        SolveStatus::TimeLimit
    } else {
        SolveStatus::GapLimit
    };
    let mut r = result(Backend::Highs, "relaxation, then gates fixed", status);
    r.gap = Some(if status == SolveStatus::Optimal {
        0.0
    } else {
        gap
    });
    r.x = Some(x);
    r.solve_seconds = started.elapsed().as_secs_f64();
    r
}
