//! Errors about the user's input, with the place in the file and what to do about it.

use std::fmt;
use std::path::PathBuf;

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// Path of the offending value (`workloads[3].after[1]`); empty for the file as a whole.
    pub path: String,
    /// 1-based line and column, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Problem {
    /// A problem at `path` (and `at`, line and column, where known).
    pub fn new(
        path: impl Into<String>,
        at: Option<(usize, usize)>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.into(),
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Why a file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the format: the toml crate's message for
    /// each problem (line, column, a caret, and the nearest valid spelling of a misspelt name),
    /// all of them at once, followed by the rule problems of the rest of the file when every
    /// format problem was an unknown key.
    #[error("{}: {message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The parser's message.
        message: String,
        /// Every problem in `message` as data (path, line, column, message, help), for
        /// `capplan validate --format json`.
        problems: Vec<Problem>,
    },
    /// The file parsed but its content breaks rules; every problem found is listed.
    #[error("{}", render_problems(file, problems))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

impl LoadError {
    /// The file the error is about.
    pub fn file(&self) -> &std::path::Path {
        match self {
            LoadError::Io { file, .. }
            | LoadError::Syntax { file, .. }
            | LoadError::Invalid { file, .. } => file,
        }
    }

    /// Every problem as data, in the order the message gives them: for an unreadable file, one
    /// problem about the file as a whole.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            LoadError::Io { source, .. } => vec![Problem::new(
                "",
                None,
                format!("cannot read: {source}"),
                "check the path and that the file is readable",
            )],
            LoadError::Syntax { problems, .. } | LoadError::Invalid { problems, .. } => {
                problems.clone()
            }
        }
    }
}

fn render_problems(file: &std::path::Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "{}: {} problem{} found",
        file.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!("\n{p}"));
    }
    out
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "  ")?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "line {l}, column {c}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}\n    help: {}", self.message, self.help)
    }
}

/// Source text with a line index, to turn byte offsets from `toml::Spanned` into positions.
pub struct SourceText<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> SourceText<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceText { text, line_starts }
    }

    /// 1-based line and column of the start of `span`.
    pub fn at(&self, span: std::ops::Range<usize>) -> Option<(usize, usize)> {
        if span.start > self.text.len() || (span.start == 0 && span.end == 0) {
            return None;
        }
        let line = self.line_starts.partition_point(|&s| s <= span.start);
        let col = self.text[self.line_starts[line - 1]..span.start]
            .chars()
            .count()
            + 1;
        Some((line, col))
    }
}

/// A number as a message shows what the user wrote: in full when short, as `1.0e308` when
/// very large or very small, so a 309-digit value does not fill the screen.
pub fn fmt_value(x: f64) -> String {
    let a = x.abs();
    if x.is_finite() && a != 0.0 && !(1e-6..1e15).contains(&a) {
        let s = format!("{x:e}");
        // `1e308` -> `1.0e308`: reads as a number, not an identifier.
        match s.split_once('e') {
            Some((m, e)) if !m.contains('.') => format!("{m}.0e{e}"),
            _ => s,
        }
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_value;

    #[test]
    fn large_and_tiny_numbers_are_compact() {
        assert_eq!(fmt_value(1e308), "1.0e308");
        assert_eq!(fmt_value(-2.5e20), "-2.5e20");
        assert_eq!(fmt_value(1.5e-9), "1.5e-9");
        assert_eq!(fmt_value(5.0), "5");
        assert_eq!(fmt_value(-5.25), "-5.25");
        assert_eq!(fmt_value(123456789.0), "123456789");
        assert_eq!(fmt_value(0.0), "0");
        assert_eq!(fmt_value(f64::NAN), "NaN");
        assert_eq!(fmt_value(f64::INFINITY), "inf");
    }
}
