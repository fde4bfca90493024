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
//! - User timeout: Unsupported. TCP_MAXUNACKTIME (68, seconds) exists, but the
//!   default stack enforces it (sys/netinet/tcp_timer.c
//!   `tcp_maxunacktime_check`) only from FreeBSD 14; before, only the RACK and
//!   BBR stacks did, and the default stack silently ignored it. A value that
//!   may be ignored cannot be promised as a bound.

use crate::sys::liveness::LivenessCheck;
use crate::sys::platform::poll_4_4bsd::FOUR_FOUR_BSD;
// Only for the check against libc, made where this table is the host's.
#[allow(unused_imports)]
use crate::sys::platform::poll_4_4bsd::{
    MSG_DONTWAIT, MSG_PEEK, POLLERR, POLLHUP, POLLIN, POLLNVAL,
};
use crate::sys::table::{OnListener::Inherited, Platform, TcpOption, UserTimeoutScope};

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
    user_timeout: None,
    user_timeout_scope: UserTimeoutScope::NONE,
    host_clamps_silently: false,
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
