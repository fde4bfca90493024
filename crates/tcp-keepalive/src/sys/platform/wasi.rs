//! WASI preview 2, through wasi-libc, which maps these options onto
//! wasi:sockets/tcp (keep-alive-idle-time, -interval, -count). wasi-libc takes
//! seconds and the host refuses 0. Source: the wasi:sockets tcp.wit interface,
//! which lets the host "clamp and/or round" these values. The host's limits are
//! its own, so the table allows any C int and every value set is read back:
//! under wasmtime on Linux, retries 1000 reads back 127 and idle 100000 s
//! reads back 32767 s, both with success (run under wasmtime 49 by
//! scripts/run-targets).

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

// wasi-libc's own numbers: its socket level is not a Linux or BSD one.
pub(crate) const SOL_SOCKET: i32 = 0x7fff_ffff;
pub(crate) const SO_KEEPALIVE: i32 = 9;
pub(crate) const ENOPROTOOPT: i32 = 50;
const TCP_KEEPIDLE: i32 = 4;
const TCP_KEEPINTVL: i32 = 5;
const TCP_KEEPCNT: i32 = 6;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT);

const MAX: u32 = i32::MAX as u32;

pub(crate) const PLATFORM: Platform = Platform {
    os: "WASI",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, MAX)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, MAX)),
    user_timeout: None,
    host_clamps_silently: true,
};
