//! Every `--json` line of every subcommand, on success and on errors, matches
//! the schema printed in that subcommand's `--help`. Linux only (the
//! scenarios use the Linux-only subcommands).
#![cfg(target_os = "linux")]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use support::{closing_server, json_lines, run, stdout};

/// Event name -> field name -> allowed JSON types, as `<command> --help` documents them.
type Schema = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Parses the help's lines `  name {field: type|type, ...}` after "JSON events".
fn schema(command: &str) -> Schema {
    let help = stdout(&run(&[command, "--help"]));
    let start = help.find("JSON events").unwrap_or_else(|| panic!("{command}: {help}"));
    let mut schema = Schema::new();
    for line in help[start..].lines().skip(1) {
        let Some((name, fields)) = line.trim().split_once(" {") else { break };
        let fields = fields.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
        let fields = fields
            .split(", ")
            .filter(|f| !f.is_empty())
            .map(|f| {
                let (field, types) = f.split_once(": ").unwrap_or_else(|| panic!("{line}"));
                (field.to_string(), types.split('|').map(String::from).collect())
            })
            .collect();
        schema.insert(name.to_string(), fields);
    }
    for common in ["error", "interrupted"] {
        assert!(schema.contains_key(common), "{command} --help lacks {common}: {help}");
    }
    schema
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check(command: &str, schema: &Schema, stdout: &[u8]) -> Vec<String> {
    let events = json_lines(stdout);
    assert!(!events.is_empty(), "{command}: no output");
    let mut names = Vec::new();
    for event in events {
        let name = event["event"].as_str().unwrap_or_else(|| panic!("{event}"));
        let fields = schema.get(name).unwrap_or_else(|| panic!("{command}: undocumented {event}"));
        let object = event.as_object().unwrap();
        for (field, types) in fields {
            let value = object.get(field).unwrap_or_else(|| panic!("{event} lacks {field}"));
            let ty = json_type(value);
            let ok = types.iter().any(|t| t == ty || (t == "number" && ty == "integer"));
            assert!(ok, "{command}: {field} is {ty}, documented {types:?}: {event}");
        }
        for field in object.keys().filter(|f| *f != "event") {
            assert!(fields.contains_key(field), "{command}: undocumented {field} in {event}");
        }
        names.push(name.to_string());
    }
    names
}

#[test]
fn json_output_matches_the_schema_in_help() {
    let closing = closing_server(Some(Duration::from_millis(2500))).to_string();
    // A connection of this process for `inspect` to list.
    let held = std::net::TcpStream::connect(closing_server(None)).unwrap();
    let me = std::process::id().to_string();
    let keepalive = ["--idle", "5s", "--interval", "1s", "--retries", "2"];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("defaults", vec!["defaults", "--json"]),
        ("watch", vec!["watch", &closing, "--idle", "1s", "--interval", "1s", "--json"]),
        ("watch", vec!["watch", "127.0.0.1:1", "--json"]),
        ("watch", vec!["watch", "127.0.0.1:9", "--idle", "0s", "--json"]),
        ("idle-timeout", vec!["idle-timeout", &closing, "--max", "10s", "--json"]),
        ("idle-timeout", vec!["idle-timeout", "127.0.0.1:9", "--max", "1s", "--json"]),
        ("demo", vec!["demo", "--json"]),
        ("inspect", vec!["inspect", "--json", "--pid", &me, "--max-detection", "1m"]),
        ("inspect", vec!["inspect", "--json", "--pid", "4194305", "--state", "all"]),
        ("inspect", vec!["inspect", "--json", "--prometheus"]),
        ("inspect", vec!["inspect", "--json", "--all-namespaces", "--pid", &me]),
        ("apply", [&["apply", "--json", "--pid", &me, "--dry-run"][..], &keepalive].concat()),
        ("apply", [&["apply", "--json", "--pid", "4194305"][..], &keepalive].concat()),
        (
            "apply",
            vec![
                "apply",
                "--json",
                "--pid",
                &me,
                "--idle",
                "0s",
                "--interval",
                "1s",
                "--retries",
                "2",
            ],
        ),
        // An address of no interface here (TEST-NET-1): it cannot listen.
        ("exporter", vec!["exporter", "--json", "--listen", "192.0.2.1:9878"]),
    ];
    let mut seen: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (command, args) in cases {
        let out = run(&args);
        let names = check(command, &schema(command), &out.stdout);
        seen.entry(command).or_default().extend(names);
    }
    let must = [
        ("defaults", "defaults"),
        ("watch", "connected"),
        ("watch", "closed"),
        ("watch", "error"),
        ("idle-timeout", "start"),
        ("idle-timeout", "closed"),
        ("idle-timeout", "result"),
        ("idle-timeout", "error"),
        ("inspect", "connection"),
        ("inspect", "unreadable"),
        ("inspect", "summary"),
        ("inspect", "error"),
        ("apply", "applied"),
        ("apply", "listener_left_alone"),
        ("apply", "unreachable"),
        ("apply", "summary"),
        ("apply", "error"),
        ("exporter", "error"),
    ];
    for (command, event) in must {
        assert!(seen[command].iter().any(|e| e == event), "{command} never said {event}: {seen:?}");
    }
    drop(held);
}
