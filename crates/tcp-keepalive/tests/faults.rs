#![cfg(target_os = "linux")]
//! The reliability suite's fault cases, on the real kernel (see RELIABILITY.md).
//!
//! A peer goes silent four ways: (a) a BPF drop filter on its socket, (b) an
//! nftables drop-all in its namespace, (c) its link down, (d) its namespace
//! deleted. With keepalive tuned to a 3 s detection bound, the client's blocked
//! read must fail with `TimedOut` within bound + 1.5 s, five times in a row,
//! while a connection without keepalive on the same path stays open. Then a
//! stateful middlebox that forgets idle flows, and random packet loss.
//!
//! Needs root (namespaces, nftables); elsewhere each test prints
//! `SKIPPED <test>: <why>` and returns.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

mod support;

use keepalive_faults::netns::{self, Topology};
use keepalive_faults::{run_here_or_in_user_netns, silence, skip};
use support::read_until;
use tcp_keepalive::{Keepalive, KeepaliveExt};

/// The only timing assertion: detection within the configured bound plus this.
const SLACK: Duration = Duration::from_millis(1500);
const REPETITIONS: usize = 5;

/// Idle 1 s, interval 1 s, 2 retries: a dead peer is noticed within 3 s.
fn fast_keepalive() -> Keepalive {
    Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(2)
}

/// A connected pair; `server` is the accepted socket.
struct Pair {
    client: TcpStream,
    server: TcpStream,
}

fn connect_loopback() -> io::Result<Pair> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok(Pair { client, server })
}

/// A listener in the server's namespace and a client in the client's.
fn listen(topo: &Topology) -> io::Result<TcpListener> {
    let addr = SocketAddr::new(topo.server_addr, 0);
    topo.server.run(move || TcpListener::bind(addr))
}

fn connect(topo: &Topology, listener: &TcpListener) -> io::Result<Pair> {
    let addr = listener.local_addr()?;
    let client = topo.client.run(move || TcpStream::connect(addr))?;
    let (server, from) = listener.accept()?;
    assert_eq!(from.ip(), topo.client_addr, "the client's address inside its namespace");
    Ok(Pair { client, server })
}

/// One round trip, so both sides have just heard from each other.
fn round_trip(pair: &mut Pair) -> io::Result<()> {
    pair.client.write_all(b"ping")?;
    let mut buf = [0; 4];
    pair.server.read_exact(&mut buf)?;
    assert_eq!(&buf, b"ping");
    pair.server.write_all(b"pong")?;
    pair.client.read_exact(&mut buf)?;
    assert_eq!(&buf, b"pong");
    Ok(())
}

/// Applies `config` to the client and checks the kernel took exactly that.
fn tune(client: &TcpStream, config: &Keepalive) -> Duration {
    client.set_keepalive_config(config).unwrap();
    assert!(client.keepalive().unwrap());
    let effective = client.keepalive_config().unwrap();
    assert_eq!(effective.idle(), config.idle(), "idle read back as {effective:?}");
    assert_eq!(effective.interval(), config.interval());
    assert_eq!(effective.retries(), config.retries());
    effective.idle_detection_bound().unwrap()
}

/// The client blocks in `read` after the peer fell silent at `since`; it must
/// fail with `TimedOut` within `bound + SLACK`. Returns the time it took.
fn expect_detection(
    what: &str,
    client: &mut TcpStream,
    since: Instant,
    bound: Duration,
) -> Duration {
    let result = read_until(client, since + bound + SLACK);
    let took = since.elapsed();
    match result {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            panic!("{what}: no detection within {:?} (bound {bound:?} + {SLACK:?})", bound + SLACK)
        }
        other => panic!("{what}: read returned {other:?} after {took:?}, expected TimedOut"),
    }
    assert!(took <= bound + SLACK, "{what}: detected after {took:?}, bound {bound:?} + {SLACK:?}");
    took
}

/// The control connection (no keepalive, same dead path) is still open: no
/// error, no EOF, just nothing to read. Proves that keepalive, not the fault
/// itself, ended the other connection.
fn expect_still_open(what: &str, control: &TcpStream) {
    assert!(!control.keepalive().unwrap());
    control.set_nonblocking(true).unwrap();
    let mut buf = [0; 1];
    match (&*control).read(&mut buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        other => panic!(
            "{what}: the connection without keepalive should still be open, read gave {other:?}"
        ),
    }
}

