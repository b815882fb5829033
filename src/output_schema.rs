//! The JSON Schema of the plan and check documents ([`crate::report::Document`]), generated from
//! the Rust types that are serialized, so the schema is the output's contract: renaming, moving
//! or removing a key changes both, and a test checks real outputs against the shipped file.
//!
//! It describes what capplan writes (serde's serialize side): every key is `required` (absent
//! values are written as `null` or `[]`) and no object takes keys it does not list
//! (`additionalProperties: false`). It is shipped as `schema/plan-output.schema.json` and printed
//! by `capplan schema --output`; `CAPPLAN_SCHEMA=overwrite cargo test --release --test
//! output_schema` rewrites the shipped file after a change to the document's types.

use schemars::generate::SchemaSettings;
use schemars::transform::{transform_subschemas, Transform};
use schemars::Schema;
use serde_json::{json, Value};

use crate::report::{Document, FORMAT_VERSION};

/// The output schema as pretty-printed JSON with a final newline: the exact text of the shipped
/// `schema/plan-output.schema.json` and what `capplan schema --output` prints.
pub fn output_schema_json() -> String {
    let text = serde_json::to_string_pretty(&output_schema())
        .expect("a schema is plain JSON and always serializes");
    format!("{text}\n")
}

/// The output schema (draft 2020-12).
pub fn output_schema() -> Schema {
    let settings = SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(Plain);
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<Document<'static>>();
    schema.insert("allOf".into(), kind_rules());
    schema.insert("title".into(), "capplan plan or check document".into());
    schema.insert(
        "description".into(),
        format!(
            "What `capplan plan --format json` prints and `--out` writes as plan.json \
             (`kind: \"plan\"`), and what `capplan check --format json` prints \
             (`kind: \"check\"`): one shape, format_version {FORMAT_VERSION} (docs/json.md)."
        )
        .into(),
    );
    schema
}

/// What `kind` implies, which the types alone cannot say: a plan's `status` is a solve status
/// and it has no `allocation`; a check's `status` is a verdict, it has an `allocation`, a
/// `compliance` and no `solver`.
fn kind_rules() -> Value {
    let kind = |k: &str| json!({ "properties": { "kind": { "const": k } } });
    json!([
        {
            "if": kind("plan"),
            "then": { "properties": {
                "status": { "$ref": "#/$defs/SolveStatus" },
                "allocation": { "type": "null" },
            } },
        },
        {
            "if": kind("check"),
            "then": { "properties": {
                "status": { "$ref": "#/$defs/CheckStatus" },
                "allocation": { "type": "string" },
                "compliance": { "$ref": "#/$defs/Compliance" },
                "solver": { "type": "null" },
            } },
        },
    ])
}

/// Descriptions as text (rustdoc links plain, wrapped lines joined, as in
/// [`crate::scenario_schema`]); Rust's number formats (`double`, `uint`) are not JSON Schema
/// formats and go.
#[derive(Clone)]
struct Plain;

impl Transform for Plain {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(Value::String(d)) = schema.get_mut("description") {
            *d = crate::scenario_schema::plain(d);
        }
        if let Some(Value::String(_)) = schema.get("format") {
            let numeric = |t: &Value| t == "number" || t == "integer";
            let is_number = match schema.get("type") {
                Some(Value::Array(types)) => types.iter().any(numeric),
                Some(t) => numeric(t),
                None => false,
            };
            if is_number {
                schema.remove("format");
            }
        }
        transform_subschemas(self, schema);
    }
}
