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
