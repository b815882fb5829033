//! The documentation is tested: every command shown in a ```` ```console ```` block of `README.md`
//! and `docs/*.md` is run with the built binary, and what it prints is compared with what the page
//! shows, so the docs cannot drift from the program.
//!
//! The blocks use trycmd's syntax: `$ capplan ARGS` (optionally `> FILE` to send stdout to a
//! file), an optional `? CODE` line for an expected exit code other than 0, then the expected
//! output, stdout and stderr merged as a terminal shows them. In the output, `[..]` matches any
//! text within a line and `...` on a line of its own matches any number of lines: timings and
//! other parts that differ between machines are elided that way. Blocks tagged `sh` (or
//! `console,ignore`) are shown, not run.
//!
//! Each page runs in a fresh temporary folder laid out like the repository (`models/` and
//! `docs/examples/` copied in), its commands in order, so that a page may write a file
//! (`--out out`, `> fleet.toml`) and read it in a later command. Paths in the docs are therefore
//! the ones a reader types at the repository's root.
//!
//! `TRYCMD=overwrite cargo test --release --test docs` rewrites the shown outputs to what the
//! binary prints now, keeping the `[..]` and `...` elisions that still match (snapbox's rule: a
//! `...` is kept only if the line after it still matches, so check `git diff`). A changed exit code
//! is never overwritten: exit codes are a documented contract, so the `? CODE` line is edited by
//! hand.
//!
//! The docs show the default build (`cargo run --release`). With `--features highs`, `--solver
//! auto` picks HiGHS and prints other solver lines and, where several schedules cost the same, may
//! pick another one, so the pages are only checked in the default build.
#![cfg(not(feature = "highs"))]

mod common;

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use snapbox::filter::NormalizeToExpected;
use snapbox::Data;

/// One `$ capplan ...` line of a page and the output shown under it.
#[derive(Debug)]
struct Step {
    /// 1-based line of the `$` in the page, for messages.
    line: usize,
    /// Arguments after `capplan`.
    args: Vec<String>,
    /// `> FILE`: stdout goes to this file, only stderr is compared.
    stdout_to: Option<String>,
    /// `? CODE`, or 0.
    code: i32,
    /// 0-based lines of the page holding the expected output.
    expected: Range<usize>,
}

/// Splits a command line into words: whitespace separates, `'...'` and `"..."` quote.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => out.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in `{line}`"));
    }
    out.extend(word);
    Ok(out)
}

/// The command of a `$ ` line: `capplan ARGS [> FILE]`.
fn command(line: &str) -> Result<(Vec<String>, Option<String>), String> {
    let mut args = words(line)?;
    if args.first().map(String::as_str) != Some("capplan") {
        return Err(format!(
            "`{line}`: console blocks run `capplan` only (show other commands in an `sh` block)"
        ));
    }
    args.remove(0);
    let stdout_to = match args.iter().position(|a| a == ">") {
        Some(i) if i + 2 == args.len() => {
            let file = args.pop();
            args.pop();
            file
        }
        Some(_) => return Err(format!("`{line}`: `> FILE` must end the command")),
        None => None,
    };
    Ok((args, stdout_to))
}

/// Whether a fence's info string opens a block to run.
fn runs(info: &str) -> bool {
    let mut parts = info.split(',').map(str::trim);
    matches!(parts.next(), Some("console" | "trycmd")) && !parts.any(|p| p == "ignore")
}

/// Every step of a page, in order.
fn steps(page: &str) -> Result<Vec<Step>, String> {
    let lines: Vec<&str> = page.lines().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        i += 1;
        let Some(info) = fence.strip_prefix("```") else {
            continue;
        };
        let run = runs(info);
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            if !run {
                i += 1;
                continue;
            }
            let Some(cmd) = lines[i].strip_prefix("$ ") else {
                return Err(format!("line {}: expected `$ capplan ...`", i + 1));
            };
            let (args, stdout_to) = command(cmd).map_err(|e| format!("line {}: {e}", i + 1))?;
            let line = i + 1;
            i += 1;
            let mut code = 0;
            if let Some(c) = lines.get(i).and_then(|l| l.strip_prefix("? ")) {
                code = c
                    .trim()
                    .parse()
                    .map_err(|_| format!("line {}: `? {c}` is not an exit code", i + 1))?;
                i += 1;
            }
            let start = i;
            while i < lines.len() && !lines[i].starts_with("$ ") && !lines[i].starts_with("```") {
                i += 1;
            }
            // Blank lines before the next `$` separate steps; they are not output.
            let mut end = i;
            while end > start && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            let expected = start..end;
            steps.push(Step {
                line,
                args,
                stdout_to,
                code,
                expected,
            });
        }
        i += 1; // the closing fence
    }
    Ok(steps)
}

