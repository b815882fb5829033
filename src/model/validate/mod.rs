//! The validator: the one door from the file format ([`crate::schema`]) into the model. It
//! resolves ids into indices, expands per-period quantities, applies contract discounts, and
//! checks every rule it can without solving anything, one file per table. It reports every
//! problem it finds at once, each with its place in the file and what to do about it.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::document::{deserialize_all, Document};
use crate::error::{fmt_value, LoadError, Problem, SourceText};
use crate::model::{Cluster, Contract, Horizon, Scenario, Workload, REFERENCE_DATA};
use crate::schema::{id_problem, PeriodRef, ReferenceData, ScenarioFile};

mod chips;
mod clusters;
mod contracts;
mod dependencies;
mod fit;
mod horizon;
mod magnitudes;
mod quantities;
mod replan;
mod workloads;

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses and validates scenario text; `file` names it in messages.
    ///
    /// Every problem is reported in one run: format problems (unknown keys, values of the wrong
    /// type) with the nearest valid spelling, and, where the rest of the file can still be
    /// read, every rule problem, each at the line of the field it is about.
    pub fn from_toml(text: &str, file: &Path) -> Result<Scenario, LoadError> {
        let doc = Document::parse(text, file)?;
        let mut collected = deserialize_all::<ScenarioFile>(&doc, text);
        let Some(parsed) = collected.value.take() else {
            return Err(collected.error(file, &[]));
        };
        let reference: ReferenceData =
            toml::from_str(REFERENCE_DATA).expect("data/chips.toml is checked by a test");
        let mut v = Validator {
            src: SourceText::new(text),
            problems: Vec::new(),
        };
        let scenario = v.scenario(&parsed, &reference, file);
        let mut problems = v.problems;
        for p in &mut problems {
            if let Some((line, column)) = doc.place(&p.path) {
                (p.line, p.column) = (Some(line), Some(column));
            }
        }
        match scenario {
            _ if !collected.problems.is_empty() => Err(collected.error(file, &problems)),
            Some(s) if problems.is_empty() => Ok(s),
            _ => Err(LoadError::Invalid {
                file: file.to_path_buf(),
                problems,
            }),
        }
    }
}

struct Validator<'a> {
    src: SourceText<'a>,
    problems: Vec<Problem>,
}

