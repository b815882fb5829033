//! Sifting: an LP with far more columns than rows solved over a few of its columns at a time.
//!
//! A plan's program has a column for every workload on every cluster in every period (343,880
//! on the segmented standard fleet) but only a row per capacity, work, demand and floor (8,907),
//! and its optimum uses a few thousand columns. An interior point's work grows with the columns
//! (clarabel writes each column's bound as a row of its own), so the default build solves the
//! program over a working set of columns ([`initial_columns`]: each need row's cheapest), prices
//! every other column with that solve's duals (`c_j - sum_i a_ij y_i`), adds the columns that
//! would lower the cost, and stops when none would: the working set's optimum is then the whole
//! program's, with the same duals. This is the sifting of the commercial solvers (CPLEX,
//! Gurobi), for the same shape of program.
//!
//! A working set may not hold a feasible plan: every row that a plan must reach gets an
//! artificial column, dear enough that the solve only uses it where the set has nothing else
//! (its duals then point the pricing at the columns that reach the row). A plan that still needs
//! one when no column prices out, or a solve that fails, gives up: the caller solves the whole
//! program.
//!
//! A caller may start from another program's last working set and ask for less than the
//! optimum ([`Goal`]): the MILP heuristic's fixed LPs start from their relaxation's set and stop
//! once their plan is within half the MIP gap of the relaxation's bound.

use crate::lp::{Col, LinearProgram};

/// Below this many columns the whole program is solved at once.
pub const MIN_COLUMNS: usize = 20_000;

/// Sift only programs with at least this many columns per row.
pub const MIN_COLUMNS_PER_ROW: usize = 8;

/// Cheapest columns per need row in the first working set.
const SEED_PER_ROW: usize = 12;

/// Most pricing rounds before giving up.
const MAX_ROUNDS: usize = 20;

/// A reduced cost below this (scaled units, where costs and coefficients are near 1) would
/// lower the cost: above it is the interior point's round-off.
const PRICE_TOLERANCE: f64 = 1e-7;

/// An artificial column above this in a working set's optimum is in use.
const ARTIFICIAL_ZERO: f64 = 1e-9;

/// How an artificial column's cost compares with the dearest way its row's own columns meet it.
const ARTIFICIAL_MARKUP: f64 = 100.0;

/// Whether `lp` is the shape sifting pays off on.
pub fn worth_sifting(lp: &LinearProgram) -> bool {
    lp.num_cols() >= MIN_COLUMNS && lp.num_cols() >= MIN_COLUMNS_PER_ROW * lp.num_rows().max(1)
}

/// The whole program's optimum, found over working sets.
#[derive(Debug, Clone)]
pub struct Sifted {
    /// The plan, over every column of the program (0 outside the last working set).
    pub x: Vec<f64>,
    /// The duals of the last working set, per row: the whole program's.
    pub duals: Vec<f64>,
    /// Working sets solved.
    pub rounds: usize,
    /// Columns in the last working set.
    pub columns: usize,
    /// The last working set with the columns that priced in on it (none at the optimum): where
    /// another sifting of this program, or of one that differs only in some bounds, starts.
    pub working_set: Vec<bool>,
    /// A lower bound on the whole program's optimum ([`crate::duals::lagrangian_bound`] of the
    /// last duals): the plan's own objective, within the solver's tolerances, when every
    /// column priced out.
    pub bound: f64,
    /// Whether every column priced out: the plan is the optimum and the duals are its
    /// prices. Not so when sifting stopped within [`Goal::within`].
    pub optimal: bool,
}

/// Where sifting starts and when it may stop.
#[derive(Debug, Clone, Default)]
pub struct Goal {
    /// Columns to put in the first working set besides [`initial_columns`]: the last set of a
    /// program that differs from this one only in some bounds (the MILP heuristic's fixed
    /// LPs start from their relaxation's).
    pub start: Option<Vec<bool>>,
    /// Stop once the working set's plan is within this relative gap of the whole program's
    /// [`Sifted::bound`] or of [`Goal::bound`] (0: only at the optimum, when no column prices
    /// out).
    pub within: f64,
    /// A lower bound the caller holds on what it minimises, at most this program's optimum:
    /// a MILP's relaxation bound when this program is one of its fixed LPs, whose plan is
    /// then good enough once within `within` of it.
    pub bound: Option<f64>,
}

