//! `exporter` as a fleet sees it: Debian's real Prometheus server scraping
//! it on loopback and answering queries on what it stored, and a series
//! count that does not grow with connections. Needs root (a network
//! namespace) and, for the first test, the `prometheus` package; skipped
//! with the reason otherwise.
#![cfg(target_os = "linux")]

#[path = "support/exporter.rs"]
mod exporter;
#[path = "support/inspect.rs"]
mod inspect;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use exporter::{get, series, value, Exporter};
use inspect::{namespace, Peers};
use keepalive_faults::netns::Netns;
use keepalive_faults::Unavailable;
use serde_json::Value;

/// The alert rules README's "Fleet" section shows (in the repository, not in the package).
const RULES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/prometheus/tcp-keepalive.rules.yml");
const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
/// Its alert on connections that would never notice a dead peer.
const NEVER_NOTICE: &str = "tcp_keepalive_never_notice_connections > 0";

/// A Prometheus server in `netns`, scraping `target`; killed on drop.
struct Prometheus {
    child: Child,
    _dir: TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The scrape config README's "Fleet" section shows, scraping every 5 s
/// (a scrape of every namespace of a busy machine may take seconds), and its
/// alert rules.
fn config(target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\n  evaluation_interval: 1s\n\
         rule_files: ['{RULES}']\n\
         scrape_configs:\n  - job_name: tcp-keepalive\n    static_configs:\n      - targets: ['{target}']\n"
    )
}

impl Prometheus {
    const ADDRESS: &str = "127.0.0.1:9090";

    fn start(netns: &Netns, target: &str) -> Prometheus {
        let dir = std::env::temp_dir().join(format!("tcp-keepalive-prometheus-{}", netns.name()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = TempDir(dir);
        let config_file = dir.0.join("prometheus.yml");
        std::fs::write(&config_file, config(target)).unwrap();
        let child = netns
            .command("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.0.join("data").display()))
            .arg(format!("--web.listen-address={}", Prometheus::ADDRESS))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("running prometheus");
        Prometheus { child, _dir: dir }
    }

    /// The value of the one series `query` returns now, if there is one.
    fn query(netns: &Netns, query: &str) -> Option<f64> {
        let (url, query) =
            (format!("http://{}/api/v1/query", Prometheus::ADDRESS), query.to_string());
        let body = netns.run(move || {
            let mut response = ureq::get(&url).query("query", &query).call().ok()?;
            response.body_mut().read_to_string().ok()
        })?;
        let answer: Value = serde_json::from_str(&body).ok()?;
        let result = answer["data"]["result"].as_array()?;
        match result.as_slice() {
            [one] => one["value"][1].as_str()?.parse().ok(),
            _ => None,
        }
    }
}

#[test]
fn a_real_prometheus_scrapes_it_and_answers_queries_with_the_counts() {
    let test = "a_real_prometheus_scrapes_it_and_answers_queries_with_the_counts";
    let (Ok(readme), Ok(rules)) = (std::fs::read_to_string(README), std::fs::read_to_string(RULES))
    else {
        let why = Unavailable("not in the repository: no README.md and deploy/ beside".into());
        return keepalive_faults::skip(test, &why);
    };
    assert!(readme.contains(NEVER_NOTICE), "README's alert is not {NEVER_NOTICE:?}");
    assert!(rules.contains(&format!("expr: {NEVER_NOTICE}\n")), "{RULES}: {rules}");
    let Some(netns) = namespace(test) else { return };
    if Command::new("prometheus").arg("--version").output().is_err() {
        let why = Unavailable("Prometheus is not installed (apt-get install prometheus)".into());
        return keepalive_faults::skip(test, &why);
    }
    let _peers = Peers::start(&netns, None);
    let exporter = Exporter::start(&netns, &[]);
    let _prometheus = Prometheus::start(&netns, &exporter.address);
    // keepalive_peers.py's connections (see tests/exporter.rs): 3 with
    // keepalive, 7 without, 6 of them never noticing a dead peer.
    // The exporter reads every namespace (the default): these are the
    // series of this test's process in this test's namespace.
    let ours = format!("command=\"python3\",netns_name=\"{}\"", netns.name());
    let alert = "alertname=\"TcpConnectionsNeverNoticeDeadPeer\",alertstate=\"pending\"";
    let expected = [
        ("up{job=\"tcp-keepalive\"}".to_string(), 1.0),
        (format!("sum(tcp_keepalive_connections{{{ours},keepalive=\"on\"}})"), 3.0),
        (format!("sum(tcp_keepalive_connections{{{ours},keepalive=\"off\"}})"), 7.0),
        (format!("sum(tcp_keepalive_never_notice_connections{{{ours}}})"), 6.0),
        (format!("sum(tcp_keepalive_detection_bound_seconds_bucket{{{ours},le=\"+Inf\"}})"), 10.0),
        ("tcp_keepalive_scrape_success{job=\"tcp-keepalive\"}".to_string(), 1.0),
        // README's alert: its expression, and the rule pending (30 minutes before it fires).
        (format!("sum({NEVER_NOTICE} and {{{ours}}})"), 6.0),
        (format!("sum(ALERTS{{{alert},{ours}}})"), 1.0),
    ];
    let start = Instant::now();
    let mut answers = Vec::new();
    while start.elapsed() < Duration::from_secs(120) {
        answers = expected.iter().map(|(query, _)| Prometheus::query(&netns, query)).collect();
        if answers.iter().zip(&expected).all(|(got, (_, want))| *got == Some(*want)) {
            eprintln!("Prometheus answered after {:?}", start.elapsed());
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!(
        "Prometheus's answers after 120 s: {:#?}",
        expected.iter().zip(answers).collect::<Vec<_>>()
    );
}

#[test]
fn going_from_300_to_2300_connections_adds_no_series() {
    let test = "going_from_300_to_2300_connections_adds_no_series";
    let Some(netns) = namespace(test) else { return };
    // 150 connections, both ends in one process: 300 sockets without keepalive.
    let mut peers = Peers::start(&netns, Some(150));
    let exporter = Exporter::start(&netns, &["--own-namespace"]);
    let before = get(&netns, &exporter.url("/metrics"));
    // 1,000 more, half with keepalive (each with both ends): 2,300.
    assert_eq!(peers.ask("open 500 defaults"), "opened");
    assert_eq!(peers.ask("open 500 tuned"), "opened");
    let after = get(&netns, &exporter.url("/metrics"));
    let python = |keepalive: &str| {
        format!("tcp_keepalive_connections{{command=\"python3\",keepalive=\"{keepalive}\"}}")
    };
    let total =
        |text: &str| value(text, &python("on")).unwrap() + value(text, &python("off")).unwrap();
    assert_eq!(total(&before), 300.0, "{before}");
    assert_eq!(total(&after), 2300.0, "{after}");
    assert_eq!(value(&after, &python("on")), Some(1000.0), "{after}");
    assert_eq!(series(&before), series(&after), "before:\n{before}\nafter:\n{after}");
    eprintln!("{} series for 300 and for 2,300 connections", series(&after).len());
}
