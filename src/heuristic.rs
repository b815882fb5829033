//! A good plan early: from the LP relaxation to a feasible plan, for MILPs too large to solve
//! to the end in time.
//!
//! The integer columns of our programs are the dependency gates `Done(p, t)`, nondecreasing in
//! `t` (rows of [`crate::formulation`]). In the relaxation each is a fraction; opening every
//! gate whose value reaches a threshold fixes each predecessor's completion period (the first
//! period its relaxed gate reaches the threshold: a step, since the values rise with `t`) and
//! so the periods its successors may use. What remains is an LP: the best plan for those
//! completion periods. When it has no solution (a predecessor cannot finish that early, or its
//! successors no longer fit after it) the completions are moved: all as late as the relaxation
//! allows (only gates it has fully open), then all as early (every gate it opens at all).
//!
//! The relaxation's objective bounds every plan from below, so the plan comes with a proved
//! gap ([`gap`]); HiGHS's path returns it when that gap is small enough (else keeps it for when
//! branch and cut ends without a plan), and [`crate::branch::branch_and_bound`] takes it as its
//! first incumbent.

use crate::lp::LinearProgram;

/// Gate thresholds tried in turn: the middle, then completions as late and as early as the
/// relaxation allows.
pub const THRESHOLDS: [f64; 3] = [0.5, 1.0 - 1e-6, 1e-6];

/// `lp` with every integer column fixed where `x` reaches `threshold` (the value's floor, plus
/// one when its fractional part reaches it), as an LP, and the columns that the fixed gates
/// force onto a bound fixed there too.
pub fn fixed_at(lp: &LinearProgram, x: &[f64], threshold: f64) -> LinearProgram {
    let mut fixed = lp.clone();
    for j in 0..fixed.num_cols() {
        if !fixed.integer[j] {
            continue;
        }
        let base = x[j].floor();
        let up = if x[j] - base >= threshold { 1.0 } else { 0.0 };
        let v = (base + up).clamp(fixed.col_lower[j], fixed.col_upper[j]);
        fixed.col_lower[j] = v;
        fixed.col_upper[j] = v;
        fixed.integer[j] = false;
    }
    fixed.fix_forced_columns();
    fixed
}

/// A feasible plan from the relaxation's solution `x`: each of [`THRESHOLDS`] in turn, the
/// first whose remaining LP `solve` answers. `solve` returns `Ok(Some((objective, x)))`,
/// `Ok(None)` when infeasible, `Err(())` when out of time or failed (the search stops).
pub fn round_and_repair(
    lp: &LinearProgram,
    x: &[f64],
    mut solve: impl FnMut(&LinearProgram) -> Result<Option<(f64, Vec<f64>)>, ()>,
) -> Option<(f64, Vec<f64>)> {
    let mut tried: Vec<Vec<f64>> = Vec::new();
    for threshold in THRESHOLDS {
        let fixed = fixed_at(lp, x, threshold);
        let ints: Vec<f64> = (0..lp.num_cols())
            .filter(|&j| lp.integer[j])
            .map(|j| fixed.col_lower[j])
            .collect();
        // Thresholds that give the same gates give the same LP.
        if tried.contains(&ints) {
            continue;
        }
        tried.push(ints);
        match solve(&fixed) {
            Ok(Some((_, mut y))) => {
                for j in (0..lp.num_cols()).filter(|&j| lp.integer[j]) {
                    y[j] = fixed.col_lower[j];
                }
                tracing::debug!(threshold, "the relaxation's gates gave a plan");
                return Some((lp.objective_value(&y), y));
            }
            Ok(None) => tracing::debug!(threshold, "the relaxation's gates left no plan"),
            Err(()) => return None,
        }
    }
    None
}

/// Relative gap between a plan's objective `found` and a lower `bound`, never negative.
pub fn gap(found: f64, bound: f64) -> f64 {
    ((found - bound) / found.abs().max(1e-9)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gate `d` that must be 1 for `y` to run, a cheap `y` and a dear `z`: one unit of work by
    /// either. The relaxation opens the gate halfway (`y <= d`... at 0.5 with `d >= 0.5` forced
    /// by a second row), and every threshold gives a feasible plan.
    fn gated() -> LinearProgram {
        let mut lp = LinearProgram::new();
        let d = lp.add_col(3.0, 0.0, 1.0, true);
        let y = lp.add_col(1.0, 0.0, 1.0, false);
        let z = lp.add_col(5.0, 0.0, 1.0, false);
        lp.add_row([(y, 1.0), (z, 1.0)], 1.0, 1.0);
        lp.add_row([(y, 1.0), (d, -1.0)], f64::NEG_INFINITY, 0.0);
        lp
    }

    #[test]
    fn thresholds_fix_gates_by_their_relaxed_values() {
        let lp = gated();
        let x = [0.5, 0.5, 0.5];
        assert_eq!(fixed_at(&lp, &x, 0.5).col_upper[0], 1.0);
        let shut = fixed_at(&lp, &x, 0.9);
        assert_eq!((shut.col_lower[0], shut.col_upper[0]), (0.0, 0.0));
        // A shut gate forces y to zero.
        assert_eq!(shut.col_upper[1], 0.0);
        assert!(!shut.integer[0]);
    }

    #[test]
    fn the_next_threshold_is_tried_when_the_first_leaves_no_plan() {
        let lp = gated();
        let mut seen = Vec::new();
        let found = round_and_repair(&lp, &[0.5, 0.5, 0.5], |fixed| {
            seen.push(fixed.col_lower[0]);
            // Pretend the open gate is infeasible: the shut one is the plan (z does the work).
            if fixed.col_lower[0] == 1.0 {
                Ok(None)
            } else {
                Ok(Some((5.0, vec![0.0, 0.0, 1.0])))
            }
        });
        assert_eq!(seen, vec![1.0, 0.0], "0.5 opens it, 1 - 1e-6 shuts it");
        let (obj, x) = found.expect("the shut gate gives a plan");
        assert_eq!(obj, 5.0);
        assert_eq!(x, vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn gap_is_relative_to_the_plan_and_never_negative() {
        assert!((gap(100.0, 98.0) - 0.02).abs() < 1e-12);
        assert_eq!(gap(100.0, 101.0), 0.0);
    }
}
