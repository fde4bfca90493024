//! `watch` and `idle-timeout` end to end, through the built binary, across
//! three network namespaces: client, middlebox (nftables forward chain,
//! policy drop, accepting `ct state established,related` and new SYNs, with a
//! short `nf_conntrack_tcp_timeout_established` and `nf_conntrack_tcp_loose=0`)
//! and server. Needs root; skipped with the reason otherwise. The namespaces
//! are deleted by `Topology`'s drop, also when a test fails.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keepalive_faults::netns::{self, Topology};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_tcp-keepalive");

/// The topology, or `None` after printing why it cannot be built here.
fn topology(test: &str, conntrack_timeout: Duration) -> Option<Topology> {
    if let Err(why) = netns::available() {
        keepalive_faults::skip(test, &why);
        return None;
    }
    Some(Topology::with_middlebox(conntrack_timeout).expect("building the namespaces"))
}

/// A listener in the server's namespace. Connections complete in its accept
/// queue; nobody needs to accept them, since nothing is ever sent.
fn server(topology: &Topology) -> (TcpListener, SocketAddr) {
    let addr = SocketAddr::new(topology.server_addr, 0);
    let listener = topology
        .server
        .run(move || TcpListener::bind(addr))
        .expect("listening in the server namespace");
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Kills the child if the test fails before it ends.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the binary in the client namespace; its JSON events arrive on the channel.
fn spawn(topology: &Topology, args: &[&str]) -> (Reap, mpsc::Receiver<Value>) {
    let mut child = topology
        .client
        .command(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("running tcp-keepalive in the client namespace");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            eprintln!("  {line}");
            let event = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    (Reap(child), rx)
}

fn next(rx: &mpsc::Receiver<Value>, within: Duration) -> Value {
    rx.recv_timeout(within).unwrap_or_else(|e| panic!("no event within {within:?}: {e}"))
}

#[test]
fn watch_reports_a_dead_peer_within_the_bound() {
    let test = "watch_reports_a_dead_peer_within_the_bound";
    let Some(topology) = topology(test, Duration::from_secs(60)) else {
        return;
    };
    let (_listener, addr) = server(&topology);
    let target = addr.to_string();
    let (mut child, events) = spawn(
        &topology,
        &["watch", &target, "--idle", "1s", "--interval", "1s", "--retries", "2", "--json"],
    );
    let connected = next(&events, Duration::from_secs(10));
    assert_eq!(connected["event"], "connected", "{connected}");
    let bound = connected["bound_s"].as_f64().unwrap();
    assert_eq!(bound, 3.0);
    // Through the middlebox the peer answers probes: the connection is alive.
    loop {
        let event = next(&events, Duration::from_secs(5));
        assert_ne!(event["event"], "dead", "{event}");
        if event["event"] == "alive" {
            break;
        }
    }
    topology.server_drop_all().expect("server drops everything");
    let dropped = Instant::now();
    let dead = loop {
        let event = next(&events, Duration::from_secs_f64(bound + 5.0));
        match event["event"].as_str() {
            Some("dead") => break event,
            Some("probe") | Some("alive") => {}
            _ => panic!("unexpected event {event}"),
        }
    };
    let detection = dropped.elapsed().as_secs_f64();
    assert!(detection <= bound + 1.5, "dead after {detection}s, bound {bound}s");
    assert!(dead["error"].as_str().unwrap().contains("timed out"), "{dead}");
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(3), "watch must exit 3 for a dead peer");
    eprintln!(
        "watch: peer declared dead {detection:.2}s after the server went silent (bound {bound}s)"
    );
}

#[test]
fn idle_timeout_finds_the_middlebox_conntrack_timeout() {
    let test = "idle_timeout_finds_the_middlebox_conntrack_timeout";
    // 13 s lies between two ages of the coarse grid (12, 15): the refinement runs too.
    let timeout = 13.0;
    let Some(topology) = topology(test, Duration::from_secs_f64(timeout)) else {
        return;
    };
    let (_listener, addr) = server(&topology);
    let target = addr.to_string();
    let start = Instant::now();
    let out = topology
        .client
        .command(BIN)
        .args(["idle-timeout", &target, "--max", "60s", "--json"])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(result["event"], "result", "{result}");
    assert_eq!(result["found"], true);
    let found = result["idle_timeout_s"].as_f64().unwrap();
    assert!(
        (found - timeout).abs() <= 1.0,
        "found {found}s for a conntrack timeout of {timeout}s: {stdout}"
    );
    let recommended = result["recommended_idle_s"].as_f64().unwrap();
    assert!(recommended < timeout, "{result}");
    assert!(result["connections"].as_u64().unwrap() <= 64, "{result}");
    assert_eq!(result["closed_by_peer"], false, "{result}");
    eprintln!(
        "idle-timeout: {found}s ± {} for {timeout}s, in {elapsed:.1?} ({:.2} × the timeout), {} connections, {} probes",
        result["plus_minus_s"],
        elapsed.as_secs_f64() / timeout,
        result["connections"],
        result["probes"],
    );
}
