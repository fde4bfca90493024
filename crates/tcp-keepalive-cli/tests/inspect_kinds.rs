//! `inspect` tells listeners, TIME_WAIT sockets and zero-window senders for
//! what they are, and uses what sock_diag shows anyone (the keepalive timer)
//! when it cannot read a socket. Needs root (a network namespace); skipped
//! with the reason otherwise.
#![cfg(target_os = "linux")]

#[path = "support/inspect.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{by_local_port, events, inspect, namespace, Peers};

/// The events of `inspect ARGS --json` (as root or nobody), its exit code, and its text.
fn both(
    netns: &keepalive_faults::netns::Netns,
    nobody: bool,
    args: &[&str],
) -> (Vec<Value>, Value, i32, String) {
    let out = inspect(netns, nobody, &[args, &["--json"]].concat());
    let code = out.status.code().unwrap();
    let (events, summary) = events(&out);
    let text = inspect(netns, nobody, args);
    (events, summary, code, String::from_utf8_lossy(&text.stdout).into_owned())
}

#[test]
fn listeners_and_time_wait_sockets_are_labelled_and_left_out_of_the_verdicts() {
    let test = "listeners_and_time_wait_sockets_are_labelled_and_left_out_of_the_verdicts";
    let Some(netns) = namespace(test) else { return };
    let mut peers = Peers::start(&netns, None);
    assert_eq!(peers.ask("close"), "closed");
    let args = ["--state", "all", "--max-detection", "1h"];
    for nobody in [false, true] {
        let (events, summary, code, text) = both(&netns, nobody, &args);
        assert_eq!(code, 0, "nobody {nobody}: a listener and TIME_WAIT hang nothing: {text}");
        let listener = by_local_port(&events, peers.listen);
        assert_eq!(listener["kind"], "listener", "{listener}");
        let time_wait: Vec<&Value> = events.iter().filter(|e| e["state"] == "TIME_WAIT").collect();
        assert_eq!(time_wait.len(), 5, "the 5 clients closed first: {events:#?}");
        for socket in time_wait.iter().chain([&listener]) {
            assert_eq!(socket["too_slow"], Value::Null, "{socket}");
            assert_eq!(socket["detection_bound_s"], Value::Null, "{socket}");
        }
        assert!(time_wait.iter().all(|e| e["kind"] == "time_wait"), "{time_wait:?}");
        assert_eq!(summary["connections"], 0, "{summary}");
        assert_eq!(summary["listeners"], 1, "{summary}");
        assert_eq!(summary["time_wait"], 5, "{summary}");
        for wrong in ["NEVER", "SLOWER", "data in flight", "not yet accepted"] {
            assert!(!text.contains(wrong), "nobody {nobody}: {wrong:?} in {text}");
        }
        let listening = format!(":{} LISTEN: listening, not a connection", peers.listen);
        assert!(text.contains(&listening), "{listening}: {text}");
        assert!(text.contains("TIME_WAIT: closed"), "{text}");
    }
}

#[test]
fn without_permission_the_keepalive_timer_tells_the_idle_time() {
    let test = "without_permission_the_keepalive_timer_tells_the_idle_time";
    let Some(netns) = namespace(test) else { return };
    let peers = Peers::start(&netns, None);
    let started = Instant::now();
    let port = peers.port("tuned").to_string();
    let (events, _, _, text) = both(&netns, true, &["--port", &port, "--max-detection", "5m"]);
    let tuned = by_local_port(&events, peers.port("tuned"));
    assert_eq!(tuned["exact"], false, "{tuned}");
    assert_eq!(tuned["idle_s"], 7.0, "the timer is due at the last activity + 7 s: {tuned}");
    assert_eq!(tuned["assumed"], serde_json::json!(["interval_s", "retries"]), "{tuned}");
    assert_eq!(tuned["user_timeout_s"], Value::Null, "not visible: {tuned}");
    // 7 s is known; whether the rest fits in 5 min depends on what is assumed.
    assert_eq!(tuned["too_slow"], Value::Null, "{tuned}");
    let line = text.lines().find(|l| l.contains(&format!(":{port} ->"))).unwrap();
    assert!(line.contains("idle 7s") && line.contains("assumed"), "{line}");
    assert!(!line.contains("SLOWER"), "{line}");

    // After its first probe (at 7 s) was answered, the timer counts the
    // interval (3 s): that must not be taken for the idle time.
    std::thread::sleep(Duration::from_secs(8).saturating_sub(started.elapsed()));
    let (events, _, _, _) = both(&netns, true, &["--port", &port]);
    let tuned = by_local_port(&events, peers.port("tuned"));
    assert_ne!(tuned["idle_s"], 3.0, "{tuned}");
    assert!(tuned["assumed"].as_array().unwrap().contains(&"idle_s".into()), "{tuned}");
    assert!(tuned["keepalive_timer_s"].as_f64().is_some_and(|due| due <= 3.0), "{tuned}");
}

#[test]
fn zero_window_probes_are_told_apart_from_keepalive_probes() {
    let test = "zero_window_probes_are_told_apart_from_keepalive_probes";
    let Some(netns) = namespace(test) else { return };
    let mut peers = Peers::start(&netns, None);
    let stalled: u16 = peers.ask("stall").parse().unwrap();
    let port = stalled.to_string();
    // The persist timer starts once the window is zero; wait for a probe to go out.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (event, text) = loop {
        let (events, _, _, text) = both(&netns, false, &["--port", &port]);
        let event = by_local_port(&events, stalled).clone();
        if event["probes_unanswered"].as_u64() > Some(0) || Instant::now() > deadline {
            break (event, text);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(event["zero_window"], true, "{event}");
    let line = text.lines().find(|l| l.contains(&format!(":{port} ->"))).unwrap();
    assert!(line.contains("zero window") && !line.contains("keepalive probe"), "{line}");
    let other = by_local_port(
        &both(&netns, false, &["--port", &peers.port("off").to_string()]).0,
        peers.port("off"),
    )
    .clone();
    assert_eq!(other["zero_window"], false, "{other}");
}