fn report(case: &str, bound: Duration, times: &[Duration]) {
    let times: Vec<String> = times.iter().map(|t| format!("{:.2}s", t.as_secs_f64())).collect();
    eprintln!(
        "{case}: bound {bound:?}, detected after [{}] (limit {:?})",
        times.join(", "),
        bound + SLACK
    );
}

#[test]
fn silent_peer_bpf_drop_filter() {
    // Without root, this re-runs itself inside `unshare -rn`, where BPF works.
    if !run_here_or_in_user_netns("silent_peer_bpf_drop_filter") {
        return;
    }
    let mut times = Vec::new();
    let mut bound = Duration::ZERO;
    for rep in 1..=REPETITIONS {
        let what = format!("bpf drop filter, repetition {rep}");
        let mut pair = connect_loopback().unwrap();
        let mut control = connect_loopback().unwrap();
        bound = tune(&pair.client, &fast_keepalive());
        round_trip(&mut pair).unwrap();
        round_trip(&mut control).unwrap();
        let since = Instant::now();
        silence(&pair.server).unwrap();
        silence(&control.server).unwrap();
        times.push(expect_detection(&what, &mut pair.client, since, bound));
        expect_still_open(&what, &control.client);
    }
    report("bpf drop filter", bound, &times);
}

/// Builds a direct topology, opens a keepalive connection and a control one,
/// injects `fault` and checks detection; five times, each on fresh namespaces.
/// `fault` returns the client's two sockets and the server sockets it keeps
/// open (until the detection is checked).
type Fault = fn(&mut Topology, Pair, Pair) -> (TcpStream, TcpStream, Vec<TcpStream>);

fn silent_server(test: &str, case: &str, fault: Fault) {
    if let Err(why) = netns::available() {
        return skip(test, &why);
    }
    let mut times = Vec::new();
    let mut bound = Duration::ZERO;
    for rep in 1..=REPETITIONS {
        let what = format!("{case}, repetition {rep}");
        let mut topo = Topology::direct().unwrap();
        let listener = listen(&topo).unwrap();
        let mut pair = connect(&topo, &listener).unwrap();
        let mut control = connect(&topo, &listener).unwrap();
        drop(listener);
        bound = tune(&pair.client, &fast_keepalive());
        round_trip(&mut pair).unwrap();
        round_trip(&mut control).unwrap();
        let since = Instant::now();
        let (mut client, control, _server_sockets) = fault(&mut topo, pair, control);
        times.push(expect_detection(&what, &mut client, since, bound));
        expect_still_open(&what, &control);
    }
    report(case, bound, &times);
}

#[test]
fn silent_peer_nft_drop_all() {
    silent_server(
        "silent_peer_nft_drop_all",
        "nft drop-all at the server",
        |topo, pair, control| {
            topo.server_drop_all().unwrap();
            // The server's sockets stay open, and stay silent.
            (pair.client, control.client, vec![pair.server, control.server])
        },
    );
}

#[test]
fn silent_peer_link_down() {
    silent_server("silent_peer_link_down", "server link down", |topo, pair, control| {
        topo.server_link_down().unwrap();
        (pair.client, control.client, vec![pair.server, control.server])
    });
}

#[test]
fn silent_peer_namespace_deleted() {
    silent_server(
        "silent_peer_namespace_deleted",
        "server namespace deleted",
        |topo, pair, control| {
            let server_name = topo.server.name().to_owned();
            topo.delete_server().unwrap();
            assert!(!netns_exists(&server_name), "{server_name} should be gone from `ip netns`");
            // Closing the server's sockets now reaches nobody: had a FIN or RST got
            // through, the client's read would return Ok(0) or ConnectionReset.
            drop(pair.server);
            drop(control.server);
            (pair.client, control.client, Vec::new())
        },
    );
}

fn netns_exists(name: &str) -> bool {
    std::path::Path::new("/var/run/netns").join(name).exists()
}

/// A deterministic, non-repeating test pattern.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Sends `data` both ways (client → server, then the server echoes it) and
/// checks it arrives byte for byte.
fn transfer_intact(pair: &mut Pair, data: &[u8]) {
    let mut server = pair.server.try_clone().unwrap();
    let len = data.len();
    let echo = thread::spawn(move || {
        let mut got = vec![0; len];
        server.read_exact(&mut got)?;
        server.write_all(&got)?;
        io::Result::Ok(got)
    });
    pair.client.write_all(data).unwrap();
    let mut back = vec![0; len];
    pair.client.read_exact(&mut back).unwrap();
    let got = echo.join().unwrap().unwrap();
    assert!(got == data, "client → server: data corrupted");
    assert!(back == data, "server → client: data corrupted");
}

