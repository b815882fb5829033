//! The scenario file as a spanned TOML document: every format problem in one run, and the place
//! of any value in the file.
//!
//! serde stops at the first field it cannot use. [`deserialize_all`] parses the file once into
//! toml's spanned document ([`toml::de::DeTable`]), deserializes it, and on each failure takes the
//! offending key (or array entry) out of a working copy and tries again, so two typos are reported
//! in one run, each at its own line, with the nearest valid spelling (from the list of known names
//! serde's message gives, so it always follows the schema). [`Document::place`] turns a path such
//! as `workloads[3].after[1]` into the line and column of that value, for the validator's problems.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::de::{DeArray, DeTable, DeValue, Deserializer};
use toml::Spanned;

use crate::error::{LoadError, Problem, SourceText};

/// At most this many format problems are reported; checking stops there (each one costs a
/// deserialization of the document).
pub const MAX_FORMAT_PROBLEMS: usize = 100;

/// A parsed TOML file with the spans of every key and value.
pub struct Document<'i> {
    root: Spanned<DeTable<'i>>,
    src: SourceText<'i>,
}

/// Where a problem was found, to be shown as `line L, column C`.
pub type Place = Option<(usize, usize)>;

impl<'i> Document<'i> {
    /// Parses `text` (a syntax error is returned with toml's line, column and caret).
    pub fn parse(text: &'i str, file: &Path) -> Result<Self, LoadError> {
        let root = DeTable::parse(text).map_err(|mut e| {
            e.set_input(Some(text));
            let at = e.span().and_then(|span| SourceText::new(text).at(span));
            let problem = Problem::new(
                "",
                at,
                e.message().trim_end(),
                "correct the TOML syntax at that place",
            );
            LoadError::Syntax {
                file: file.to_path_buf(),
                message: e.to_string(),
                problems: vec![problem],
            }
        })?;
        Ok(Document {
            root,
            src: SourceText::new(text),
        })
    }

    /// Line and column of the value at `path` (`workloads[3].after[1]`, `horizon.start`,
    /// `workloads[0].mfu.h100`). Where the path leaves the file (a default, a computed value)
    /// the deepest part of it found is used; for a whole table entry, its `id` line.
    pub fn place(&self, path: &str) -> Place {
        let mut value: Option<&Spanned<DeValue>> = None;
        let mut span = None;
        let mut table: &DeTable = self.root.get_ref();
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            let (key, indices) = split_indices(segment);
            let Some(v) = table.get(key) else { break };
            span = Some(v.span());
            value = Some(v);
            let mut v = v;
            let mut ok = true;
            for i in indices {
                match v.get_ref() {
                    DeValue::Array(a) if i < a.len() => {
                        v = &a[i];
                        span = Some(v.span());
                        value = Some(v);
                    }
                    _ => {
                        ok = false;
                        break;
                    }
                }
            }
            match v.get_ref() {
                DeValue::Table(t) if ok => table = t,
                _ => break,
            }
        }
        if let Some(DeValue::Table(t)) = value.map(Spanned::get_ref) {
            if let Some(id) = t.get("id") {
                span = Some(id.span());
            }
        }
        span.and_then(|s| self.src.at(s))
    }
}

/// `after[1][2]` -> ("after", [1, 2]).
fn split_indices(segment: &str) -> (&str, Vec<usize>) {
    let Some(open) = segment.find('[') else {
        return (segment, Vec::new());
    };
    let indices = segment[open..]
        .split(['[', ']'])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    (&segment[..open], indices)
}

/// What [`deserialize_all`] found.
pub struct Collected<T> {
    /// The file's content: all of it when there is no format problem; otherwise, when every
    /// problem is an unknown key, the rest of the file (so that its rules can be checked in the
    /// same run). `None` otherwise.
    pub value: Option<T>,
    /// Every format problem, as toml renders it (line, column, caret), with a `help:` line
    /// naming the nearest valid spelling where one is close.
    pub problems: Vec<String>,
    /// The same problems as data, in the same order: the path of the key or value, its line
    /// and column, serde's message and what to do.
    pub found: Vec<Problem>,
}

impl<T> Collected<T> {
    /// The error for these format problems and `rules` (see [`format_error`]), with every
    /// problem as data too.
    pub fn error(&self, file: &Path, rules: &[Problem]) -> LoadError {
        let mut e = format_error(file, &self.problems, rules);
        if let LoadError::Syntax { problems, .. } = &mut e {
            problems.splice(0..0, self.found.iter().cloned());
        }
        e
    }
}

