//! A solver-neutral linear program: columns with bounds, rows as sparse vectors with bounds.
//!
//! The formulation ([`crate::formulation`]) writes into this; solver backends
//! ([`crate::solver`]) and the MPS / LP writers ([`crate::export`]) read from it. Keeping one
//! numeric representation means the model that is exported is exactly the model that is solved.

/// Index of a column (variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Col(pub u32);

/// Index of a row (constraint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Row(pub u32);

/// A minimization problem `min c.x + offset` s.t. `lo <= A x <= hi`, `l <= x <= u`.
#[derive(Debug, Clone, Default)]
pub struct LinearProgram {
    /// Objective coefficient per column.
    pub obj: Vec<f64>,
    /// Constant added to the objective.
    pub obj_offset: f64,
    /// Lower bound per column.
    pub col_lower: Vec<f64>,
    /// Upper bound per column (`f64::INFINITY` for none).
    pub col_upper: Vec<f64>,
    /// Whether each column is integer.
    pub integer: Vec<bool>,
    /// Whether a column's upper bound is also enforced by a row (`x <= cap` next to
    /// `sum x <= cap` with `x >= 0`): backends that turn bounds into rows may leave it out.
    pub upper_implied: Vec<bool>,
    /// Start of each row's entries in `entries`; one more element than rows.
    pub row_start: Vec<usize>,
    /// (column, coefficient) of every row, row after row.
    pub entries: Vec<(Col, f64)>,
    /// Lower bound per row (`f64::NEG_INFINITY` for none).
    pub row_lower: Vec<f64>,
    /// Upper bound per row (`f64::INFINITY` for none).
    pub row_upper: Vec<f64>,
    /// Factor each row was divided by when added (for reading duals back in model units).
    pub row_scale: Vec<f64>,
}

impl LinearProgram {
    /// An empty program.
    pub fn new() -> Self {
        LinearProgram {
            row_start: vec![0],
            ..Default::default()
        }
    }

    /// Adds a column.
    pub fn add_col(&mut self, obj: f64, lower: f64, upper: f64, integer: bool) -> Col {
        debug_assert!(
            obj.is_finite() && lower <= upper,
            "column {obj} [{lower}, {upper}]"
        );
        let c = Col(self.obj.len() as u32);
        self.obj.push(obj);
        self.col_lower.push(lower);
        self.col_upper.push(upper);
        self.integer.push(integer);
        self.upper_implied.push(false);
        c
    }

    /// Adds `lower <= sum(coef x) <= upper`. The row is divided by its largest coefficient so
    /// that every row's coefficients are at most 1 in magnitude: the units of the model
    /// (PFLOP, chip-hours, dollars) span many orders of magnitude and solvers want rows of
    /// similar scale.
    pub fn add_row(
        &mut self,
        terms: impl IntoIterator<Item = (Col, f64)>,
        lower: f64,
        upper: f64,
    ) -> Row {
        let start = self.entries.len();
        self.entries
            .extend(terms.into_iter().filter(|(_, a)| *a != 0.0));
        let scale = self.entries[start..]
            .iter()
            .map(|(_, a)| a.abs())
            .fold(0.0_f64, f64::max);
        let scale = if scale > 0.0 { scale } else { 1.0 };
        if scale != 1.0 {
            for e in &mut self.entries[start..] {
                e.1 /= scale;
            }
        }
        let r = Row(self.row_lower.len() as u32);
        self.row_lower.push(lower / scale);
        self.row_upper.push(upper / scale);
        self.row_scale.push(scale);
        self.row_start.push(self.entries.len());
        r
    }

    /// Column `c`'s lower bound if `lower`, else its upper.
    pub fn col_bound(&self, c: Col, lower: bool) -> f64 {
        let j = c.0 as usize;
        if lower {
            self.col_lower[j]
        } else {
            self.col_upper[j]
        }
    }

    /// Number of columns.
    pub fn num_cols(&self) -> usize {
        self.obj.len()
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.row_lower.len()
    }

    /// Number of nonzero matrix entries.
    pub fn num_nonzeros(&self) -> usize {
        self.entries.len()
    }

    /// Number of integer columns.
    pub fn num_integers(&self) -> usize {
        self.integer.iter().filter(|&&i| i).count()
    }

    /// Entries of one row.
    pub fn row(&self, r: usize) -> &[(Col, f64)] {
        &self.entries[self.row_start[r]..self.row_start[r + 1]]
    }

