//! Linux, Android and Fuchsia (which follows Linux's numbering). Limits from
//! include/net/tcp.h: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL (32767 s), MAX_TCP_KEEPCNT (127).
//! TCP_USER_TIMEOUT is a C int of milliseconds; negative is EINVAL.
//! Kernel-tested on Linux 6.18 (limits, read-back of defaults, inheritance on
//! accept). Fuchsia's netstack3 limits were not verified (uncertain).
//!
//! The socket level's numbers are the asm-generic ones, except on mips and sparc,
//! where Linux kept the numbers of the Unix it first had to be compatible with.

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

const MIPS: bool = cfg!(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "mips32r6",
    target_arch = "mips64r6"
));
const SPARC: bool = cfg!(any(target_arch = "sparc", target_arch = "sparc64"));

pub(crate) const SOL_SOCKET: i32 = if MIPS || SPARC { 0xffff } else { 1 };
pub(crate) const SO_KEEPALIVE: i32 = if MIPS || SPARC { 8 } else { 9 };
pub(crate) const ENOPROTOOPT: i32 = if MIPS {
    99
} else if SPARC {
    42
} else {
    92
};
const TCP_KEEPIDLE: i32 = 4;
const TCP_KEEPINTVL: i32 = 5;
const TCP_KEEPCNT: i32 = 6;
const TCP_USER_TIMEOUT: i32 = 18;
same_as_libc!(
    SOL_SOCKET,
    SO_KEEPALIVE,
    ENOPROTOOPT,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_USER_TIMEOUT
);

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
    host_clamps_silently: false,
};
