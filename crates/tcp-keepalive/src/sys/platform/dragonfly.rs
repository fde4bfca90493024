//! DragonFly BSD 5.8 and later: seconds (releases before 5.8 took milliseconds:
//! DragonFly commit "Change tcp keepalive options from ms to seconds", 2019, as
//! cited by nginx#258 and curl#13847). Limits, read-back and inheritance were not
//! verified; the maximum is chosen so that the kernel's conversion to
//! milliseconds cannot overflow a C int. Compiled only, never run.
//!
//! - Listener: not verified. sys/netinet/tcp_usrreq.c calls
//!   `tcp_timer_keep_activity` when TCP_KEEPIDLE is set, and, as in every BSD,
//!   the keepalive timer drops a socket not yet established. Whether that arms
//!   it on a listener was not confirmed from source, so these values are kept
//!   off listeners, and `AcceptKeepalive` sets them per connection.
//! - User timeout: Unsupported; no per-socket retransmission limit was found
//!   in DragonFly's sys/netinet.

use crate::sys::table::{ListenerProbe, OnListener, Platform, TcpOption, UserTimeoutScope};

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

const MAX_SECONDS: u32 = i32::MAX as u32 / 1000;

const UNVERIFIED: OnListener = OnListener::Kills {
    why: "on DragonFly BSD a keepalive timer on a listening socket may drop it (not verified safe)",
};

pub(crate) const PLATFORM: Platform = Platform {
    os: "DragonFly BSD",
    idle: Some(
        TcpOption::seconds("TCP_KEEPIDLE", TCP_KEEPIDLE, 1, MAX_SECONDS).on_listener(UNVERIFIED),
    ),
    interval: Some(
        TcpOption::seconds("TCP_KEEPINTVL", TCP_KEEPINTVL, 1, MAX_SECONDS).on_listener(UNVERIFIED),
    ),
    retries: Some(
        TcpOption::count("TCP_KEEPCNT", TCP_KEEPCNT, 1, i32::MAX as u32).on_listener(UNVERIFIED),
    ),
    user_timeout: None,
    user_timeout_scope: UserTimeoutScope::NONE,
    host_clamps_silently: false,
    listener_probe: ListenerProbe::AcceptConn,
    accept_queue: None,
    keepalive_counts_through_writes: false,
    keepalive_abort: None,
};