/// `Some(value)` if finite, else records a problem.
fn finite_nonneg(
    problems: &mut Vec<Problem>,
    path: &str,
    at: Option<(usize, usize)>,
    x: f64,
    what: &str,
) -> bool {
    if !x.is_finite() || x < 0.0 {
        problems.push(Problem::new(
            path,
            at,
            format!("{what} is {}", fmt_value(x)),
            "give a finite number of 0 or more",
        ));
        false
    } else {
        true
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl<'a> Validator<'a> {
    fn push(
        &mut self,
        path: impl Into<String>,
        at: Option<(usize, usize)>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.problems.push(Problem::new(path, at, msg, help));
    }

    fn scenario(
        &mut self,
        f: &ScenarioFile,
        reference: &ReferenceData,
        file: &Path,
    ) -> Option<Scenario> {
        let horizon = self.horizon(f)?;
        self.magnitudes(f);
        let chips = self.chips(f, reference);
        let chip_index: HashMap<&str, usize> = chips
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let contract_index = self.unique_ids(
            "contracts",
            f.contracts
                .iter()
                .map(|c| (c.id.get_ref().as_str(), c.id.span())),
        );
        let cluster_index = self.unique_ids(
            "clusters",
            f.clusters
                .iter()
                .map(|c| (c.id.get_ref().as_str(), c.id.span())),
        );
        let workload_index = self.unique_ids(
            "workloads",
            f.workloads
                .iter()
                .map(|w| (w.id.get_ref().as_str(), w.id.span())),
        );
        let contracts: Vec<Contract> = f
            .contracts
            .iter()
            .enumerate()
            .map(|(k, c)| self.contract(k, c, &horizon, &cluster_index))
            .collect();
        let clusters: Vec<Cluster> = f
            .clusters
            .iter()
            .enumerate()
            .map(|(k, c)| self.cluster(k, c, &horizon, &chip_index, &contract_index, &f.contracts))
            .collect();
        self.floors_on_covered_clusters(f, &contracts, &clusters);
        let workloads: Vec<Workload> = f
            .workloads
            .iter()
            .enumerate()
            .map(|(k, w)| {
                self.workload(
                    k,
                    w,
                    &horizon,
                    &chips,
                    &chip_index,
                    &clusters,
                    &workload_index,
                )
            })
            .collect();
        let dag = self.dag(f, &workloads);
        let mut scenario = Scenario {
            file: file.to_path_buf(),
            description: f.description.clone(),
            horizon,
            chips,
            clusters,
            workloads,
            contracts,
            dag,
            replan: None,
        };
        scenario.replan = self.replan(f, &scenario.horizon, file);
        if self.problems.is_empty() {
            self.windows(f, &mut scenario);
        }
        if self.problems.is_empty() {
            self.check_sizes(&scenario);
        }
        if self.problems.is_empty() {
            self.check_fit(f, &scenario);
        }
        Some(scenario)
    }

    fn unique_ids<'s>(
        &mut self,
        table: &str,
        ids: impl Iterator<Item = (&'s str, std::ops::Range<usize>)>,
    ) -> HashMap<String, usize> {
        let mut index = HashMap::new();
        for (k, (id, span)) in ids.enumerate() {
            let at = self.src.at(span);
            if id.is_empty() {
                self.push(
                    format!("{table}[{k}].id"),
                    at,
                    "empty id",
                    "give every entry a non-empty id",
                );
                continue;
            }
            if let Some(why) = id_problem(id) {
                self.push(
                    format!("{table}[{k}].id"),
                    at,
                    format!("id {id:?} {why}"),
                    format!(
                        "write it as {:?}: ids are written to schedule.csv, whose cells are read back trimmed, and may not hold control characters",
                        id.trim().replace(char::is_control, "")
                    ),
                );
            }
            if let Some(first) = index.insert(id.to_string(), k) {
                index.insert(id.to_string(), first);
                self.push(
                    format!("{table}[{k}].id"),
                    at,
                    format!("duplicate id \"{id}\" (also {table}[{first}])"),
                    "give every entry a unique id",
                );
            }
        }
        index
    }

    fn period_ref(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        r: &PeriodRef,
        horizon: &Horizon,
    ) -> Option<usize> {
        let n = horizon.len();
        match r {
            PeriodRef::Index(i) if *i >= 1 && (*i as usize) <= n => Some(*i as usize - 1),
            PeriodRef::Index(i) => {
                self.push(
                    path,
                    at,
                    format!("period {i} is outside the horizon"),
                    format!("give a period from 1 to {n}, or a date inside the horizon"),
                );
                None
            }
            PeriodRef::Date(s) => match parse_date(s).map(|d| horizon.index_of_date(d)) {
                Some(Some(t)) => Some(t),
                Some(None) => {
                    self.push(
                        path,
                        at,
                        format!("{s} is outside the horizon"),
                        format!(
                            "give a date from {} to {}",
                            horizon.periods[0].start,
                            horizon.periods[n - 1]
                                .end
                                .pred_opt()
                                .unwrap_or(horizon.periods[n - 1].end)
                        ),
                    );
                    None
                }
                None => {
                    self.push(
                        path,
                        at,
                        format!("\"{s}\" is not a period"),
                        "give a period number (1 is the first) or a YYYY-MM-DD date",
                    );
                    None
                }
            },
        }
    }
}

/// The help for a reference to an unknown `table` entry: the ids to choose from or, when there
/// are none, how to define one (`[[contracts]]` with `id = "name"`, ...).
fn one_of<'s>(items: impl Iterator<Item = &'s str>, table: &str, name: &str) -> String {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return format!(
            "none is defined: add a [[{table}]] table with id = {name:?} (see docs/format.md), or remove the reference"
        );
    }
    format!("use one of {}", list(items))
}

fn list<'s>(items: impl Iterator<Item = &'s str>) -> String {
    let mut v: Vec<&str> = items.collect();
    v.sort_unstable();
    if v.is_empty() {
        return "(none defined)".to_string();
    }
    v.iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `x` to 12 significant digits: a value a ramp computed (`-0.09999999999999998` between
/// `from = 0.5` and `to = -0.1`) as the user would write it (`-0.1`). Non-finite values pass.
fn round_12(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}
