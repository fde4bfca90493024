//! FreeBSD: TCP_KEEPIDLE / TCP_KEEPINTVL in seconds, TCP_KEEPCNT any unsigned
//! int. Source: freebsd-src, read from source; not run on FreeBSD.
//!
//! - Limits: sys/netinet/tcp_usrreq.c `tcp_default_ctloutput`: times above
//!   UINT_MAX / hz are EINVAL (hz is 1000 by default; a kernel with a smaller hz
//!   accepts more, one with a larger hz less), 0 means "the sysctl default" (so 0
//!   is refused here). getsockopt returns the effective value, defaults included
//!   (FreeBSD 10.1+; older kernels answer ENOPROTOOPT, read back as unknown).
//! - Listener: the same function re-arms TT_KEEP only for states after LISTEN,
//!   so a listener is safe; sys/netinet/tcp_syncache.c `syncache_socket` copies
//!   t_keepidle, t_keepintvl and t_keepcnt to every accepted socket.
//! - Writes: sys/netinet/tcp_timer.c `tcp_timer_keep` drops once
//!   `ticks - t_rcvtime` (the last segment received) reaches keepidle +
//!   keepcnt × keepintvl, with or without data in flight: a write never
//!   postpones the drop.
//! - User timeout: TCP_MAXUNACKTIME (68, seconds), FreeBSD 14 and later.
//!   sys/netinet/tcp_timer.c `tcp_maxunacktime_check` (run by the
//!   retransmission and persist timers) drops the connection once no new
//!   data was acknowledged for that long (`t_acktime`, at most the time of
//!   the write); those timers fire at most TCPTV_REXMTMAX (64 s,
//!   tcp_timer.h) apart, so the drop comes at most 64 s after the limit. It
//!   does not touch idle probing. tcp_syncache.c copies t_maxunacktime to
//!   accepted sockets. The setter takes seconds up to UINT_MAX / hz, as the
//!   keepalive times (14.0-STABLE tcp_usrreq.c, as read for issue 24).
//!   FreeBSD 13's `tcp_default_ctloutput` has no such case (its default
//!   branch answers ENOPROTOOPT), so the option is written first: a 13
//!   kernel refuses it before anything changed, and that is `Unsupported`.
//! - Accept queue: sys/kern/uipc_socket.c `sogetopt` answers SO_LISTENQLEN
//!   (0x1012) with the listener's count of completed connections (sol_qlen).

use std::time::Duration;

use crate::sys::liveness::LivenessCheck;
use crate::sys::platform::poll_4_4bsd::FOUR_FOUR_BSD;
// Only for the check against libc, made where this table is the host's.
#[allow(unused_imports)]
use crate::sys::platform::poll_4_4bsd::{
    MSG_DONTWAIT, MSG_PEEK, POLLERR, POLLHUP, POLLIN, POLLNVAL,
};
use crate::sys::table::{
    AcceptQueue, ListenerProbe, QueueLength, OnListener::Inherited, Platform, TcpOption, TimerSlack,
    UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPIDLE: i32 = 0x100;
const TCP_KEEPINTVL: i32 = 0x200;
const TCP_KEEPCNT: i32 = 0x400;
const TCP_MAXUNACKTIME: i32 = 68;
const SO_LISTENQLEN: i32 = 0x1012;
same_as_libc!(
    TCP_MAXUNACKTIME,
    SO_LISTENQLEN,
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT
);

const MAX_SECONDS: u32 = u32::MAX / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "FreeBSD",
    idle: Some(
        TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX_SECONDS).on_listener(Inherited),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_SECONDS).on_listener(Inherited),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, i32::MAX as u32).on_listener(Inherited),
    ),
    user_timeout: Some(
        TcpOption::seconds("TCP_MAXUNACKTIME", TCP_MAXUNACKTIME, 1, MAX_SECONDS)
            .on_listener(Inherited)
            .since("FreeBSD 14"),
    ),
    user_timeout_scope: UserTimeoutScope::DataOnly { late_by: Duration::from_secs(64) },
    host_clamps_silently: false,
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: AcceptQueue::Counted(QueueLength {
        name: "SO_LISTENQLEN",
        socket_level: true,
        id: SO_LISTENQLEN,
        offset: 0,
    }),
    keepalive_counts_through_writes: true,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_uint;

/// sys/kern/uipc_socket.c `sopoll_generic`: POLLIN for data, a pending
/// `so_error` (`soreadabledata`) or a FIN (SBS_CANTRCVMORE), POLLHUP only once
/// both directions are shut. POLLRDHUP came in 2021 (freebsd-src commit
/// 3aaaa2ef), so older releases lack it: not used. `soreceive_generic`
/// returns waiting data first, then `so_error`, which it clears only without
/// MSG_PEEK: the check leaves the error for the next read. Read from source;
/// not run on FreeBSD here.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
