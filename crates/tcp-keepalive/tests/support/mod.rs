//! Helpers shared by the Linux integration tests: raw socket-option reads that
//! bypass the crate, so tests compare it with what the kernel says.
#![allow(dead_code)] // each test file uses a different subset

pub mod strace;

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

/// The five keepalive-related options as the kernel reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawState {
    pub keepalive: i32,
    pub idle_s: i32,
    pub interval_s: i32,
    pub count: i32,
    pub user_timeout_ms: i32,
}

pub const SO_KEEPALIVE: (i32, i32) = (libc::SOL_SOCKET, libc::SO_KEEPALIVE);
pub const TCP_KEEPIDLE: (i32, i32) = (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE);
pub const TCP_KEEPINTVL: (i32, i32) = (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL);
pub const TCP_KEEPCNT: (i32, i32) = (libc::IPPROTO_TCP, libc::TCP_KEEPCNT);
pub const TCP_USER_TIMEOUT: (i32, i32) = (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT);

/// `getsockopt` of one int option, straight from libc.
pub fn try_raw_get<S: AsFd>(socket: &S, level: i32, name: i32) -> std::io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the fd is borrowed and open; value/len describe a live c_int.
    let rc = unsafe {
        libc::getsockopt(socket.as_fd().as_raw_fd(), level, name, (&raw mut value).cast(), &mut len)
    };
    if rc == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(value)
}

/// As [`try_raw_get`], for options that must exist.
pub fn raw_get<S: AsFd>(socket: &S, level: i32, name: i32) -> i32 {
    try_raw_get(socket, level, name).unwrap_or_else(|e| panic!("getsockopt({level}, {name}): {e}"))
}

/// `setsockopt` of one int option, straight from libc; panics on failure.
pub fn raw_set<S: AsFd>(socket: &S, level: i32, name: i32, value: i32) {
    // SAFETY: the fd is borrowed and open; the pointer/length describe a live c_int.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_fd().as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt({level}, {name}, {value}): {}", std::io::Error::last_os_error());
}

pub fn raw_state<S: AsFd>(socket: &S) -> RawState {
    let get = |(level, name)| raw_get(socket, level, name);
    RawState {
        keepalive: get(SO_KEEPALIVE),
        idle_s: get(TCP_KEEPIDLE),
        interval_s: get(TCP_KEEPINTVL),
        count: get(TCP_KEEPCNT),
        user_timeout_ms: get(TCP_USER_TIMEOUT),
    }
}

/// Writes all five options past the crate, and checks they landed.
pub fn raw_apply<S: AsFd>(socket: &S, state: RawState) {
    for ((level, name), value) in [
        (SO_KEEPALIVE, state.keepalive),
        (TCP_KEEPIDLE, state.idle_s),
        (TCP_KEEPINTVL, state.interval_s),
        (TCP_KEEPCNT, state.count),
        (TCP_USER_TIMEOUT, state.user_timeout_ms),
    ] {
        raw_set(socket, level, name, value);
    }
    assert_eq!(raw_state(socket), state);
}

/// Distinct values, none of them a Linux default, so a swapped or skipped
/// option shows.
pub fn full_config() -> tcp_keepalive::Keepalive {
    tcp_keepalive::Keepalive::new()
        .with_idle(std::time::Duration::from_secs(11))
        .with_interval(std::time::Duration::from_secs(2))
        .with_retries(6)
        .with_user_timeout(std::time::Duration::from_millis(23_456))
}

/// Asserts that the kernel (asked by socket2, not this crate) has exactly
/// `config` on `socket`, with keepalive on, and that this crate reads the same.
pub fn assert_has_config<S: AsFd>(what: &str, socket: &S, config: &tcp_keepalive::Keepalive) {
    use tcp_keepalive::KeepaliveExt;
    let raw = socket2::SockRef::from(socket);
    assert!(raw.keepalive().unwrap(), "{what}: SO_KEEPALIVE is off");
    assert_eq!(Some(raw.tcp_keepalive_time().unwrap()), config.idle(), "{what}: TCP_KEEPIDLE");
    assert_eq!(
        Some(raw.tcp_keepalive_interval().unwrap()),
        config.interval(),
        "{what}: TCP_KEEPINTVL"
    );
    assert_eq!(Some(raw.tcp_keepalive_retries().unwrap()), config.retries(), "{what}: TCP_KEEPCNT");
    assert_eq!(raw.tcp_user_timeout().unwrap(), config.user_timeout(), "{what}: TCP_USER_TIMEOUT");
    let socket = tcp_keepalive::SocketRef::from(socket);
    assert!(socket.keepalive().unwrap(), "{what}: keepalive()");
    assert_eq!(&socket.keepalive_config().unwrap(), config, "{what}: keepalive_config()");
}

/// A sysctl under /proc/sys/net/ipv4, as an integer.
pub fn ipv4_sysctl(name: &str) -> i32 {
    let path = format!("/proc/sys/net/ipv4/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")).trim().parse().unwrap()
}

/// A listener on an ephemeral loopback port, a client connected to it, and the accepted side.
pub fn connected_pair() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (listener, client, server)
}

/// A blocking read of one byte that gives up at `deadline` (then WouldBlock):
/// a guard against hanging forever if keepalive did nothing. A read with a
/// timeout returns EINTR instead of restarting when the thread is signalled
/// (or frozen and thawed); that says nothing about the connection, so it reads
/// again until the deadline.
pub fn read_until(stream: &mut TcpStream, deadline: Instant) -> io::Result<usize> {
    let mut buf = [0; 1];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        stream.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        match stream.read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
