#![cfg(target_os = "linux")]
//! Load (see RELIABILITY.md): 8 threads configure and read back 10,000 sockets
//! in total, concurrently. Every read-back must match what that very socket
//! was given, and no file descriptor may leak.
//!
//! One test only: it counts the process's open fds, so nothing else may run
//! in this binary at the same time.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};
use tcp_keepalive::{Keepalive, KeepaliveExt, SocketRef};

const THREADS: usize = 8;
const SOCKETS: usize = 10_000;
/// Each thread holds this many sockets open at once: all of them are
/// configured before any is read back, so settings of different sockets (and
/// threads) interleave. Small enough for a 1024-fd limit.
const WINDOW: usize = 64;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A distinct configuration for socket `i`, with sub-unit parts so rounding is
/// exercised; and what the kernel must report after it.
fn config_for(i: usize) -> (Keepalive, Keepalive) {
    let i = i as u64;
    let idle_s = 1 + (i * 7) % 32_766;
    let interval_s = 1 + (i * 13) % 32_766;
    let retries = 1 + (i % 127) as u32;
    let user_ms = 1 + i * 37;
    let given = Keepalive::new()
        .with_idle(Duration::from_secs(idle_s) - Duration::from_nanos(1 + i % 999))
        .with_interval(Duration::from_secs(interval_s))
        .with_retries(retries)
        .with_user_timeout(Duration::from_millis(user_ms) - Duration::from_nanos(1 + i % 999));
    let expected = Keepalive::new()
        .with_idle(Duration::from_secs(idle_s))
        .with_interval(Duration::from_secs(interval_s))
        .with_retries(retries)
        .with_user_timeout(Duration::from_millis(user_ms));
    (given, expected)
}

/// Socket `i` is, in turn: an unconnected IPv4 socket, an unconnected IPv6
/// socket, a listener, and a connected stream (with its accepted peer kept
/// open beside it).
enum Sock {
    Raw(Socket),
    Listener(TcpListener),
    Stream(TcpStream, TcpStream),
}

impl Sock {
    fn new(i: usize, listener: &TcpListener, addr: SocketAddr) -> Sock {
        match i % 4 {
            0 => Sock::Raw(Socket::new(Domain::IPV4, Type::STREAM, None).unwrap()),
            1 => Sock::Raw(Socket::new(Domain::IPV6, Type::STREAM, None).unwrap()),
            2 => Sock::Listener(TcpListener::bind("127.0.0.1:0").unwrap()),
            _ => {
                let client = TcpStream::connect(addr).unwrap();
                let (server, _) = listener.accept().unwrap();
                Sock::Stream(client, server)
            }
        }
    }

    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Sock::Raw(s) => s.as_fd(),
            Sock::Listener(l) => l.as_fd(),
            Sock::Stream(c, _) => c.as_fd(),
        }
    }
}

fn worker(thread: usize, start: &Barrier) -> usize {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mine: Vec<usize> = (thread..SOCKETS).step_by(THREADS).collect();
    start.wait();
    let mut checked = 0;
    for window in mine.chunks(WINDOW) {
        let socks: Vec<Sock> = window.iter().map(|&i| Sock::new(i, &listener, addr)).collect();
        for (&i, sock) in window.iter().zip(&socks) {
            let (given, _) = config_for(i);
            match sock {
                // Each owner type through its own impl where there is one.
                Sock::Listener(l) => l.set_keepalive_config(&given),
                Sock::Stream(c, _) => c.set_keepalive_config(&given),
                Sock::Raw(_) => SocketRef::from(&sock.fd()).set_keepalive_config(&given),
            }
            .unwrap_or_else(|e| panic!("socket {i}: {e}"));
        }
        for (&i, sock) in window.iter().zip(&socks) {
            let (_, expected) = config_for(i);
            let fd = sock.fd();
            let socket = SocketRef::from(&fd);
            assert!(socket.keepalive().unwrap(), "socket {i}: keepalive off");
            let got = socket.keepalive_config().unwrap();
            assert_eq!(got, expected, "socket {i} reads back another socket's values?");
            if let Sock::Stream(_, peer) = sock {
                // Its peer, and this thread's listener, were never configured.
                assert!(!peer.keepalive().unwrap(), "socket {i}: the peer got keepalive");
            }
            checked += 1;
        }
    }
    assert!(!listener.keepalive().unwrap());
    checked
}

#[test]
fn eight_threads_configure_ten_thousand_sockets() {
    let before = open_fds();
    let started = Instant::now();
    let start = Barrier::new(THREADS);
    let checked: usize = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let start = &start;
                s.spawn(move || worker(t, start))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let after = open_fds();
    eprintln!(
        "load: {checked} sockets configured and read back by {THREADS} threads in {:?}; fds {before} -> {after}",
        started.elapsed()
    );
    assert_eq!(checked, SOCKETS);
    assert_eq!(after, before, "file descriptors leaked");
}
