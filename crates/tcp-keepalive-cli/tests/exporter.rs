//! `exporter` over HTTP, in a fresh network namespace with Python processes
//! holding known connections: the counts it serves, promtool, 404 and 405,
//! concurrent scrapes, the scrape timeout, processes and sockets vanishing
//! mid-scrape, SIGTERM. Needs root; skipped with the reason otherwise.
#![cfg(target_os = "linux")]

#[path = "support/exporter.rs"]
mod exporter;
#[path = "support/inspect.rs"]
mod inspect;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use exporter::{get, http, sum, value, Exporter};
use inspect::{namespace, Peers};
use keepalive_faults::Unavailable;

const PYTHON: &str = "command=\"python3\"";

fn python(series: &str, labels: &str) -> String {
    match labels {
        "" => format!("{series}{{{PYTHON}}}"),
        _ => format!("{series}{{{PYTHON},{labels}}}"),
    }
}

#[test]
fn a_scrape_counts_the_connections_by_process_and_keepalive() {
    let test = "a_scrape_counts_the_connections_by_process_and_keepalive";
    let Some(netns) = namespace(test) else { return };
    let _peers = Peers::start(&netns, None);
    let exporter = Exporter::start(&netns, &["--own-namespace"]);
    let text = get(&netns, &exporter.url("/metrics"));
    let count = |series: &str| value(&text, series).unwrap_or_else(|| panic!("{series}:\n{text}"));
    // keepalive_peers.py: 5 connections, both ends held by it; on: the clients
    // "defaults", "tuned", "tuned_user_timeout"; never noticing: "off"'s client
    // and the 5 accepted ends (no keepalive, no user timeout).
    assert_eq!(count(&python("tcp_keepalive_connections", "keepalive=\"on\"")), 3.0);
    assert_eq!(count(&python("tcp_keepalive_connections", "keepalive=\"off\"")), 7.0);
    assert_eq!(count(&python("tcp_keepalive_connections", "keepalive=\"unknown\"")), 0.0);
    assert_eq!(count(&python("tcp_keepalive_never_notice_connections", "")), 6.0);
    assert_eq!(count(&python("tcp_keepalive_inferred_connections", "")), 0.0);
    // Bounds: tuned 19 s, tuned_user_timeout and user_timeout under 1 min,
    // defaults 7875 s (7200 + 9 × 75 in a fresh namespace), never in +Inf.
    let bucket = |le: &str| {
        count(&format!("tcp_keepalive_detection_bound_seconds_bucket{{le=\"{le}\",{PYTHON}}}"))
    };
    assert_eq!(
        ["60.0", "300.0", "7875.0", "86400.0", "+Inf"].map(bucket),
        [3.0, 3.0, 4.0, 4.0, 10.0],
        "{text}"
    );
    assert_eq!(count("tcp_keepalive_scrape_success"), 1.0);
    assert_eq!(count("tcp_keepalive_scrape_errors_total"), 0.0);

    promtool_accepts(test, &text);
}

/// `promtool check metrics` passes `text` (skipped, saying so, without promtool).
fn promtool_accepts(test: &str, text: &str) {
    if Command::new("promtool").arg("--version").output().is_err() {
        let why = Unavailable("promtool is not installed (apt-get install prometheus)".into());
        return keepalive_faults::skip(&format!("{test} (promtool part)"), &why);
    }
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = promtool.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool check metrics rejected:\n{text}\n{said}");
}

#[test]
fn every_namespace_is_read_by_default_each_series_labelled_with_it() {
    let test = "every_namespace_is_read_by_default_each_series_labelled_with_it";
    let Some(netns) = namespace(test) else { return };
    let Some(other) = namespace(test) else { return };
    let _peers = Peers::start(&other, None);
    // The exporter in one namespace, the connections in another.
    let exporter = Exporter::start(&netns, &[]);
    let text = get(&netns, &exporter.url("/metrics"));
    let theirs = |keepalive: &str| {
        let labels =
            [("command", "python3"), ("netns_name", other.name()), ("keepalive", keepalive)];
        sum(&text, "tcp_keepalive_connections", &labels)
    };
    assert_eq!((theirs("on"), theirs("off")), (Some(3.0), Some(7.0)), "{text}");
    let never = [("command", "python3"), ("netns_name", other.name())];
    assert_eq!(sum(&text, "tcp_keepalive_never_notice_connections", &never), Some(6.0));
    // Other namespaces on this machine may come and go meanwhile: only its presence.
    assert!(value(&text, "tcp_keepalive_scrape_skipped_namespaces").is_some(), "{text}");
    // --own-namespace: none of them.
    let exporter = Exporter::start(&netns, &["--own-namespace"]);
    let text = get(&netns, &exporter.url("/metrics"));
    assert!(!text.contains("python3"), "{text}");
}

