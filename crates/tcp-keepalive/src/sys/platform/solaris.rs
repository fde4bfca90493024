//! Solaris. The idle time uses TCP_KEEPALIVE_THRESHOLD (milliseconds, 10 s to
//! 10 days, per the Solaris tcp(7P) man page), which every release has.
//! TCP_KEEPINTVL / TCP_KEEPCNT exist from 11.4 on, with numbers that differ from
//! illumos (taken from the libc crate); older kernels answer ENOPROTOOPT,
//! reported as Unsupported; they are written first, so such a kernel refuses
//! before the idle time changed. Solaris's sources are closed: the interval and count
//! limits are assumed to match illumos, whose code it shares (uncertain).
//! Compiled only, never run.
//!
//! - Listener: assumed safe, as on illumos (closed source: not verified); not
//!   assumed inherited, so `AcceptKeepalive` sets values per connection.
//! - User timeout: TCP_ABORT_THRESHOLD (0x11, milliseconds), shared with
//!   illumos (the libc crate lists it among the options both have; tcp(7P)),
//!   with illumos's semantics: retransmissions of unacknowledged data only.
//! - Idle drop: assumed as illumos (shared code): at idle +
//!   TCP_KEEPALIVE_ABORT_THRESHOLD, which the count alone does not change.

use std::time::Duration;

use crate::sys::liveness::LivenessCheck;
use crate::sys::platform::poll_4_4bsd::FOUR_FOUR_BSD;
// Only for the check against libc, made where this table is the host's.
#[allow(unused_imports)]
use crate::sys::platform::poll_4_4bsd::{
    MSG_DONTWAIT, MSG_PEEK, POLLERR, POLLHUP, POLLIN, POLLNVAL,
};
use crate::sys::table::{
    AcceptQueue,
    ListenerProbe, OnListener::NotInherited, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 99;
const TCP_KEEPALIVE_THRESHOLD: i32 = 0x16;
const TCP_KEEPINTVL: i32 = 0x1e;
const TCP_KEEPCNT: i32 = 0x1f;
const TCP_ABORT_THRESHOLD: i32 = 0x11;
const TCP_KEEPALIVE_ABORT_THRESHOLD: i32 = 0x17;
same_as_libc!(
    TCP_KEEPALIVE_ABORT_THRESHOLD,
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPALIVE_THRESHOLD,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_ABORT_THRESHOLD
);

const TEN_DAYS: u32 = 10 * 24 * 3600;
/// As illumos: the default maximum RTO, which TCP_KEEPINTVL may not exceed (uncertain).
const MAX_INTERVAL: u32 = 60;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Solaris",
    idle: Some(
        TcpOption::millis(
            "TCP_KEEPALIVE_THRESHOLD",
            TCP_KEEPALIVE_THRESHOLD,
            10_000,
            TEN_DAYS * 1000,
        )
        .on_listener(NotInherited),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_INTERVAL)
            .on_listener(NotInherited)
            .since("Solaris 11.4"),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, u32::MAX / (MAX_INTERVAL * 1000))
            .on_listener(NotInherited)
            .since("Solaris 11.4"),
    ),
    user_timeout: Some(
        TcpOption::millis("TCP_ABORT_THRESHOLD", TCP_ABORT_THRESHOLD, 1, i32::MAX as u32)
            .on_listener(NotInherited),
    ),
    user_timeout_scope: UserTimeoutScope::DataOnly { late_by: Duration::from_secs(2 * 60) },
    host_clamps_silently: false,
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: AcceptQueue::Unknown,
    keepalive_counts_through_writes: false,
    keepalive_abort: Some(TcpOption::millis(
        "TCP_KEEPALIVE_ABORT_THRESHOLD",
        TCP_KEEPALIVE_ABORT_THRESHOLD,
        1,
        u32::MAX,
    )),
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_ulong;

/// As illumos, whose sockfs Solaris shares (closed source: assumed, uncertain).
/// Compiled only, never run.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
