//! `watch`, `idle-timeout` and `inspect --path-timeout` end to end, through
//! the built binary, across three network namespaces: client, middlebox
//! (nftables forward chain, policy drop, accepting `ct state
//! established,related` and new SYNs, with a short
//! `nf_conntrack_tcp_timeout_established` and `nf_conntrack_tcp_loose=0`) and
//! server. Needs root; skipped with the reason otherwise. The namespaces are
//! deleted by `Topology`'s drop, also when a test fails. What a path drops is
//! checked by sending through it: a byte that comes back from the echo server.
#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keepalive_faults::netns::{self, Topology};
use serde_json::Value;
use tcp_keepalive::{Keepalive, KeepaliveExt};

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

/// An echo server in the server's namespace: every accepted connection gets
/// back what it sends.
fn echo_server(topology: &Topology) -> SocketAddr {
    let (listener, addr) = server(topology);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut read = stream.try_clone().unwrap();
                let _ = std::io::copy(&mut read, &mut stream);
            });
        }
    });
    addr
}

/// A connection from the client's namespace with `config` applied (keepalive
/// off when `None`).
fn client(topology: &Topology, addr: SocketAddr, config: Option<Keepalive>) -> TcpStream {
    let stream = topology.client.run(move || TcpStream::connect(addr)).expect("connecting");
    match config {
        Some(config) => stream.set_keepalive_config(&config).unwrap(),
        None => stream.set_keepalive(false).unwrap(),
    }
    stream
}

/// Whether the connection still reaches the server: a byte sent comes back.
fn echoes(stream: &mut TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut byte = [0];
    stream.write_all(b"x").is_ok() && stream.read_exact(&mut byte).is_ok()
}

/// `inspect --path-timeout` in the client's namespace, for this process's
/// connections: the `connection` events by local address, and the exit code.
fn inspect(topology: &Topology, path: &str) -> (HashMap<String, Value>, Option<i32>) {
    let pid = std::process::id().to_string();
    let out = topology
        .client
        .command(BIN)
        .args(["inspect", "--pid", &pid, "--path-timeout", path, "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut connections = HashMap::new();
    for line in stdout.lines() {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if event["event"] == "connection" {
            connections.insert(event["local"].as_str().unwrap().to_string(), event);
        }
    }
    (connections, out.status.code())
}

#[test]
fn inspect_predicts_which_connections_the_path_drops() {
    let test = "inspect_predicts_which_connections_the_path_drops";
    let timeout = Duration::from_secs(5);
    let Some(topology) = topology(test, timeout) else {
        return;
    };
    let addr = echo_server(&topology);
    let planned = Keepalive::for_path(timeout, Duration::from_secs(20)).unwrap();
    let late = Keepalive::new()
        .with_idle(timeout * 3)
        .with_interval(Duration::from_secs(1))
        .with_retries(3);
    let mut cases = [
        ("for_path", client(&topology, addr, Some(planned))),
        ("for_path (2)", client(&topology, addr, Some(planned))),
        ("keepalive off", client(&topology, addr, None)),
        ("idle above the timeout", client(&topology, addr, Some(late))),
    ];
    let idle_since = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let (seen, code) = inspect(&topology, "5s");
    let predicted: Vec<(&str, bool)> = cases
        .iter()
        .map(|(name, stream)| {
            let local = stream.local_addr().unwrap().to_string();
            let event = seen.get(&local).unwrap_or_else(|| panic!("{name}: {local} not listed"));
            let survives = event["survives_path"].as_bool();
            (*name, survives.unwrap_or_else(|| panic!("{name}: {event}")))
        })
        .collect();
    assert_eq!(code, Some(10), "a connection would be dropped: exit code 10");
    // The text marks the same connections.
    let pid = std::process::id().to_string();
    let args = ["inspect", "--pid", &pid, "--path-timeout", "5s"];
    let text = topology.client.command(BIN).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for ((name, stream), (_, survives)) in cases.iter().zip(&predicted) {
        let local = format!(" {} -> ", stream.local_addr().unwrap());
        let line = text.lines().find(|l| l.contains(&local)).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(line.contains("DROPPED by the path"), !survives, "{name}: {line}");
    }
    assert!(text.contains("; 2 dropped by a path forgetting flows idle 5s"), "{text}");
    // Idle for twice the path's timeout, then each sends and waits for the echo.
    std::thread::sleep((timeout * 2).saturating_sub(idle_since.elapsed()));
    let happened: Vec<(&str, bool)> =
        cases.iter_mut().map(|(name, stream)| (*name, echoes(stream))).collect();
    assert_eq!(predicted, happened, "inspect's prediction against what happened");
    assert_eq!(
        happened,
        [
            ("for_path", true),
            ("for_path (2)", true),
            ("keepalive off", false),
            ("idle above the timeout", false)
        ]
    );
    eprintln!("inspect --path-timeout 5s predicted {predicted:?}; after 10 s idle: {happened:?}");
}

#[test]
fn idle_timeout_plan_survives_the_middlebox_it_was_measured_on() {
    let test = "idle_timeout_plan_survives_the_middlebox_it_was_measured_on";
    let timeout = Duration::from_secs(6);
    let Some(topology) = topology(test, timeout) else {
        return;
    };
    let addr = echo_server(&topology);
    let out = topology
        .client
        .command(BIN)
        .args(["idle-timeout", &addr.to_string(), "--max", "20s", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let plan = &result["plan"];
    let lower_end = result["answered_s"].as_f64().unwrap();
    let idle = plan["idle_s"].as_f64().unwrap_or_else(|| panic!("no plan: {result}"));
    assert!(idle < lower_end && plan["path_timeout_s"].as_f64() <= Some(lower_end), "{result}");
    assert!(plan["watch"].as_str().unwrap().contains(&addr.to_string()), "{plan}");
    let config = Keepalive::new()
        .with_idle(Duration::from_secs_f64(idle))
        .with_interval(Duration::from_secs_f64(plan["interval_s"].as_f64().unwrap()))
        .with_retries(plan["retries"].as_u64().unwrap() as u32);
    let mut unplanned = client(&topology, addr, None);
    let mut planned = client(&topology, addr, Some(config));
    std::thread::sleep(timeout * 3);
    assert!(echoes(&mut planned), "the planned connection {config:?} was forgotten: {plan}");
    assert!(!echoes(&mut unplanned), "the middlebox kept an idle connection without keepalive");
    eprintln!("idle-timeout's plan {config:?} kept a connection through {timeout:?} for 18 s");
}