/// Deserializes the whole document, collecting every format problem (unknown keys, values of
/// the wrong type or spelling, missing fields) instead of stopping at the first.
pub fn deserialize_all<'i, T: Deserialize<'i>>(doc: &Document<'i>, text: &'i str) -> Collected<T> {
    let mut work = doc.root.clone();
    let mut problems: Vec<String> = Vec::new();
    let mut found: Vec<Problem> = Vec::new();
    // Keys taken out so far (name, extent): a "missing field" they cause is not news.
    let mut removed: Vec<(String, Range<usize>)> = Vec::new();
    let mut value = None;
    // Taking out an unknown key changes nothing the rules read; taking out a known field with a
    // bad value (its default then applies) or a whole entry could make them report problems
    // that are not there.
    let mut only_unknown_keys = true;
    loop {
        let mut e = match T::deserialize(Deserializer::from(work.clone())) {
            Ok(v) => {
                if only_unknown_keys {
                    value = Some(v);
                }
                break;
            }
            Err(e) => e,
        };
        let Some(span) = e.span() else {
            found.push(as_problem(e.message(), String::new(), None));
            e.set_input(Some(text));
            problems.push(with_help(e.to_string()));
            break;
        };
        // serde checks one table at a time, in order: a field missing from the table at `span`
        // that was taken out of it (it is then at or after the table's header) is ours.
        let ours = missing_field(e.message()).is_some_and(|name| {
            removed
                .iter()
                .any(|(k, s)| k == name && s.start >= span.start)
        });
        only_unknown_keys &= e.message().starts_with("unknown field");
        let taken = take_out(work.get_mut(), &span);
        if !ours {
            let path = path_at(doc.root.get_ref(), &span);
            found.push(as_problem(e.message(), path, doc.src.at(span.clone())));
            e.set_input(Some(text));
            problems.push(with_help(e.to_string()));
        }
        match taken {
            Some(t) if problems.len() < MAX_FORMAT_PROBLEMS => removed.push(t),
            _ => break,
        }
    }
    Collected {
        value,
        problems,
        found,
    }
}

/// A format problem as data: serde's message (its first line) and what to do about it.
fn as_problem(message: &str, path: String, at: Place) -> Problem {
    let message = message.lines().next().unwrap_or_default().to_string();
    let help = if let Some(best) = suggestion(&message) {
        format!("did you mean `{best}`?")
    } else if let Some(name) = missing_field(&message) {
        format!("add `{name}` (docs/format.md lists every field)")
    } else if message.starts_with("unknown field") {
        "remove it, or use one of the names listed (docs/format.md)".to_string()
    } else {
        "give a value of the kind expected (docs/format.md)".to_string()
    };
    Problem::new(path, at, message, help)
}

/// The path (`clusters[0].chips`) of the innermost key or array entry holding `span`.
fn path_at(table: &DeTable, span: &Range<usize>) -> String {
    let Some((key, value)) = table
        .iter()
        .find(|(k, v)| holds(&union(k.span(), extent(v)), span))
    else {
        return String::new();
    };
    let mut path = key.get_ref().to_string();
    if holds(&key.span(), span) {
        return path;
    }
    let mut value = value;
    while let DeValue::Array(items) = value.get_ref() {
        let Some(i) = items.iter().position(|v| holds(&extent(v), span)) else {
            return path;
        };
        path.push_str(&format!("[{i}]"));
        value = &items[i];
    }
    if let DeValue::Table(inner) = value.get_ref() {
        let rest = path_at(inner, span);
        if !rest.is_empty() {
            path = format!("{path}.{rest}");
        }
    }
    path
}

/// The error for a file with format problems and, where the rest of the file could be checked,
/// rule problems too: all of them in one message.
pub fn format_error(file: &Path, format: &[String], rules: &[Problem]) -> LoadError {
    let count = format.len() + rules.len();
    let mut message = if count == 1 {
        format.join("")
    } else {
        format!("{count} problems found\n\n{}", format.join("\n"))
    };
    for p in rules {
        message.push_str(&format!("\n{p}"));
    }
    if format.len() >= MAX_FORMAT_PROBLEMS {
        message.push_str("\n(checking stopped here: correct these and run again)\n");
    }
    LoadError::Syntax {
        file: file.to_path_buf(),
        message,
        problems: rules.to_vec(),
    }
}

