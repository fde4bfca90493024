//! Linux, Android and Fuchsia (which follows Linux's numbering).
//!
//! - Limits: include/net/tcp.h, MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL (32767 s),
//!   MAX_TCP_KEEPCNT (127). TCP_USER_TIMEOUT is a C int of milliseconds; negative
//!   is EINVAL (net/ipv4/tcp.c, do_tcp_setsockopt).
//! - Listener: net/ipv4/tcp.c `tcp_sock_set_keepidle_locked` re-arms the timer
//!   only outside TCPF_CLOSE | TCPF_LISTEN, so a listener is safe; accepted
//!   sockets are a copy of the listener (net/core/sock.c `sk_clone_lock`), so all
//!   four values are inherited. A connection completed before the listener
//!   was configured keeps the old values; a listener's `tcp_info` reports how
//!   many wait in its accept queue (`tcpi_unacked`, `tcp_get_info`).
//! - User timeout: net/ipv4/tcp_timer.c. `tcp_write_timeout` drops a connection
//!   whose unacknowledged data is older than it; `tcp_keepalive_timer` uses it
//!   instead of the probe count once a probe went unanswered. While data is
//!   in flight, `tcp_keepalive_timer` only reschedules itself (`packets_out`),
//!   so a write during probing hands the connection to the user timeout,
//!   counted from the write; without one, to the retransmission limit
//!   (net.ipv4.tcp_retries2, about 15 minutes). `tcp_clamp_rto_to_user_timeout`
//!   (Linux 4.19) fires the retransmission timer at the limit; older kernels,
//!   old Android ones included, can be up to one retransmission timeout
//!   (at most TCP_RTO_MAX, 120 s) late.
//!
//! Kernel-tested on Linux 6.18 (limits, read-back of defaults, inheritance on
//! accept, dead-peer detection). Fuchsia's netstack3 limits were not verified.
//!
//! The socket level's numbers are the asm-generic ones, except on mips and sparc,
//! where Linux kept the numbers of the Unix it first had to be compatible with.

use std::time::Duration;

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::{
    AcceptQueue, ListenerProbe, QueueLength, OnListener::Inherited, Platform, TcpOption, TimerSlack,
    UserTimeoutScope,
};

const MIPS: bool = cfg!(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "mips32r6",
    target_arch = "mips64r6"
));
const SPARC: bool = cfg!(any(target_arch = "sparc", target_arch = "sparc64"));

pub(crate) const SOL_SOCKET: i32 = if MIPS || SPARC { 0xffff } else { 1 };
pub(crate) const SO_KEEPALIVE: i32 = if MIPS || SPARC { 8 } else { 9 };
pub(crate) const SO_ACCEPTCONN: i32 = if MIPS {
    0x1009
} else if SPARC {
    0x8000
} else {
    30
};
pub(crate) const ENOPROTOOPT: i32 = if MIPS {
    99
} else if SPARC {
    42
} else {
    92
};
const TCP_KEEPIDLE: i32 = 4;
const TCP_KEEPINTVL: i32 = 5;
const TCP_KEEPCNT: i32 = 6;
const TCP_USER_TIMEOUT: i32 = 18;
const TCP_INFO: i32 = 11;
/// Where `struct tcp_info` (include/uapi/linux/tcp.h) has `tcpi_unacked`,
/// which on a listener is its accept queue's length (net/ipv4/tcp.c,
/// `tcp_get_info`: `sk_ack_backlog`).
const TCPI_UNACKED: usize = 24;
#[cfg(all(test, target_os = "linux"))]
const _: () = assert!(std::mem::offset_of!(libc::tcp_info, tcpi_unacked) == TCPI_UNACKED);
/// include/net/tcp.h: the longest retransmission timeout.
const TCP_RTO_MAX: Duration = Duration::from_secs(120);
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_USER_TIMEOUT,
    TCP_INFO
);

