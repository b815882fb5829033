//! Writers for the exact program that is solved: free MPS (`.mps`) and CPLEX LP (`.lp`).
//!
//! Both read the [`LinearProgram`] the solver receives, row scaling included, so HiGHS, Gurobi
//! or CPLEX solve the same numbers. Columns and rows are named by
//! [`Formulation::col_name`] / [`Formulation::row_name`] after the scenario's ids, made unique
//! with a `_2`, `_3`, ... suffix where two would collide. Numbers are written in Rust's shortest
//! round-trip form, so reading a file back gives the same `f64`s.
//!
//! The objective constant (the reserved capacity paid whatever the plan) is written as HiGHS,
//! CPLEX and Gurobi read it: in MPS as the negated RHS of the objective row, in LP as a constant
//! term of the objective.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use crate::formulation::Formulation;
use crate::lp::LinearProgram;

/// Name of the objective row.
pub const OBJECTIVE: &str = "total_cost";

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Free MPS.
    Mps,
    /// CPLEX LP.
    Lp,
}

impl ExportFormat {
    /// The format a file name asks for by its extension.
    pub fn from_path(path: &Path) -> Result<Self, ExportError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("mps") => Ok(ExportFormat::Mps),
            Some(e) if e.eq_ignore_ascii_case("lp") => Ok(ExportFormat::Lp),
            _ => Err(ExportError::Extension(path.display().to_string())),
        }
    }
}

/// Why an export cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file name does not say which format.
    #[error(
        "--export {0}: unknown model format; end the file name in .mps (MPS) or .lp (CPLEX LP)"
    )]
    Extension(String),
}

/// The program as text in `format`.
pub fn export(f: &Formulation<'_>, format: ExportFormat) -> String {
    let (cols, rows) = names(f, format);
    match format {
        ExportFormat::Mps => mps(&f.lp, &cols, &rows),
        ExportFormat::Lp => lp_format(&f.lp, &cols, &rows),
    }
}

/// Unique names for every column and row (two namespaces, as in MPS and LP files); the
/// objective's name is reserved among rows. LP files read `-` as minus, so there it becomes `_`.
fn names(f: &Formulation<'_>, format: ExportFormat) -> (Vec<String>, Vec<String>) {
    let unique = |seen: &mut HashSet<String>, name: String| -> String {
        let name = match format {
            ExportFormat::Mps => name,
            ExportFormat::Lp => name.replace('-', "_"),
        };
        if seen.insert(name.clone()) {
            return name;
        }
        (2..)
            .map(|i| format!("{name}_{i}"))
            .find(|n| seen.insert(n.clone()))
            .expect("some suffix is free")
    };
    let mut seen = HashSet::with_capacity(f.lp.num_cols());
    let cols = (0..f.lp.num_cols())
        .map(|j| unique(&mut seen, f.col_name(j)))
        .collect();
    let mut seen = HashSet::with_capacity(f.lp.num_rows() + 1);
    seen.insert(OBJECTIVE.to_string());
    let rows = (0..f.lp.num_rows())
        .map(|i| unique(&mut seen, f.row_name(i)))
        .collect();
    (cols, rows)
}

/// Shortest text that reads back as the same `f64` (written in place: files have millions).
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x == x.trunc() && x.abs() < 1e15 {
            write!(f, "{}", x as i64)
        } else {
            write!(f, "{x:?}")
        }
    }
}

fn num(x: f64) -> Num {
    Num(x)
}

/// Column-wise entries: for each column, (row, coefficient).
fn by_column(lp: &LinearProgram) -> Vec<Vec<(usize, f64)>> {
    let mut out = vec![Vec::new(); lp.num_cols()];
    for r in 0..lp.num_rows() {
        for &(c, a) in lp.row(r) {
            out[c.0 as usize].push((r, a));
        }
    }
    out
}

fn mps(lp: &LinearProgram, cols: &[String], rows: &[String]) -> String {
    let mut out = String::with_capacity(64 * (lp.num_nonzeros() + lp.num_cols() + lp.num_rows()));
    let _ = writeln!(
        out,
        "* capplan plan, free MPS: {} columns ({} integer), {} rows, {} nonzeros",
        lp.num_cols(),
        lp.num_integers(),
        lp.num_rows(),
        lp.num_nonzeros()
    );
    let _ = writeln!(
        out,
        "* objective constant {} (thousands of USD) = minus the RHS of {OBJECTIVE}",
        num(lp.obj_offset)
    );
    out.push_str("NAME capplan\nOBJSENSE\n    MIN\n");
    mps_rows(&mut out, lp, rows);
    mps_columns(&mut out, lp, cols, rows);
    mps_rhs(&mut out, lp, rows);
    mps_ranges(&mut out, lp, rows);
    mps_bounds(&mut out, lp, cols);
    out.push_str("ENDATA\n");
    out
}