    /// Largest amount by which `x` breaks a row or a column bound, or an integer column's
    /// integrality (rows in their scaled form, where coefficients are at most 1).
    pub fn max_violation(&self, x: &[f64]) -> f64 {
        let mut worst: f64 = 0.0;
        for j in 0..self.num_cols() {
            worst = worst
                .max(self.col_lower[j] - x[j])
                .max(x[j] - self.col_upper[j]);
            if self.integer[j] {
                worst = worst.max((x[j] - x[j].round()).abs());
            }
        }
        for r in 0..self.num_rows() {
            let ax: f64 = self.row(r).iter().map(|&(c, a)| a * x[c.0 as usize]).sum();
            worst = worst
                .max(self.row_lower[r] - ax)
                .max(ax - self.row_upper[r]);
        }
        worst
    }

    /// Objective value of `x`.
    pub fn objective_value(&self, x: &[f64]) -> f64 {
        self.obj.iter().zip(x).map(|(c, v)| c * v).sum::<f64>() + self.obj_offset
    }
}

/// A program rescaled for solving, with what maps its solutions back.
///
/// The model's units (thousands of chip-hours, thousands of dollars) suit a fleet, not a job:
/// a 1 PFLOP probe's work row reads `x1 + x2 = 7e-7` there, below every solver's tolerance, and
/// next to a frontier run that needs 1e8 chip-hours the same row is a rounding error. So each
/// column is measured in its own natural unit: the amount that alone meets an equality row it
/// is in (for an allocation, the whole job on that cluster, or a period's demand), and every
/// row is then divided by its largest coefficient again. Work rows become `sum x = 1` whatever
/// the job's size. Column bounds implied by such rows are tightened first (to at most 1), and
/// rows that no point within the bounds can break are set aside, so that no large right-hand
/// side stretches a solver's relative tolerances. Finally the objective is divided by the
/// geometric mean of its largest and smallest coefficients. Solutions are mapped back with [`Scaled::unscale`].
#[derive(Debug, Clone)]
pub struct Scaled {
    /// The program handed to the solver.
    pub lp: LinearProgram,
    /// A column's value in the original program is its scaled value times this.
    pub col_scale: Vec<f64>,
    /// The original objective (without offset) is the scaled one times this.
    pub obj_scale: f64,
    /// The equality row each column's upper bound was tightened from, if any: a bound that
    /// moves with that row's right-hand side, whose dual belongs to the row
    /// ([`crate::solver`] folds it back when it reads duals).
    pub tightened_by: Vec<Option<usize>>,
}

/// Range of the natural units, in the program's own units: a unit below a millionth of a
/// thousand chip-hours (a millisecond of a chip) buys row scale with objective scale, and
/// costs spanning more than about 1e12 defeat every simplex's dual tolerance (HiGHS called a
/// feasible program infeasible with costs from 2e-9 to 6e8).
pub const UNIT_RANGE: (f64, f64) = (1e-6, 1e6);

/// For HiGHS, rows are divided by at most this many times their bound
/// ([`LinearProgram::scaled`]): its 1e-7 feasibility tolerance is then at most 1e-4 of the
/// bound. microlp keeps rows divided by their largest coefficient: with its bound kept near 1
/// (coefficients up to 1e7) it stopped on "No progress" or ended 6e-4 dear on other scenarios.
pub const BOUND_SPAN: f64 = 1e3;

/// A scaled value below this (a billionth of the column's natural unit) is solver round-off.
pub const SCALED_ZERO: f64 = 1e-9;

impl Scaled {
    /// Maps a solution of the scaled program back to the original columns: values within
    /// [`SCALED_ZERO`] of a bound are put on it (round-off, relative to the column's own unit),
    /// and every value is clamped into its original bounds.
    pub fn unscale(&self, original: &LinearProgram, x: &[f64]) -> Vec<f64> {
        x.iter()
            .enumerate()
            .map(|(j, &v)| {
                let (lo, hi) = (self.lp.col_lower[j], self.lp.col_upper[j]);
                let v = if (v - lo).abs() <= SCALED_ZERO {
                    lo
                } else if (v - hi).abs() <= SCALED_ZERO {
                    hi
                } else {
                    v
                };
                let v = if original.integer[j] { v.round() } else { v };
                (v * self.col_scale[j]).clamp(original.col_lower[j], original.col_upper[j])
            })
            .collect()
    }
}

