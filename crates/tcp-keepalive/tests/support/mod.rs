//! Helpers shared by the Linux integration tests: raw socket-option reads that
//! bypass the crate, so tests compare it with what the kernel says.
#![allow(dead_code)] // each test file uses a different subset

use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd};

/// The five keepalive-related options as the kernel reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawState {
    pub keepalive: i32,
    pub idle_s: i32,
    pub interval_s: i32,
    pub count: i32,
    pub user_timeout_ms: i32,
}

/// `getsockopt` of one int option, straight from libc.
pub fn raw_get<S: AsFd>(socket: &S, level: i32, name: i32) -> i32 {
    let mut value: libc::c_int = -1;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the fd is borrowed and open; value/len describe a live c_int.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_fd().as_raw_fd(),
            level,
            name,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    assert_eq!(
        rc,
        0,
        "getsockopt({level}, {name}): {}",
        std::io::Error::last_os_error()
    );
    value
}

pub fn raw_state<S: AsFd>(socket: &S) -> RawState {
    RawState {
        keepalive: raw_get(socket, libc::SOL_SOCKET, libc::SO_KEEPALIVE),
        idle_s: raw_get(socket, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE),
        interval_s: raw_get(socket, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL),
        count: raw_get(socket, libc::IPPROTO_TCP, libc::TCP_KEEPCNT),
        user_timeout_ms: raw_get(socket, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
    }
}

/// A sysctl under /proc/sys/net/ipv4, as an integer.
pub fn ipv4_sysctl(name: &str) -> i32 {
    let path = format!("/proc/sys/net/ipv4/{name}");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .parse()
        .unwrap()
}

/// A listener on an ephemeral loopback port, a client connected to it, and the accepted side.
pub fn connected_pair() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (listener, client, server)
}
