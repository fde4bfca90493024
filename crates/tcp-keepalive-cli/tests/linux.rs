//! `demo` and `defaults`, end to end through the built binary, on the real
//! kernel. Linux only.
#![cfg(target_os = "linux")]

use std::process::Command;

use serde_json::Value;

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn defaults_are_the_sysctls() {
    let out = Command::new(env!("CARGO_BIN_EXE_tcp-keepalive"))
        .args(["defaults", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 1);
    let d = &events[0];
    assert_eq!(d["event"], "defaults");
    let sysctl = |name: &str| -> f64 {
        std::fs::read_to_string(format!("/proc/sys/net/ipv4/{name}"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (idle, interval, probes) = (
        sysctl("tcp_keepalive_time"),
        sysctl("tcp_keepalive_intvl"),
        sysctl("tcp_keepalive_probes"),
    );
    assert_eq!(d["idle_s"].as_f64(), Some(idle));
    assert_eq!(d["interval_s"].as_f64(), Some(interval));
    assert_eq!(d["retries"].as_f64(), Some(probes));
    assert_eq!(d["detection_bound_s"].as_f64(), Some(idle + interval * probes));
    // A fresh socket reports the same (the library reads the effective values).
    assert_eq!(d["socket"]["idle_s"].as_f64(), Some(idle));
    assert_eq!(d["socket"]["keepalive_on"], false);

    // The text says the worst case to the second, never rounded down.
    let text = Command::new(env!("CARGO_BIN_EXE_tcp-keepalive")).arg("defaults").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let line = text.lines().find(|l| l.starts_with("Worst-case detection")).expect(&text);
    let said = line.split(": ").nth(1).and_then(|rest| rest.split(" (").next()).expect(line);
    assert_eq!(seconds(said), idle + interval * probes, "{line}");
}

/// `2 h 11 min 15 s`, `1 day 3 h`, `75s`, `4.06s` as seconds.
fn seconds(text: &str) -> f64 {
    if let Some(s) = text.strip_suffix('s').filter(|s| !s.contains(' ')) {
        return s.parse().unwrap_or_else(|_| panic!("{text:?}"));
    }
    let words: Vec<&str> = text.split(' ').collect();
    words
        .chunks(2)
        .map(|pair| {
            let unit = match pair[1] {
                "day" | "days" => 86_400.0,
                "h" => 3600.0,
                "min" => 60.0,
                "s" => 1.0,
                other => panic!("unit {other:?} in {text:?}"),
            };
            pair[0].parse::<f64>().unwrap() * unit
        })
        .sum()
}

#[test]
fn demo_detects_the_dead_peer_within_the_bound() {
    let start = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_tcp-keepalive"))
        .args(["demo", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(9) {
        // The demo itself says what is missing (no CAP_NET_ADMIN, no user namespaces).
        keepalive_faults::skip(
            "demo_detects_the_dead_peer_within_the_bound",
            &keepalive_faults::Unavailable(stderr.trim().to_string()),
        );
        return;
    }
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    let events = json_lines(&out.stdout);
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["demo_start", "probe", "probe", "probe", "dead", "checked", "control", "result"],
        "{events:?}"
    );
    for (i, probe) in events[1..4].iter().enumerate() {
        assert_eq!(probe["unanswered"].as_u64(), Some(i as u64 + 1), "{probe}");
    }
    // The connection never read: liveness() alone found its peer dead.
    let checked = &events[5];
    assert_eq!(checked["liveness"], "dead", "{checked}");
    assert_eq!(checked["error_kind"], "TimedOut", "{checked}");
    assert_eq!(checked["reads"], 0, "{checked}");
    assert!(checked["elapsed_s"].as_f64().unwrap() <= 4.0 + 1.5, "{checked}");
    let result = &events[7];
    let detection = result["detection_s"].as_f64().unwrap();
    let bound = result["bound_s"].as_f64().unwrap();
    assert_eq!(bound, 4.0);
    assert!(detection <= bound + 1.5, "detected after {detection}s, bound {bound}s");
    assert_eq!(result["control_still_hanging"], true);
    assert_eq!(events[6]["state"], "ESTABLISHED");
    eprintln!(
        "demo: detected after {detection}s (bound {bound}s), silenced by {}, whole run {:?}",
        events[0]["silenced_by"],
        start.elapsed()
    );
}

fn as_root_in(test: &str, unshare: &str, setup: &str, args: &str) -> Option<std::process::Output> {
    if !keepalive_faults::is_root() {
        keepalive_faults::skip(test, &keepalive_faults::Unavailable("needs root".into()));
        return None;
    }
    let script = format!("{setup} && exec \"$0\" {args}");
    Some(
        Command::new("unshare")
            .args([unshare, "sh", "-c", &script])
            .arg(env!("CARGO_BIN_EXE_tcp-keepalive"))
            .output()
            .unwrap(),
    )
}

#[test]
fn defaults_say_they_come_from_a_fresh_socket_when_proc_sys_is_unreadable() {
    let test = "defaults_say_they_come_from_a_fresh_socket_when_proc_sys_is_unreadable";
    let setup = "mount -t tmpfs none /proc/sys";
    for json in [true, false] {
        let args = if json { "defaults --json" } else { "defaults" };
        let Some(out) = as_root_in(test, "-m", setup, args) else { return };
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        if json {
            let d = &json_lines(&out.stdout)[0];
            assert_eq!(d["source"], "socket", "{d}");
            assert!(d["sysctl_error"].as_str().unwrap().contains("/proc/sys"), "{d}");
            assert!(d["idle_s"].as_f64().is_some(), "{d}");
        } else {
            assert!(stdout.contains("a fresh socket"), "{stdout}");
            assert!(stdout.contains("/proc/sys"), "{stdout}");
        }
    }
}

#[test]
fn defaults_print_large_values_in_days_and_hours() {
    let test = "defaults_print_large_values_in_days_and_hours";
    let setup = "sysctl -qw net.ipv4.tcp_keepalive_time=32767 net.ipv4.tcp_keepalive_intvl=32767 net.ipv4.tcp_keepalive_probes=127";
    let Some(out) = as_root_in(test, "-n", setup, "defaults") else { return };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    // 32767 + 127 × 32767 s = 4194176 s.
    assert!(stdout.contains("48 days 13 h"), "{stdout}");
    assert!(stdout.contains("9 h 6 min"), "{stdout}");
    assert!(!stdout.contains("month"), "{stdout}");
}
