//! NetBSD: TCP_KEEPIDLE (3), TCP_KEEPINTVL (5), TCP_KEEPCNT (6), as defined in
//! sys/netinet/tcp.h, which has no TCP_KEEPALIVE (nor does the libc crate's
//! NetBSD module). Source: NetBSD src, read from source; not run on a NetBSD
//! kernel.
//!
//! - Unit: sys/netinet/tcp_usrreq.c `tcp_ctloutput` stores the value unchanged
//!   (any value > 0) in t_keepidle / t_keepintvl, which the timers count in slow
//!   ticks of 1/PR_SLOWHZ = 500 ms (tcp_timer.h: TCP_TIMER_ARM), although tcp(4)
//!   says seconds; so the unit here is half-seconds. getsockopt does not know
//!   these options (ENOPROTOOPT: read back as unknown).
//! - Listener: each of the three options calls `change_keepalive`
//!   (tcp_usrreq.c), which arms TCPT_KEEP in every state, LISTEN included, and
//!   tcp_timer.c `tcp_timer_keep` drops any socket not yet established: a
//!   listener given any of them dies when the timer fires. With SO_KEEPALIVE
//!   on, `change_keepalive` arms it with the interval (LISTEN is a state up to
//!   CLOSE_WAIT), so the listener dies after the interval, not the idle time;
//!   without, after the idle time. `listen()` (tcp_usrreq.c `tcp_listen`, the
//!   old PRU_LISTEN) only sets the state and leaves an armed timer running, so
//!   a socket tuned before `listen()` dies too. The values would not help
//!   anyway: tcp_syncache.c `syn_cache_get` copies none of them to an
//!   accepted socket (only TF_NODELAY).
//! - Listener check: sys/kern/uipc_socket.c `sogetopt1` (rev. 1.215) has no
//!   `SO_ACCEPTCONN` case (ENOPROTOOPT), so the backend asks `getpeername`
//!   instead: a connected socket answers it; a listener, or a socket not yet
//!   connected, gets ENOTCONN (sys/kern/uipc_syscalls.c `do_sys_getpeername`:
//!   no SS_ISCONNECTED), and both die of any keepalive option (above), so
//!   both are refused.
//! - Writes: tcp_timer.c `tcp_timer_keep` drops once `tcp_now - t_rcvtime`
//!   (the last segment received) reaches keepidle + maxidle, with or without
//!   data in flight: a write never postpones the drop.
//! - User timeout: Unsupported. NetBSD has no per-socket limit on
//!   retransmissions; only the system-wide retransmission count applies.

use crate::sys::liveness::LivenessCheck;
use crate::sys::platform::poll_4_4bsd::FOUR_FOUR_BSD;
// Only for the check against libc, made where this table is the host's.
#[allow(unused_imports)]
use crate::sys::platform::poll_4_4bsd::{
    MSG_DONTWAIT, MSG_PEEK, POLLERR, POLLHUP, POLLIN, POLLNVAL,
};
use crate::sys::table::{
    AcceptQueue,
    ListenerProbe, OnListener, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPIDLE: i32 = 3;
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

/// The timer callout takes `ticks * (hz / PR_SLOWHZ)` as a C int: with hz up to
/// 1000 this many half-seconds (~24.8 days) cannot overflow it.
const MAX_HALF_SECONDS: u32 = i32::MAX as u32 / 500;

const KILLS: OnListener = OnListener::Kills {
    why: "NetBSD drops a listening (or not yet connected) socket when its keepalive timer fires, and each keepalive option arms it",
};

pub(crate) const PLATFORM: Platform = Platform {
    os: "NetBSD",
    idle: Some(
        TcpOption::half_seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX_HALF_SECONDS)
            .on_listener(KILLS),
    ),
    interval: Some(
        TcpOption::half_seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_HALF_SECONDS)
            .on_listener(KILLS),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, i32::MAX as u32).on_listener(KILLS),
    ),
    user_timeout: None,
    user_timeout_scope: UserTimeoutScope::NONE,
    host_clamps_silently: false,
    listener_probe: ListenerProbe::Unconnected,
    accept_queue: AcceptQueue::Unknown,
    keepalive_counts_through_writes: true,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_uint;

/// No POLLRDHUP. sys/sys/socketvar.h `soreadable`: readable with data, after a
/// FIN (SS_CANTRCVMORE) or with a pending `so_error`. sys/kern/uipc_socket.c
/// `soreceive` returns waiting data first, then `so_error`, which it clears
/// only without MSG_PEEK: the check leaves the error for the next read. Read
/// from source; not run on NetBSD here.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
