//! The JSON schema of a subcommand's events, rendered for its `--help` from
//! the event types themselves (schemars), so the two cannot disagree.

use schemars::JsonSchema;
use serde_json::Value;

use super::FailureEvent;

/// `JSON events (--json) ...` and one line per event: `name {field: type, ...}`,
/// with the events every subcommand shares (`error`, `interrupted`) last.
pub fn events_help<E: JsonSchema>() -> String {
    let mut text = String::from(
        "JSON events (--json), one object per line, named by its \"event\" field; \
         durations are seconds in fields ending in _s:\n",
    );
    for schema in [schemars::schema_for!(E), schemars::schema_for!(FailureEvent)] {
        let root = schema.as_value();
        for variant in root.get("oneOf").and_then(Value::as_array).into_iter().flatten() {
            text.push_str(&format!("  {}\n", line(root, variant)));
        }
    }
    text
}

/// `name {field: type|type, ...}` for one variant of a tagged enum.
fn line(root: &Value, variant: &Value) -> String {
    let mut properties = serde_json::Map::new();
    collect_properties(root, variant, &mut properties);
    let name = properties
        .get("event")
        .and_then(|e| e.get("const").or_else(|| e.get("enum").and_then(|v| v.get(0))))
        .and_then(Value::as_str)
        .unwrap_or("?");
    let fields: Vec<String> = properties
        .iter()
        .filter(|(field, _)| *field != "event")
        .map(|(field, schema)| format!("{field}: {}", types(root, schema).join("|")))
        .collect();
    format!("{name} {{{}}}", fields.join(", "))
}

/// The properties of an object schema, following `$ref` and `allOf`.
fn collect_properties(root: &Value, schema: &Value, into: &mut serde_json::Map<String, Value>) {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        into.extend(properties.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(target) = resolve(root, schema) {
        collect_properties(root, target, into);
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        collect_properties(root, part, into);
    }
}

/// The schema a `$ref` of `#/$defs/Name` points at.
fn resolve<'a>(root: &'a Value, schema: &Value) -> Option<&'a Value> {
    let name = schema.get("$ref")?.as_str()?.strip_prefix("#/$defs/")?;
    root.get("$defs")?.get(name)
}

/// The JSON types a value of `schema` can have.
fn types(root: &Value, schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match schema.get("type") {
        Some(Value::String(t)) => found.push(t.clone()),
        Some(Value::Array(ts)) => {
            found.extend(ts.iter().filter_map(Value::as_str).map(String::from))
        }
        _ => {}
    }
    if let Some(target) = resolve(root, schema) {
        found.extend(types(root, target));
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            found.extend(types(root, part));
        }
    }
    if found.is_empty() && (schema.get("const").is_some() || schema.get("enum").is_some()) {
        found.push("string".into());
    }
    found.dedup();
    found
}