#[test]
fn path_timeout_counts_the_connections_that_path_would_drop() {
    let test = "path_timeout_counts_the_connections_that_path_would_drop";
    let Some(netns) = namespace(test) else { return };
    let _peers = Peers::start(&netns, None);
    let exporter = Exporter::start(&netns, &["--own-namespace", "--path-timeout", "60s"]);
    let text = get(&netns, &exporter.url("/metrics"));
    // A 60 s path keeps only "tuned" and "tuned_user_timeout" (first probe
    // after 7 s and 5 s idle): the other 8 sockets would be dropped.
    let dropped = python("tcp_keepalive_dropped_by_path_connections", "");
    assert_eq!(value(&text, &dropped), Some(8.0), "{text}");
    assert_eq!(value(&text, "tcp_keepalive_path_timeout_seconds"), Some(60.0), "{text}");
    promtool_accepts(test, &text);
    // Without it, neither family.
    let exporter = Exporter::start(&netns, &["--own-namespace"]);
    let text = get(&netns, &exporter.url("/metrics"));
    assert!(!text.contains("path"), "{text}");
    // A bad value is bad input, before listening.
    let out = std::process::Command::new(inspect::BIN)
        .args(["exporter", "--path-timeout", "0s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn openmetrics_is_served_to_who_asks_for_it() {
    let Some(netns) = namespace("openmetrics_is_served_to_who_asks_for_it") else { return };
    let exporter = Exporter::start(&netns, &[]);
    let accept = ("Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
    let (status, text) = http(&netns, "GET", &exporter.url("/metrics"), &[accept]);
    assert_eq!(status, 200);
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("# TYPE tcp_keepalive_scrape_errors counter\n"), "{text}");
    let classic = get(&netns, &exporter.url("/metrics"));
    assert!(!classic.contains("# EOF"), "{classic}");
    assert!(classic.contains("# TYPE tcp_keepalive_scrape_errors_total counter\n"), "{classic}");
}

#[test]
fn unknown_paths_get_404_and_other_methods_405() {
    let Some(netns) = namespace("unknown_paths_get_404_and_other_methods_405") else { return };
    let exporter = Exporter::start(&netns, &[]);
    let status = |method: &str, path: &str| http(&netns, method, &exporter.url(path), &[]).0;
    assert_eq!(status("GET", "/metrics"), 200);
    assert_eq!(status("GET", "/metrics?x=1"), 200);
    assert_eq!(status("HEAD", "/metrics"), 200);
    assert_eq!(status("GET", "/"), 200);
    for path in ["/metric", "/metrics/", "/favicon.ico", "/../metrics"] {
        assert_eq!(status("GET", path), 404, "{path}");
    }
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        assert_eq!(status(method, "/metrics"), 405, "{method}");
    }
}

#[test]
fn concurrent_scrapes_are_each_answered_in_full() {
    let Some(netns) = namespace("concurrent_scrapes_are_each_answered_in_full") else { return };
    let _peers = Peers::start(&netns, None);
    let exporter = Exporter::start(&netns, &["--own-namespace"]);
    let url = exporter.url("/metrics");
    std::thread::scope(|scope| {
        let scrapers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| (0..5).map(|_| get(&netns, &url)).collect::<Vec<_>>()))
            .collect();
        for text in scrapers.into_iter().flat_map(|s| s.join().unwrap()) {
            let on = python("tcp_keepalive_connections", "keepalive=\"on\"");
            assert_eq!(value(&text, &on), Some(3.0), "{text}");
            assert_eq!(value(&text, "tcp_keepalive_scrape_success"), Some(1.0), "{text}");
        }
    });
}

