//! WASI preview 2, through wasi-libc, which maps these options onto
//! wasi:sockets/tcp (keep-alive-idle-time, -interval, -count). wasi-libc takes
//! seconds and the host refuses 0. Source: the wasi:sockets tcp.wit interface;
//! the host's own limits are unknown (uncertain), not run under a WASI host.

use libc::{IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL};

use crate::sys::table::{Platform, TcpOption};

const MAX: u32 = i32::MAX as u32;

pub(crate) const PLATFORM: Platform = Platform {
    os: "WASI",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, MAX)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, MAX)),
    user_timeout: None,
};
