//! Dead-peer detection end to end on loopback, against the real kernel. The peer
//! "loses power": a BPF filter makes its kernel drop everything for its socket.
//! Needs CAP_NET_ADMIN; without it each test re-runs itself inside `unshare -rn`,
//! and skips with a printed reason if that is impossible too.
#![cfg(target_os = "linux")]

mod support;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use keepalive_faults::{run_here_or_in_user_netns, silence};
use support::connected_pair;
use tcp_keepalive::{AcceptKeepalive, Keepalive, KeepaliveExt};

const S: fn(u64) -> Duration = Duration::from_secs;
/// Slack allowed past the configured bound (timer granularity, scheduling).
const SLACK: Duration = Duration::from_millis(1500);
/// How long past the bound the control connection must still be blocked.
const CONTROL_MARGIN: Duration = Duration::from_secs(3);

/// Blocks in `read` until it fails; returns the error kind and how long it took.
fn read_until_error(mut stream: TcpStream) -> (io::ErrorKind, Duration) {
    let start = Instant::now();
    let timeout = stream.read_timeout().unwrap();
    let mut buf = [0u8; 16];
    loop {
        match stream.read(&mut buf) {
            Ok(n) => panic!("read returned {n} bytes from a silent peer"),
            // A signal is no answer from the peer: read again, keeping the original deadline.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                if let Some(timeout) = timeout {
                    let left = timeout.saturating_sub(start.elapsed());
                    if left.is_zero() {
                        return (io::ErrorKind::WouldBlock, start.elapsed());
                    }
                    stream.set_read_timeout(Some(left)).unwrap();
                }
            }
            Err(e) => return (e.kind(), start.elapsed()),
        }
    }
}

/// A connection whose server side is silenced after `configure` ran on the client.
/// The server side, kept open (and silent) for as long as the test holds it.
type Peer = (std::net::TcpListener, TcpStream);

fn silenced_connection(configure: impl FnOnce(&TcpStream)) -> (TcpStream, Peer) {
    let (listener, client, server) = connected_pair();
    configure(&client);
    silence(&server).unwrap();
    (client, (listener, server))
}

/// Asserts that a connection without keepalive to a silent peer is still blocked
/// `CONTROL_MARGIN` after `bound`: the read times out (our SO_RCVTIMEO), the
/// connection itself is fine.
fn assert_control_still_hangs(bound: Duration) -> thread::JoinHandle<()> {
    let (client, guard) = silenced_connection(|_| {});
    thread::spawn(move || {
        let _guard = guard;
        client.set_read_timeout(Some(bound + CONTROL_MARGIN)).unwrap();
        let (kind, _) = read_until_error(client);
        assert_eq!(kind, io::ErrorKind::WouldBlock, "the control connection died on its own");
    })
}

#[test]
fn keepalive_finds_a_silent_peer_within_the_bound() {
    if !run_here_or_in_user_netns("keepalive_finds_a_silent_peer_within_the_bound") {
        return;
    }
    let config = Keepalive::new().with_idle(S(1)).with_interval(S(1)).with_retries(2);
    let bound = config.idle_detection_bound().unwrap();
    assert_eq!(bound, S(3));

    let control = assert_control_still_hangs(bound);
    let (client, _guard) = silenced_connection(|c| c.set_keepalive_config(&config).unwrap());
    let (kind, elapsed) = read_until_error(client);
    assert_eq!(kind, io::ErrorKind::TimedOut);
    assert!(elapsed <= bound + SLACK, "detected after {elapsed:?}, bound {bound:?}");
    // Not before the last probe had its chance either.
    assert!(elapsed >= bound - Duration::from_millis(500), "detected too early: {elapsed:?}");
    control.join().unwrap();
}

#[test]
fn the_user_timeout_replaces_the_probe_count_on_an_idle_connection() {
    if !run_here_or_in_user_netns("the_user_timeout_replaces_the_probe_count_on_an_idle_connection")
    {
        return;
    }
    // 100 retries would take 101 s; the user timeout ends it at the first probe tick ≥ 3 s.
    let config = Keepalive::new()
        .with_idle(S(1))
        .with_interval(S(1))
        .with_retries(100)
        .with_user_timeout(S(3));
    let bound = config.idle_detection_bound().unwrap();
    assert_eq!(bound, S(3));
    let (client, _guard) = silenced_connection(|c| c.set_keepalive_config(&config).unwrap());
    let (kind, elapsed) = read_until_error(client);
    assert_eq!(kind, io::ErrorKind::TimedOut);
    assert!(elapsed <= bound + SLACK, "detected after {elapsed:?}, bound {bound:?}");
}

#[test]
fn the_user_timeout_ends_a_connection_with_unacknowledged_data() {
    if !run_here_or_in_user_netns("the_user_timeout_ends_a_connection_with_unacknowledged_data") {
        return;
    }
    // Keepalive never probes while data is in flight; only the user timeout bounds this case.
    let user_timeout = S(2);
    let config = Keepalive::new().with_idle(S(1)).with_interval(S(1)).with_retries(2);
    let send_unacked = |client: &TcpStream| {
        (&*client).write_all(&[0x55; 1024]).unwrap();
    };

    // Control: the same keepalive, no user timeout: retransmissions go on for minutes.
    let (control, control_guard) =
        silenced_connection(|c| c.set_keepalive_config(&config).unwrap());
    send_unacked(&control);
    let control = thread::spawn(move || {
        let _guard = control_guard;
        control.set_read_timeout(Some(user_timeout + CONTROL_MARGIN)).unwrap();
        let (kind, _) = read_until_error(control);
        assert_eq!(kind, io::ErrorKind::WouldBlock, "without a user timeout it should still hang");
    });

    let (client, _guard) = silenced_connection(|c| {
        c.set_keepalive_config(&config.with_user_timeout(user_timeout)).unwrap()
    });
    let start = Instant::now();
    send_unacked(&client);
    let (kind, _) = read_until_error(client);
    let elapsed = start.elapsed();
    assert_eq!(kind, io::ErrorKind::TimedOut);
    assert!(elapsed <= user_timeout + SLACK, "aborted after {elapsed:?}");
    control.join().unwrap();
}

#[test]
fn a_server_finds_dead_clients_through_accept_keepalive() {
    if !run_here_or_in_user_netns("a_server_finds_dead_clients_through_accept_keepalive") {
        return;
    }
    // The server side prunes a client that vanished, configured by AcceptKeepalive.
    let config = Keepalive::new().with_idle(S(1)).with_interval(S(1)).with_retries(2);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let keepalive = AcceptKeepalive::new(&listener, &config).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    keepalive.apply(&accepted).unwrap();
    silence(&client).unwrap();
    let (kind, elapsed) = read_until_error(accepted);
    assert_eq!(kind, io::ErrorKind::TimedOut);
    assert!(elapsed <= config.idle_detection_bound().unwrap() + SLACK, "after {elapsed:?}");
}
