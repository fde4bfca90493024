//! Solaris. The idle time uses TCP_KEEPALIVE_THRESHOLD (milliseconds, 10 s to
//! 10 days, per the Solaris tcp(7P) man page), which every release has.
//! TCP_KEEPINTVL / TCP_KEEPCNT exist from 11.4 on, with numbers that differ from
//! illumos (taken from the libc crate); older kernels answer ENOPROTOOPT,
//! reported as Unsupported. Solaris's sources are closed: the interval and count
//! limits are assumed to match illumos, whose code it shares (uncertain).

use libc::{IPPROTO_TCP, TCP_KEEPALIVE_THRESHOLD, TCP_KEEPCNT, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

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
};