/// `missing field `x`` -> `x`.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// Removes from `table` the innermost key (or array entry) holding `span`; returns the key's
/// name and the extent of the key and its value. `None` when nothing holds it.
fn take_out(table: &mut DeTable, span: &Range<usize>) -> Option<(String, Range<usize>)> {
    let (name, key_span, whole) = table
        .iter()
        .map(|(k, v)| (k, union(k.span(), extent(v))))
        .find(|(_, whole)| holds(whole, span))
        .map(|(k, whole)| (k.get_ref().to_string(), k.span(), whole))?;
    let value = table.get_mut(name.as_str())?;
    if !holds(&key_span, span) {
        let inner = match value.get_mut() {
            DeValue::Table(inner) => take_out(inner, span),
            DeValue::Array(items) => take_out_of_array(items, span),
            _ => None,
        };
        if inner.is_some() {
            return inner;
        }
    }
    table.remove(name.as_str());
    Some((name, whole))
}

/// Like [`take_out`] for the entries of an array: descends into the table entry holding `span`,
/// or drops that entry when no key inside it does (a table missing a field). `None` for a list
/// of scalars: the key holding the list goes.
fn take_out_of_array(items: &mut DeArray, span: &Range<usize>) -> Option<(String, Range<usize>)> {
    let at = items.iter().position(|v| holds(&extent(v), span))?;
    let DeValue::Table(inner) = items.as_mut()[at].get_mut() else {
        return None;
    };
    if let Some(t) = take_out(inner, span) {
        return Some(t);
    }
    let entry = extent(&items[at]);
    let mut kept = DeArray::new();
    for (i, v) in items.iter().enumerate() {
        if i != at {
            kept.push(v.clone());
        }
    }
    *items = kept;
    Some((String::new(), entry))
}

/// Whether `outer` holds `span` (an empty span at `outer`'s start counts).
fn holds(outer: &Range<usize>, span: &Range<usize>) -> bool {
    outer.start <= span.start && span.end <= outer.end.max(outer.start + 1)
}

fn union(a: Range<usize>, b: Range<usize>) -> Range<usize> {
    a.start.min(b.start)..a.end.max(b.end)
}

/// The bytes a value and everything inside it cover. A `[[table]]` entry's own span is only
/// its header; its keys follow it.
fn extent(v: &Spanned<DeValue>) -> Range<usize> {
    match v.get_ref() {
        DeValue::Table(t) => t.iter().fold(v.span(), |acc, (k, x)| {
            union(union(acc, k.span()), extent(x))
        }),
        DeValue::Array(a) => a.iter().fold(v.span(), |acc, x| union(acc, extent(x))),
        _ => v.span(),
    }
}

/// Appends `help: did you mean `x`?` to a serde "unknown field/variant" message when a known
/// name is close to the one written.
fn with_help(mut message: String) -> String {
    if let Some(best) = suggestion(&message) {
        if !message.ends_with('\n') {
            message.push('\n');
        }
        message.push_str(&format!("help: did you mean `{best}`?\n"));
    }
    message
}

/// For a serde "unknown field/variant" message, the known name it lists that is closest to the
/// one written, if close enough.
fn suggestion(message: &str) -> Option<String> {
    let written = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|p| message.find(p).map(|i| &message[i + p.len()..]))
        .and_then(|rest| rest.split('`').next())?;
    let known: Vec<&str> = message
        .rfind("expected ")
        .map(|i| message[i..].split('`').skip(1).step_by(2).collect())
        .unwrap_or_default();
    nearest(written, &known).map(str::to_string)
}

