//! NetBSD: TCP_KEEPIDLE (3), TCP_KEEPINTVL (5), TCP_KEEPCNT (6), in seconds.
//! NetBSD also defines TCP_KEEPALIVE, which fails with ENOPROTOOPT: never use it.

use libc::{IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

const MAX_SECONDS: u32 = u32::MAX / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "NetBSD",
    idle: Some(TcpOption::seconds(
        "TCP_KEEPIDLE",
        IPPROTO_TCP,
        TCP_KEEPIDLE,
        1,
        MAX_SECONDS,
    )),
    interval: Some(TcpOption::seconds(
        "TCP_KEEPINTVL",
        IPPROTO_TCP,
        TCP_KEEPINTVL,
        1,
        MAX_SECONDS,
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
