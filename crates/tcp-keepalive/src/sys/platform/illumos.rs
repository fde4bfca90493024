//! illumos: TCP_KEEPIDLE (34), TCP_KEEPCNT (35), TCP_KEEPINTVL (36), in seconds.
//! TCP_KEEPALIVE exists in the headers but fails with ENOPROTOOPT. Source:
//! illumos-gate uts/common/inet/tcp/, read from source; never run.
//!
//! - Limits: tcp_opt_data.c and tcp_tunables.c, with the default tunables.
//!   TCP_KEEPIDLE must lie in _keepalive_interval's range, 1 s to 10 days
//!   (releases before 2015 had a 10 s minimum). TCP_KEEPINTVL must lie between
//!   the socket's minimum and maximum RTO: 400 ms to 60 s by default, so 1 to
//!   60 s. interval × count (in ms, an unsigned 32-bit product) must lie within
//!   _keepalive_abort_interval's range, 0 to UINT32_MAX: a count of at most
//!   UINT32_MAX / 60 000 keeps that product from wrapping. getsockopt reports 0
//!   for an interval or count never set (read back as unknown).
//! - Listener: SO_KEEPALIVE starts the keepalive timer in any state, but
//!   tcp_timers.c `tcp_keepalive_timer` only restarts it before ESTABLISHED
//!   ("Timer fired too early, restart it"), so a listener is safe; tcp.c
//!   `tcp_init_values` copies every tcp_ka_* value and the abort threshold from
//!   the listener to the accepted connection.
//! - Accepted connections: `AcceptQueue::Unknown`, so `AcceptKeepalive`
//!   writes every stream. DragonFly's "read until one holds the config" would
//!   miss some here, because the copy is made when the SYN arrives, while the
//!   accept queue is in the order the handshakes complete. tcp_input.c
//!   `tcp_input_listener` (on the SYN, listener's squeue) calls ip/conn_opt.c
//!   `conn_inherit_parent` (`conn_keepalive`, which getsockopt SO_KEEPALIVE
//!   reads in `conn_opt_get`) and tcp.c `tcp_init_values` (the tcp_ka_*
//!   values and thresholds); nothing copies them again (tcp_socket.c
//!   `tcp_newconn_notify` and `tcp_accept` only start the timer and unlink).
//!   On the final ACK, tcp_input.c `tcp_input_data` calls
//!   `tcp_newconn_notify`, which appends to `tcp_eager_next_q` and calls
//!   sockfs `so_newconn` (sockcommon_sops.c: `list_insert_tail` on
//!   `so_acceptq_list`); `accept` takes the head (sockcommon_subr.c
//!   `so_acceptq_dequeue_locked`). So a connection whose SYN came before
//!   `new` but whose handshake completes after that of one whose SYN came
//!   after it (a late ACK, a retransmitted SYN-ACK, another squeue) is
//!   accepted after a stream holding the config, with the old values. sockfs
//!   keeps its own copy of SO_KEEPALIVE at `so_newconn` (sockcommon_subr.c
//!   `socket_init_common`), but `socket_getopt_common` passes SO_KEEPALIVE to
//!   the protocol and the timer follows `conn_keepalive`. A count would need
//!   the half-open connections too, and no option reports either. Socket
//!   filters also reorder: a deferred connection waits on `so_acceptq_defer`
//!   and joins the tail when released (sockfilter.c `sof_newconn_ready`).
//! - Idle drop: tcp_timers.c `tcp_keepalive_timer` drops the connection when,
//!   at a probe, it has been silent for more than idle +
//!   TCP_KEEPALIVE_ABORT_THRESHOLD (tcp_ka_abort_thres, ms, default 8 min).
//!   tcp_opt_data.c: TCP_KEEPINTVL then TCP_KEEPCNT (this crate's order) set
//!   the threshold to interval × count, but TCP_KEEPCNT alone derives an
//!   interval (threshold ÷ count, clamped to the RTO range) and leaves the
//!   threshold as it was; getsockopt truncates the interval to seconds. So
//!   the read-back also reads the threshold, and the bound is idle +
//!   threshold + one interval (the check is "more than", made at probes).
//! - User timeout: TCP_ABORT_THRESHOLD (0x11, milliseconds; 0 means retransmit
//!   forever, so 0 is refused), stored without a range check
//!   (`tcp_second_timer_threshold`), default _ip_abort_interval (5 min).
//!   tcp_timers.c drops the connection once the retransmission back-off since
//!   the first retransmission (tcp_ms_we_have_waited) exceeds it, checked when
//!   the retransmission timer fires, at most the maximum RTO (60 s) apart. It
//!   does not touch idle keepalive probing (TCP_KEEPALIVE_ABORT_THRESHOLD does).

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
    ListenerProbe, OnListener::Inherited, Platform, TcpOption, TimerSlack, UserTimeoutScope,
};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const SO_ACCEPTCONN: i32 = 0x2;
pub(crate) const ENOPROTOOPT: i32 = 99;
const TCP_KEEPIDLE: i32 = 0x22;
const TCP_KEEPINTVL: i32 = 0x24;
const TCP_KEEPCNT: i32 = 0x23;
const TCP_ABORT_THRESHOLD: i32 = 0x11;
const TCP_KEEPALIVE_ABORT_THRESHOLD: i32 = 0x17;
same_as_libc!(
    TCP_KEEPALIVE_ABORT_THRESHOLD,
    SOL_SOCKET,
    SO_KEEPALIVE,
    SO_ACCEPTCONN,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_ABORT_THRESHOLD
);

const TEN_DAYS: u32 = 10 * 24 * 3600;
/// The default maximum RTO (tcp_rexmit_interval_max), which TCP_KEEPINTVL may not exceed.
const MAX_INTERVAL: u32 = 60;

pub(crate) const PLATFORM: Platform = Platform {
    os: "illumos",
    idle: Some(
        TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, TEN_DAYS).on_listener(Inherited),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_INTERVAL).on_listener(Inherited),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, u32::MAX / (MAX_INTERVAL * 1000))
            .on_listener(Inherited),
    ),
    user_timeout: Some(
        TcpOption::millis("TCP_ABORT_THRESHOLD", TCP_ABORT_THRESHOLD, 1, i32::MAX as u32)
            .on_listener(Inherited),
    ),
    user_timeout_scope: UserTimeoutScope::DataOnly { late_by: Duration::from_secs(2 * 60) },
    host_clamps_silently: false,
    listener_probe: ListenerProbe::AcceptConn,
    // Copied at the SYN, queued at the handshake: see "Accepted connections".
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

/// POLLRDHUP exists only in recent illumos and is not used: the peek tells a FIN
/// from data. uts/common/fs/sockfs/sockcommon_subr.c `so_dequeue_msg` returns
/// waiting data first, then the pending error through `sogeterr(so,
/// !(flags & MSG_PEEK))`: a peek leaves it for the next read. Read from
/// source; never run.
pub(crate) const LIVENESS: LivenessCheck = FOUR_FOUR_BSD;
