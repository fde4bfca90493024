//! Solaris. The idle time uses TCP_KEEPALIVE_THRESHOLD (milliseconds, 10 s to
//! 10 days), which every release has. TCP_KEEPINTVL / TCP_KEEPCNT exist from
//! 11.4 on, with numbers that differ from illumos; older kernels answer
//! ENOPROTOOPT, reported as Unsupported.

use libc::{IPPROTO_TCP, TCP_KEEPALIVE_THRESHOLD, TCP_KEEPCNT, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

const TEN_DAYS: u32 = 10 * 24 * 3600;

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
        TEN_DAYS,
    )),
    retries: Some(TcpOption::count(
        "TCP_KEEPCNT",
        IPPROTO_TCP,
        TCP_KEEPCNT,
        1,
        i32::MAX as u32,
    )),
    user_timeout: None,
};
