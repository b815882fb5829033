//! One HiGHS model of an LP, solved again with other column bounds from the basis of its last
//! solve: the relaxation heuristic's fixed LPs ([`crate::heuristic::round_and_repair`]) differ
//! from the relaxation only in the bounds of the gates they fix and of the columns those gates
//! force, so HiGHS starts each from the relaxation's optimal basis (dual simplex, no presolve:
//! HiGHS skips presolve for an LP with a useful basis and logs "Solving LP with useful basis so
//! presolve not used") instead of from scratch.

use std::time::Instant;

use super::{
    highs_algorithm, highs_model, result, rows_to_constraints, run_highs, set_highs_options,
    to_good_lp, SolveOptions, SolveResult, SolveStatus,
};
use crate::lp::LinearProgram;
use good_lp::solvers::ResolutionError;

/// HiGHS's model of an LP and the bounds its columns have there now.
#[derive(Debug)]
pub struct HighsSession {
    /// `None` once HiGHS returned an error (the `highs` crate drops the model with it).
    model: Option<highs::Model>,
    /// HiGHS's handle of each column, in the program's order.
    cols: Vec<highs::Col>,
    /// (lower, upper) of each column as HiGHS has them.
    bounds: Vec<(f64, f64)>,
    num_rows: usize,
    /// Seconds HiGHS has run on this model. Its `time_limit` is on that total, not per run
    /// (HiGHS's C API documents it at `Highs_zeroAllClocks`, which the `highs` crate lacks).
    ran_seconds: f64,
    /// Simplex iterations of the last solve.
    iterations: i64,
    /// Solves so far.
    solves: usize,
}

impl HighsSession {
    /// HiGHS's model of `lp`, an LP (its integer flags are ignored), built as every HiGHS
    /// solve builds it (good_lp, [`to_good_lp`] and [`rows_to_constraints`]), with the options
    /// of `opts` but its time limit, which each [`HighsSession::solve`] sets.
    pub fn new(lp: &LinearProgram, opts: &SolveOptions) -> Result<Self, ResolutionError> {
        let mut relaxed;
        let lp = if lp.num_integers() > 0 {
            relaxed = lp.clone();
            relaxed.integer.iter_mut().for_each(|i| *i = false);
            &relaxed
        } else {
            lp
        };
        let (vars, cols, objective) = to_good_lp(lp, false);
        let rows = rows_to_constraints(lp, &cols);
        let mut model = highs_model(vars, objective, rows)?;
        set_highs_options(&mut model, opts, false);
        Ok(HighsSession {
            model: Some(model),
            cols: column_handles(lp.num_cols()),
            bounds: lp
                .col_lower
                .iter()
                .copied()
                .zip(lp.col_upper.iter().copied())
                .collect(),
            num_rows: lp.num_rows(),
            ran_seconds: 0.0,
            iterations: 0,
            solves: 0,
        })
    }

    /// Solves the session's LP with the column bounds of `lp`: the same program but for its
    /// column bounds (its integer flags are ignored). The first solve is HiGHS's usual one
    /// (presolve, dual simplex); each later one starts from the basis the last one ended with
    /// (not with `--algorithm ipm`: HiGHS drops the basis for its interior point, and each
    /// solve starts from scratch as before). `opts.time_limit` is the time this solve may take.
    pub fn solve(&mut self, lp: &LinearProgram, opts: &SolveOptions) -> SolveResult {
        let algorithm = highs_algorithm(opts.algorithm, false);
        if lp.num_cols() != self.cols.len() || lp.num_rows() != self.num_rows {
            let mut r = result(super::Backend::Highs, algorithm, SolveStatus::Failed);
            r.message = Some(format!(
                "a program of {} columns and {} rows given to HiGHS's model of one of {} and {}",
                lp.num_cols(),
                lp.num_rows(),
                self.cols.len(),
                self.num_rows
            ));
            return r;
        }
        let Some(mut model) = self.model.take() else {
            let mut r = result(super::Backend::Highs, algorithm, SolveStatus::Failed);
            r.message = Some("HiGHS failed on an earlier solve of this model".into());
            return r;
        };
        let load = Instant::now();
        let changed = self.set_bounds(&mut model, lp);
        let limit = opts
            .time_limit
            .map_or(f64::INFINITY, |t| self.ran_seconds + t);
        model.set_option("time_limit", limit);
        let load_seconds = load.elapsed().as_secs_f64();
        let started = Instant::now();
        let (mut r, solved) = run_highs(lp, model, false, algorithm);
        r.load_seconds = load_seconds;
        self.ran_seconds += started.elapsed().as_secs_f64();
        self.iterations = solved.as_ref().map_or(0, |s| s.simplex_iteration_count());
        self.model = solved.map(highs::Model::from);
        tracing::info!(
            solve = self.solves,
            bounds_changed = changed,
            simplex_iterations = self.iterations,
            seconds = r.solve_seconds,
            status = r.status.as_str(),
            "HiGHS solved the LP {}",
            if self.solves == 0 || opts.algorithm == super::Algorithm::Ipm {
                "from scratch"
            } else {
                "from its last basis"
            }
        );
        self.solves += 1;
        r
    }

    /// Simplex iterations of the last solve.
    pub fn iterations(&self) -> i64 {
        self.iterations
    }

    /// Gives the columns whose bounds differ from `lp`'s those bounds; returns how many.
    fn set_bounds(&mut self, model: &mut highs::Model, lp: &LinearProgram) -> usize {
        let mut changed = 0;
        for (j, now) in self.bounds.iter_mut().enumerate() {
            let wanted = (lp.col_lower[j], lp.col_upper[j]);
            if *now != wanted {
                model.change_column_bounds(self.cols[j], wanted.0..=wanted.1);
                *now = wanted;
                changed += 1;
            }
        }
        changed
    }
}