impl LinearProgram {
    /// This program in per-column natural units (see [`Scaled`]); `keep_bounds` caps each row's
    /// divisor at [`BOUND_SPAN`] times its bound (for HiGHS, whose tolerance is absolute).
    pub fn scaled(&self, keep_bounds: bool) -> Scaled {
        let mut lp = self.clone();
        let tightened_by = lp.tighten_from_equalities();
        let tightened: Vec<bool> = tightened_by.iter().map(Option::is_some).collect();
        let col_scale = lp.natural_units();
        for (j, &s) in col_scale.iter().enumerate() {
            lp.obj[j] *= s;
            lp.col_lower[j] /= s;
            lp.col_upper[j] /= s;
        }
        for e in &mut lp.entries {
            e.1 *= col_scale[e.0 .0 as usize];
        }
        lp.rescale_rows(keep_bounds);
        lp.set_aside_redundant_rows(&tightened);
        // The geometric mean of the largest and smallest cost: dividing by the largest would
        // push a small job's cost (its whole run, in thousands of dollars, can be 1e-5 next to
        // a penalty of 1e10) under a simplex's tolerance, where every cluster looks as cheap.
        let (least, most) = lp
            .obj
            .iter()
            .map(|c| c.abs())
            .filter(|&c| c > 0.0)
            .fold((f64::INFINITY, 0.0_f64), |(l, m), c| (l.min(c), m.max(c)));
        let obj_scale = (least * most).sqrt();
        let obj_scale = if obj_scale.is_normal() {
            obj_scale
        } else {
            1.0
        };
        lp.obj.iter_mut().for_each(|c| *c /= obj_scale);
        lp.obj_offset /= obj_scale;
        Scaled {
            lp,
            col_scale,
            obj_scale,
            tightened_by,
        }
    }

    /// `sum a x = b` with every `a > 0`, `b >= 0` and every column's lower bound 0 bounds each
    /// continuous column by `b / a`; returns, per column, the row its upper bound came from.
    fn tighten_from_equalities(&mut self) -> Vec<Option<usize>> {
        let mut tightened = vec![None; self.num_cols()];
        for r in 0..self.num_rows() {
            let (lo, hi) = (self.row_lower[r], self.row_upper[r]);
            if lo != hi || hi < 0.0 || !hi.is_finite() {
                continue;
            }
            let row = &self.entries[self.row_start[r]..self.row_start[r + 1]];
            if !row
                .iter()
                .all(|&(c, a)| a > 0.0 && self.col_lower[c.0 as usize] == 0.0)
            {
                continue;
            }
            for &(c, a) in row {
                let j = c.0 as usize;
                let bound = hi / a;
                if !self.integer[j] && bound < self.col_upper[j] {
                    self.col_upper[j] = bound;
                    self.upper_implied[j] = true;
                    tightened[j] = Some(r);
                }
            }
        }
        tightened
    }

    /// Each continuous column's natural unit: the smallest amount that alone meets a nonzero
    /// equality row it is in, or its upper bound if that is smaller, else 1.
    fn natural_units(&self) -> Vec<f64> {
        let usable = |s: f64| s.is_normal() && s > 0.0;
        let mut unit = vec![f64::INFINITY; self.num_cols()];
        for r in 0..self.num_rows() {
            let b = self.row_upper[r];
            if self.row_lower[r] != b || b == 0.0 || !b.is_finite() {
                continue;
            }
            for &(c, a) in self.row(r) {
                let s = (b / a).abs();
                let j = c.0 as usize;
                if usable(s) && s < unit[j] {
                    unit[j] = s;
                }
            }
        }
        for (j, u) in unit.iter_mut().enumerate() {
            let upper = self.col_upper[j];
            if self.integer[j] {
                *u = 1.0;
            } else if usable(upper) && upper < *u {
                // A column can never be more than its bound: a cluster of 2 chips serving a
                // billion-unit demand is measured in its own capacity, not in the demand.
                *u = upper;
            } else if !u.is_finite() {
                *u = 1.0;
            }
            if !self.integer[j] {
                *u = u.clamp(UNIT_RANGE.0, UNIT_RANGE.1);
            }
        }
        unit
    }

    /// Divides every row by its largest coefficient again; with `keep_bounds`, never so far that
    /// the row's bound falls under one [`BOUND_SPAN`]th of its unit.
    fn rescale_rows(&mut self, keep_bounds: bool) {
        for r in 0..self.num_rows() {
            let (start, end) = (self.row_start[r], self.row_start[r + 1]);
            let largest = self.entries[start..end]
                .iter()
                .map(|(_, a)| a.abs())
                .fold(0.0_f64, f64::max);
            let scale = match self.row_bound_magnitude(r) {
                Some(b) if keep_bounds => largest.min(BOUND_SPAN * b),
                _ => largest,
            };
            if scale > 0.0 && scale.is_finite() && scale != 1.0 {
                for e in &mut self.entries[start..end] {
                    e.1 /= scale;
                }
                self.row_lower[r] /= scale;
                self.row_upper[r] /= scale;
                self.row_scale[r] *= scale;
            }
        }
    }

