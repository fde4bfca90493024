//! What the `exporter` tests share: the exporter running in a test's network
//! namespace, HTTP from inside that namespace (ureq), and reading the
//! exposition text.
#![allow(dead_code)] // each test file uses a different part

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use keepalive_faults::netns::Netns;
use serde_json::Value;

use super::inspect::BIN;

/// `tcp-keepalive exporter --json` on a free loopback port of `netns`; killed on drop.
pub struct Exporter {
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Exporter {
    pub fn start(netns: &Netns, args: &[&str]) -> Exporter {
        let mut child = netns
            .command(BIN)
            .args(["exporter", "--json", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("running tcp-keepalive exporter");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let listening = next_event(&mut stdout);
        assert_eq!(listening["event"], "listening", "{listening}");
        let address = listening["address"].as_str().unwrap().to_string();
        Exporter { child, stdout, address }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The next JSON event it printed.
    pub fn next_event(&mut self) -> Value {
        next_event(&mut self.stdout)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends `signal` (e.g. "TERM") and waits up to `within` for it to end.
    /// The child is `ip netns exec`, which has exec'd the exporter itself.
    pub fn signal_and_wait(&mut self, signal: &str, within: Duration) -> Option<ExitStatus> {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill").args(["-s", signal, &pid]).status().unwrap();
        let start = Instant::now();
        while start.elapsed() < within {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn next_event(stdout: &mut BufReader<ChildStdout>) -> Value {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
}

/// One HTTP request from inside `netns`: (status, body). `headers` are
/// (name, value) pairs.
pub fn http(netns: &Netns, method: &str, url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (method, url) = (method.to_string(), url.to_string());
    let headers: Vec<(String, String)> =
        headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    netns.run(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let request = ureq::http::Request::builder().method(method.as_str()).uri(&url);
        let request = headers.iter().fold(request, |r, (k, v)| r.header(k, v));
        let mut response =
            agent.run(request.body(()).unwrap()).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap_or_default())
    })
}

/// GET `url` from inside `netns`, expecting 200: the body.
pub fn get(netns: &Netns, url: &str) -> String {
    let (status, body) = http(netns, "GET", url, &[]);
    assert_eq!(status, 200, "GET {url}: {body}");
    body
}

/// The series in an exposition text: each sample line without its value.
pub fn series(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.rsplit_once(' ').map_or(line, |(series, _)| series).to_string())
        .collect()
}

/// The value of `series` (as written, labels included) in `text`.
pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().unwrap())
    })
}

/// The sum of every `metric` series whose labels include all of `labels`
/// (name, value); `None` when there is none.
pub fn sum(text: &str, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let prefix = format!("{metric}{{");
    let matching: Vec<f64> = text
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(&prefix)?;
            let (set, value) = rest.rsplit_once("} ")?;
            let set: Vec<&str> = set.split(',').collect();
            labels
                .iter()
                .all(|(k, v)| set.contains(&format!("{k}=\"{v}\"").as_str()))
                .then(|| value.parse().unwrap())
        })
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}
