#![cfg(target_os = "linux")]
//! The write-after-idle case on the real kernel (issue 20, item 3): the peer
//! goes silent while the connection is idle, and the program writes while
//! keepalive is already probing. Data in flight stands Linux's keepalive down
//! (`tcp_keepalive_timer` reschedules while `packets_out`), so the user
//! timeout counts from the write, and without one the retransmission limit
//! decides. `detection_bound()` must cover the first case and say `None` for
//! the second; `idle_detection_bound()` is the idle-only figure.
//!
//! Needs BPF (root, or a user namespace) and, for the second test, network
//! namespaces (root); elsewhere each prints `SKIPPED <test>: <why>`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

mod support;

use keepalive_faults::netns::{self, Topology};
use keepalive_faults::{run_here_or_in_user_netns, silence, skip};
use support::read_until;
use tcp_keepalive::{Keepalive, KeepaliveExt};

/// Detection within the bound plus this, as in the fault suite.
const SLACK: Duration = Duration::from_millis(1500);

/// Probes at 2 s and 3 s after the last sign of life.
fn probing() -> Keepalive {
    Keepalive::new()
        .with_idle(Duration::from_secs(2))
        .with_interval(Duration::from_secs(1))
        .with_retries(2)
}

/// When the program writes, counted from the peer's last sign of life:
/// keepalive is probing by then.
const WRITE_AT: Duration = Duration::from_secs(3);

fn round_trip(client: &mut TcpStream, server: &mut TcpStream) {
    let mut buf = [0; 4];
    client.write_all(b"ping").unwrap();
    server.read_exact(&mut buf).unwrap();
    server.write_all(b"pong").unwrap();
    client.read_exact(&mut buf).unwrap();
}

/// Silences the peer, waits until keepalive probes, writes, and returns how
/// long after the silence the client's read failed, and with what.
fn write_while_probing(
    client: &mut TcpStream,
    server: &TcpStream,
    deadline: Duration,
) -> (Duration, io::Result<usize>) {
    let since = Instant::now();
    silence(server).unwrap();
    thread::sleep(WRITE_AT);
    client.write_all(b"a request the peer never acknowledges").unwrap();
    let result = read_until(client, since + deadline);
    (since.elapsed(), result)
}

#[test]
fn with_a_user_timeout_a_write_during_probing_is_dropped_within_detection_bound() {
    if !run_here_or_in_user_netns(
        "with_a_user_timeout_a_write_during_probing_is_dropped_within_detection_bound",
    ) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    let config = probing().with_user_timeout(Duration::from_secs(4));
    client.set_keepalive_config(&config).unwrap();
    let effective = client.keepalive_config().unwrap();
    let bound = effective.detection_bound().expect("a user timeout bounds writes");
    let idle_bound = effective.idle_detection_bound().unwrap();
    round_trip(&mut client, &mut server);

    let (took, result) = write_while_probing(&mut client, &server, bound + SLACK);
    eprintln!(
        "write at {WRITE_AT:?}: dropped after {took:?}; idle bound {idle_bound:?}, bound {bound:?}"
    );
    match result {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
        other => panic!(
            "read gave {other:?} after {took:?}, expected TimedOut within {bound:?} + {SLACK:?}"
        ),
    }
    assert!(took <= bound + SLACK, "dropped after {took:?}, bound {bound:?} + {SLACK:?}");
    // The user timeout counted from the write, not from the silence: the
    // idle-only figure does not hold here.
    assert!(took >= WRITE_AT + Duration::from_secs(4) - Duration::from_millis(100), "{took:?}");
}

#[test]
fn without_a_user_timeout_a_write_during_probing_outlives_the_idle_bound() {
    let test = "without_a_user_timeout_a_write_during_probing_outlives_the_idle_bound";
    if let Err(why) = netns::available() {
        return skip(test, &why);
    }
    let topo = Topology::direct().unwrap();
    // A short retransmission limit, in the client's namespace only: 4
    // retries is about 6.2 s of backed-off retransmissions
    // (net/ipv4/tcp_timer.c, `tcp_model_timeout`).
    topo.client.sysctl("net.ipv4.tcp_retries2", "4").unwrap();
    let addr = SocketAddr::new(topo.server_addr, 0);
    let listener = topo.server.run(move || TcpListener::bind(addr)).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = topo.client.run(move || TcpStream::connect(addr)).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    client.set_keepalive_config(&probing()).unwrap();
    let effective = client.keepalive_config().unwrap();
    assert_eq!(effective.detection_bound(), None, "nothing in the config bounds a write");
    let idle_bound = effective.idle_detection_bound().unwrap();
    round_trip(&mut client, &mut server);

    let limit = WRITE_AT + Duration::from_millis(6200);
    // The retransmission timer checks the limit when it fires: up to one
    // more backed-off timeout (6.4 s) late.
    let deadline = limit + Duration::from_millis(6400) + SLACK;
    let since = Instant::now();
    silence(&server).unwrap();
    thread::sleep(WRITE_AT);
    client.write_all(b"a request the peer never acknowledges").unwrap();
    // Past the idle bound the connection is still open: keepalive stood down.
    thread::sleep((since + idle_bound + SLACK).saturating_duration_since(Instant::now()));
    client.set_nonblocking(true).unwrap();
    let still_open = client.read(&mut [0; 1]);
    assert!(
        matches!(&still_open, Err(e) if e.kind() == io::ErrorKind::WouldBlock),
        "at {:?}, past the idle bound {idle_bound:?}, read gave {still_open:?}",
        since.elapsed()
    );
    client.set_nonblocking(false).unwrap();
    let result = read_until(&mut client, since + deadline);
    let took = since.elapsed();
    eprintln!(
        "no user timeout, write at {WRITE_AT:?}: dropped after {took:?}; idle bound {idle_bound:?}"
    );
    match result {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
        other => panic!("read gave {other:?} after {took:?}, expected TimedOut by {deadline:?}"),
    }
}
