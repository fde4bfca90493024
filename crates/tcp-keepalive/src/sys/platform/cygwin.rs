//! Cygwin: the POSIX numbering of Winsock's options, TCP_KEEPIDLE (3),
//! TCP_KEEPINTVL (17), TCP_KEEPCNT (16), in seconds. Source: Cygwin's
//! winsup/cygwin/fhandler/socket_inet.cc, read from source; compiled only.
//!
//! - Limits: `fhandler_socket_inet::setsockopt` passes the options to Winsock
//!   where Windows has them (10 1709+) and otherwise emulates them with
//!   SIO_KEEPALIVE_VALS (`set_keepalive`), refusing with EINVAL what lies
//!   outside 1..=MAX_TCP_KEEPIDLE (32767), 1..=MAX_TCP_KEEPINTVL (32767) and
//!   1..=MAX_TCP_KEEPCNT (255). The table keeps to those, which every Windows
//!   accepts. The emulation keeps the detection time: it spreads
//!   count × interval over Windows' fixed 10 probes. getsockopt returns the
//!   value in effect (the stored value where emulated).
//! - Listener: Windows' rules (see windows.rs): no keepalive timer documented
//!   on a listening socket, no inheritance documented, so `AcceptKeepalive`
//!   sets each accepted connection.
//! - User timeout: left Unsupported. Cygwin maps TCP_USER_TIMEOUT to Windows'
//!   TCP_MAXRTMS where the system has it, and otherwise to TCP_MAXRT with the
//!   milliseconds truncated to seconds (below 1 s becomes 0), so the value set
//!   is not the value run on every Windows.

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::{
    AcceptQueue,
    ListenerProbe, OnListener::NotInherited, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 109;
const TCP_KEEPIDLE: i32 = 3;
const TCP_KEEPINTVL: i32 = 17;
const TCP_KEEPCNT: i32 = 16;
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT
);

/// MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL, fhandler/socket_inet.cc.
const MAX_SECONDS: u32 = 32_767;
/// MAX_TCP_KEEPCNT, fhandler/socket_inet.cc (Windows' own limit too).
const MAX_COUNT: u32 = 255;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Cygwin",
    idle: Some(
        TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX_SECONDS).on_listener(NotInherited),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_SECONDS)
            .on_listener(NotInherited),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, MAX_COUNT).on_listener(NotInherited),
    ),
    user_timeout: None,
    user_timeout_scope: UserTimeoutScope::NONE,
    host_clamps_silently: false,
    // Winsock underneath: as windows.rs.
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: AcceptQueue::Unknown,
    keepalive_counts_through_writes: false,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

// liveness(): Cygwin's poll bits (the 4.4BSD numbers), checked against libc.
const POLLIN: i16 = 0x1;
const POLLERR: i16 = 0x8;
const POLLHUP: i16 = 0x10;
const POLLNVAL: i16 = 0x20;
same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_uint;

/// Cygwin emulates `poll` over Winsock's network events (fhandler/socket_inet.cc,
/// `fhandler_socket_wsock`). How its `recv(MSG_PEEK)` meets a pending error was
/// not verified, so no peek is made: an idle connection is `Open` after one
/// `poll`, a readable one is `Unsupported` (read it to know). Compiled only.
pub(crate) const LIVENESS: LivenessCheck = LivenessCheck {
    pollin: POLLIN,
    pollhup: POLLHUP,
    pollerr: POLLERR,
    pollnval: POLLNVAL,
    rdhup: None,
    peek: None,
    peek_takes_error: false,
};
