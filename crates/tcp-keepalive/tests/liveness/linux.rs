//! `liveness()` on the real Linux kernel: a peer silenced with BPF is found
//! `Dead(TimedOut)` by checking alone, within the detection bound + 1.5 s;
//! a read after that returns at once; the check takes the error (as the
//! platforms page says); and a healthy check is exactly one system call.

use std::io::{self, Read};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use keepalive_faults::{run_here_or_in_user_netns, silence};
use tcp_keepalive::{Keepalive, KeepaliveExt, Liveness};

use super::support::connected_pair;
use super::support::strace::{self, marker};

/// Slack past the configured bound (timer granularity, scheduling): the 1.5 s.
const SLACK: Duration = Duration::from_millis(1500);
const CHECK_EVERY: Duration = Duration::from_millis(20);

/// Checks `stream` every `CHECK_EVERY` (never reading) until it is not `Open`
/// or `deadline` has passed; returns the answer and when it came.
fn check_until_not_open(stream: &TcpStream, deadline: Duration) -> (Liveness, Duration) {
    let start = Instant::now();
    loop {
        let now = stream.liveness().unwrap();
        if now != Liveness::Open || start.elapsed() > deadline {
            return (now, start.elapsed());
        }
        thread::sleep(CHECK_EVERY);
    }
}

#[test]
fn a_silenced_peer_is_dead_timed_out_by_checking_alone() {
    if !run_here_or_in_user_netns("linux::a_silenced_peer_is_dead_timed_out_by_checking_alone") {
        return;
    }
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(2);
    let bound = config.idle_detection_bound().unwrap();
    let (_listener, client, server) = connected_pair();
    // Control: the same silenced peer, no keepalive. It must still look open.
    let (_control_listener, control, control_server) = connected_pair();
    client.set_keepalive_config(&config).unwrap();
    silence(&server).unwrap();
    silence(&control_server).unwrap();

    let (answer, elapsed) = check_until_not_open(&client, bound + SLACK);
    assert_eq!(answer, Liveness::Dead(io::ErrorKind::TimedOut), "after {elapsed:?}");
    assert!(elapsed <= bound + SLACK, "found after {elapsed:?}, bound {bound:?} + 1.5 s");
    assert!(elapsed >= bound - Duration::from_millis(500), "found too early: {elapsed:?}");
    assert_eq!(control.liveness().unwrap(), Liveness::Open, "no keepalive: nothing noticed");

    // Linux took the error with the check: later checks see the closed stream.
    assert_eq!(client.liveness().unwrap(), Liveness::PeerClosed);
    // A read now returns at once, with no data (the error was taken: 0).
    client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let start = Instant::now();
    let read = (&client).read(&mut [0u8; 16]);
    assert!(start.elapsed() < Duration::from_secs(1), "the read waited {:?}", start.elapsed());
    assert_eq!(read.unwrap(), 0, "a read after Dead returned data");
    drop((server, control_server));
}

#[test]
fn unread_data_on_a_dead_connection_is_still_open_until_read() {
    if !run_here_or_in_user_netns(
        "linux::unread_data_on_a_dead_connection_is_still_open_until_read",
    ) {
        return;
    }
    // Keepalive probes an idle connection whatever waits in its receive queue:
    // the kernel ends it, and the data is still there to read. The check must
    // not say Dead while a read would still return data.
    let config = Keepalive::new()
        .with_idle(Duration::from_secs(1))
        .with_interval(Duration::from_secs(1))
        .with_retries(1);
    let bound = config.idle_detection_bound().unwrap();
    let (_listener, mut client, server) = connected_pair();
    client.set_keepalive_config(&config).unwrap();
    (&server).write_all_then_silence();
    client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(client.peek(&mut [0u8; 1]).unwrap(), 1);

    thread::sleep(bound + SLACK);
    assert_eq!(client.liveness().unwrap(), Liveness::Open, "data is waiting");
    let mut buf = [0u8; 4];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"data");
    // Now nothing waits: the kernel's verdict shows.
    assert_eq!(client.liveness().unwrap(), Liveness::Dead(io::ErrorKind::TimedOut));
    drop(server);
}

trait WriteThenSilence {
    fn write_all_then_silence(self);
}

impl WriteThenSilence for &TcpStream {
    fn write_all_then_silence(self) {
        use std::io::Write;
        let mut stream = self;
        stream.write_all(b"data").unwrap();
        silence(self).unwrap();
    }
}

#[test]
#[ignore = "run by a_healthy_check_is_one_poll, under strace"]
fn liveness_trace_child() {
    strace::assert_traced();
    let (_listener, client, _server) = connected_pair();
    assert_eq!(client.liveness().unwrap(), Liveness::Open); // once, outside the traced region
    marker(9101);
    let answer = client.liveness();
    marker(9102);
    assert_eq!(answer.unwrap(), Liveness::Open);
}

#[test]
fn a_healthy_check_is_one_poll() {
    let Some(trace) =
        strace::run("linux::a_healthy_check_is_one_poll", "linux::liveness_trace_child")
    else {
        return;
    };
    let calls = trace.between(9101, 9102);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(calls[0].starts_with("poll(["), "{calls:#?}");
    assert!(calls[0].contains("POLLIN|POLLRDHUP"), "{calls:#?}");
    assert!(calls[0].ends_with(", 1, 0)"), "a zero timeout: {calls:#?}");
}