/// The known name closest to `written` by edit distance (ignoring case, `-` and `_`), if close
/// enough to be a plausible misspelling: at most a third of the name's letters changed.
pub fn nearest<'k>(written: &str, known: &[&'k str]) -> Option<&'k str> {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .map(|c| match c {
                '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let w = norm(written);
    known
        .iter()
        .map(|k| (edit_distance(&w, &norm(k)), *k))
        .filter(|(d, k)| *d <= (k.chars().count().max(w.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ScenarioFile;

    const BASE: &str = "[horizon]\nstart = \"2027-01-04\"\nperiod = \"week\"\nperiods = 2\n";

    fn load(text: &str) -> Result<ScenarioFile, String> {
        let doc = Document::parse(text, Path::new("t.toml")).map_err(|e| e.to_string())?;
        let c = deserialize_all::<ScenarioFile>(&doc, text);
        match c.value {
            Some(v) if c.problems.is_empty() => Ok(v),
            _ => Err(format_error(Path::new("t.toml"), &c.problems, &[]).to_string()),
        }
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("max_chips", "maxchips"), 1);
        assert_eq!(d("deadline", "dealdine"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
    }

    #[test]
    fn nearest_only_offers_plausible_misspellings() {
        let known = ["max_chips", "chips", "deadline", "work_pflop"];
        assert_eq!(nearest("maxchips", &known), Some("max_chips"));
        assert_eq!(nearest("Max-Chips", &known), Some("max_chips"));
        assert_eq!(nearest("work_pflops", &known), Some("work_pflop"));
        assert_eq!(nearest("colour", &known), None);
    }

    #[test]
    fn two_typos_and_a_bad_value_in_one_run() {
        let text = format!(
            "{BASE}\n[[workloads]]\nid = \"a\"\nkind = \"pre-trainig\"\nwork_pflop = 1\nmaxchips = 4\n\n[[workloads]]\nid = \"b\"\nkind = \"evaluation\"\nwork_pflop = 1\ndeadlin = 2\n"
        );
        let e = load(&text).unwrap_err();
        assert!(e.contains("3 problems found"), "{e}");
        for (line, says, help) in [
            (
                8,
                "unknown variant `pre-trainig`",
                "did you mean `pre-training`?",
            ),
            (10, "unknown field `maxchips`", "did you mean `max_chips`?"),
            (16, "unknown field `deadlin`", "did you mean `deadline`?"),
        ] {
            let at = e
                .find(&format!("line {line}, column"))
                .unwrap_or_else(|| panic!("no line {line}: {e}"));
            let rest = &e[at..];
            let end = rest[1..]
                .find("TOML parse error")
                .map_or(rest.len(), |i| i + 1);
            assert!(rest[..end].contains(says), "{says}: {e}");
            assert!(rest[..end].contains(help), "{help}: {e}");
        }
        // `kind` was taken out because it was misspelt: no "missing field `kind`" as well.
        assert!(!e.contains("missing field"), "{e}");
    }

    #[test]
    fn a_missing_field_is_reported_and_other_entries_still_checked() {
        let text = format!(
            "{BASE}\n[[workloads]]\nid = \"a\"\nwork_pflop = 1\n\n[[workloads]]\nid = \"b\"\nkind = \"evaluation\"\nwork_pflp = 1\n"
        );
        let e = load(&text).unwrap_err();
        assert!(e.contains("2 problems found"), "{e}");
        assert!(e.contains("missing field `kind`"), "{e}");
        assert!(e.contains("did you mean `work_pflop`?"), "{e}");
    }

    #[test]
    fn an_unknown_top_level_table_is_named_with_the_nearest() {
        let e = load(&format!("{BASE}\n[[workload]]\nid = \"a\"\n")).unwrap_err();
        assert!(e.contains("unknown field `workload`"), "{e}");
        assert!(e.contains("did you mean `workloads`?"), "{e}");
        let e = load("[[clusters]]\nid = \"a\"\n").unwrap_err();
        assert!(e.contains("missing field `horizon`"), "{e}");
    }

    #[test]
    fn a_valid_file_has_no_problem_and_places_are_found() {
        let text = format!(
            "{BASE}\n[[workloads]]\nid = \"a\"\nkind = \"evaluation\"\nwork_pflop = 1\nafter = [\"x\", \"y\"]\nmfu = {{ h100 = 0.4 }}\n"
        );
        let f = load(&text).unwrap();
        assert_eq!(f.workloads.len(), 1);
        let doc = Document::parse(&text, Path::new("t")).unwrap();
        assert_eq!(doc.place("horizon.periods"), Some((4, 11)));
        assert_eq!(doc.place("workloads[0]"), Some((7, 6)));
        assert_eq!(doc.place("workloads[0].work_pflop"), Some((9, 14)));
        assert_eq!(doc.place("workloads[0].after[1]"), Some((10, 15)));
        assert_eq!(doc.place("workloads[0].mfu.h100"), Some((11, 16)));
        // Not written (a default): the entry's id line.
        assert_eq!(doc.place("workloads[0].deadline"), Some((7, 6)));
        assert_eq!(doc.place("nothing"), None);
    }
}
