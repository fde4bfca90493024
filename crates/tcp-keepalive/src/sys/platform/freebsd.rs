//! FreeBSD: TCP_KEEPIDLE / TCP_KEEPINTVL in seconds, TCP_KEEPCNT any unsigned int.
//!
//! Source: FreeBSD sys/netinet/tcp_usrreq.c (tcp_ctloutput): times above
//! UINT_MAX / hz are EINVAL (hz is 1000 by default; a kernel with a smaller hz
//! accepts more, one with a larger hz less), 0 means "the sysctl default" (so 0 is
//! refused here). getsockopt returns the effective value, defaults included
//! (FreeBSD 10.1+; older kernels answer ENOPROTOOPT, read back as unknown).
//! tcp_syncache.c copies all three to an accepted socket. Not run on FreeBSD.

use super::IPPROTO_TCP;
use crate::sys::table::{Platform, TcpOption};

pub(crate) const SOL_SOCKET: i32 = 0xffff;
pub(crate) const SO_KEEPALIVE: i32 = 0x8;
pub(crate) const ENOPROTOOPT: i32 = 42;
const TCP_KEEPIDLE: i32 = 0x100;
const TCP_KEEPINTVL: i32 = 0x200;
const TCP_KEEPCNT: i32 = 0x400;
same_as_libc!(SOL_SOCKET, SO_KEEPALIVE, ENOPROTOOPT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT);

const MAX_SECONDS: u32 = u32::MAX / 1000;

pub(crate) const PLATFORM: Platform = Platform {
    os: "FreeBSD",
    idle: Some(TcpOption::seconds("TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, 1, MAX_SECONDS)),
    interval: Some(TcpOption::seconds("TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, 1, MAX_SECONDS)),
    retries: Some(TcpOption::count("TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, 1, i32::MAX as u32)),
    user_timeout: None,
    host_clamps_silently: false,
};
