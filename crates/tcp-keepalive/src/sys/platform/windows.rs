//! Windows. TCP_KEEPIDLE / TCP_KEEPINTVL (seconds, Windows 10 1709+) and
//! TCP_KEEPCNT (Windows 10 1703+, at most 255). Times are capped so that they
//! also fit SIO_KEEPALIVE_VALS's 32-bit milliseconds, the fallback on older
//! systems. Source: Microsoft's "IPPROTO_TCP socket options" page (versions,
//! units and the 255 limit); run under Wine, not on Windows.
//!
//! - Listener: Microsoft documents no keepalive timer on a listening socket,
//!   and no inheritance of these options by accepted sockets either, so
//!   `AcceptKeepalive` sets them on each accepted connection.
//! - User timeout: TCP_MAXRT (seconds, Windows Vista+), the time TCP keeps
//!   retransmitting before it aborts the connection; -1 (not 0) means
//!   "retransmit forever". The same row of Microsoft's page caps the
//!   retransmission timeout at 60 s. The limit is checked when that timer
//!   fires, so the drop may come up to two such timeouts late. It does not end
//!   idle keepalive probing.

use std::time::Duration;

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::{
    AcceptQueue,
    ListenerProbe, OnListener::NotInherited, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
const TCP_KEEPIDLE: i32 = 3;
const TCP_KEEPINTVL: i32 = 17;
const TCP_KEEPCNT: i32 = 16;
const TCP_MAXRT: i32 = 5;

// Fails the test build on Windows if a number differs from windows-sys's.
#[cfg(all(test, windows))]
const _: () = {
    use windows_sys::Win32::Networking::WinSock as ws;
    assert!(SO_ACCEPTCONN == ws::SO_ACCEPTCONN);
    assert!(TCP_KEEPIDLE == ws::TCP_KEEPIDLE);
    assert!(TCP_KEEPINTVL == ws::TCP_KEEPINTVL);
    assert!(TCP_KEEPCNT == ws::TCP_KEEPCNT);
    assert!(TCP_MAXRT == ws::TCP_MAXRT);
};

const MAX_SECONDS: u32 = u32::MAX / 1000;

/// What SIO_KEEPALIVE_VALS writes for a time the caller did not set.
pub(crate) const WINDOWS_DEFAULT_IDLE_MS: u32 = 2 * 3600 * 1000;
pub(crate) const WINDOWS_DEFAULT_INTERVAL_MS: u32 = 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Windows",
    idle: Some(
        TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX_SECONDS).on_listener(NotInherited),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_SECONDS)
            .on_listener(NotInherited),
    ),
    retries: Some(TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, 255).on_listener(NotInherited)),
    user_timeout: Some(
        TcpOption::seconds("TCP_MAXRT", TCP_MAXRT, 1, MAX_SECONDS).on_listener(NotInherited),
    ),
    user_timeout_scope: UserTimeoutScope::DataOnly { late_by: Duration::from_secs(2 * 60) },
    host_clamps_silently: false,
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: AcceptQueue::Unknown,
    keepalive_counts_through_writes: false,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

// liveness(): WSAPoll's bits (POLLRDNORM is what "readable" is there; WSAPoll
// refuses POLLIN's POLLRDBAND half on TCP sockets) and recv's MSG_PEEK.
const POLLRDNORM: i16 = 0x100;
const POLLERR: i16 = 0x1;
const POLLHUP: i16 = 0x2;
const POLLNVAL: i16 = 0x4;
const MSG_PEEK: i32 = 0x2;

#[cfg(all(test, windows))]
const _: () = {
    use windows_sys::Win32::Networking::WinSock as ws;
    assert!(POLLRDNORM == ws::POLLRDNORM);
    assert!(POLLERR == ws::POLLERR);
    assert!(POLLHUP == ws::POLLHUP);
    assert!(POLLNVAL == ws::POLLNVAL);
    assert!(MSG_PEEK == ws::MSG_PEEK);
};

/// `WSAPoll` (Windows Vista+): POLLHUP when "a stream-oriented connection was
/// either disconnected or aborted", POLLERR on an error, POLLRDNORM when data
/// or the end can be read (Microsoft's WSAPOLLFD and WSAPoll pages). Winsock
/// has no MSG_DONTWAIT: the peek is made only once WSAPoll reported the socket
/// readable, hung up or failed, when `recv` returns at once. Known WSAPoll bug:
/// before Windows 10 2004 (build 19041) it did not report a *failed connect*
/// (MicrosoftDocs/sdk-api#764, curl's "WSAPoll is broken"); an established
/// connection is not affected, but on those systems a socket whose connect
/// failed reads as `Open`. Whether the peek leaves a reset's error for the
/// next `recv` is not documented (uncertain). Run under Wine only, which maps
/// these calls onto the host's poll and recv.
pub(crate) const LIVENESS: LivenessCheck = LivenessCheck {
    pollin: POLLRDNORM,
    pollhup: POLLHUP,
    pollerr: POLLERR,
    pollnval: POLLNVAL,
    rdhup: None,
    peek: Some(MSG_PEEK),
    peek_takes_error: false,
};
