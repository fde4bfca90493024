//! WASI preview 2, through wasi-libc, which maps these options onto
//! wasi:sockets/tcp (keep-alive-idle-time, -interval, -count). wasi-libc takes
//! seconds and the host refuses 0. Source: the wasi:sockets `tcp.wit`
//! interface, which lets the host "clamp and/or round" these values. The
//! host's limits are its own, so the table allows any C int and every value
//! set is read back (`host_clamps_silently`): under wasmtime on Linux, retries
//! 1000 reads back 127 and idle 100000 s reads back 32767 s, both with success
//! (run under wasmtime 49 by scripts/run-targets).
//!
//! - Listener: `tcp.wit` says accepted sockets inherit the keepalive settings,
//!   but the guest cannot know its host: wasmtime passes them to the host
//!   kernel's listening socket as they are, and on a macOS or NetBSD host that
//!   arms the timer that kills the listener (see apple.rs, netbsd.rs). So no
//!   tuning is set on a WASI listener; `AcceptKeepalive` sets it per connection.
//! - User timeout: Unsupported; wasi:sockets has no such property.

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::{
    AcceptQueue,
    ListenerProbe, OnListener, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

// wasi-libc's own numbers: its socket level is not a Linux or BSD one.
pub(crate) const SOL_SOCKET: i32 = 0x7fff_ffff;
pub(crate) const SO_KEEPALIVE: i32 = 9;
pub(crate) const SO_ACCEPTCONN: i32 = 30;
pub(crate) const ENOPROTOOPT: i32 = 50;
const TCP_KEEPIDLE: i32 = 4;
const TCP_KEEPINTVL: i32 = 5;
const TCP_KEEPCNT: i32 = 6;
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT
);

const MAX: u32 = i32::MAX as u32;

const HOST_MAY_KILL: OnListener = OnListener::Kills {
    why: "a WASI host on macOS or NetBSD drops a listening socket when a keepalive timer is armed on it, and the guest cannot know its host",
};

pub(crate) const PLATFORM: Platform = Platform {
    os: "WASI",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX).on_listener(HOST_MAY_KILL)),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX).on_listener(HOST_MAY_KILL),
    ),
    retries: Some(TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, MAX).on_listener(HOST_MAY_KILL)),
    user_timeout: None,
    user_timeout_scope: UserTimeoutScope::NONE,
    host_clamps_silently: true,
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: AcceptQueue::Unknown,
    keepalive_counts_through_writes: false,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

// liveness(): wasi-libc's poll bits (POLLIN is POLLRDNORM there).
const POLLIN: i16 = 0x1;
const POLLERR: i16 = 0x1000;
const POLLHUP: i16 = 0x2000;
const POLLNVAL: i16 = 0x4000;
same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_ulong;

/// wasi-libc (libc-bottom-half/sources/tcp.c) maps a connected TCP socket's
/// POLLRDNORM onto its wasi:io input stream's pollable, which is ready for
/// data, for the end of the stream and for an error alike, and reports no
/// POLLHUP or POLLERR; its `recv` accepts only MSG_DONTWAIT (`tcp_recvfrom`:
/// MSG_PEEK is EOPNOTSUPP). So an idle connection is `Open` after one `poll`,
/// but a readable one cannot be told apart without reading: `Unsupported`.
pub(crate) const LIVENESS: LivenessCheck = LivenessCheck {
    pollin: POLLIN,
    pollhup: POLLHUP,
    pollerr: POLLERR,
    pollnval: POLLNVAL,
    rdhup: None,
    peek: None,
    peek_takes_error: false,
};