/// Copies `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh folder laid out like the repository, for one page's commands.
fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["models", "docs/examples"] {
        let from = common::root().join(sub);
        if from.is_dir() {
            copy_dir(&from, &dir.path().join(sub));
        }
    }
    dir
}

/// Runs one step in `cwd`: the exit code and the output as a terminal shows it.
fn run(step: &Step, cwd: &Path) -> (i32, String) {
    // One file for both streams keeps their interleaving, as on a terminal.
    let mut merged = tempfile::tempfile().unwrap();
    let stdout = match &step.stdout_to {
        Some(file) => Stdio::from(fs::File::create(cwd.join(file)).unwrap()),
        None => Stdio::from(merged.try_clone().unwrap()),
    };
    let status = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(&step.args)
        .current_dir(cwd)
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::from(merged.try_clone().unwrap()))
        .status()
        .unwrap();
    let mut text = String::new();
    use std::io::{Read, Seek};
    merged.rewind().unwrap();
    merged.read_to_string(&mut text).unwrap();
    (status.code().unwrap_or(-1), text)
}

/// Where a page and its commands disagree.
struct Drift {
    /// One message per step that drifted; empty when the page is right.
    messages: Vec<String>,
    /// The page with the outputs its commands print now (`? CODE` lines untouched); `None` when
    /// nothing drifted.
    rewritten: Option<String>,
}

/// Runs every step of `page` (its text is `text`) and compares.
fn check_page(page: &str, text: &str) -> Drift {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut messages = Vec::new();
    let steps = match steps(text) {
        Ok(s) => s,
        Err(e) => {
            messages.push(format!("{page}: {e}"));
            return Drift {
                messages,
                rewritten: None,
            };
        }
    };
    let dir = sandbox();
    let mut replacements = Vec::new();
    for step in &steps {
        let (code, actual) = run(step, dir.path());
        let shown = format!("{page}:{}: `capplan {}`", step.line, step.args.join(" "));
        if code != step.code {
            messages.push(format!(
                "{shown} exited with {code}, the page says {} (edit its `? CODE` line by hand)\n{actual}",
                step.code
            ));
        }
        let expected = Data::text(lines[step.expected.clone()].join("\n"));
        let actual = Data::text(actual.trim_end_matches('\n').to_owned());
        let normalized = NormalizeToExpected::new()
            .redact()
            .normalize(actual, &expected);
        if normalized != expected {
            let diff = snapbox::Assert::new()
                .normalize_paths(false)
                .try_eq(Some(&shown), normalized.clone(), expected)
                .err()
                .map_or_else(String::new, |e| e.to_string());
            messages.push(format!("{shown} printed something else:\n{diff}"));
            replacements.push((step.expected.clone(), normalized.to_string()));
        }
    }
    for (range, text) in replacements.into_iter().rev() {
        let new: Vec<String> = if text.is_empty() {
            Vec::new()
        } else {
            text.lines().map(str::to_owned).collect()
        };
        lines.splice(range, new);
    }
    let rewritten = (!messages.is_empty()).then(|| lines.join("\n") + "\n");
    Drift {
        messages,
        rewritten,
    }
}

/// `README.md` and every `docs/*.md`.
fn pages() -> Vec<PathBuf> {
    let root = common::root();
    let mut pages: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.insert(0, root.join("README.md"));
    pages
}

fn overwrite() -> bool {
    std::env::var("TRYCMD").is_ok_and(|v| v == "overwrite")
}