impl Goal {
    /// Whether a working set's plan of cost `objective` is close enough, given the Lagrangian
    /// `bound` of its duals.
    fn reached(&self, objective: f64, bound: f64) -> bool {
        let bound = self.bound.map_or(bound, |b| b.max(bound));
        self.within > 0.0 && crate::heuristic::gap(objective, bound) <= self.within
    }
}

/// A working set's values `z` (of the columns `kept`) as values of all `n` columns.
fn spread(n: usize, kept: &[usize], z: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; n];
    for (k, &j) in kept.iter().enumerate() {
        x[j] = z[k];
    }
    x
}

/// Solves `lp` by sifting, from `goal`'s start to the optimum or to a plan within `goal`'s
/// gap of a bound. `solve` answers a working set's program with its optimum and its row duals
/// (`d objective / d bound`, [`crate::duals::Duals::rows`]), or `None` when it has none
/// (infeasible, failed, out of time). `Err` says why sifting gave up.
pub fn sift(
    lp: &LinearProgram,
    goal: &Goal,
    mut solve: impl FnMut(&LinearProgram) -> Option<(Vec<f64>, Vec<f64>)>,
) -> Result<Sifted, String> {
    let mut keep = first_set(lp, goal);
    let upper = crate::duals::implied_upper(lp);
    for round in 1..=MAX_ROUNDS {
        let (set, kept, artificials) = working_set(lp, &keep);
        let (z, duals) = solve(&set).ok_or_else(|| {
            format!(
                "the working set of round {round} ({} columns) was not solved",
                kept.len()
            )
        })?;
        let d = crate::duals::reduced_costs(lp, &duals);
        let priced_in = priced_in(lp, &keep, &d);
        let in_use = artificials.iter().any(|&a| z[a] > ARTIFICIAL_ZERO);
        let bound = crate::duals::lagrangian_bound(lp, &upper, &duals);
        let objective = set.objective_value(&z);
        tracing::debug!(
            round,
            columns = kept.len(),
            priced_in = priced_in.len(),
            artificials_in_use = in_use,
            objective,
            bound,
            "sifting"
        );
        let optimal = priced_in.is_empty();
        let done = optimal || (!in_use && goal.reached(objective, bound));
        for j in priced_in {
            keep[j] = true;
        }
        if done {
            if in_use {
                return Err(format!(
                    "round {round}: no column prices out, yet a row is met only artificially"
                ));
            }
            return Ok(Sifted {
                x: spread(lp.num_cols(), &kept, &z),
                duals,
                rounds: round,
                columns: kept.len(),
                working_set: keep,
                bound: bound.min(objective),
                optimal,
            });
        }
    }
    Err(format!("no optimum after {MAX_ROUNDS} rounds"))
}

/// Whether column `j` can only sit at zero: a bound fixes it there.
fn fixed_at_zero(lp: &LinearProgram, j: usize) -> bool {
    lp.col_lower[j] == 0.0 && lp.col_upper[j] == 0.0
}

/// [`initial_columns`] and the goal's start (less the columns fixed at zero).
fn first_set(lp: &LinearProgram, goal: &Goal) -> Vec<bool> {
    let mut keep = initial_columns(lp);
    if let Some(start) = &goal.start {
        for (j, k) in keep.iter_mut().enumerate() {
            *k |= start[j] && !fixed_at_zero(lp, j);
        }
    }
    keep
}