/// The ROWS section: the objective, then each row's kind (E, G, L or free N) and name.
fn mps_rows(out: &mut String, lp: &LinearProgram, rows: &[String]) {
    out.push_str("ROWS\n");
    let _ = writeln!(out, " N  {OBJECTIVE}");
    for (r, name) in rows.iter().enumerate() {
        let (lo, hi) = (lp.row_lower[r], lp.row_upper[r]);
        let kind = if lo == hi {
            'E'
        } else if lo.is_finite() {
            'G'
        } else if hi.is_finite() {
            'L'
        } else {
            'N'
        };
        let _ = writeln!(out, " {kind}  {name}");
    }
}

/// The COLUMNS section: each column's objective and row entries, integer columns between
/// markers.
fn mps_columns(out: &mut String, lp: &LinearProgram, cols: &[String], rows: &[String]) {
    out.push_str("COLUMNS\n");
    let columns = by_column(lp);
    let mut in_integers = false;
    for (j, name) in cols.iter().enumerate() {
        if lp.integer[j] != in_integers {
            in_integers = lp.integer[j];
            let marker = if in_integers { "INTORG" } else { "INTEND" };
            let _ = writeln!(out, "    MARKER  'MARKER'  '{marker}'");
        }
        let entries = &columns[j];
        if lp.obj[j] != 0.0 || entries.is_empty() {
            let _ = writeln!(out, "    {name}  {OBJECTIVE}  {}", num(lp.obj[j]));
        }
        for &(r, a) in entries {
            let _ = writeln!(out, "    {name}  {}  {}", rows[r], num(a));
        }
    }
    if in_integers {
        out.push_str("    MARKER  'MARKER'  'INTEND'\n");
    }
}

/// The RHS section: minus the objective constant, and each row's finite nonzero side (the lower
/// one when both are finite).
fn mps_rhs(out: &mut String, lp: &LinearProgram, rows: &[String]) {
    out.push_str("RHS\n");
    if lp.obj_offset != 0.0 {
        let _ = writeln!(out, "    RHS  {OBJECTIVE}  {}", num(-lp.obj_offset));
    }
    for (r, name) in rows.iter().enumerate() {
        let (lo, hi) = (lp.row_lower[r], lp.row_upper[r]);
        let rhs = if lo.is_finite() { lo } else { hi };
        if rhs.is_finite() && rhs != 0.0 {
            let _ = writeln!(out, "    RHS  {name}  {}", num(rhs));
        }
    }
}

/// The RANGES section, only when some row has two different finite sides.
fn mps_ranges(out: &mut String, lp: &LinearProgram, rows: &[String]) {
    let ranged: Vec<usize> = (0..rows.len())
        .filter(|&r| {
            let (lo, hi) = (lp.row_lower[r], lp.row_upper[r]);
            lo.is_finite() && hi.is_finite() && lo != hi
        })
        .collect();
    if !ranged.is_empty() {
        out.push_str("RANGES\n");
        for r in ranged {
            // On a G row the range R makes it rhs <= row <= rhs + |R|.
            let width = lp.row_upper[r] - lp.row_lower[r];
            let _ = writeln!(out, "    RNG  {}  {}", rows[r], num(width));
        }
    }
}

/// The BOUNDS section: fixed, free, minus-infinity, nonzero lower and finite upper bounds, and
/// plus-infinity on integer columns.
fn mps_bounds(out: &mut String, lp: &LinearProgram, cols: &[String]) {
    out.push_str("BOUNDS\n");
    for (j, name) in cols.iter().enumerate() {
        let (lo, hi) = (lp.col_lower[j], lp.col_upper[j]);
        if lo == hi {
            let _ = writeln!(out, " FX BND  {name}  {}", num(lo));
            continue;
        }
        if lo == f64::NEG_INFINITY && hi == f64::INFINITY {
            let _ = writeln!(out, " FR BND  {name}");
            continue;
        }
        if lo == f64::NEG_INFINITY {
            let _ = writeln!(out, " MI BND  {name}");
        } else if lo != 0.0 {
            let _ = writeln!(out, " LO BND  {name}  {}", num(lo));
        }
        if hi.is_finite() {
            let _ = writeln!(out, " UP BND  {name}  {}", num(hi));
        } else if lp.integer[j] {
            // Some readers give integer columns inside markers an upper bound of 1.
            let _ = writeln!(out, " PL BND  {name}");
        }
    }
}

/// Terms per line in LP files (CPLEX reads lines of up to 255 characters... and more, but
/// short lines keep the file readable).
const TERMS_PER_LINE: usize = 6;

