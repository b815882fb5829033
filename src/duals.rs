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

/// A lower bound on `lp`'s optimum from any row duals `y`: the Lagrangian
/// `min over l <= x <= u of c'x - sum_i y_i (a_i x - b_i)`, each row's `b_i` the side its dual's
/// sign binds (a sign whose side is infinite counts as 0). Weak duality makes it a bound for
/// every `y`, optimal or not; sifting uses it to prove a working set's plan close to the whole
/// program's optimum before every column has priced in. `upper` is [`implied_upper`] of `lp`
/// (computed once per program). `-inf` when a column with a reduced cost that wants it
/// unbounded has no bound that way.
pub fn lagrangian_bound(lp: &LinearProgram, upper: &[f64], y: &[f64]) -> f64 {
    let y: Vec<f64> = y
        .iter()
        .enumerate()
        .map(|(r, &v)| match v {
            v if v > 0.0 && lp.row_lower[r].is_finite() => v,
            v if v < 0.0 && lp.row_upper[r].is_finite() => v,
            _ => 0.0,
        })
        .collect();
    let rows: f64 = y
        .iter()
        .enumerate()
        .map(|(r, &v)| match v {
            v if v > 0.0 => v * lp.row_lower[r],
            v if v < 0.0 => v * lp.row_upper[r],
            _ => 0.0,
        })
        .sum();
    let cols: f64 = reduced_costs(lp, &y)
        .iter()
        .enumerate()
        .map(|(j, &d)| match d {
            d if d > 0.0 => d * lp.col_lower[j],
            d if d < 0.0 => d * upper[j],
            _ => 0.0,
        })
        .sum();
    lp.obj_offset + rows + cols
}

/// Each column's upper bound, tightened by what each row allows it when every other column
/// in the row sits where it uses the least of the row (one pass of bound propagation): a valid
/// box for every feasible point, so [`lagrangian_bound`] may minimise over it.
pub fn implied_upper(lp: &LinearProgram) -> Vec<f64> {
    let mut upper = lp.col_upper.clone();
    for r in 0..lp.num_rows() {
        let row = lp.row(r);
        let least: f64 = row.iter().map(|&(c, a)| a * lp.col_bound(c, a > 0.0)).sum();
        let most: f64 = row.iter().map(|&(c, a)| a * lp.col_bound(c, a < 0.0)).sum();
        for &(c, a) in row {
            let j = c.0 as usize;
            let room = match a {
                a if a > 0.0 => (lp.row_upper[r] - least) / a,
                a if a < 0.0 => (most - lp.row_lower[r]) / -a,
                _ => f64::INFINITY,
            };
            if room.is_finite() {
                upper[j] = upper[j].min(lp.col_lower[j] + room.max(0.0));
            }
        }
    }
    upper
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
    fn the_lagrangian_bound_is_the_optimum_at_optimal_duals_and_below_it_elsewhere() {
        // min x + 2z s.t. x + z >= 3, x <= 2, z <= 5: x = 2, z = 1, cost 4; the row's dual
        // is 2 (z's cost), x's reduced cost -1 at its upper bound.
        let mut lp = LinearProgram::new();
        let x = lp.add_col(1.0, 0.0, 2.0, false);
        let z = lp.add_col(2.0, 0.0, 5.0, false);
        lp.add_row([(x, 1.0), (z, 1.0)], 3.0, f64::INFINITY);
        assert_eq!(lagrangian_bound(&lp, &implied_upper(&lp), &[2.0]), 4.0);
        // 3y + min(1 - y, 0) * 2 + min(2 - y, 0) * 5, each at most 4.
        assert_eq!(lagrangian_bound(&lp, &implied_upper(&lp), &[1.0]), 3.0);
        assert_eq!(
            lagrangian_bound(&lp, &implied_upper(&lp), &[5.0]),
            15.0 - 8.0 - 15.0
        );
        // A negative dual on a row with no upper side counts as 0: every column at 0.
        assert_eq!(lagrangian_bound(&lp, &implied_upper(&lp), &[-1.0]), 0.0);
        lp.obj_offset = 10.0;
        assert_eq!(lagrangian_bound(&lp, &implied_upper(&lp), &[2.0]), 14.0);
    }

    #[test]
    fn the_lagrangian_bound_takes_the_bounds_a_row_implies() {
        // The same program with x <= 2 and z <= 5 as rows, the columns' own bounds 100: the
        // rows still keep every feasible point in [0, 2] x [0, 5], so at y = (5, 0, 0) the
        // bound is -8 as above, not 15 - 4 * 100 - 3 * 100.
        let mut lp = LinearProgram::new();
        let x = lp.add_col(1.0, 0.0, 100.0, false);
        let z = lp.add_col(2.0, 0.0, 100.0, false);
        lp.add_row([(x, 1.0), (z, 1.0)], 3.0, f64::INFINITY);
        lp.add_row([(x, 1.0)], f64::NEG_INFINITY, 2.0);
        lp.add_row([(z, 0.5)], f64::NEG_INFINITY, 2.5);
        assert_eq!(
            lagrangian_bound(&lp, &implied_upper(&lp), &[5.0, 0.0, 0.0]),
            -8.0
        );
        assert_eq!(
            lagrangian_bound(&lp, &implied_upper(&lp), &[2.0, 0.0, 0.0]),
            4.0
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
