//! `inspect` against connections of other processes (Python's socket module,
//! socat) in a fresh network namespace: exact values as root, inferred ones
//! as `nobody`, read-only, `--max-detection` exit codes, `--prometheus`
//! checked by promtool. Needs root; skipped with the reason otherwise.
#![cfg(target_os = "linux")]

#[path = "support/inspect.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keepalive_faults::netns::Netns;
use keepalive_faults::Unavailable;
use serde_json::{json, Value};
use support::{by_local_port, events, inspect, namespace, Peers};

/// The namespace's sysctl defaults: idle, interval, probes.
fn defaults(netns: &Netns) -> (f64, f64, u64) {
    let read = |name: &str| -> u64 {
        let path = format!("/proc/sys/net/ipv4/{name}");
        netns.exec(&["cat", &path]).unwrap().trim().parse().unwrap()
    };
    let (idle, interval, probes) =
        (read("tcp_keepalive_time"), read("tcp_keepalive_intvl"), read("tcp_keepalive_probes"));
    (idle as f64, interval as f64, probes)
}

/// The fields a test compares, of one connection event.
fn settings(event: &Value) -> Value {
    let keys = [
        "keepalive",
        "idle_s",
        "interval_s",
        "retries",
        "user_timeout_s",
        "detection_bound_s",
        "exact",
    ];
    keys.iter().map(|k| (k.to_string(), event[*k].clone())).collect()
}

