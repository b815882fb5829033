//! What-ifs without editing files: `--set PATH=VALUE`, `PATH*=FACTOR` and `PATH+=AMOUNT`.
//!
//! A path names a field through ids, the way a planner talks about the scenario:
//! `clusters.trn2-dedicated.chips`, `contracts.aws-2026-2029.spend_floors.2027.floor_usd`
//! (spend floors by `name`), `contracts.aws-2026-2029.utilization_floors.trn2-dedicated.min_fraction`
//! (utilization floors by cluster), `contracts.aws.placement.1.min_params_billion` (placement rules
//! by their 1-based position), `workloads.chat.throughput.h100`, `horizon.periods`.
//!
//! Overrides edit the parsed document ([`toml_edit`]), which keeps the rest of the file as
//! written, and the edited text goes through the one loader, [`Scenario::from_toml`]: an
//! overridden scenario is validated exactly like a file. Problems the override caused name it
//! (`in --set clusters.x.chips=-1: ...`); lines and columns still point into the file.
//!
//! `*=` and `+=` apply to numbers, and element-wise to per-period lists and `{ from, to }` ramps.
//! An integer stays an integer while the result is whole (`horizon.periods*=2`). There is no
//! `-=`: ids may end in `-`; write `+=-4000`.

use std::path::Path;

use serde::Serialize;
use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::error::{LoadError, Problem};
use crate::model::Scenario;
use crate::schema;

/// How an override changes its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// `PATH=VALUE`: replace (or add) the value.
    Set,
    /// `PATH*=FACTOR`: multiply.
    Mul,
    /// `PATH+=AMOUNT`: add.
    Add,
}

/// One `--set` argument, parsed but not yet resolved against a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The argument as typed.
    pub spec: String,
    /// The path, as typed (dot-separated).
    pub path: String,
    /// The operation.
    pub op: Op,
    /// The value text after the operator.
    pub value: String,
}

/// An override that was applied: what the field held before and after.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Applied {
    /// The argument as typed.
    pub set: String,
    /// The field's place in the file, as the loader names it (`clusters[0].chips`).
    pub field: String,
    /// The value in the file (TOML), absent where the file did not give one; for a horizon
    /// switched between its two forms, the fields replaced (`period = "week", periods = 13`).
    pub before: Option<String>,
    /// The value planned with (TOML).
    pub after: String,
}

/// A `--set` argument that cannot be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("in --set {spec}: {message}\n    help: {help}")]
pub struct OverrideError {
    /// The argument as typed.
    pub spec: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it (for a bad path: the choices that exist).
    pub help: String,
}

/// Why a scenario with overrides could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OverriddenLoadError {
    /// An override does not fit the scenario (bad path, bad value, wrong type).
    #[error("{}: {error}", file.display())]
    Override {
        /// The scenario file.
        file: std::path::PathBuf,
        /// What is wrong with the override.
        error: OverrideError,
    },
    /// The scenario (as overridden) is not valid; problems the overrides caused name them.
    #[error(transparent)]
    Load(#[from] LoadError),
}

impl Override {
    /// Parses `PATH=VALUE`, `PATH*=FACTOR` or `PATH+=AMOUNT`.
    pub fn parse(spec: &str) -> Result<Override, OverrideError> {
        let o = Override::parse_template(spec)?;
        if o.op != Op::Set {
            o.operand()?;
        }
        Ok(o)
    }

    /// Parses like [`Override::parse`] without checking the value (a sweep's values follow).
    pub fn parse_template(spec: &str) -> Result<Override, OverrideError> {
        let bad = |message: &str| {
            OverrideError {
            spec: spec.to_string(),
            message: message.to_string(),
            help: "write PATH=VALUE, PATH*=FACTOR or PATH+=AMOUNT, e.g. clusters.trn2-dedicated.chips=72000"
                .to_string(),
        }
        };
        let Some(eq) = spec.find('=') else {
            return Err(bad("no `=`"));
        };
        let (mut path, value) = (&spec[..eq], &spec[eq + 1..]);
        let op = if let Some(p) = path.strip_suffix('*') {
            path = p;
            Op::Mul
        } else if let Some(p) = path.strip_suffix('+') {
            path = p;
            Op::Add
        } else {
            Op::Set
        };
        let path = path.trim();
        if path.is_empty() {
            return Err(bad("no path before the `=`"));
        }
        if value.trim().is_empty() {
            return Err(bad("no value after the `=`"));
        }
        Ok(Override {
            spec: spec.to_string(),
            path: path.to_string(),
            op,
            value: value.trim().to_string(),
        })
    }