const CONNTRACK_TIMEOUT: Duration = Duration::from_secs(2);

fn middlebox_pair(test: &str) -> Option<(Topology, Pair)> {
    if let Err(why) = netns::available() {
        skip(test, &why);
        return None;
    }
    let topo = Topology::with_middlebox(CONNTRACK_TIMEOUT).unwrap();
    let listener = listen(&topo).unwrap();
    let mut pair = connect(&topo, &listener).unwrap();
    round_trip(&mut pair).unwrap();
    Some((topo, pair))
}

#[test]
fn middlebox_keepalive_keeps_idle_flow() {
    let Some((_topo, mut pair)) = middlebox_pair("middlebox_keepalive_keeps_idle_flow") else {
        return;
    };
    // Probes every second, well inside the middlebox's 2 s memory.
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(3);
    tune(&pair.client, &config);
    thread::sleep(3 * CONNTRACK_TIMEOUT);
    let data = pattern(256 * 1024, 7);
    transfer_intact(&mut pair, &data);
    eprintln!(
        "middlebox with keepalive: after {:?} idle, {} bytes went both ways intact",
        3 * CONNTRACK_TIMEOUT,
        data.len()
    );
}

#[test]
fn middlebox_forgets_idle_flow_without_keepalive() {
    let Some((_topo, mut pair)) = middlebox_pair("middlebox_forgets_idle_flow_without_keepalive")
    else {
        return;
    };
    assert!(!pair.client.keepalive().unwrap());
    // Without keepalive, only a user timeout ends a write nobody acknowledges.
    socket2::SockRef::from(&pair.client)
        .set_tcp_user_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    thread::sleep(3 * CONNTRACK_TIMEOUT);
    let sent = Instant::now();
    pair.client.write_all(&pattern(1024, 9)).unwrap();
    match read_until(&mut pair.client, sent + Duration::from_secs(30)) {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {
            eprintln!(
                "middlebox without keepalive: the write after {:?} idle was never acknowledged; TimedOut after {:.2}s (user timeout 2 s)",
                3 * CONNTRACK_TIMEOUT,
                sent.elapsed().as_secs_f64()
            );
        }
        other => {
            panic!("the middlebox should have dropped the forgotten flow; read gave {other:?}")
        }
    }
    // Not one byte got through.
    let mut buf = [0; 1];
    pair.server.set_nonblocking(true).unwrap();
    match pair.server.read(&mut buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        other => panic!("the server should have received nothing; read gave {other:?}"),
    }
}

fn loss_dropped(topo: &Topology) -> u64 {
    topo.loss_dropped().unwrap()
}

#[test]
fn lossy_link_does_not_kill_healthy_connection() {
    if let Err(why) = netns::available() {
        return skip("lossy_link_does_not_kill_healthy_connection", &why);
    }
    let topo = Topology::direct().unwrap();
    let listener = listen(&topo).unwrap();
    let mut pair = connect(&topo, &listener).unwrap();
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(8);
    tune(&pair.client, &config);
    pair.server.set_keepalive_config(&config).unwrap();
    round_trip(&mut pair).unwrap();
    topo.set_loss(10).unwrap();
    // 30 s idle: about 30 probes each way, each lost with p = 0.19 (probe or answer).
    thread::sleep(Duration::from_secs(30));
    let mut buf = [0; 1];
    for (side, socket) in [("client", &pair.client), ("server", &pair.server)] {
        socket.set_nonblocking(true).unwrap();
        match (&*socket).read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            other => panic!("{side}: the connection died under 10% loss: {other:?}"),
        }
        socket.set_nonblocking(false).unwrap();
    }
    // Still carries data, intact, through the loss: 100 small round trips.
    pair.client.set_nodelay(true).unwrap();
    pair.server.set_nodelay(true).unwrap();
    for i in 0..100 {
        transfer_intact(&mut pair, &pattern(512, i));
    }
    let dropped = loss_dropped(&topo);
    eprintln!("lossy link: {dropped} packets dropped by the 10% loss rule");
    assert!(dropped > 0, "the loss rule dropped nothing: the test tested nothing");
}
