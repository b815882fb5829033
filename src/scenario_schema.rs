//! The JSON Schema of the scenario format, generated from [`crate::schema`]'s types.
//!
//! The schema describes the format, what the loader's deserializer accepts (names, types,
//! shapes), not the validator's rules (ranges, ids that must exist, dates inside the horizon):
//! an editor (taplo, Even Better TOML) completes and checks names and types as one types, and
//! `capplan validate` does the rest. It is shipped as `schema/scenario.schema.json`; a test
//! compares the shipped file with [`scenario_schema_json`], so the two cannot drift apart
//! (`CAPPLAN_SCHEMA=overwrite cargo test --test scenario_schema` rewrites it).
//!
//! Types the loader deserializes by hand ([`PerPeriod`], [`PeriodRef`]) have their schema
//! written here, next to nothing else, to match what their deserializers accept.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::transform::{transform_subschemas, Transform};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use crate::schema::{limits, PerPeriod, PeriodRef, ScenarioFile};

/// The scenario schema as pretty-printed JSON with a final newline: the exact text of the
/// shipped `schema/scenario.schema.json` and what `capplan schema` prints.
pub fn scenario_schema_json() -> String {
    let text = serde_json::to_string_pretty(&scenario_schema())
        .expect("a schema is plain JSON and always serializes");
    format!("{text}\n")
}

/// The scenario schema (draft-07: the draft editors' TOML and JSON tooling supports best).
pub fn scenario_schema() -> Schema {
    let settings = SchemaSettings::draft07().with_transform(TomlView);
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<ScenarioFile>();
    add_price_basis_aliases(&mut schema);
    schema.insert("title".into(), "capplan scenario".into());
    schema.insert(
        "description".into(),
        "A capplan scenario file (TOML): horizon, chips, clusters, workloads and contracts. \
         Checks names, types and shapes; `capplan validate FILE` checks the rules."
            .into(),
    );
    schema
}

/// Makes the generated schema read as TOML: rustdoc in descriptions becomes text for an
/// editor's tooltip (a link to a limit becomes its value, `[`limits::MAX_CHIPS`]` -> `1e7`,
/// any other link plain code, and a wrapped line one paragraph); and since TOML has no null,
/// the `null` serde's `Option` allows in JSON is dropped (an optional field is one left out).
/// Rust's number formats (`double`, `uint32`) are not JSON Schema formats and go too.
#[derive(Clone)]
struct TomlView;

/// The limits doc comments link to, by name.
const LIMITS: &[(&str, f64)] = &[
    ("MAX_CHIPS", limits::MAX_CHIPS),
    ("MAX_WORKLOAD_CHIPS", limits::MAX_WORKLOAD_CHIPS),
    ("MAX_USD_PER_CHIP_HOUR", limits::MAX_USD_PER_CHIP_HOUR),
    ("MAX_TFLOPS", limits::MAX_TFLOPS),
    ("MAX_HBM_GIB", limits::MAX_HBM_GIB),
    ("MAX_WORK_PFLOP", limits::MAX_WORK_PFLOP),
    ("MAX_WORK_CHIP_HOURS", limits::MAX_WORK_CHIP_HOURS),
    ("MAX_DEMAND", limits::MAX_DEMAND),
    ("MAX_THROUGHPUT", limits::MAX_THROUGHPUT),
    ("MAX_USD_PER_UNIT", limits::MAX_USD_PER_UNIT),
    ("MAX_USD", limits::MAX_USD),
    ("MAX_PARAMS_BILLION", limits::MAX_PARAMS_BILLION),
];