    /// A copy with another value, same path and operation (sweeps vary the value).
    pub fn with_value(&self, value: &str) -> Override {
        let op = match self.op {
            Op::Set => "=",
            Op::Mul => "*=",
            Op::Add => "+=",
        };
        Override {
            spec: format!("{}{op}{value}", self.path),
            path: self.path.clone(),
            op: self.op,
            value: value.to_string(),
        }
    }

    fn operand(&self) -> Result<f64, OverrideError> {
        match self.value.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(self.error(
                format!("`{}` is not a finite number", self.value),
                "*= and += take a number: clusters.x.chips*=1.1, clusters.x.chips+=4000",
            )),
        }
    }

    fn error(&self, message: impl Into<String>, help: impl Into<String>) -> OverrideError {
        OverrideError {
            spec: self.spec.clone(),
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Reads `path` and loads it with `overrides` applied.
pub fn load_file(
    path: &Path,
    overrides: &[Override],
) -> Result<(Scenario, Vec<Applied>), OverriddenLoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    load(&text, path, overrides)
}

/// Loads scenario `text` (named `file` in messages) with `overrides` applied, in order.
pub fn load(
    text: &str,
    file: &Path,
    overrides: &[Override],
) -> Result<(Scenario, Vec<Applied>), OverriddenLoadError> {
    if overrides.is_empty() {
        return Ok((Scenario::from_toml(text, file)?, Vec::new()));
    }
    // A file that does not parse is reported exactly as without overrides.
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return Ok((Scenario::from_toml(text, file)?, Vec::new()));
    };
    let mut applied = Vec::with_capacity(overrides.len());
    for o in overrides {
        let a = apply(&mut doc, o).map_err(|error| OverriddenLoadError::Override {
            file: file.into(),
            error,
        })?;
        applied.push(a);
    }
    let edited = doc.to_string();
    match Scenario::from_toml(&edited, file) {
        Ok(s) => Ok((s, applied)),
        Err(LoadError::Syntax {
            file,
            message,
            problems,
        }) => {
            // A value of the wrong type: find the override that brought it in.
            for o in overrides {
                if let Some(e) = type_error(text, o) {
                    return Err(OverriddenLoadError::Override { file, error: e });
                }
            }
            Err(LoadError::Syntax {
                file,
                message,
                problems,
            }
            .into())
        }
        Err(LoadError::Invalid { file, problems }) => {
            let lines = align_lines(text, &edited);
            let horizon = HorizonCause::new(text, &file, &applied);
            let problems = problems
                .into_iter()
                .map(|p| attribute(p, &applied, &lines, &horizon))
                .collect();
            Err(LoadError::Invalid { file, problems }.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Checks that every override's path names a field of scenario `text` (and that relative
/// forms meet numbers), without validating the result. A text that does not parse passes.
pub fn resolve_paths(text: &str, overrides: &[Override]) -> Result<(), OverrideError> {
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return Ok(());
    };
    for o in overrides {
        apply(&mut doc, o)?;
    }
    Ok(())
}

/// The override alone on the original file: its type error, if it brings one in.
fn type_error(text: &str, o: &Override) -> Option<OverrideError> {
    let mut doc = text.parse::<DocumentMut>().ok()?;
    apply(&mut doc, o).ok()?;
    match toml::from_str::<schema::ScenarioFile>(&doc.to_string()) {
        Ok(_) => None,
        Err(e) => Some(o.error(
            e.message().to_string(),
            "give a value of the type the format documents for this field (docs/format.md)",
        )),
    }
}

/// The horizon overrides, and the problems the file has without any override: a problem
/// elsewhere in the file that only the new horizon brings (a date outside it, a list of the old
/// length) is named after them.
struct HorizonCause {
    /// `--set horizon...` arguments as typed, joined; empty if none was given.
    sets: String,
    /// (path, message) of every problem of the file as written.
    own: std::collections::HashSet<(String, String)>,
}

impl HorizonCause {
    fn new(text: &str, file: &Path, applied: &[Applied]) -> Self {
        let sets: Vec<&str> = applied
            .iter()
            .filter(|a| a.field.starts_with("horizon"))
            .map(|a| a.set.as_str())
            .collect();
        // Validated again only on this error path, and only with a horizon override.
        let own = if sets.is_empty() {
            Default::default()
        } else if let Err(LoadError::Invalid { problems, .. }) = Scenario::from_toml(text, file) {
            problems.into_iter().map(|p| (p.path, p.message)).collect()
        } else {
            Default::default()
        };
        HorizonCause {
            sets: sets.join(" --set "),
            own,
        }
    }

    /// Whether `p` appears only with the horizon overrides.
    fn caused(&self, p: &Problem) -> bool {
        !self.sets.is_empty() && !self.own.contains(&(p.path.clone(), p.message.clone()))
    }
}

/// Names the override a problem comes from, and moves its line back into the file.
fn attribute(
    mut p: Problem,
    applied: &[Applied],
    lines: &[Option<usize>],
    horizon: &HorizonCause,
) -> Problem {
    if let Some(a) = applied.iter().rev().find(|a| {
        p.path == a.field
            || p.path.starts_with(&format!("{}.", a.field))
            || p.path.starts_with(&format!("{}[", a.field))
    }) {
        p.message = format!("in --set {}: {}", a.set, p.message);
    } else if horizon.caused(&p) {
        p.message = format!("with --set {}: {}", horizon.sets, p.message);
    }
    match p.line.and_then(|l| lines.get(l - 1).copied().flatten()) {
        Some(l) => p.line = Some(l),
        None => {
            p.line = None;
            p.column = None;
        }
    }
    p
}

/// For each line of `edited` (0-based), the 1-based line of `original` it is, where unchanged.
/// Overrides replace values in place or add key lines, so a greedy resynchronisation suffices.
fn align_lines(original: &str, edited: &str) -> Vec<Option<usize>> {
    let old: Vec<&str> = original.lines().collect();
    let new: Vec<&str> = edited.lines().collect();
    let mut map = vec![None; new.len()];
    let (mut i, mut j) = (0, 0);
    while i < new.len() && j < old.len() {
        if new[i] == old[j] {
            map[i] = Some(j + 1);
            i += 1;
            j += 1;
            continue;
        }
        // The nearest pair of equal lines ahead, fewest lines skipped on both sides.
        let mut sync = None;
        'search: for skipped in 1..=64usize {
            for a in 0..=skipped {
                let b = skipped - a;
                if i + a < new.len() && j + b < old.len() && new[i + a] == old[j + b] {
                    sync = Some((i + a, j + b));
                    break 'search;
                }
            }
        }
        match sync {
            Some((a, b)) => (i, j) = (a, b),
            None => break,
        }
    }
    map
}

/// The schema tables a path walks through.
#[derive(Debug, Clone, Copy)]
enum Node {
    File,
    Horizon,
    Chip,
    Cluster,
    Workload,
    ReferenceWork,
    Contract,
    SpendFloor,
    UtilizationFloor,
    Placement,
}

/// What a field of a table holds.
enum Child {
    /// A plain value.
    Leaf,
    /// A table of one schema type.
    Table(Node),
    /// An array of tables told apart by the value of `key` (`None`: by 1-based position).
    Array(Option<&'static str>, Node),
    /// A table with free keys (chip id to number).
    Map,
}

impl Node {
    /// The fields the format allows here, read from the schema's own serde derive.
    fn fields(self) -> &'static [&'static str] {
        use serde::Deserialize as D;
        let caught = match self {
            Node::File => schema::ScenarioFile::deserialize(FieldCatcher).err(),
            Node::Horizon => schema::HorizonSpec::deserialize(FieldCatcher).err(),
            Node::Chip => schema::ChipSpec::deserialize(FieldCatcher).err(),
            Node::Cluster => schema::ClusterSpec::deserialize(FieldCatcher).err(),
            Node::Workload => schema::WorkloadSpec::deserialize(FieldCatcher).err(),
            Node::ReferenceWork => schema::ReferenceWork::deserialize(FieldCatcher).err(),
            Node::Contract => schema::ContractSpec::deserialize(FieldCatcher).err(),
            Node::SpendFloor => schema::SpendFloorSpec::deserialize(FieldCatcher).err(),
            Node::UtilizationFloor => schema::UtilizationFloorSpec::deserialize(FieldCatcher).err(),
            Node::Placement => schema::PlacementSpec::deserialize(FieldCatcher).err(),
        };
        caught.map_or(&[], |c| c.0)
    }

    fn child(self, field: &str) -> Child {
        match (self, field) {
            (Node::File, "horizon") => Child::Table(Node::Horizon),
            (Node::File, "chips") => Child::Array(Some("id"), Node::Chip),
            (Node::File, "clusters") => Child::Array(Some("id"), Node::Cluster),
            (Node::File, "workloads") => Child::Array(Some("id"), Node::Workload),
            (Node::File, "contracts") => Child::Array(Some("id"), Node::Contract),
            (Node::Workload, "work_chip_hours") => Child::Table(Node::ReferenceWork),
            (Node::Workload, "mfu" | "throughput") => Child::Map,
            (Node::Contract, "spend_floors") => Child::Array(Some("name"), Node::SpendFloor),
            (Node::Contract, "utilization_floors") => {
                Child::Array(Some("cluster"), Node::UtilizationFloor)
            }
            (Node::Contract, "placement") => Child::Array(None, Node::Placement),
            _ => Child::Leaf,
        }
    }
}

/// A serde deserializer that only records the field names a struct asks for.
struct FieldCatcher;

#[derive(Debug)]
struct Caught(&'static [&'static str]);

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fields {:?}", self.0)
    }
}

