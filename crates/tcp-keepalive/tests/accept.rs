//! `AcceptKeepalive` on the real Linux kernel, where accepted sockets inherit
//! the listener's values: the config reaches every accepted connection, and
//! `apply` makes no system call at all (counted with strace).
#![cfg(target_os = "linux")]

mod support;

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

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
