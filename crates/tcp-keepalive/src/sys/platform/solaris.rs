//! Solaris. The idle time uses TCP_KEEPALIVE_THRESHOLD (milliseconds, 10 s to
//! 10 days, per the Solaris tcp(7P) man page), which every release has.
//! TCP_KEEPINTVL / TCP_KEEPCNT exist from 11.4 on, with numbers that differ from
//! illumos (taken from the libc crate); older kernels answer ENOPROTOOPT,
//! reported as Unsupported. Solaris's sources are closed: the interval and count
//! limits are assumed to match illumos, whose code it shares (uncertain).

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 99;
const TCP_KEEPALIVE_THRESHOLD: i32 = 0x16;
const TCP_KEEPINTVL: i32 = 0x1e;
const TCP_KEEPCNT: i32 = 0x1f;
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    ENOPROTOOPT,
    TCP_KEEPALIVE_THRESHOLD,
    TCP_KEEPINTVL,
    TCP_KEEPCNT
);

const TEN_DAYS: u32 = 10 * 24 * 3600;
/// As illumos: the default maximum RTO, which TCP_KEEPINTVL may not exceed (uncertain).
const MAX_INTERVAL: u32 = 60;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Solaris",
    idle: Some(TcpOption::millis(
        "TCP_KEEPALIVE_THRESHOLD",
        IPPROTO_TCP,
        TCP_KEEPALIVE_THRESHOLD,
        10_000,
        TEN_DAYS * 1000,
    )),
    interval: Some(TcpOption::seconds(
        "TCP_KEEPINTVL",
        IPPROTO_TCP,
        TCP_KEEPINTVL,
        1,
        MAX_INTERVAL,
    )),
    retries: Some(TcpOption::count(
        "TCP_KEEPCNT",
        IPPROTO_TCP,
        TCP_KEEPCNT,
        1,
        u32::MAX / (MAX_INTERVAL * 1000),
    )),
    user_timeout: None,
    host_clamps_silently: false,
};