impl std::error::Error for Caught {}

impl serde::de::Error for Caught {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Caught(&[])
    }
}

impl<'de> serde::Deserializer<'de> for FieldCatcher {
    type Error = Caught;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Caught> {
        Err(Caught(&[]))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Caught> {
        Err(Caught(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Applies one override to the document.
fn apply(doc: &mut DocumentMut, o: &Override) -> Result<Applied, OverrideError> {
    let segments: Vec<&str> = o.path.split('.').collect();
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    let mut node = Node::File;
    let mut field_path = String::new();
    let mut i = 0;
    loop {
        let field = segments[i];
        let fields = node.fields();
        if !fields.contains(&field) {
            return Err(o.error(
                format!("`{}` has no field `{field}`", shown(&segments[..i])),
                format!("fields here: {}", fields.join(", ")),
            ));
        }
        let here = join_path(&field_path, field);
        let rest = segments.len() - i - 1;
        match node.child(field) {
            Child::Leaf => {
                if rest > 0 {
                    return Err(o.error(
                        format!("`{}` is a value, not a table", shown(&segments[..=i])),
                        format!("end the path at `{}`", shown(&segments[..=i])),
                    ));
                }
                let mut applied = set_leaf(table, field, here, o)?;
                if matches!(node, Node::Horizon) && o.op == Op::Set {
                    if let Some(replaced) = switch_horizon_form(table, field) {
                        applied.before = Some(replaced);
                    }
                }
                return Ok(applied);
            }
            Child::Map => {
                if rest != 1 {
                    return Err(o.error(
                        format!("`{}` is a table of chip ids", shown(&segments[..=i])),
                        format!("name one chip: {}.CHIP", shown(&segments[..=i])),
                    ));
                }
                let map = map_table(table, field);
                return set_leaf(map, segments[i + 1], join_path(&here, segments[i + 1]), o);
            }
            Child::Table(next) => {
                if rest == 0 {
                    return Err(need_more(o, &segments[..=i], next.fields()));
                }
                table = sub_table(table, field).ok_or_else(|| {
                    o.error(
                        format!("the file has no `{}` table", shown(&segments[..=i])),
                        "add the table to the file first",
                    )
                })?;
                field_path = here;
                node = next;
                i += 1;
            }
            Child::Array(key, next) => {
                let elements = elements(table, field);
                let names: Vec<String> = elements
                    .iter()
                    .enumerate()
                    .map(|(n, t)| element_name(&**t, key, n))
                    .collect();
                // Ids may contain dots: the longest run of segments that names one wins.
                let found = (i + 1..segments.len()).rev().find_map(|end| {
                    let name = segments[i + 1..=end].join(".");
                    names.iter().position(|n| *n == name).map(|k| (k, end))
                });
                let Some((k, end)) = found else {
                    return Err(unknown_element(o, &segments, i, key, &names));
                };
                if end + 1 == segments.len() {
                    return Err(need_more(o, &segments[..=end], next.fields()));
                }
                table = elements.into_iter().nth(k).expect("position found above");
                field_path = format!("{here}[{k}]");
                node = next;
                i = end + 1;
            }
        }
    }
}

/// After `horizon.FIELD` was set: the fields of the other form removed (`segments` replaces
/// `period` and `periods`, and either of those replaces `segments`), so that one horizon can be
/// planned at another resolution. The removed fields as TOML (`period = "week", periods = 13`),
/// if any.
fn switch_horizon_form(horizon: &mut dyn TableLike, field: &str) -> Option<String> {
    let other: &[&str] = match field {
        "segments" => &["period", "periods"],
        "period" | "periods" => &["segments"],
        _ => &[],
    };
    let removed: Vec<String> = other
        .iter()
        .filter_map(|&k| {
            let v = horizon.remove(k)?;
            Some(format!("{k} = {}", bare(v.as_value()?)))
        })
        .collect();
    (!removed.is_empty()).then(|| removed.join(", "))
}

fn join_path(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

fn shown(segments: &[&str]) -> String {
    if segments.is_empty() {
        "the file".to_string()
    } else {
        segments.join(".")
    }
}

fn need_more(o: &Override, at: &[&str], fields: &[&str]) -> OverrideError {
    o.error(
        format!("`{}` is a table, not a value", shown(at)),
        format!("name one of its fields: {}", fields.join(", ")),
    )
}

fn unknown_element(
    o: &Override,
    segments: &[&str],
    i: usize,
    key: Option<&str>,
    names: &[String],
) -> OverrideError {
    let what = match key {
        Some(k) => format!("`{k}`"),
        None => "position (1-based)".to_string(),
    };
    let asked = segments.get(i + 1).copied().unwrap_or("");
    let message = if asked.is_empty() {
        format!("`{}` needs an entry's {what}", shown(&segments[..=i]))
    } else {
        format!("no {} entry with {what} `{asked}`", segments[i])
    };
    let help = if names.is_empty() {
        format!("the file has no {}", segments[i])
    } else {
        format!("choose one of: {}", names.join(", "))
    };
    o.error(message, help)
}

/// Name of an array element: the string under `key`, or its 1-based position.
fn element_name(t: &dyn TableLike, key: Option<&str>, n: usize) -> String {
    match key {
        None => (n + 1).to_string(),
        Some(k) => t
            .get(k)
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("#{}", n + 1), str::to_string),
    }
}

/// The tables of an array of tables, written `[[x]]` or `x = [{ ... }]`.
fn elements<'a>(table: &'a mut dyn TableLike, field: &str) -> Vec<&'a mut dyn TableLike> {
    match table.get_mut(field) {
        Some(Item::ArrayOfTables(a)) => a.iter_mut().map(|t| t as &mut dyn TableLike).collect(),
        Some(Item::Value(Value::Array(a))) => a
            .iter_mut()
            .filter_map(|v| v.as_inline_table_mut().map(|t| t as &mut dyn TableLike))
            .collect(),
        _ => Vec::new(),
    }
}

fn sub_table<'a>(table: &'a mut dyn TableLike, field: &str) -> Option<&'a mut dyn TableLike> {
    table.get_mut(field)?.as_table_like_mut()
}

/// The chip-id table under `field`, created (inline) where the file has none.
fn map_table<'a>(table: &'a mut dyn TableLike, field: &str) -> &'a mut dyn TableLike {
    let present = table
        .get(field)
        .is_some_and(|i| i.as_table_like().is_some());
    if !present {
        table.insert(
            field,
            Item::Value(Value::InlineTable(toml_edit::InlineTable::new())),
        );
    }
    table
        .get_mut(field)
        .and_then(Item::as_table_like_mut)
        .expect("inserted above")
}

