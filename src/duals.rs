//! Row duals (shadow prices) of a solved program, in the program's own units.
//!
//! The backends hand duals back per good_lp constraint and for the scaled program
//! ([`crate::lp::Scaled`]); this module maps them to the rows of the program that was built:
//! a ranged row is two constraints, a row the scaling set aside is none, a bound the scaling
//! tightened from an equality row moves with that row, and every row and the objective were
//! divided by factors that are multiplied back here. [`crate::sensitivity`] turns the result
//! into dollars per chip-hour, per PFLOP, per dollar of floor.

use serde::Serialize;

use crate::lp::{LinearProgram, Scaled};

/// Duals of the rows of a program.
#[derive(Debug, Clone, Serialize)]
pub struct Duals {
    /// Per row: the change in the program's objective per unit increase of the row's binding
    /// side (0 for a row that does not bind): negative where more room lowers the cost.
    pub rows: Vec<f64>,
    /// Whether they are those of the LP with the integer columns fixed at the plan's values
    /// (a program with dependencies); a MILP has no duals of its own.
    pub integers_fixed: bool,
    /// The backend (and step) they come from.
    pub source: String,
}

/// A scaled dual below this is solver round-off (scaled costs and coefficients are near 1).
pub const SCALED_DUAL_ZERO: f64 = 1e-7;

/// For each constraint handed to good_lp by [`crate::solver`], the row it came from: an
/// equality row is one constraint, a ranged row its finite sides in order (`>=` then `<=`).
pub fn constraint_rows(lp: &LinearProgram) -> Vec<usize> {
    let mut out = Vec::with_capacity(lp.num_rows());
    for r in 0..lp.num_rows() {
        let (lo, hi) = (lp.row_lower[r], lp.row_upper[r]);
        if lo == hi {
            out.push(r);
        } else {
            if lo.is_finite() {
                out.push(r);
            }
            if hi.is_finite() {
                out.push(r);
            }
        }
    }
    out
}

/// Sums per-constraint duals into per-row duals (only one side of a ranged row binds).
pub fn rows_from_constraints(lp: &LinearProgram, per_constraint: &[f64]) -> Vec<f64> {
    let mut rows = vec![0.0; lp.num_rows()];
    for (&r, &y) in constraint_rows(lp).iter().zip(per_constraint) {
        rows[r] += y;
    }
    rows
}

/// Reduced cost of every column: `c_j - sum_i a_ij y_i`. For a column at its upper bound it is
/// what one more unit of that bound is worth (at most 0); at its lower bound, at least 0.
pub fn reduced_costs(lp: &LinearProgram, y: &[f64]) -> Vec<f64> {
    let mut d = lp.obj.clone();
    for (r, &yr) in y.iter().enumerate() {
        if yr != 0.0 {
            for &(c, a) in lp.row(r) {
                d[c.0 as usize] -= a * yr;
            }
        }
    }
    d
}

/// A column whose upper bound the scaling derived from an equality row (`x <= b / a`) and
/// that sits on it carries part of that row's dual on the bound, where a simplex solver may
/// leave it: adds it back to the row (`y_r += d_j / a_rj`), so the row's dual is the change
/// in cost when `b` moves, bound and all.
pub fn fold_tightened_bounds(
    lp: &LinearProgram,
    tightened_by: &[Option<usize>],
    x: &[f64],
    y: &mut [f64],
) {
    let d = reduced_costs(lp, y);
    for (j, by) in tightened_by.iter().enumerate() {
        let Some(r) = *by else { continue };
        let (lo, hi) = (lp.col_lower[j], lp.col_upper[j]);
        let at_upper = (x[j] - hi).abs() <= 1e-9 * hi.abs().max(1.0);
        if lo == hi || !at_upper || d[j] >= 0.0 {
            continue;
        }
        if let Some(&(_, a)) = lp.row(r).iter().find(|(c, _)| c.0 as usize == j) {
            if a != 0.0 {
                y[r] += d[j] / a;
            }
        }
    }
}

/// Maps duals of the scaled program's rows to the original program's rows: round-off to 0,
/// then `y = obj_scale * y' / f` where `f` is the factor the scaling divided the row by.
pub fn unscale(original: &LinearProgram, scaled: &Scaled, y: &[f64]) -> Vec<f64> {
    y.iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.abs() <= SCALED_DUAL_ZERO {
                return 0.0;
            }
            let f = scaled.lp.row_scale[i] / original.row_scale[i];
            scaled.obj_scale * v / f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ranged_row_is_two_constraints_and_its_duals_add_up() {
        let mut lp = LinearProgram::new();
        let x = lp.add_col(1.0, 0.0, 10.0, false);
        lp.add_row([(x, 1.0)], 1.0, 1.0);
        lp.add_row([(x, 1.0)], 0.5, 5.0);
        lp.add_row([(x, 1.0)], f64::NEG_INFINITY, 8.0);
        assert_eq!(constraint_rows(&lp), vec![0, 1, 1, 2]);
        assert_eq!(
            rows_from_constraints(&lp, &[2.0, 0.5, -0.25, -1.0]),
            vec![2.0, 0.25, -1.0]
        );
    }

    #[test]
    fn a_bound_tightened_from_an_equality_row_gives_its_dual_back_to_the_row() {
        // min -3x + 5z s.t. x + 0.5z = b (b = 2), with x <= 2 derived from that row. The
        // optimum is x = b, z = 0, cost -3b: the row is worth -3 per unit of b. A simplex
        // solver that sees the derived bound may put all of it on the bound (row dual 0,
        // x's reduced cost -3 at its upper bound); folding gives the row -3 / 1 back.
        let mut lp = LinearProgram::new();
        let x = lp.add_col(-3.0, 0.0, 2.0, false);
        let z = lp.add_col(5.0, 0.0, 4.0, false);
        lp.add_row([(x, 1.0), (z, 0.5)], 2.0, 2.0);
        let mut y = vec![0.0];
        fold_tightened_bounds(&lp, &[Some(0), None], &[2.0, 0.0], &mut y);
        assert_eq!(y, vec![-3.0]);
        // Then no multiplier is left on the bound, and z stays priced out (5 + 0.5 * 3 >= 0).
        assert_eq!(reduced_costs(&lp, &y), vec![0.0, 6.5]);
        // Folding twice changes nothing; a column off its bound folds nothing.
        fold_tightened_bounds(&lp, &[Some(0), None], &[2.0, 0.0], &mut y);
        assert_eq!(y, vec![-3.0]);
        let mut y = vec![0.0];
        fold_tightened_bounds(&lp, &[Some(0), None], &[1.0, 2.0], &mut y);
        assert_eq!(y, vec![0.0]);
    }
}