#[test]
fn a_scrape_past_its_timeout_answers_in_time_and_counts_an_error() {
    let test = "a_scrape_past_its_timeout_answers_in_time_and_counts_an_error";
    let Some(netns) = namespace(test) else { return };
    // 4,000 sockets take far longer than 1 ms to read one by one.
    let _peers = Peers::start(&netns, Some(2000));
    let mut exporter = Exporter::start(&netns, &["--own-namespace", "--scrape-timeout", "1ms"]);
    let start = Instant::now();
    let text = get(&netns, &exporter.url("/metrics"));
    assert!(start.elapsed() < Duration::from_secs(1), "answered after {:?}", start.elapsed());
    assert_eq!(value(&text, "tcp_keepalive_scrape_success"), Some(0.0), "{text}");
    assert_eq!(value(&text, "tcp_keepalive_scrape_errors_total"), Some(1.0), "{text}");
    assert_eq!(value(&text, &python("tcp_keepalive_connections", "keepalive=\"off\"")), None);
    let failed = exporter.next_event();
    assert_eq!(failed["event"], "scrape_failed", "{failed}");
    assert!(failed["message"].as_str().unwrap().contains("timed out"), "{failed}");
    assert!(exporter.alive());
    drop(exporter);

    // Prometheus's own timeout header, shorter than --scrape-timeout, wins.
    let exporter = Exporter::start(&netns, &["--own-namespace"]);
    let header = ("X-Prometheus-Scrape-Timeout-Seconds", "0.002");
    let (status, text) = http(&netns, "GET", &exporter.url("/metrics"), &[header]);
    assert_eq!(status, 200);
    assert_eq!(value(&text, "tcp_keepalive_scrape_success"), Some(0.0), "{text}");
    let text = get(&netns, &exporter.url("/metrics"));
    assert_eq!(value(&text, "tcp_keepalive_scrape_success"), Some(1.0), "{text}");
    assert_eq!(value(&text, "tcp_keepalive_scrape_errors_total"), Some(1.0), "{text}");
    let off = value(&text, &python("tcp_keepalive_connections", "keepalive=\"off\""));
    assert_eq!(off, Some(4000.0), "{text}");
}

/// Forks a short-lived child per connection and closes sockets as fast as it
/// can, until killed: owners and sockets vanish while the exporter reads them.
const CHURN: &str = r#"
import os, socket, time
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(4096)
address = listener.getsockname()
print("ready", flush=True)
while True:
    child = os.fork()
    if child == 0:
        s = socket.create_connection(address)
        time.sleep(0.002)
        os._exit(0)
    mine = socket.create_connection(address)
    accepted = [listener.accept()[0] for _ in range(2)]
    for s in [mine] + accepted:
        s.close()
    os.waitpid(child, 0)
"#;

#[test]
fn processes_and_sockets_vanishing_mid_scrape_never_break_it() {
    let test = "processes_and_sockets_vanishing_mid_scrape_never_break_it";
    let Some(netns) = namespace(test) else { return };
    let _peers = Peers::start(&netns, Some(250));
    let mut churn =
        netns.command("python3").args(["-c", CHURN]).stdout(Stdio::piped()).spawn().unwrap();
    let mut ready = String::new();
    BufReader::new(churn.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "ready");
    let mut exporter = Exporter::start(&netns, &["--own-namespace"]);
    for _ in 0..50 {
        let text = get(&netns, &exporter.url("/metrics"));
        assert_eq!(value(&text, "tcp_keepalive_scrape_success"), Some(1.0), "{text}");
        let off = value(&text, &python("tcp_keepalive_connections", "keepalive=\"off\""));
        assert!(off >= Some(500.0), "{text}");
    }
    let _ = churn.kill();
    let _ = churn.wait();
    assert!(exporter.alive());
}

#[test]
fn sigterm_sigint_and_sighup_end_it_cleanly() {
    let Some(netns) = namespace("sigterm_sigint_and_sighup_end_it_cleanly") else { return };
    for signal in ["TERM", "INT", "HUP"] {
        let mut exporter = Exporter::start(&netns, &["--own-namespace"]);
        get(&netns, &exporter.url("/metrics"));
        let status = exporter.signal_and_wait(signal, Duration::from_secs(2));
        assert_eq!(status.and_then(|s| s.code()), Some(0), "SIG{signal}: {status:?}");
        let stopped = exporter.next_event();
        assert_eq!(stopped["event"], "stopped", "{stopped}");
        assert_eq!(stopped["signal"], format!("SIG{signal}"), "{stopped}");
        assert_eq!(stopped["scrapes"], 1, "{stopped}");
        // The port is free again.
        let address = exporter.address.clone();
        netns.run(move || std::net::TcpListener::bind(address).unwrap());
    }
}