fn set_leaf(
    table: &mut dyn TableLike,
    field: &str,
    field_path: String,
    o: &Override,
) -> Result<Applied, OverrideError> {
    let old = table.get(field).and_then(Item::as_value).cloned();
    let mut new = match (o.op, &old) {
        (Op::Set, _) => parse_value(&o.value),
        (_, None) => {
            return Err(o.error(
                format!("`{}` has no value in the file to change", o.path),
                format!("set it outright: {}=VALUE", o.path),
            ))
        }
        (op, Some(v)) => relative(v, op, o.operand()?).map_err(|what| {
            o.error(
                format!("`{}` is {what}", o.path),
                "*= and += apply to numbers, per-period lists and { from, to } ramps; set other values with =",
            )
        })?,
    };
    let before = old.as_ref().map(bare);
    if let Some(old) = &old {
        *new.decor_mut() = old.decor().clone();
    }
    let after = bare(&new);
    match table.get_mut(field) {
        Some(item @ Item::Value(_)) => *item = Item::Value(new),
        _ => {
            table.insert(field, Item::Value(new));
        }
    }
    Ok(Applied {
        set: o.spec.clone(),
        field: field_path,
        before,
        after,
    })
}

/// A value typed on the command line: TOML where it parses (numbers, lists, `{ from, to }`,
/// booleans, quoted strings), a bare word otherwise (`per-use`); dates stay strings, as the
/// format writes them.
fn parse_value(text: &str) -> Value {
    match text.parse::<Value>() {
        Ok(Value::Datetime(_)) | Err(_) => Value::from(text),
        Ok(v) => v,
    }
}