/// The first working set: every column that cannot rest at zero (a nonzero lower bound, or a
/// negative cost), and the [`SEED_PER_ROW`] cheapest columns (cost per unit of the row) of
/// every row with a lower side.
fn initial_columns(lp: &LinearProgram) -> Vec<bool> {
    let mut keep: Vec<bool> = (0..lp.num_cols())
        .map(|j| !fixed_at_zero(lp, j) && (lp.col_lower[j] != 0.0 || lp.obj[j] < 0.0))
        .collect();
    for r in (0..lp.num_rows()).filter(|&r| lp.row_lower[r].is_finite()) {
        let mut candidates: Vec<(f64, usize)> = lp
            .row(r)
            .iter()
            .filter(|&&(c, a)| a > 0.0 && !fixed_at_zero(lp, c.0 as usize))
            .map(|&(c, a)| (lp.obj[c.0 as usize] / a, c.0 as usize))
            .collect();
        let n = SEED_PER_ROW.min(candidates.len());
        if n == 0 {
            continue;
        }
        candidates.select_nth_unstable_by(n - 1, |a, b| a.0.total_cmp(&b.0));
        for &(_, j) in &candidates[..n] {
            keep[j] = true;
        }
    }
    keep
}

/// The program over the columns marked `keep`, with an artificial column on every row that
/// every column at its lower bound would break. Returns it, the original index
/// of each of its real columns, and the indices of its artificial columns.
fn working_set(lp: &LinearProgram, keep: &[bool]) -> (LinearProgram, Vec<usize>, Vec<usize>) {
    let (restricted, kept) = lp.restricted_to(keep);
    let mut set = LinearProgram::new();
    set.obj = restricted.obj.clone();
    set.obj_offset = restricted.obj_offset;
    set.col_lower = restricted.col_lower.clone();
    set.col_upper = restricted.col_upper.clone();
    set.integer = restricted.integer.clone();
    set.upper_implied = restricted.upper_implied.clone();
    let mut artificials = Vec::new();
    for r in 0..restricted.num_rows() {
        set.entries.extend_from_slice(restricted.row(r));
        let at_lower = activity_at_lower_bounds(lp, r);
        let sign = if restricted.row_lower[r] > at_lower {
            1.0
        } else if restricted.row_upper[r] < at_lower {
            -1.0
        } else {
            0.0
        };
        if sign != 0.0 {
            let a = set.obj.len();
            set.obj.push(artificial_cost(lp, r));
            set.col_lower.push(0.0);
            set.col_upper.push(f64::INFINITY);
            set.integer.push(false);
            set.upper_implied.push(false);
            set.entries.push((Col(a as u32), sign));
            artificials.push(a);
        }
        set.row_start.push(set.entries.len());
        set.row_lower.push(restricted.row_lower[r]);
        set.row_upper.push(restricted.row_upper[r]);
        set.row_scale.push(restricted.row_scale[r]);
    }
    (set, kept, artificials)
}

/// Row `r`'s activity with every column at its lower bound (0 but for fixed columns).
fn activity_at_lower_bounds(lp: &LinearProgram, r: usize) -> f64 {
    lp.row(r)
        .iter()
        .map(|&(c, a)| a * lp.col_lower[c.0 as usize])
        .sum()
}

/// The cost of meeting one unit of row `r` artificially: [`ARTIFICIAL_MARKUP`] times the
/// dearest cost per unit among the row's own columns (at least 1, the scaled program's unit).
fn artificial_cost(lp: &LinearProgram, r: usize) -> f64 {
    let dearest = lp
        .row(r)
        .iter()
        .filter(|&&(_, a)| a != 0.0)
        .map(|&(c, a)| (lp.obj[c.0 as usize] / a).abs())
        .fold(1.0_f64, f64::max);
    ARTIFICIAL_MARKUP * dearest
}

/// The columns outside the working set that would lower its cost (most negative reduced cost
/// first, at most as many as the set has rows and columns together, so the set at most doubles).
fn priced_in(lp: &LinearProgram, keep: &[bool], d: &[f64]) -> Vec<usize> {
    let mut out: Vec<(f64, usize)> = (0..lp.num_cols())
        .filter(|&j| !keep[j] && !fixed_at_zero(lp, j) && lp.col_lower[j] == 0.0)
        .filter(|&j| d[j] < -PRICE_TOLERANCE * (1.0 + lp.obj[j].abs()))
        .map(|j| (d[j], j))
        .collect();
    let cap = lp.num_rows() + keep.iter().filter(|&&k| k).count();
    if out.len() > cap {
        out.select_nth_unstable_by(cap - 1, |a, b| a.0.total_cmp(&b.0));
        out.truncate(cap);
    }
    out.into_iter().map(|(_, j)| j).collect()
}
