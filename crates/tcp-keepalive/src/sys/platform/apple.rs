//! macOS, iOS, tvOS, watchOS, visionOS. On Apple systems `TCP_KEEPALIVE` is the
//! idle time. xnu refuses times above UINT32_MAX / TCP_RETRANSHZ (1000) seconds.
//! An accepted socket inherits interval and count from its listener, not the idle time.

use libc::{IPPROTO_TCP, TCP_KEEPALIVE, TCP_KEEPCNT, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

const MAX_SECONDS: u32 = u32::MAX / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "Apple systems",
    idle: Some(TcpOption::seconds(
        "TCP_KEEPALIVE",
        IPPROTO_TCP,
        TCP_KEEPALIVE,
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
