//! illumos: TCP_KEEPIDLE (34), TCP_KEEPCNT (35), TCP_KEEPINTVL (36), in seconds.
//! TCP_KEEPALIVE exists in the headers but fails with ENOPROTOOPT.
//! The idle time must lie in the kernel's keepalive interval range, 10 s to 10 days.

use libc::{IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

const TEN_DAYS: u32 = 10 * 24 * 3600;

pub(crate) const PLATFORM: Platform = Platform {
    os: "illumos",
    idle: Some(TcpOption::seconds(
        "TCP_KEEPIDLE",
        IPPROTO_TCP,
        TCP_KEEPIDLE,
        10,
        TEN_DAYS,
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
