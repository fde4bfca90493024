//! macOS, iOS, tvOS, watchOS, visionOS. On Apple systems `TCP_KEEPALIVE` is the
//! idle time. Source: xnu, read at xnu-8796.141.3 (macOS 13) and xnu-11417
//! (macOS 15); not run on an Apple kernel.
//!
//! - Limits: bsd/netinet/tcp_usrreq.c `tcp_ctloutput`: times below 0 or above
//!   UINT32_MAX / TCP_RETRANSHZ (1000) seconds are EINVAL, the count must be
//!   0..=INT32_MAX; getsockopt returns the sysctl default for a value never set.
//! - Listener: up to xnu-8796 (macOS 13), `case TCP_KEEPALIVE` arms the
//!   TCPT_KEEP timer in every state, and bsd/netinet/tcp_timer.c `tcp_timers`
//!   drops a socket whose TCPT_KEEP fires before ESTABLISHED: a listener given an
//!   idle time dies after it. Leaving SO_KEEPALIVE off does not save it:
//!   the timer is armed with bsd/netinet/tcp_var.h `TCP_CONN_KEEPIDLE`, which
//!   falls back to the system `tcp_keepidle` (2 h) without SO_KEEPALIVE, so
//!   the listener still dies, only later. Nor does `listen()`:
//!   `tcp_usr_listen` only sets the state, so a socket given an idle time
//!   before `listen()` keeps the armed timer. xnu-10002 (macOS 14) re-arms
//!   only once established, but the older systems are still in use.
//!   TCP_KEEPINTVL, TCP_KEEPCNT and TCP_RXT_CONNDROPTIME never touch TCPT_KEEP.
//! - Inheritance: bsd/netinet/tcp_input.c copies t_keepintvl and t_keepcnt from
//!   the listener, not t_keepidle nor t_rxt_conndroptime.
//! - User timeout: TCP_RXT_CONNDROPTIME (0x80, bsd/netinet/tcp.h), seconds, any
//!   value >= 0, 0 meaning none. tcp_timer.c drops the connection when the
//!   retransmission timer fires and retransmission started (t_rxtstart, set at
//!   the first retransmission timeout, in ESTABLISHED only) at least that long
//!   ago. So it may come one retransmission timeout before the count starts and
//!   one after the limit, each at most TCPTV_REXMTMAX (64 s, tcp_timer.h). It
//!   does not touch idle keepalive probing (TCPT_KEEP).
//! - Writes: tcp_timer.c, TCPT_KEEP, drops once `tcp_now - t_rcvtime` (the
//!   last segment received) reaches keepidle + keepcnt × keepintvl, whether
//!   or not sent data waits for its acknowledgement: a write never
//!   postpones the drop.
//! - Telling a listener: bsd/kern/uipc_socket.c `sogetoptlock` has no
//!   SO_ACCEPTCONN case (xnu-4903 to xnu-11417): ENOPROTOOPT. So the state is
//!   read instead: TCP_CONNECTION_INFO (0x106, every release since xnu-4903)
//!   copies a `struct tcp_connection_info` whose first byte is `tcpi_state`
//!   (tcp_usrreq.c `tcp_connection_fill_info`), truncated to the caller's
//!   buffer (`sooptcopyout`); TCPS_LISTEN is 1 (tcp_fsm.h).

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
    ListenerProbe, OnListener, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPALIVE: i32 = 0x10;
const TCP_KEEPINTVL: i32 = 0x101;
const TCP_KEEPCNT: i32 = 0x102;
/// Not in the libc crate; bsd/netinet/tcp.h.
const TCP_RXT_CONNDROPTIME: i32 = 0x80;
const TCP_CONNECTION_INFO: i32 = 0x106;
/// bsd/netinet/tcp_fsm.h.
const TCPS_LISTEN: u8 = 1;
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPALIVE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_CONNECTION_INFO
);

const MAX_SECONDS: u32 = u32::MAX / 1000;
/// Twice TCPTV_REXMTMAX (64 s, bsd/netinet/tcp_timer.h).
const TWO_RETRANSMISSION_TIMEOUTS: Duration = Duration::from_secs(2 * 64);

pub(crate) const PLATFORM: Platform = Platform {
    os: "Apple systems",
    idle: Some(TcpOption::seconds("TCP_KEEPALIVE", TCP_KEEPALIVE, 1, MAX_SECONDS).on_listener(
        OnListener::Kills {
            why: "macOS 13 and older drop a listening socket when its keepalive idle timer fires",
        },
    )),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_SECONDS)
            .on_listener(OnListener::Inherited),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, i32::MAX as u32)
            .on_listener(OnListener::Inherited),
    ),
    user_timeout: Some(
        TcpOption::seconds("TCP_RXT_CONNDROPTIME", TCP_RXT_CONNDROPTIME, 1, MAX_SECONDS)
            .on_listener(OnListener::NotInherited),
    ),
    user_timeout_scope: UserTimeoutScope::DataOnly { late_by: TWO_RETRANSMISSION_TIMEOUTS },
    host_clamps_silently: false,
    listener_probe: ListenerProbe::TcpState {
        name: "TCP_CONNECTION_INFO",
        id: TCP_CONNECTION_INFO,
        listen: TCPS_LISTEN,
    },
    accept_queue: AcceptQueue::Unknown,
    keepalive_counts_through_writes: true,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_uint;

/// No POLLRDHUP. bsd/kern/uipc_socket2.c `soreadable`: a socket is readable
/// with data, after a FIN (SS_CANTRCVMORE) or with a pending `so_error`, so
/// readability needs the peek to be told apart. bsd/kern/uipc_socket.c
/// `soreceive` returns waiting data first, then `so_error`, which it clears
/// only without MSG_PEEK: the check leaves the error for the next read. Read
/// from xnu's source; not run on Apple systems here.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