#[test]
fn every_command_in_the_docs_prints_what_the_docs_show() {
    let mut failures = Vec::new();
    let mut total = 0;
    for path in pages() {
        let text = fs::read_to_string(&path).unwrap();
        let page = path
            .strip_prefix(common::root())
            .unwrap()
            .display()
            .to_string();
        total += steps(&text).map_or(0, |s| s.len());
        let drift = check_page(&page, &text);
        if let (true, Some(new)) = (overwrite(), &drift.rewritten) {
            fs::write(&path, new).unwrap();
        }
        failures.extend(drift.messages);
    }
    assert!(total >= 10, "only {total} commands found in the docs");
    assert!(
        failures.is_empty(),
        "{} command(s) in the docs drifted (TRYCMD=overwrite cargo test --release --test docs \
         rewrites the outputs):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_page_that_shows_the_wrong_output_or_exit_code_fails() {
    let page = "\
```console
$ capplan validate models/tutorial.toml
models/tutorial.toml: valid: [..], 5 workloads[..]
```

```console
$ capplan plan models/infeasible-deadline.toml
...
```
";
    let drift = check_page("synthetic.md", page);
    assert_eq!(drift.messages.len(), 2, "{:#?}", drift.messages);
    assert!(drift.messages[0].contains(
        "synthetic.md:2: `capplan validate models/tutorial.toml` printed something else"
    ));
    assert!(drift.messages[1].contains("exited with 1, the page says 0"));
}

#[test]
fn elisions_match_and_survive_a_rewrite() {
    let page = "\
```console
$ capplan plan models/infeasible-deadline.toml
? 1
capplan plan: models/infeasible-deadline.toml
...
Solver: clarabel (interior point, then simplex: the interior point ended infeasible), status infeasible, gap n/a
  model: 4 variables (0 integer), 4 constraints, 9 nonzeros
  seconds: [..]
  solver message: [..]
```
";
    let drift = check_page("synthetic.md", page);
    assert_eq!(drift.messages.len(), 1, "{:#?}", drift.messages);
    let rewritten = drift.rewritten.unwrap();
    assert_eq!(
        rewritten,
        page.replace("9 nonzeros", "8 nonzeros"),
        "only the drifted line changes"
    );
    assert!(check_page("synthetic.md", &rewritten).messages.is_empty());
}

#[test]
fn command_lines_split_like_a_shell_and_redirect_stdout() {
    let (args, to) = command("capplan generate --seed 7 > 'my fleet.toml'").unwrap();
    assert_eq!(args, ["generate", "--seed", "7"]);
    assert_eq!(to.as_deref(), Some("my fleet.toml"));
    assert!(command("cargo bench").unwrap_err().contains("`sh` block"));
    assert!(command("capplan plan > a.toml b").is_err());
    let parsed =
        steps("```sh\n$ whatever\n```\n```console\n$ capplan plan x.toml\n? 2\nout\n```\n")
            .unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(
        (parsed[0].line, parsed[0].code, parsed[0].expected.clone()),
        (5, 2, 6..7)
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a page's headings (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_docs_leads_to_a_file_and_heading_that_exist() {
    let mut broken = Vec::new();
    for path in pages() {
        let text = fs::read_to_string(&path).unwrap();
        let page = path
            .strip_prefix(common::root())
            .unwrap()
            .display()
            .to_string();
        for (_, rest) in text.match_indices("](").map(|(i, _)| text.split_at(i + 2)) {
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, frag) = target.split_once('#').unwrap_or((target, ""));
            let linked = if file.is_empty() {
                path.clone()
            } else {
                path.parent().unwrap().join(file)
            };
            if !linked.exists() {
                broken.push(format!("{page}: ({target}): no file {}", linked.display()));
            } else if !frag.is_empty() {
                let heads = anchors(&fs::read_to_string(&linked).unwrap_or_default());
                if !heads.iter().any(|h| h == frag) {
                    broken.push(format!("{page}: ({target}): no heading #{frag} there"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert_eq!(
        anchor("The exact program: `--export`"),
        "the-exact-program---export"
    );
}

#[test]
fn every_example_file_shown_in_the_docs_is_shown_as_it_is() {
    // The CSV examples are printed whole on their page; a page must not show an older copy.
    let all: String = pages()
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    let examples = common::root().join("docs/examples");
    let mut checked = 0;
    for entry in fs::read_dir(examples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let text = fs::read_to_string(&path).unwrap();
            assert!(
                all.contains(&text),
                "{} is not shown as it is",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "only {checked} example files");
}