#[test]
fn root_reads_the_exact_settings_of_another_process() {
    let Some(netns) = namespace("root_reads_the_exact_settings_of_another_process") else { return };
    let peers = Peers::start(&netns, None);
    let (idle, interval, probes) = defaults(&netns);
    let pid = peers.pid.to_string();
    let out = inspect(&netns, false, &["--json", "--pid", &pid]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (events, summary) = events(&out);
    assert_eq!(summary["connections"], 10, "both ends of 5 connections: {summary}");
    assert_eq!(summary["exact"], 10, "{summary}");
    let expect = |name: &str, expected: Value| {
        let event = by_local_port(&events, peers.port(name));
        assert_eq!(event["pid"], peers.pid, "{event}");
        assert_eq!(event["command"], "python3", "{event}");
        assert_eq!(event["state"], "ESTABLISHED", "{event}");
        assert_eq!(settings(event), expected, "{name}: {event}");
    };
    let bound = idle + interval * probes as f64;
    let defaults = |keepalive: bool, user_timeout: Value, bound: Value| {
        json!({"keepalive": keepalive, "idle_s": idle, "interval_s": interval, "retries": probes,
               "user_timeout_s": user_timeout, "detection_bound_s": bound, "exact": true})
    };
    expect("off", defaults(false, Value::Null, Value::Null));
    expect("defaults", defaults(true, Value::Null, json!(bound)));
    expect("user_timeout", defaults(false, json!(20.0), json!(20.0)));
    expect(
        "tuned",
        json!({"keepalive": true, "idle_s": 7.0, "interval_s": 3.0, "retries": 4,
               "user_timeout_s": null, "detection_bound_s": 19.0, "exact": true}),
    );
    // Probes at 5, 7, 9, 11 s: the first at or after the 10 s user timeout ends it.
    expect(
        "tuned_user_timeout",
        json!({"keepalive": true, "idle_s": 5.0, "interval_s": 2.0, "retries": 9,
               "user_timeout_s": 10.0, "detection_bound_s": 11.0, "exact": true}),
    );
    // The accepted sides (keepalive off) are listed too, by their peer's port.
    let server_side = events
        .iter()
        .filter(|e| e["local"].as_str().unwrap().ends_with(&format!(":{}", peers.listen)));
    assert_eq!(server_side.clone().count(), 5);
    assert!(server_side.clone().all(|e| e["keepalive"] == false), "{events:#?}");
    assert_eq!(summary["never_notice"], 6, "5 server sides and `off`: {summary}");
}

#[test]
fn nobody_gets_inferred_values_labelled_so() {
    let Some(netns) = namespace("nobody_gets_inferred_values_labelled_so") else { return };
    let peers = Peers::start(&netns, None);
    let (idle, interval, probes) = defaults(&netns);
    let port = peers.listen.to_string();
    let out = inspect(&netns, true, &["--json", "--port", &port]);
    assert_eq!(out.status.code(), Some(7), "a root-owned process is not readable: {out:?}");
    let (events, summary) = events(&out);
    assert_eq!(summary["connections"], 10, "{summary}");
    assert_eq!(summary["inferred"], 10, "{summary}");
    // The idle time shows in the keepalive timer; the interval and count are the
    // OS defaults, assumed.
    for (name, keepalive, seen_idle) in [
        ("off", false, 0.0),
        ("defaults", true, idle),
        ("tuned", true, 7.0),
        ("user_timeout", false, 0.0),
        ("tuned_user_timeout", true, 5.0),
    ] {
        let event = by_local_port(&events, peers.port(name));
        assert_eq!(event["exact"], false, "{event}");
        assert_eq!(event["pid"], Value::Null, "the owner is hidden from nobody: {event}");
        assert_eq!(event["uid"], 0, "{event}");
        assert!(event["problem"].as_str().unwrap().contains("permission"), "{event}");
        assert_eq!(event["keepalive"], keepalive, "{name}: the keepalive timer tells: {event}");
        // Once a probe was answered, the timer may count the interval: the idle
        // time is then assumed too (a slow machine may get there first).
        let seen_idle = match event["assumed"].as_array().unwrap().contains(&json!("idle_s")) {
            true => idle,
            false => seen_idle,
        };
        if keepalive {
            assert!(event["keepalive_timer_s"].as_f64().is_some(), "{name}: {event}");
        }
        let expected = match keepalive {
            true => json!([seen_idle, interval, probes, seen_idle + interval * probes as f64]),
            false => json!([null, null, null, null]),
        };
        let got = json!([
            event["idle_s"],
            event["interval_s"],
            event["retries"],
            event["detection_bound_s"]
        ]);
        assert_eq!(got, expected, "{name}: the idle time seen, the rest assumed: {event}");
    }
    // Asked by pid, nobody may not even list a root process's sockets: told on its line.
    let by_pid = inspect(&netns, true, &["--json", "--pid", &peers.pid.to_string()]);
    assert_eq!(by_pid.status.code(), Some(7), "{by_pid:?}");
    let (events, _) = support::events(&by_pid);
    assert_eq!(events[0]["event"], "unreadable", "{events:?}");
    assert!(events[0]["problem"].as_str().unwrap().contains("no permission"), "{events:?}");
    let text = inspect(&netns, true, &["--port", &port]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("keepalive probably on (idle"), "{text}");
    assert!(text.contains("[inferred: owner not visible"), "{text}");
}

#[test]
fn inspect_changes_nothing_and_the_connections_still_carry_data() {
    let Some(netns) = namespace("inspect_changes_nothing_and_the_connections_still_carry_data")
    else {
        return;
    };
    let mut peers = Peers::start(&netns, None);
    let before = peers.ask("options");
    let pid = peers.pid.to_string();
    for args in
        [&["--json", "--pid", &pid][..], &["--pid", &pid], &["--prometheus"], &["--state", "all"]]
    {
        let out = inspect(&netns, false, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    }
    assert!(inspect(&netns, true, &[]).status.code() == Some(7));
    let after = peers.ask("options");
    assert_eq!(before, after, "every keepalive option of every socket is unchanged");
    assert!(before.contains("\"tuned/client\": [1, 7, 3, 4, 0]"), "{before}");
    assert_eq!(peers.ask("ping"), "ok", "the connections still carry data");
}

#[test]
fn max_detection_fails_for_slow_and_never_noticing_connections() {
    let Some(netns) = namespace("max_detection_fails_for_slow_and_never_noticing_connections")
    else {
        return;
    };
    let peers = Peers::start(&netns, None);
    let pid = peers.pid.to_string();
    let code = |name: &str, max: &str| {
        let port = peers.port(name).to_string();
        let out = inspect(
            &netns,
            false,
            &["--json", "--pid", &pid, "--port", &port, "--max-detection", max],
        );
        let (_, summary) = events(&out);
        assert_eq!(summary["exit_code"], out.status.code().unwrap(), "{summary}");
        out.status.code().unwrap()
    };
    // `--port` matches both ends; the server side has keepalive off and never notices.
    assert_eq!(code("tuned", "1m"), 8);
    let tuned = peers.port("tuned").to_string();
    let only_client = |max: &str| {
        let out = inspect(
            &netns,
            false,
            &["--pid", &pid, "--port", &tuned, "--max-detection", max, "--json"],
        );
        let (events, _) = events(&out);
        by_local_port(&events, peers.port("tuned"))["too_slow"].clone()
    };
    assert_eq!(only_client("19s"), false, "bound 19s is within 19s");
    assert_eq!(only_client("18s"), true);
    assert_eq!(code("off", "1000d"), 8, "never is slower than any limit");
    let port = peers.listen.to_string();
    let out = inspect(&netns, false, &["--pid", &pid, "--port", &port]);
    assert_eq!(out.status.code(), Some(0), "without --max-detection never is no failure");
    let out = inspect(&netns, false, &["--max-detection", "abc"]);
    assert_eq!(out.status.code(), Some(2), "bad input: {out:?}");
}

#[test]
fn prometheus_output_passes_promtool() {
    let test = "prometheus_output_passes_promtool";
    let Some(netns) = namespace(test) else { return };
    if Command::new("promtool").arg("--version").output().is_err() {
        let why = Unavailable("promtool is not installed (apt-get install prometheus)".into());
        return keepalive_faults::skip(test, &why);
    }
    let peers = Peers::start(&netns, None);
    let pid = peers.pid.to_string();
    let path = ["--path-timeout", "aws-nat-gateway"];
    let out = inspect(&netns, false, &[&["--prometheus", "--pid", &pid][..], &path].concat());
    // Two clients probe within 350 s (idle 7 s, 5 s); the other 8 sockets never do.
    assert_eq!(out.status.code(), Some(10), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let dropped = "tcp_keepalive_dropped_by_path_connections{command=\"python3\"} 8\n";
    assert!(text.contains(dropped), "{text}");
    assert!(text.contains("tcp_keepalive_path_timeout_seconds 350"), "{text}");
    assert!(
        text.contains("tcp_keepalive_connections{command=\"python3\",keepalive=\"on\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("tcp_keepalive_never_notice_connections{command=\"python3\"} 6"),
        "{text}"
    );
    let (ok, said) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .output_with(&text);
    assert!(ok, "promtool check metrics rejected:\n{text}\n{said}");
    eprintln!("promtool check metrics: ok {said}");
}

/// Feeds `input` to a command's stdin: (success, stdout and stderr).
trait OutputWith {
    fn output_with(&mut self, input: &str) -> (bool, String);
}

impl OutputWith for Command {
    fn output_with(&mut self, input: &str) -> (bool, String) {
        use std::io::Write;
        let mut child = self.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text.into_owned())
    }
}

#[test]
fn socat_keepalive_options_are_read_exactly() {
    let test = "socat_keepalive_options_are_read_exactly";
    let Some(netns) = namespace(test) else { return };
    if Command::new("socat").arg("-V").output().is_err() {
        return keepalive_faults::skip(
            test,
            &Unavailable("socat is not installed (apt-get install socat)".into()),
        );
    }
    let listen = "TCP-LISTEN:7070,bind=127.0.0.1,reuseaddr";
    let connect = "TCP:127.0.0.1:7070,keepalive,keepidle=11,keepintvl=6,keepcnt=2";
    let mut server = netns.command("socat").args([listen, "SYSTEM:sleep 60"]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut client = loop {
        std::thread::sleep(Duration::from_millis(100));
        let out = inspect(&netns, false, &["--json", "--state", "all", "--port", "7070"]);
        if String::from_utf8_lossy(&out.stdout).contains("LISTEN") || Instant::now() > deadline {
            break netns.command("socat").args(["EXEC:sleep 60", connect]).spawn().unwrap();
        }
    };
    let found = loop {
        std::thread::sleep(Duration::from_millis(100));
        let out = inspect(&netns, false, &["--json", "--port", "7070"]);
        let (events, _) = events(&out);
        let ours = events.into_iter().find(|e| e["remote"] == "127.0.0.1:7070");
        if ours.is_some() || Instant::now() > deadline {
            break ours;
        }
    };
    let _ = (client.kill(), server.kill(), client.wait(), server.wait());
    let event = found.expect("socat's connection listed");
    assert_eq!(event["command"], "socat", "{event}");
    let expected = json!({"keepalive": true, "idle_s": 11.0, "interval_s": 6.0, "retries": 2,
                          "user_timeout_s": null, "detection_bound_s": 23.0, "exact": true});
    assert_eq!(settings(&event), expected, "{event}");
}
