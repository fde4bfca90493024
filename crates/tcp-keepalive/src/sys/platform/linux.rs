//! Linux, Android and Fuchsia (which follows Linux's numbering). Limits from
//! include/net/tcp.h: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL (32767 s), MAX_TCP_KEEPCNT (127).
//! TCP_USER_TIMEOUT is a C int of milliseconds; negative is EINVAL.
//! Kernel-tested on Linux 6.18 (limits, read-back of defaults, inheritance on
//! accept). Fuchsia's netstack3 limits were not verified (uncertain).

use libc::{IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_USER_TIMEOUT};

use crate::sys::table::{Platform, TcpOption};

pub(crate) const PLATFORM: Platform = Platform {
    os: if cfg!(target_os = "android") {
        "Android"
    } else if cfg!(target_os = "fuchsia") {
        "Fuchsia"
    } else {
        "Linux"
    },
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, 32_767)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, 32_767)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, 127)),
    user_timeout: Some(TcpOption::millis(
        "TCP_USER_TIMEOUT",
        IPPROTO_TCP,
        TCP_USER_TIMEOUT,
        1,
        i32::MAX as u32,
    )),
};
