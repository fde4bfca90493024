//! NetBSD: TCP_KEEPIDLE (3), TCP_KEEPINTVL (5), TCP_KEEPCNT (6). NetBSD also
//! defines TCP_KEEPALIVE, which fails with ENOPROTOOPT: never use it.
//!
//! Source: NetBSD sys/netinet/tcp_usrreq.c (tcp_ctloutput) stores the value
//! unchanged (any value > 0) in t_keepidle / t_keepintvl, which the timers count
//! in slow ticks of 1/PR_SLOWHZ = 500 ms (tcp_timer.h: TCP_TIMER_ARM), although
//! tcp(4) says seconds; so the unit here is half-seconds. getsockopt does not
//! know these options (ENOPROTOOPT: read back as unknown). tcp_syncache.c copies
//! none of them to an accepted socket. Not run on a NetBSD kernel.

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPIDLE: i32 = 3;
const TCP_KEEPINTVL: i32 = 5;
const TCP_KEEPCNT: i32 = 6;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT);

/// The timer callout takes `ticks * (hz / PR_SLOWHZ)` as a C int: with hz up to
/// 1000 this many half-seconds (~24.8 days) cannot overflow it.
const MAX_HALF_SECONDS: u32 = i32::MAX as u32 / 500;

pub(crate) const PLATFORM: Platform = Platform {
    os: "NetBSD",
    idle: Some(TcpOption::half_seconds(
        "TCP_KEEPIDLE",
        IPPROTO_TCP,
        TCP_KEEPIDLE,
        1,
        MAX_HALF_SECONDS,
    )),
    interval: Some(TcpOption::half_seconds(
        "TCP_KEEPINTVL",
        IPPROTO_TCP,
        TCP_KEEPINTVL,
        1,
        MAX_HALF_SECONDS,
    )),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, i32::MAX as u32)),
    user_timeout: None,
    host_clamps_silently: false,
};