fn bare(v: &Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

/// `v` multiplied by or added to `x`; element-wise on lists and ramps.
fn relative(v: &Value, op: Op, x: f64) -> Result<Value, String> {
    let f = |a: f64| if op == Op::Mul { a * x } else { a + x };
    Ok(match v {
        Value::Integer(i) => {
            let r = f(*i.value() as f64);
            if r.fract() == 0.0 && r.abs() < 9.0e15 {
                Value::from(r as i64)
            } else {
                Value::from(r)
            }
        }
        Value::Float(a) => Value::from(f(*a.value())),
        Value::Array(a) => {
            let mut out = toml_edit::Array::new();
            for e in a.iter() {
                out.push_formatted(relative(e, op, x)?);
            }
            out.fmt();
            Value::Array(out)
        }
        Value::InlineTable(t) => {
            let mut out = toml_edit::InlineTable::new();
            for (k, e) in t.iter() {
                out.insert(k, relative(e, op, x)?);
            }
            out.fmt();
            Value::InlineTable(out)
        }
        other => return Err(format!("a {}", other.type_name())),
    })
}

/// The line a table report gets for the overrides applied (empty without `--set`).
pub fn overrides_line(applied: &[Applied]) -> String {
    if applied.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = applied
        .iter()
        .map(|a| match &a.before {
            Some(b) => format!("{} ({} -> {})", a.set, b, a.after),
            None => format!("{} (not in the file -> {})", a.set, a.after),
        })
        .collect();
    format!("Overrides: {}\n", parts.join("; "))
}

/// `report` with the overrides line after its first line (the title).
pub fn annotate_text(report: &str, applied: &[Applied]) -> String {
    let line = overrides_line(applied);
    match report.split_once('\n') {
        Some((title, rest)) if !line.is_empty() => format!("{title}\n{line}{rest}"),
        _ => report.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUTORIAL: &str = include_str!("../models/tutorial.toml");

    fn run(specs: &[&str]) -> Result<(Scenario, Vec<Applied>), String> {
        let o: Vec<Override> = specs
            .iter()
            .map(|s| Override::parse(s).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        load(TUTORIAL, "tutorial.toml".as_ref(), &o).map_err(|e| e.to_string())
    }

    #[test]
    fn schema_fields_are_read_from_the_derive() {
        assert!(Node::Cluster.fields().contains(&"usd_per_chip_hour"));
        assert!(Node::SpendFloor.fields().contains(&"floor_usd"));
        assert_eq!(
            Node::Horizon.fields(),
            ["start", "period", "periods", "segments"]
        );
    }

    #[test]
    fn absolute_and_relative_numbers() {
        let (s, a) = run(&[
            "clusters.trn2-dedicated.chips=72",
            "horizon.periods+=2",
            "workloads.chat.demand=3000",
        ])
        .unwrap();
        let c = &s.clusters[s.cluster_by_id("trn2-dedicated").unwrap().0];
        assert_eq!(s.horizon.len(), 6);
        assert!((c.capacity[0] - 72.0 * 168.0).abs() < 1e-9);
        assert_eq!(a[0].before.as_deref(), Some("64"));
        assert_eq!(a[0].field, "clusters[0].chips");
        assert_eq!(a[1].after, "6");
        // An integer times a whole factor stays an integer (u32 periods).
        let (s, _) = run(&["horizon.periods*=2", "workloads.chat.demand=3000"]).unwrap();
        assert_eq!(s.horizon.len(), 8);
    }

    #[test]
    fn lists_scale_element_wise() {
        let (_, a) = run(&["workloads.chat.demand*=1.5"]).unwrap();
        assert_eq!(a[0].after, "[3000, 3750, 4500, 5250]");
        let (_, a) = run(&["workloads.chat.demand+=-1000"]).unwrap();
        assert_eq!(a[0].after, "[1000, 1500, 2000, 2500]");
    }

    #[test]
    fn bare_words_maps_and_new_fields() {
        let (s, a) = run(&[
            "clusters.trn2-dedicated.billing=per-use",
            "workloads.chat.throughput.h100=2.5",
            "contracts.aws-tutorial.utilization_floors.trn2-dedicated.min_fraction=0.6",
            "workloads.chat.must_serve=false",
            "workloads.chat.unmet_penalty_usd=100",
        ])
        .unwrap();
        assert_eq!(a[0].after, "\"per-use\"");
        assert_eq!(a[4].before, None);
        assert_eq!(s.workloads.len(), 2);
    }

    #[test]
    fn bad_paths_list_the_choices() {
        let e = run(&["clusters.trn3.chips=1"]).unwrap_err();
        assert!(e.contains("no clusters entry with `id` `trn3`"), "{e}");
        assert!(e.contains("h100-ondemand"), "{e}");
        let e = run(&["clusters.trn2-dedicated.chipz=1"]).unwrap_err();
        assert!(e.contains("has no field `chipz`") && e.contains("usd_per_chip_hour"));
        let e = run(&["horizon=1"]).unwrap_err();
        assert!(
            e.contains("name one of its fields: start, period, periods"),
            "{e}"
        );
        let e = run(&["workloads.chat.id*=2"]).unwrap_err();
        assert!(e.contains("is a string"), "{e}");
        let e = run(&["workloads.finetune.release+=1"]).unwrap_err();
        assert!(e.contains("has no value in the file"), "{e}");
    }

    #[test]
    fn validation_names_the_override_and_keeps_file_lines() {
        let e = run(&["workloads.finetune.release=1", "workloads.chat.demand=-1"]).unwrap_err();
        assert!(e.contains("in --set workloads.chat.demand=-1: "), "{e}");
        // The bad value is the override's, on no line of the file: none is claimed.
        assert!(!e.contains("line "), "{e}");
        // A problem on a line the overrides left alone keeps its line in the file (the demand
        // list, line 47; 48 in the edited text, below the line the first edit added).
        let e = run(&["workloads.finetune.release=1", "horizon.periods=3"]).unwrap_err();
        assert!(e.contains("line 47, column"), "{e}");
        let e = run(&["horizon.periods=abc"]).unwrap_err();
        assert!(
            e.contains("in --set horizon.periods=abc: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn parse_errors() {
        assert!(Override::parse("clusters.x.chips").is_err());
        assert!(Override::parse("clusters.x.chips*=lots").is_err());
        assert!(Override::parse("=3").is_err());
        let o = Override::parse("a.b+=-4").unwrap();
        assert_eq!((o.op, o.value.as_str()), (Op::Add, "-4"));
    }
}