/// `text` with rustdoc links made plain and wrapped lines joined (see [`TomlView`]).
pub(crate) fn plain(text: &str) -> String {
    let mut out = text.to_string();
    for (name, value) in LIMITS {
        out = out.replace(&format!("[`limits::{name}`]"), &format!("{value:e}"));
    }
    let out = out.replace("[`", "`").replace("`]", "`");
    // A single line break is the doc comment's wrapping; a blank line is a paragraph.
    out.split("\n\n")
        .map(|p| p.replace('\n', " "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

impl Transform for TomlView {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(Value::String(d)) = schema.get_mut("description") {
            *d = plain(d);
        }
        if schema.get("default") == Some(&Value::Null) {
            schema.remove("default");
        }
        if let Some(Value::String(_)) = schema.get("format") {
            if schema.get("type").is_some_and(|t| t != "string") {
                schema.remove("format");
            }
        }
        if let Some(Value::Array(types)) = schema.get_mut("type") {
            types.retain(|t| t != "null");
            if let [one] = types.as_slice() {
                let one = one.clone();
                schema.insert("type".into(), one);
            }
        }
        // `Option<T>` of a named type: `anyOf: [T, null]` -> `allOf: [T]` (draft-07 ignores
        // the siblings of a bare `$ref`, such as the description).
        if let Some(Value::Array(alternatives)) = schema.get_mut("anyOf") {
            alternatives.retain(|a| a.get("type") != Some(&Value::from("null")));
            if alternatives.len() == 1 {
                let only = schema.remove("anyOf").expect("just read");
                schema.insert("allOf".into(), only);
            }
        }
        transform_subschemas(self, schema);
    }
}

/// The older spellings [`crate::schema::PriceBasis`] still accepts (its serde aliases).
fn add_price_basis_aliases(schema: &mut Schema) {
    let alternatives = schema
        .get_mut("definitions")
        .and_then(|d| d.get_mut("PriceBasis"))
        .and_then(|p| p.get_mut("oneOf"))
        .and_then(Value::as_array_mut)
        .expect("PriceBasis is a definition of the scenario schema");
    for (old, new) in [
        ("reserved1yr", "reserved-1yr"),
        ("reserved3yr", "reserved-3yr"),
    ] {
        alternatives.push(serde_json::json!({
            "description": format!("Older spelling of `{new}`, still accepted."),
            "type": "string",
            "const": old,
            "deprecated": true
        }));
    }
}

impl JsonSchema for PerPeriod {
    fn schema_name() -> Cow<'static, str> {
        "PerPeriod".into()
    }

    // What the hand-written deserializer takes: a number (integer or float), an array of
    // numbers, or a table with exactly `from` and `to`, both numbers.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A quantity given per period: one number for every period, a list \
                with one number per period, a ramp `{ from = A, to = B }` linear in time from \
                the middle of the first period to the middle of the last, a rate `{ per_hour = X }` or `{ per_day = X }`, or \
                values by date range `[{ from = \"2027-04-01\", per_hour = X }]`.",
            "oneOf": [
                { "type": "number", "description": "The same value in every period." },
                {
                    "type": "array",
                    "items": { "type": "number" },
                    "description": "One value per period, in order."
                },
                {
                    "type": "object",
                    "description": "Linear in time from `from` at the middle of the first period to `to` at the middle of the last; each period gets the value at its middle (on periods of one length, linear by period number).",
                    "properties": {
                        "from": { "type": "number", "description": "Value in the first period." },
                        "to": { "type": "number", "description": "Value in the last period." }
                    },
                    "required": ["from", "to"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "description": "A rate per hour, times each period's hours (demand).",
                    "properties": { "per_hour": { "type": "number", "description": "Units per hour." } },
                    "required": ["per_hour"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "description": "A rate per day, times each period's days (demand).",
                    "properties": { "per_day": { "type": "number", "description": "Units per day." } },
                    "required": ["per_day"],
                    "additionalProperties": false
                },
                {
                    "type": "array",
                    "description": "Values by date range: each entry holds from its date to the \
                        next entry's; rates (per_hour, per_day) for demand, `value` for levels \
                        such as chips.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "from": { "type": "string", "description": "First day, YYYY-MM-DD." },
                            "per_hour": { "type": "number", "description": "Units per hour from that date." },
                            "per_day": { "type": "number", "description": "Units per day from that date." },
                            "value": { "type": "number", "description": "A level (chips) from that date." }
                        },
                        "required": ["from"],
                        "additionalProperties": false
                    }
                }
            ]
        })
    }
}

impl JsonSchema for PeriodRef {
    fn schema_name() -> Cow<'static, str> {
        "PeriodRef".into()
    }

    // The deserializer takes any integer and any string (the validator checks the range and
    // the date); a TOML date reaches the schema as a string, as taplo presents it.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A period: its number (1 is the first period) or a `YYYY-MM-DD` date \
                inside the horizon (the period containing it), quoted or as a TOML date.",
            "oneOf": [
                { "type": "integer", "description": "Period number, 1-based." },
                {
                    "type": "string",
                    "description": "A `YYYY-MM-DD` date: the period containing it."
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn links_to_limits_become_their_values() {
        assert_eq!(
            plain("0 to [`limits::MAX_CHIPS`], see [`PerPeriod`]."),
            "0 to 1e7, see `PerPeriod`."
        );
        assert_eq!(plain("at most [`limits::MAX_USD`]"), "at most 1e13");
    }
}