fn terms<'a>(out: &mut String, entries: impl Iterator<Item = (f64, &'a str)>) {
    let mut n = 0;
    for (a, name) in entries {
        if n > 0 && n % TERMS_PER_LINE == 0 {
            out.push_str("\n   ");
        }
        let sign = if a < 0.0 { '-' } else { '+' };
        let _ = write!(out, " {sign} {} {name}", num(a.abs()));
        n += 1;
    }
    if n == 0 {
        out.push_str(" 0");
    }
}

fn bound(x: f64) -> String {
    if x == f64::INFINITY {
        "+inf".into()
    } else if x == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        num(x).to_string()
    }
}

fn lp_format(lp: &LinearProgram, cols: &[String], rows: &[String]) -> String {
    let mut out = String::with_capacity(48 * (lp.num_nonzeros() + lp.num_cols() + lp.num_rows()));
    let _ = writeln!(
        out,
        "\\ capplan plan, CPLEX LP: {} columns ({} integer), {} rows, {} nonzeros",
        lp.num_cols(),
        lp.num_integers(),
        lp.num_rows(),
        lp.num_nonzeros()
    );
    out.push_str("\\ a row with two finite bounds is written as NAME_lo and NAME_hi\n");
    out.push_str("Minimize\n ");
    out.push_str(OBJECTIVE);
    out.push(':');
    terms(
        &mut out,
        lp.obj
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0.0)
            .map(|(j, &c)| (c, cols[j].as_str())),
    );
    if lp.obj_offset != 0.0 {
        let sign = if lp.obj_offset < 0.0 { '-' } else { '+' };
        let _ = write!(out, " {sign} {}", num(lp.obj_offset.abs()));
    }
    out.push_str("\nSubject To\n");
    for (r, name) in rows.iter().enumerate() {
        let (lo, hi) = (lp.row_lower[r], lp.row_upper[r]);
        let row = |out: &mut String, name: &str, op: &str, rhs: f64| {
            let _ = write!(out, " {name}:");
            terms(
                out,
                lp.row(r)
                    .iter()
                    .map(|&(c, a)| (a, cols[c.0 as usize].as_str())),
            );
            let _ = writeln!(out, " {op} {}", num(rhs));
        };
        if lo == hi {
            row(&mut out, name, "=", lo);
        } else if lo.is_finite() && hi.is_finite() {
            row(&mut out, &format!("{name}_lo"), ">=", lo);
            row(&mut out, &format!("{name}_hi"), "<=", hi);
        } else if lo.is_finite() {
            row(&mut out, name, ">=", lo);
        } else if hi.is_finite() {
            row(&mut out, name, "<=", hi);
        }
    }
    out.push_str("Bounds\n");
    for (j, name) in cols.iter().enumerate() {
        let (lo, hi) = (lp.col_lower[j], lp.col_upper[j]);
        if lo == hi {
            let _ = writeln!(out, " {name} = {}", num(lo));
        } else if lo == f64::NEG_INFINITY && hi == f64::INFINITY {
            let _ = writeln!(out, " {name} free");
        } else if lo != 0.0 || hi.is_finite() {
            let _ = writeln!(out, " {} <= {name} <= {}", bound(lo), bound(hi));
        }
    }
    if lp.num_integers() > 0 {
        out.push_str("General\n");
        for (j, name) in cols.iter().enumerate() {
            if lp.integer[j] {
                let _ = writeln!(out, " {name}");
            }
        }
    }
    out.push_str("End\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Scenario;

    const TWO_CLUSTERS: &str = r#"
[horizon]
start = "2027-01-04"
period = "week"
periods = 3

[[clusters]]
id = "trn2"
provider = "aws"
chip = "trainium2"
chips = 8
billing = "reserved"
usd_per_chip_hour = 5.0
price_basis = "on-demand"

[[clusters]]
id = "h100"
provider = "azure"
chip = "h100"
chips = 8
billing = "per-use"
usd_per_chip_hour = 10.0
price_basis = "on-demand"

[[workloads]]
id = "ft"
kind = "post-training"
work_chip_hours = { chip = "h100", chip_hours = 2000 }

[[workloads]]
id = "eval"
kind = "evaluation"
work_chip_hours = { chip = "h100", chip_hours = 100 }
after = ["ft"]
"#;

    fn formulation(s: &Scenario) -> Formulation<'_> {
        Formulation::build(s, false)
    }

    #[test]
    fn mps_has_every_section_named_rows_markers_and_the_constant() {
        let s = Scenario::from_toml(TWO_CLUSTERS, Path::new("t.toml")).unwrap();
        let f = formulation(&s);
        let text = export(&f, ExportFormat::Mps);
        let lines: Vec<&str> = text.lines().collect();
        let at = |l: &str| {
            lines
                .iter()
                .position(|x| *x == l)
                .unwrap_or_else(|| panic!("{l} missing:\n{text}"))
        };
        // Sections in order.
        let order = [
            "NAME capplan",
            "OBJSENSE",
            "ROWS",
            "COLUMNS",
            "RHS",
            "BOUNDS",
            "ENDATA",
        ];
        let pos: Vec<usize> = order.iter().map(|l| at(l)).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
        assert_eq!(lines[at("OBJSENSE") + 1].trim(), "MIN");
        // Reserved trn2: 8 chips x 504 h x $5 = $20,160 = 20.16 thousand, paid whatever the plan.
        assert!(lines.contains(&"    RHS  total_cost  -20.16"), "{text}");
        assert!(lines.contains(&" E  work_ft"));
        assert!(lines.contains(&" E  work_eval"));
        assert!(lines.contains(&" G  done_ft_p1"));
        assert!(lines.contains(&" L  after_eval_ft_p2"));
        // The dependency gate is the only integer column, fenced by markers, bounded by 1.
        let int = at("    MARKER  'MARKER'  'INTORG'");
        assert!(lines[int + 1].starts_with("    done_ft_p1  "));
        assert!(lines[int + 1..].contains(&"    MARKER  'MARKER'  'INTEND'"));
        assert!(lines.contains(&" UP BND  done_ft_p1  1"));
        // H100 allocations cost $10 per chip-hour = 10 (thousand USD per thousand chip-hours).
        assert!(lines.contains(&"    x_ft_h100_p1  total_cost  10"));
        // Every row and column name is unique.
        let rows = &lines[at("ROWS") + 1..at("COLUMNS")];
        let unique: HashSet<&str> = rows
            .iter()
            .map(|l| l.split_whitespace().nth(1).unwrap())
            .collect();
        assert_eq!(unique.len(), rows.len());
        assert_eq!(rows.len(), f.lp.num_rows() + 1);
    }

    #[test]
    fn lp_format_has_objective_constraints_bounds_and_generals() {
        let s = Scenario::from_toml(TWO_CLUSTERS, Path::new("t.toml")).unwrap();
        let f = formulation(&s);
        let text = export(&f, ExportFormat::Lp);
        assert!(text.contains("Minimize\n total_cost:"));
        assert!(text.contains(" + 10 x_ft_h100_p1"));
        assert!(text.contains("+ 20.16\nSubject To\n"), "{text}");
        assert!(text.contains("\nGeneral\n done_ft_p1\nEnd\n"), "{text}");
        assert!(text.contains(" 0 <= done_ft_p1 <= 1\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with(" work_")).count(), 2);
        assert!(text
            .lines()
            .any(|l| l.starts_with(" after_eval_ft_p2:") && l.ends_with("<= 0")));
    }

    #[test]
    fn names_are_unique_per_namespace() {
        let s = Scenario::from_toml(TWO_CLUSTERS, Path::new("t.toml")).unwrap();
        let f = formulation(&s);
        let objective = OBJECTIVE.to_string();
        for format in [ExportFormat::Mps, ExportFormat::Lp] {
            let (cols, rows) = names(&f, format);
            let c: HashSet<&String> = cols.iter().collect();
            let r: HashSet<&String> = rows.iter().chain([&objective]).collect();
            assert_eq!(c.len(), cols.len());
            assert_eq!(r.len(), rows.len() + 1);
        }
    }

    #[test]
    fn lp_names_lose_dashes_and_collisions_get_suffixes() {
        let text = TWO_CLUSTERS
            .replace("id = \"trn2\"", "id = \"h-100\"")
            .replace("id = \"h100\"", "id = \"h_100\"");
        let s = Scenario::from_toml(&text, Path::new("t.toml")).unwrap();
        let f = formulation(&s);
        let (mps_cols, _) = names(&f, ExportFormat::Mps);
        assert!(
            mps_cols.contains(&"x_ft_h-100_p1".to_string()),
            "{mps_cols:?}"
        );
        let (cols, _) = names(&f, ExportFormat::Lp);
        assert!(cols.iter().all(|c| !c.contains('-')));
        assert!(cols.contains(&"x_ft_h_100_p1".to_string()), "{cols:?}");
        assert!(cols.contains(&"x_ft_h_100_p1_2".to_string()), "{cols:?}");
    }

    #[test]
    fn extension_chooses_the_format() {
        assert_eq!(
            ExportFormat::from_path(Path::new("a/m.mps")).unwrap(),
            ExportFormat::Mps
        );
        assert_eq!(
            ExportFormat::from_path(Path::new("m.LP")).unwrap(),
            ExportFormat::Lp
        );
        let e = ExportFormat::from_path(Path::new("m.txt"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(".mps") && e.contains(".lp"), "{e}");
    }
}
