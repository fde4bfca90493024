//! `idle-timeout` against loopback servers that close idle connections
//! themselves: the answer must contain the server's own timeout. Linux only
//! (the driver reads TCP_INFO); no privileges needed.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{closing_server, json_lines, run, stderr, stdout};

fn measure(after: f64, json: bool) -> (std::process::Output, String) {
    let addr = closing_server(Some(Duration::from_secs_f64(after))).to_string();
    let mut args = vec!["idle-timeout", &addr, "--max", "10s"];
    if json {
        args.push("--json");
    }
    let out = run(&args);
    let text = format!("{}\n{}", stdout(&out), stderr(&out));
    (out, text)
}

#[test]
fn idle_timeout_brackets_a_server_that_closes_idle_connections() {
    let runs: Vec<_> = [2.0, 3.0, 5.0]
        .into_iter()
        .map(|after| std::thread::spawn(move || (after, measure(after, true))))
        .collect();
    for run in runs {
        let (after, (out, text)) = run.join().unwrap();
        assert_eq!(out.status.code(), Some(0), "server closing after {after}s: {text}");
        let events = json_lines(&out.stdout);
        let result = events.last().unwrap();
        assert_eq!(result["event"], "result", "{text}");
        assert_eq!(result["closed_by_peer"], true, "{text}");
        // Keepalive does not keep a connection that the server closes when idle.
        assert_eq!(result["recommended_idle_s"], Value::Null, "{text}");
        let estimate = result["idle_timeout_s"].as_f64().unwrap();
        let plus_minus = result["plus_minus_s"].as_f64().unwrap();
        // Scheduling slack of the test server's own timer: a few ms.
        let slack = 0.1;
        assert!(
            (estimate - plus_minus - slack..=estimate + plus_minus + slack).contains(&after),
            "server closing after {after}s reported as {estimate} ± {plus_minus}: {text}"
        );
        assert!((estimate - after).abs() <= 1.0, "{after}s: {estimate}: {text}");
        for closed in events.iter().filter(|e| e["event"] == "closed") {
            let idle = closed["idle_s"].as_f64().unwrap();
            assert!(idle >= after - slack, "{after}s: closed when idle {idle}s: {text}");
        }
    }
}

#[test]
fn no_answer_is_claimed_when_no_probe_was_sent_and_no_keepalive_is_recommended_that_cannot_work() {
    // Closed before the first probe (1 s): nothing was answered.
    let (out, text) = measure(0.5, false);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("idle was answered"), "{text}");
    assert!(!text.contains("Recommended"), "{text}");
    let (out, text) = measure(0.5, true);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let result: Value = json_lines(&out.stdout).pop().unwrap();
    assert_eq!(result["answered_s"], Value::Null, "{text}");
    assert_eq!(result["recommended_idle_s"], Value::Null, "{text}");
    assert_eq!(result["recommended_interval_s"], Value::Null, "{text}");
}

#[test]
fn a_server_closing_idle_connections_is_told_once_with_a_count() {
    let (out, text) = measure(3.0, false);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let told: Vec<&str> =
        text.lines().filter(|l| l.contains("the peer closed a connection")).collect();
    assert_eq!(told.len(), 1, "{text}");
    let (out, text) = measure(3.0, true);
    let events = json_lines(&out.stdout);
    let closed = events.iter().filter(|e| e["event"] == "closed").count();
    assert_eq!(closed, 1, "{text}");
    let result = events.last().unwrap();
    let count = result["closed_connections"].as_u64().unwrap_or_else(|| panic!("{result}"));
    assert!(count >= 1, "{result}");
}