/// HiGHS's handles of the columns `0..n` of a model. `highs::Col` has no public constructor: a
/// handle is what adding a column returns, and a problem numbers its columns from 0 in the order
/// they are added. good_lp added the model's columns in the program's order, so the columns
/// added to a scratch problem have the same handles.
fn column_handles(n: usize) -> Vec<highs::Col> {
    let mut scratch = highs::RowProblem::default();
    (0..n).map(|_| scratch.add_column(0.0, 0.0..=0.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// min x + 2y subject to x + y >= 2, x - y <= 1, 0 <= x, y <= 10: the optimum is x = 1.5,
    /// y = 0.5 (cost 2.5), a vertex no presolve reaches without a simplex iteration.
    fn two_rows() -> LinearProgram {
        let mut lp = LinearProgram::new();
        let x = lp.add_col(1.0, 0.0, 10.0, false);
        let y = lp.add_col(2.0, 0.0, 10.0, false);
        lp.add_row([(x, 1.0), (y, 1.0)], 2.0, f64::INFINITY);
        lp.add_row([(x, 1.0), (y, -1.0)], f64::NEG_INFINITY, 1.0);
        lp
    }

    fn objective(lp: &LinearProgram, r: &SolveResult) -> f64 {
        assert_eq!(r.status, SolveStatus::Optimal, "{:?}", r.message);
        lp.objective_value(r.x.as_ref().unwrap())
    }

    #[test]
    fn a_re_solve_takes_the_new_bounds_and_starts_from_the_last_basis() {
        let lp = two_rows();
        let opts = SolveOptions::default();
        let mut session = HighsSession::new(&lp, &opts).unwrap();
        assert!((objective(&lp, &session.solve(&lp, &opts)) - 2.5).abs() < 1e-9);
        assert!(
            session.iterations() > 0,
            "from scratch, the optimum takes pivots"
        );
        // Nothing changed: the last basis is optimal as it stands.
        assert!((objective(&lp, &session.solve(&lp, &opts)) - 2.5).abs() < 1e-9);
        assert_eq!(session.iterations(), 0);
        // x at most 1: y = 1 covers the rest, cost 1 + 2.
        let mut capped = lp.clone();
        capped.col_upper[0] = 1.0;
        assert!((objective(&capped, &session.solve(&capped, &opts)) - 3.0).abs() < 1e-9);
        // Back to the first bounds: the first optimum again.
        assert!((objective(&lp, &session.solve(&lp, &opts)) - 2.5).abs() < 1e-9);
        // x fixed at 3 breaks x - y <= 1 unless y >= 2, but y is capped at 1.
        let mut stuck = lp.clone();
        stuck.col_lower[0] = 3.0;
        stuck.col_upper[0] = 3.0;
        stuck.col_upper[1] = 1.0;
        assert_eq!(session.solve(&stuck, &opts).status, SolveStatus::Infeasible);
    }

    /// The LP relaxation of a generated fleet's MILP (dependencies included) and that MILP's
    /// gates fixed at one threshold: two programs that differ only in column bounds.
    fn relaxation_and_fixed() -> (LinearProgram, LinearProgram) {
        let text = crate::generate::generate(&crate::generate::GenerateOptions {
            workloads: 30,
            clusters: 4,
            periods: 8,
            seed: 2,
            edges: 12,
        })
        .unwrap();
        let s = crate::model::Scenario::from_toml(&text, "gen.toml".as_ref()).unwrap();
        let lp = crate::formulation::Formulation::build(&s, false).lp;
        assert!(lp.num_integers() > 0);
        let mut relaxed = lp.clone();
        relaxed.integer.iter_mut().for_each(|i| *i = false);
        let mut session = HighsSession::new(&relaxed, &SolveOptions::default()).unwrap();
        let x = session.solve(&relaxed, &SolveOptions::default()).x.unwrap();
        let fixed = crate::heuristic::fixed_at(&lp, &x, 0.5);
        (relaxed, fixed)
    }

    /// HiGHS's time limit is on its run time summed over every solve of a model: each solve's
    /// limit must be its own. Solves alternating between two programs under a limit of 0.2 s
    /// each, until they have taken three times that together, all end optimal.
    #[test]
    fn each_solve_has_its_own_time_limit() {
        let (relaxed, fixed) = relaxation_and_fixed();
        let opts = SolveOptions {
            time_limit: Some(0.2),
            ..SolveOptions::default()
        };
        let mut session = HighsSession::new(&relaxed, &opts).unwrap();
        let (mut total, mut solves) = (0.0, 0);
        while total < 0.6 {
            let lp = if solves % 2 == 0 { &relaxed } else { &fixed };
            let r = session.solve(lp, &opts);
            assert_eq!(
                r.status,
                SolveStatus::Optimal,
                "solve {solves} after {total} s"
            );
            total += r.solve_seconds;
            solves += 1;
            assert!(solves < 100_000, "{total} s in {solves} solves");
        }
    }

    #[test]
    fn a_program_of_another_shape_is_refused() {
        let lp = two_rows();
        let opts = SolveOptions::default();
        let mut session = HighsSession::new(&lp, &opts).unwrap();
        let mut wider = lp.clone();
        wider.add_col(1.0, 0.0, 1.0, false);
        let r = session.solve(&wider, &opts);
        assert_eq!(r.status, SolveStatus::Failed);
        assert!(r.message.unwrap().contains("3 columns and 2 rows"));
    }
}
