//! DragonFly BSD 5.8 and later: seconds. Releases before 5.8 took
//! milliseconds: DragonFly's commit "Change tcp keepalive options from ms to
//! seconds (DISRUPTIVE)" (commits list, July 2019, shipped in 5.8), as cited
//! by curl#13847 and nginx#258. Source: DragonFly BSD sys/netinet/, read from
//! source (the seconds-based code, as in v5.8.0); compiled only, never run.
//!
//! - Limits: tcp_usrreq.c `tcp_ctloutput` refuses TCP_KEEPIDLE and
//!   TCP_KEEPINTVL outside 1..=MAXKEEPALIVE (32767) and TCP_KEEPCNT outside
//!   1..=MAXKEEPCNT (127) with EINVAL (Linux's limits, on purpose).
//!   getsockopt returns the value in effect (`t_keepidle / hz`, ...), the
//!   sysctl defaults included (tcp_subr.c `tcp_newtcpcb` starts every socket
//!   from them).
//! - Listener: TCP_KEEPIDLE calls tcp_input.c `tcp_timer_keep_activity`,
//!   which re-arms the keepalive timer only `if (TCPS_HAVEESTABLISHED(...))`;
//!   TCP_KEEPINTVL and TCP_KEEPCNT touch no timer. So a listener is safe, and
//!   tcp_syncache.c `syncache_socket` copies t_keepinit, t_keepidle,
//!   t_keepintvl, t_keepcnt and t_maxidle from the listener to every accepted
//!   socket: `AcceptKeepalive` configures the listener once.
//! - Accept queue (`AcceptQueue::UntilInherited`): no option counts it.
//!   (kevent's EVFILT_READ count on a listener, uipc_socket.c
//!   `filt_solisten`, is clamped to sysctl kern.ipc.soavailconn, 32 by
//!   default.) But uipc_socket2.c `sonewconn_faddr`, which `syncache_socket`
//!   calls as the handshake completes, copies the listener's `so_options`
//!   (SO_KEEPALIVE) into the new socket and appends it to `so_comp`
//!   (TAILQ_INSERT_TAIL; `soisconnected` appends too); `syncache_socket` then
//!   copies the values; uipc_syscalls.c `soaccept_predicate` takes
//!   TAILQ_FIRST. First in, first out: once an accepted stream holds the
//!   config, every later one does. SO_KEEPALIVE is written last, so a stream
//!   copied with it on was copied after every value; where the listener had
//!   it on before, the values tell. Gaps: uipc_socket.c `soinherit` appends a
//!   closing SO_REUSEPORT listener's completed queue to another listener's
//!   tail, and with an accept filter (SO_ACCEPTFILTER) a connection waits in
//!   `so_incomp` until the filter calls `soisconnected`; and two connections
//!   completing on two CPUs while `new` writes could be queued in another
//!   order than they were copied (so_options is copied before the attach and
//!   the queueing, the values after). Such streams can come after the first
//!   inherited one, with the values they were copied with.
//! - User timeout: Unsupported; tcp_ctloutput has no per-socket
//!   retransmission limit.

use crate::sys::liveness::LivenessCheck;
use crate::sys::platform::poll_4_4bsd::FOUR_FOUR_BSD;
// Only for the check against libc, made where this table is the host's.
#[allow(unused_imports)]
use crate::sys::platform::poll_4_4bsd::{
    MSG_DONTWAIT, MSG_PEEK, POLLERR, POLLHUP, POLLIN, POLLNVAL,
};
use crate::sys::table::{
    AcceptQueue,
    ListenerProbe, OnListener::Inherited, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPIDLE: i32 = 0x100;
const TCP_KEEPINTVL: i32 = 0x200;
const TCP_KEEPCNT: i32 = 0x400;
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT
);

/// MAXKEEPALIVE and MAXKEEPCNT, sys/netinet/tcp_usrreq.c.
const MAX_KEEPALIVE: u32 = 32_767;
const MAX_KEEPCNT: u32 = 127;

pub(crate) const PLATFORM: Platform = Platform {
    os: "DragonFly BSD",
    idle: Some(
        TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX_KEEPALIVE).on_listener(Inherited),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_KEEPALIVE).on_listener(Inherited),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, MAX_KEEPCNT).on_listener(Inherited),
    ),
    user_timeout: None,
    user_timeout_scope: UserTimeoutScope::NONE,
    host_clamps_silently: false,
    // Never asked: no value is refused on a DragonFly listener. (Its
    // uipc_socket.c `sogetopt` has no SO_ACCEPTCONN case: it would answer
    // ENOPROTOOPT.)
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: AcceptQueue::UntilInherited,
    keepalive_counts_through_writes: false,
    keepalive_abort: None,
    keepalive_timer_slack: TimerSlack::ASSUMED,
};

same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);

/// `poll`'s number type.
pub(crate) type Nfds = std::ffi::c_uint;

/// No POLLRDHUP. As the other BSDs (4.4BSD's `soreadable` and `soreceive`):
/// readable with data, after a FIN or with a pending `so_error`, which a
/// MSG_PEEK leaves in place. Taken from the shared 4.4BSD code, not verified
/// in DragonFly's own source (uncertain); never run.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