pub(crate) const PLATFORM: Platform = Platform {
    os: if cfg!(target_os = "android") {
        "Android"
    } else if cfg!(target_os = "fuchsia") {
        "Fuchsia"
    } else {
        "Linux"
    },
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, 32_767).on_listener(Inherited)),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, 32_767).on_listener(Inherited),
    ),
    retries: Some(TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, 127).on_listener(Inherited)),
    user_timeout: Some(
        TcpOption::millis("TCP_USER_TIMEOUT", TCP_USER_TIMEOUT, 1, i32::MAX as u32)
            .on_listener(Inherited),
    ),
    user_timeout_scope: UserTimeoutScope::DataAndIdleProbes {
        exact_since: (4, 19),
        late_before: TCP_RTO_MAX,
    },
    host_clamps_silently: false,
    listener_probe: ListenerProbe::AcceptConn,
    // Fuchsia's netstack3 was not checked.
    accept_queue: if cfg!(target_os = "fuchsia") {
        AcceptQueue::Unknown
    } else {
        AcceptQueue::Counted(QueueLength {
            name: "TCP_INFO",
            socket_level: false,
            id: TCP_INFO,
            offset: TCPI_UNACKED,
        })
    },
    keepalive_counts_through_writes: false,
    keepalive_abort: None,
    // kernel/time/timer.c: the keepalive timer (`sk_timer`, armed by
    // `inet_csk_reset_keepalive_timer`) sits in the timer wheel, which rounds an
    // expiry up to its level's granularity: at most 8/63 (12.7 %) of the time
    // armed for, at a level's start (LVL_START: 63 << the level below's shift)
    // (the level table in that file's header), plus one jiffy (10 ms at HZ=100).
    keepalive_timer_slack: TimerSlack { per_mille: 127, plus: Duration::from_millis(10) },
};

// liveness(): poll's bits, the same on every Linux ABI but POLLRDHUP on sparc.
const POLLIN: i16 = 0x1;
const POLLERR: i16 = 0x8;
const POLLHUP: i16 = 0x10;
const POLLNVAL: i16 = 0x20;
const POLLRDHUP: i16 = if SPARC { 0x800 } else { 0x2000 };
const MSG_PEEK: i32 = 2;
const MSG_DONTWAIT: i32 = 0x40;
same_as_libc!(POLLIN, POLLERR, POLLHUP, POLLNVAL, MSG_PEEK, MSG_DONTWAIT);
// The libc crate has no POLLRDHUP for Fuchsia, whose netstack is not Linux's:
// there the peek tells a FIN from data, as on the BSDs.
#[cfg(not(target_os = "fuchsia"))]
same_as_libc!(POLLRDHUP);

/// `poll` number type: `unsigned long`, but bionic's is `unsigned int`.
#[cfg(not(target_os = "android"))]
pub(crate) type Nfds = std::ffi::c_ulong;
#[cfg(target_os = "android")]
pub(crate) type Nfds = std::ffi::c_uint;

/// net/ipv4/tcp.c `tcp_poll`: POLLHUP once both directions are shut or the
/// socket is closed, POLLIN | POLLRDHUP once a FIN arrived (RCV_SHUTDOWN),
/// POLLERR while `sk_err` is set; keepalive's and the user timeout's end
/// (net/ipv4/tcp_timer.c `tcp_write_err`) sets `sk_err` to ETIMEDOUT and closes
/// the socket, a reset (net/ipv4/tcp_input.c `tcp_reset`) sets ECONNRESET (EPIPE
/// once a FIN had come). So a healthy connection is told by `poll` alone, and a
/// FIN too, even behind waiting data; data and errors take the peek, which
/// returns waiting data first and otherwise the error. The peek takes the
/// error: `tcp_recvmsg_locked` calls `sock_error`, an exchange with 0, even
/// with MSG_PEEK, as `SO_ERROR` does (net/core/sock.c).
pub(crate) const LIVENESS: LivenessCheck = LivenessCheck {
    pollin: POLLIN,
    pollhup: POLLHUP,
    pollerr: POLLERR,
    pollnval: POLLNVAL,
    rdhup: if cfg!(target_os = "fuchsia") { None } else { Some(POLLRDHUP) },
    peek: Some(MSG_PEEK | MSG_DONTWAIT),
    peek_takes_error: true,
};
