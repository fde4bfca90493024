//! `AcceptKeepalive` on the real Linux kernel, where accepted sockets inherit
//! the listener's values: the config reaches every accepted connection, those
//! already queued when `new` ran included, and once that queue is drained
//! `apply` makes no system call at all (counted with strace).
#![cfg(target_os = "linux")]

mod support;

use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use support::strace::{self, marker};
use support::{assert_has_config, full_config};
use tcp_keepalive::{AcceptKeepalive, Keepalive, KeepaliveExt, SocketRef};

const CONNECTIONS: usize = 1000;

#[test]
#[ignore = "run by accepting_costs_no_setsockopt, under strace"]
fn accept_trace_child() {
    strace::assert_traced();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let keepalive = AcceptKeepalive::new(&listener, &full_config()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut accepted = Vec::with_capacity(CONNECTIONS);
    marker(8001);
    for _ in 0..CONNECTIONS {
        let client = TcpStream::connect(addr).unwrap();
        let (stream, _) = listener.accept().unwrap();
        keepalive.apply(&stream).unwrap();
        accepted.push((client, stream));
    }
    marker(8002);
    for (_, stream) in &accepted {
        assert_eq!(stream.keepalive_config().unwrap(), full_config());
    }
}

#[test]
fn accepting_costs_no_setsockopt() {
    let Some(trace) = strace::run("accepting_costs_no_setsockopt", "accept_trace_child") else {
        return;
    };
    let calls = trace.between(8001, 8002);
    let accepts = calls.iter().filter(|c| c.starts_with("accept")).count();
    assert_eq!(accepts, CONNECTIONS, "the traced region is the accept loop");
    let setsockopts: Vec<_> = calls.iter().filter(|c| c.starts_with("setsockopt")).collect();
    assert_eq!(setsockopts.len(), 0, "{setsockopts:#?}");
}

#[test]
fn every_accepted_connection_gets_the_config_and_keepalive() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let keepalive = AcceptKeepalive::new(&listener, &full_config()).unwrap();
    for _ in 0..CONNECTIONS {
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        keepalive.apply(&stream).unwrap();
        assert_has_config("accepted", &stream, &full_config());
    }
}

/// The listener's count of connections waiting in its accept queue, handshake
/// completed: `tcp_info`'s `tcpi_unacked` on a listener (net/ipv4/tcp.c,
/// `tcp_get_info`), read past the crate.
fn queued(listener: &TcpListener) -> u32 {
    // SAFETY: tcp_info is plain integers, for which all-zero bytes are valid.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: the fd is open; info/len describe a live, zeroed tcp_info.
    let rc = unsafe {
        libc::getsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&listener.as_fd()),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    info.tcpi_unacked
}

/// Connects `n` clients and waits until the kernel queued all of them.
fn queue_connections(listener: &TcpListener, n: usize) -> Vec<TcpStream> {
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..n).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while queued(listener) < n as u32 {
        assert!(Instant::now() < deadline, "only {} of {n} queued", queued(listener));
        std::thread::sleep(Duration::from_millis(1));
    }
    clients
}

const QUEUED: usize = 5;

#[test]
fn connections_queued_before_new_get_the_config_too() {
    // std's bind already listens: connections can complete before `new`.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let _early = queue_connections(&listener, QUEUED);
    let keepalive = AcceptKeepalive::new(&listener, &full_config()).unwrap();
    let _late = queue_connections(&listener, 3);
    for i in 0..QUEUED + 3 {
        let (stream, _) = listener.accept().unwrap();
        keepalive.apply(&stream).unwrap();
        assert_has_config(&format!("accepted connection {i}"), &stream, &full_config());
    }
}

#[test]
#[ignore = "run by a_queue_at_new_costs_its_writes_then_nothing, under strace"]
fn queued_trace_child() {
    strace::assert_traced();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let _early = queue_connections(&listener, QUEUED);
    marker(8101);
    let keepalive = AcceptKeepalive::new(&listener, &full_config()).unwrap();
    marker(8102);
    let _late = queue_connections(&listener, 10);
    let mut accepted = Vec::new();
    marker(8103);
    for _ in 0..QUEUED {
        accepted.push(listener.accept().unwrap().0);
        keepalive.apply(&accepted[accepted.len() - 1]).unwrap();
    }
    marker(8104);
    for _ in 0..10 {
        accepted.push(listener.accept().unwrap().0);
        keepalive.apply(&accepted[accepted.len() - 1]).unwrap();
    }
    marker(8105);
}

#[test]
fn a_queue_at_new_costs_its_writes_then_nothing() {
    let Some(trace) =
        strace::run("a_queue_at_new_costs_its_writes_then_nothing", "queued_trace_child")
    else {
        return;
    };
    let count = |from, to, call: &str| {
        trace.between(from, to).iter().filter(|c| c.starts_with(call)).count()
    };
    // new: the four options and SO_KEEPALIVE on the listener, one read of its queue.
    assert_eq!(count(8101, 8102, "setsockopt"), 5);
    assert_eq!(count(8101, 8102, "getsockopt"), 1, "{:#?}", trace.between(8101, 8102));
    // The connections queued before `new` copied the old values: written each.
    assert_eq!(count(8103, 8104, "setsockopt"), QUEUED * 5);
    // Every later one inherited the config: no system call but accept.
    assert_eq!(count(8104, 8105, "setsockopt"), 0);
    assert_eq!(count(8104, 8105, "getsockopt"), 0);
}

#[test]
fn any_socket_owner_works_through_socket_ref() {
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    listener.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    listener.listen(8).unwrap();
    let config = Keepalive::new().with_idle(Duration::from_secs(17));
    let keepalive = AcceptKeepalive::new(&SocketRef::from(&listener), &config).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let _client = TcpStream::connect(addr).unwrap();
    let (stream, _) = listener.accept().unwrap();
    keepalive.apply(&SocketRef::from(&stream)).unwrap();
    assert!(stream.keepalive().unwrap());
    assert_eq!(SocketRef::from(&stream).keepalive_config().unwrap().idle(), config.idle());
}