    /// The largest finite, nonzero bound of row `r`. Dividing a row by much more shrinks the
    /// bound toward a solver's feasibility tolerance: a $1,000 spend floor beside a column
    /// worth $1e10 of spend became 1e-7, and HiGHS left the whole floor unmet.
    fn row_bound_magnitude(&self, r: usize) -> Option<f64> {
        [self.row_lower[r], self.row_upper[r]]
            .into_iter()
            .filter(|b| b.is_finite() && *b != 0.0)
            .map(f64::abs)
            .reduce(f64::max)
    }

    /// Turns into free rows (both bounds infinite) the sides of rows that no point within the
    /// column bounds can break, and stops counting on them for column upper bounds.
    fn set_aside_redundant_rows(&mut self, tightened: &[bool]) {
        for r in 0..self.num_rows() {
            let (mut least, mut most) = (0.0, 0.0);
            for &(c, a) in self.row(r) {
                let j = c.0 as usize;
                let (lo, hi) = (self.col_lower[j], self.col_upper[j]);
                if a > 0.0 {
                    least += a * lo;
                    most += a * hi;
                } else {
                    least += a * hi;
                    most += a * lo;
                }
            }
            let mut changed = false;
            // A margin keeps rows that are merely met with equality at the bounds.
            if self.row_upper[r].is_finite() && most < self.row_upper[r] - 1e-9 {
                self.row_upper[r] = f64::INFINITY;
                changed = true;
            }
            if self.row_lower[r].is_finite() && least > self.row_lower[r] + 1e-9 {
                self.row_lower[r] = f64::NEG_INFINITY;
                changed = true;
            }
            if changed {
                for k in self.row_start[r]..self.row_start[r + 1] {
                    let j = self.entries[k].0 .0 as usize;
                    self.upper_implied[j] &= tightened[j];
                }
            }
        }
    }

    /// After integer columns are fixed: a row whose activity at its columns' most favourable
    /// bounds exactly reaches a side forces every column onto that bound (`x1 + x2 - M d <= 0`
    /// with `d = 0` forces `x1 = x2 = 0`). Fixes those columns so the solver returns them exactly.
    pub fn fix_forced_columns(&mut self) {
        for r in 0..self.num_rows() {
            let row = &self.entries[self.row_start[r]..self.row_start[r + 1]];
            let (mut least, mut most) = (0.0, 0.0);
            for &(c, a) in row {
                let j = c.0 as usize;
                let (lo, hi) = (self.col_lower[j], self.col_upper[j]);
                least += if a > 0.0 { a * lo } else { a * hi };
                most += if a > 0.0 { a * hi } else { a * lo };
            }
            let at_upper = self.row_upper[r].is_finite() && least >= self.row_upper[r] - 1e-12;
            let at_lower = self.row_lower[r].is_finite() && most <= self.row_lower[r] + 1e-12;
            if !(at_upper || at_lower) || !least.is_finite() || !most.is_finite() {
                continue;
            }
            let pairs: Vec<(usize, f64)> = row.iter().map(|&(c, a)| (c.0 as usize, a)).collect();
            for (j, a) in pairs {
                // At the upper side every column sits where it contributes least, and vice versa.
                let to_lower = (a > 0.0) == at_upper;
                let v = if to_lower {
                    self.col_lower[j]
                } else {
                    self.col_upper[j]
                };
                self.col_lower[j] = v;
                self.col_upper[j] = v;
            }
        }
    }

    /// The program over the columns marked `keep` only, the others fixed at zero; returns it
    /// with the original index of each of its columns.
    pub fn restricted_to(&self, keep: &[bool]) -> (LinearProgram, Vec<usize>) {
        let kept: Vec<usize> = (0..self.num_cols()).filter(|&j| keep[j]).collect();
        let mut index = vec![u32::MAX; self.num_cols()];
        let mut out = LinearProgram::new();
        for (k, &j) in kept.iter().enumerate() {
            index[j] = k as u32;
            out.obj.push(self.obj[j]);
            out.col_lower.push(self.col_lower[j]);
            out.col_upper.push(self.col_upper[j]);
            out.integer.push(self.integer[j]);
            out.upper_implied.push(self.upper_implied[j]);
        }
        out.obj_offset = self.obj_offset;
        for r in 0..self.num_rows() {
            out.entries.extend(
                self.row(r)
                    .iter()
                    .filter(|(c, _)| keep[c.0 as usize])
                    .map(|&(c, a)| (Col(index[c.0 as usize]), a)),
            );
            out.row_start.push(out.entries.len());
            out.row_lower.push(self.row_lower[r]);
            out.row_upper.push(self.row_upper[r]);
            out.row_scale.push(self.row_scale[r]);
        }
        (out, kept)
    }

    /// Whether any row still constrains anything (a side is finite).
    pub fn has_active_rows(&self) -> bool {
        (0..self.num_rows()).any(|r| self.row_lower[r].is_finite() || self.row_upper[r].is_finite())
    }
}
